"""What each ``trials`` command does, and how it prints (``trials.cli`` reads the
command line). A thin layer over the public API (``trials``): it reads options into a
``Query``, calls ``search`` and formats the ``Result``.

Every error a user can cause or meet ends in one readable line on stderr and a non-zero
exit, never a traceback. Registry text reaches the terminal only through ``_out`` and
``_say``, which strip escape sequences and control characters.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

import pandas as pd
import shtab
from tqdm import tqdm

import trials
from trials import catalog, cli
from trials.config import without_credentials
from trials.presentation import detail, export, plain, sheet
from trials.registries import RefreshResult


def _say(text: str) -> None:
    print(plain.terminal_safe(text), file=sys.stderr)


def _out(text: str) -> None:
    print(plain.terminal_safe(text))


class _ProgressBar:
    """A tqdm bar per refresh stage, on a terminal only (nothing in pipes and logs)."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None or stage != self._stage:
            self.close()
            self._bar, self._stage = tqdm(desc=stage, total=total, file=sys.stderr), stage
        if total is not None:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _refresh(settings: trials.Settings, full: bool) -> int:
    """Refresh and report each registry; 1 when one of them could not be refreshed (the others
    were, and it keeps its stored trials), so a script can tell."""
    bar = _ProgressBar()
    notice = trials.store_notice(settings)
    if notice:
        _say(notice)
    try:
        result = trials.refresh(settings, full=full, progress=bar)
    finally:
        bar.close()
    for one in (result, *result.others):
        _report(one)
    for problem in result.problems:
        _say(problem)
    return 1 if result.problems else 0


def _report(result: RefreshResult) -> None:
    """What one registry's refresh did, in a few lines."""
    name = result.registry
    if result.mode == "unchanged":
        _say(f"Already up to date: {name} data of {result.data_timestamp} "
             f"({plain.count(result.requests, 'request', 'requests')}).")
    elif result.mode == "done by another update":
        _say("Another update finished while this one waited (no request needed).")
    else:
        # ISRCTN's listing carries whole records: every trial listed came in full.
        full = ("all of them in full" if result.detailed == result.listed and result.listed
                else f"{result.detailed} stem-cell candidates fetched in full")
        _say(f"Refreshed {name} ({result.mode}): {result.listed} MS studies listed, {full}, "
             f"{result.status_changes} status changes; {result.requests} requests, "
             f"{result.bytes_received / 1024:.0f} KiB. Data as of {result.data_timestamp}.")
    if result.dropped:
        _say(f"Removed {result.dropped} studies that {name} no longer lists.")
    if result.skipped:
        _say(f"Not stored, as no valid study record: {plain.count(result.skipped, 'record', 'records')} "
             f"from {name} ({result.why_skipped}); the copy stored before is kept."
             + (f" {plain.count(result.unnamed, 'record has', 'records have')} no valid id and could be any "
                "stored study, so no study was removed by this refresh." if result.unnamed else ""))
    if result.still_imported:
        _say(f"{result.still_imported} studies from an imported file are kept as imported; "
             f"`trials refresh --full` checks them against {name}.")


def _data(settings: trials.Settings, offline: bool) -> trials.Current:
    """The data to use, with what must be said about it on stderr; an error when there is none."""
    data = trials.current(settings, offline=offline)
    for notice in data.notices:
        if notice.level == "error":
            raise trials.InputError(notice.text)
        _say(notice.text)
    if data.snapshot.is_empty:
        raise trials.InputError(trials.NO_DATA)
    return data


def _asked(args: argparse.Namespace) -> tuple[trials.Query, tuple[str, ...]]:
    """The query the options (or ``--link``) ask for, and what a link asked for that cannot
    be used. An option's bad value is an error, before any work."""
    if args.link:
        if trials.Query.from_cli(args) != trials.Query():
            raise trials.InputError("--link gives the whole search: leave out the other filter options.")
        return trials.Query.from_url(args.link)
    return trials.Query.from_cli(args), ()


def _check_unused(args: argparse.Namespace, found: tuple[trials.Unused, ...], unused: tuple[str, ...]) -> None:
    """A link's unusable values are named on stderr and left out, as the page does; an
    option's are errors."""
    if not args.link and found:
        raise trials.InputError(" ".join(u.error for u in found))
    for notice in (*unused, *(u.text for u in found)):
        _say(notice)


def _found(args: argparse.Namespace, settings: trials.Settings) -> trials.Result:
    """The search the options (or ``--link``) ask for."""
    query, unused = _asked(args)
    result = trials.search(_data(settings, args.offline).snapshot, query)
    _check_unused(args, result.unused, unused)
    return result


# Short words for the terminal table; the CSV keeps the full role.
ROLE_SHORT = {"gives therapy": "gives", "follows treated people": "follow-up", "lab only": "lab"}


def _search(args: argparse.Namespace, settings: trials.Settings) -> None:
    result = _found(args, settings)
    df = result.rows
    if args.format == "json":
        notes = [n for n in (result.near.message if result.near else "", result.empty or "") if n]
        export.write_file(export.STDOUT, export.json_bytes(export.records(df), result.age, notes))
        return
    _out(result.age)
    if result.near:
        _out(result.near.message)
    _out(result.summary + ".")
    if df.empty:
        if result.empty:
            _out(result.empty)
        return
    width = shutil.get_terminal_size((120, 20)).columns
    near = result.near is not None
    changed = bool(df["changed"].astype(bool).any())
    fit = "fit" in df
    shown = pd.DataFrame({
        **({"Km": df["distance_km"].map(lambda d: "" if pd.isna(d) else f"{d:,}"),
            "~": df["distance_approximate"].map(lambda v: "~" if v == "yes" else "")} if near else {}),
        **({"Fit": df["fit"]} if fit else {}),
        **({"Changed": df["changed"].str.slice(0, 30)} if changed else {}),
        "Study id": df["study_id"],
        "Therapy": df["therapy_types"],
        "Role": df["study_role"].map(ROLE_SHORT),
        "Status": df["status_group"] + df["status_caution"].map(lambda c: " (?)" if c else ""),
        "Updated": df["last_update"].str.slice(0, 10),
        "Phase": df["phases"].str.replace("EARLY_PHASE1", "Early 1", regex=False).str.replace("PHASE", "", regex=False),
        "Countries": df["countries"].str.slice(0, 24),
        "Title": df["title"],
    }).map(plain.terminal_safe)  # before the layout, so columns stay aligned
    title_room = max(20, width - 92 - 25 * fit - 12 * near - 32 * changed)
    shown["Title"] = shown["Title"].map(lambda t: t if len(t) <= title_room else t[: title_room - 1] + "…")
    _out(shown.to_string(index=False, max_colwidth=title_room))
    if df["status_caution"].astype(bool).any():
        _out("\n(?) after a status: it may be out of date (past the study's completion date, or not "
             "updated or verified for over a year). `trials show ID` says why and whom to ask.")
    if fit:
        _out("\nFit is a pre-screen against the published limits on age, sex, MS type and EDSS, "
             "not a decision: only the study team decides who takes part. The reasons, criterion "
             "by criterion, are in `trials export` (column fit_reasons) and `trials show NCT...`.")
    if near:
        _out("\nKm: distance to the study's nearest recruiting or not-yet-recruiting site; ~ means "
             "approximate (to the centre of the site's city). The site, its status and contact are "
             "in `trials export` (columns nearest_site, nearest_site_status, nearest_site_contact).")
    if changed:
        _out(f"\nChanged: {result.changes_line or 'what changed'} ({result.since.words}; `--since` "
             "sets another date).")


def _export(args: argparse.Namespace, settings: trials.Settings) -> None:
    result = _found(args, settings)
    export.write_csv(result.rows, args.output)
    if result.near:
        _say(result.near.message)
    elif result.empty:
        _say(result.empty)
    _say(f"Wrote {len(result.rows)} studies to {export.written_to(args.output)}. {result.age}")


def _feed(args: argparse.Namespace, settings: trials.Settings) -> None:
    since = trials.parse_since(args.since)  # a day or a moment: a feed reader's last visit
    snapshot = _data(settings, args.offline).snapshot
    found = trials.changes(snapshot, since)
    export.write_file(args.output, trials.atom(snapshot, found))
    _say(f"Wrote {len(found)} changes to {export.written_to(args.output)} (Atom). {snapshot.age}")


def _compare(args: argparse.Namespace, settings: trials.Settings) -> None:
    query = trials.Query(compare=trials.parse_compare(args.study_ids),  # bad ids fail before any work
                         near=trials.parse_place(args.near))
    result = trials.search(_data(settings, args.offline).snapshot, query)
    if result.unused:
        raise trials.InputError(" ".join(u.error for u in result.unused))
    table = result.comparison
    assert table is not None  # two or more known studies, or ``unused`` said why not
    if args.format == "json":  # one object per study: its answer to each question
        answers = table.set_index("question")
        data = export.json_bytes([{"study": column, **answers[column].to_dict()} for column in answers.columns],
                                 result.age)
        export.write_file(args.output or export.STDOUT, data)
        if args.output:
            _say(f"Wrote {len(answers.columns)} studies side by side to {export.written_to(args.output)} (JSON). "
                 f"{result.age}")
        return
    if args.output:
        export.write_csv(table, args.output)
        _say(f"Wrote {len(table.columns) - 1} studies side by side to {export.written_to(args.output)}. "
             f"{result.age}")
        return
    width = shutil.get_terminal_size((120, 20)).columns
    room = max(20, (width - 32) // (len(table.columns) - 1) - 2)
    shown = table.set_index("question").map(lambda t: t if len(t) <= room else t[: room - 1] + "…")
    shown.index.name = None
    _out(shown.to_string(max_colwidth=room))
    _out(result.age)


def _entry(settings: trials.Settings, data: trials.Current, study_id: trials.StudyId) -> trials.Entry:
    entry = trials.entry(settings, data, study_id)
    if entry is None:
        raise trials.InputError(f"{study_id} is not in the local data (it holds the MS studies "
                                f"of {catalog.names()}; run `trials refresh` to update it).")
    return entry


def _show(args: argparse.Namespace, settings: trials.Settings) -> None:
    ids = [trials.parse_study_id(i) for i in args.study_ids]
    data = _data(settings, args.offline)
    table = data.snapshot.table.set_index("study_id", drop=False)
    shown = []
    for study_id in ids:
        card = detail.study_card(_entry(settings, data, study_id))
        if args.format == "json":
            # The table's columns when the study is listed (a laboratory study is not), and the card.
            row = export.records(table.loc[[study_id.value]])[0] if study_id.value in table.index else {}
            shown.append({**row, "card": detail.card_data(card)})
        else:
            _out(detail.card_text(card) + "\n")
    if args.format == "json":
        export.write_file(export.STDOUT, export.json_bytes(shown, data.snapshot.age))
    else:
        _out(data.snapshot.age)


def _sheet(args: argparse.Namespace, settings: trials.Settings) -> None:
    study_id = trials.parse_study_id(args.study_id)  # a bad id fails before any work
    query, unused = _asked(args)
    data = _data(settings, args.offline)
    entry = _entry(settings, data, study_id)
    about = trials.about_one(data.snapshot, query, study_id.value)
    _check_unused(args, about.unused, unused)
    export.write_file(args.output, sheet.clinic_sheet(entry, about, paper=args.paper))
    _say(f"Wrote the sheet for {study_id} to {export.written_to(args.output)} (PDF, {args.paper}). {about.age}")


def _check(settings: trials.Settings) -> int:
    # A URL may carry a user and password (TRIALS_API_URL): never printed (issue 31).
    where = ", ".join(without_credentials(settings.url(code)) for code in settings.registries)
    print(f"Checking {where} as {settings.user_agent!r}")
    checks = trials.check(settings)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {without_credentials(check.detail)}")
    return 0 if all(c.ok for c in checks) else 1


def run(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; its exit status."""
    try:
        if args.command == "completion":  # needs no settings: a wrong one must not stop it
            _out(shtab.complete(cli.build_parser(), args.shell))
            return 0
        settings = trials.Settings.from_env()
        if args.command == "refresh":
            return _refresh(settings, args.full)
        elif args.command == "search":
            _search(args, settings)
        elif args.command == "export":
            _export(args, settings)
        elif args.command == "show":
            _show(args, settings)
        elif args.command == "sheet":
            _sheet(args, settings)
        elif args.command == "feed":
            _feed(args, settings)
        elif args.command == "compare":
            _compare(args, settings)
        elif args.command == "import":
            _say(plain.import_summary(trials.import_file(settings, args.file)))
        elif args.command == "check":
            return _check(settings)
        elif args.command == "bundle":
            count = trials.write_bundled(settings, args.output)
            _say(f"Wrote {count} MS stem-cell studies to "
                 f"{args.output or 'the package bundled data, trials/data/bundled.json.gz'}.")
        elif args.command == "serve":
            return trials.serve(args.host, args.port)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        # The reader went away (`trials search | head -2`): stop quietly, as `cat` does.
        # Python would flush stdout again at exit and complain, so point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a cut-off pipe
    except trials.TrialsError as exc:
        _say(f"trials: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("trials: interrupted; the local store is unchanged.")
        return 130
    return 0
