"""The context scope the classifier uses (hand-written, trials.analysis.context) next to medspacy's
ConText on the same cue file, on both wording sets and the real records.

Run from the repository root: ``python bench/context.py``. It needs medspacy, which on
Python 3.11 requires spaCy < 3.8 and so NumPy < 2, while the finder's pandas 3 needs NumPy 2:
run it from a separate virtual environment, e.g.

    python -m venv /tmp/ctx && /tmp/ctx/bin/pip install medspacy filelock httpx httpx-retries ijson platformdirs
    /tmp/ctx/bin/python bench/context.py

Both scopes get the same cues (``trials/data/context_cues.csv``), the same word forms (each
spaCy token's NORM is the finder's normalised word) and the same mentions; only how a cue's
scope is found differs: medspacy's ConText (sentences by PyRuSH, a scope to the sentence end or
``max_scope`` tokens, ``terminated_by`` for the categories that end a scope) against the
hand-written one (sentences by punctuation, windows counted in words). It prints the score of
each on each set, what they disagree on, and the time to classify every record.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import timed  # noqa: E402

from tests.support import evaluation as ev  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis import context, words  # noqa: E402
from trials.analysis.classify import classify  # noqa: E402
from trials.analysis.context import Category, Context  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402

_NOT_MODIFIERS = (Category.TERMINATE, Category.SEQUENCE, Category.PSEUDO)


def _medspacy_scope():
    """A drop-in for ``context.contexts`` that asks medspacy's ConText."""
    import medspacy
    from loguru import logger  # PyRuSH's logger: its per-token debug lines would drown the figures
    from medspacy.context import ConTextRule
    from spacy.util import filter_spans

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush"])

    def _norms(doc):  # the finder's word forms, so both scopes match the same cue words
        for token in doc:
            token.norm_ = words.normal(token.text)
        return doc

    with open(ROOT / "trials" / "data" / context.CUES_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ends = {c: {e.name for e in context._ENDS.get(c, ())} for c in Category}
    rules = []
    for row in rows:
        category = Category[row["category"]]
        pattern = [{"NORM": key} for key in words.keys(row["cue"])]
        if category is Category.TERMINATE:
            direction = "TERMINATE"
        elif category is Category.PSEUDO:
            direction = "PSEUDO"
        else:
            direction = {"forward": "FORWARD", "backward": "BACKWARD", "both": "BIDIRECTIONAL"}[row["direction"]]
        window = int(row["window"]) or None
        rules.append(ConTextRule(row["cue"], category.name, pattern=pattern, direction=direction,
                                 max_scope=window, terminated_by=ends[category] - {"TERMINATE"} or None))
    ctx = nlp.add_pipe("medspacy_context", config={"rules": None})
    ctx.add(rules)

    def contexts(text_words, spans):
        if not spans:
            return []
        text = [" "] * text_words[-1].end
        for t in text_words:
            text[t.start:t.end] = t.text
        doc = nlp.make_doc("".join(text))
        doc = _norms(doc)
        doc = nlp.get_pipe("medspacy_pyrush")(doc)
        ents = [doc.char_span(text_words[f].start, text_words[last - 1].end, label="TARGET",
                              alignment_mode="expand") for f, last in spans]
        kept = filter_spans([e for e in ents if e is not None])  # spaCy's tokens may join two mentions
        doc.ents = kept
        doc = ctx(doc)
        out = []
        for e in ents:
            e = next((k for k in kept if e is not None and k.start < e.end and e.start < k.end), None)
            found = () if e is None else tuple(
                (Category[m.category], doc[m.modifier_span[0]:m.modifier_span[1]].text)
                for m in e._.modifiers if Category[m.category] not in _NOT_MODIFIERS)
            out.append(Context(found))
        return out

    return contexts


def _score(name: str, wordings: list[ev.Wording]) -> list[tuple[str, tuple, str]]:
    got = [classify(read_study(w.as_study())) for w in wordings]
    labels, roles = ev.wording_scores(wordings, got)
    exact = sum(c.labels == w.expected and c.study_role == w.expected_role for w, c in zip(wordings, got, strict=True))
    worst = min(s.precision for s in labels + roles), min(s.recall for s in labels + roles)
    print(f"  {name:22} exact {exact}/{len(wordings)}  lowest precision {worst[0]:.3f}  lowest recall {worst[1]:.3f}")
    return [(w.id, c.labels, c.study_role) for w, c in zip(wordings, got, strict=True)]


def _time(studies) -> float:
    """Best of three passes over every record."""
    return min(timed(lambda: [classify(s) for s in studies])[0] for _ in range(3))


def main() -> int:
    try:
        medspacy_contexts = _medspacy_scope()
    except ImportError as exc:
        print(f"medspacy is not installed here ({exc}); see this script's docstring.", file=sys.stderr)
        return 1
    hand_written = context.contexts
    sets = {path.stem.replace("_", "-"): ev.load_wordings(path) for path in ev.wording_sets()}
    studies = [read_study(r.study) for r in ev.load_records(shared_dir() / "ctgov")]
    results = {}
    for scope, fn in (("hand-written", hand_written), ("medspacy ConText", medspacy_contexts)):
        context.contexts = fn
        print(f"\n{scope}")
        for name, wordings in sets.items():
            results[scope, name] = _score(name, wordings)
        results[scope, "records"] = [(str(s.id), classify(s).labels, classify(s).study_role) for s in studies]
        print(f"  {'real records':22} {len(studies)} classified in {_time(studies):.2f} s (best of 3)")
    context.contexts = hand_written
    for name in (*sets, "records"):
        pairs = zip(results["hand-written", name], results["medspacy ConText", name], strict=True)
        differ = [(a, b) for a, b in pairs if a != b]
        print(f"\n{name}: the scopes disagree on {len(differ)}")
        for a, b in differ[:15]:
            print(f"  {a[0]}: hand-written {'; '.join(a[1]) or '-'} / {a[2] or '-'};"
                  f" ConText {'; '.join(b[1]) or '-'} / {b[2] or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
