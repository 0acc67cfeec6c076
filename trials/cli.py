"""``trials`` on the command line: refresh, search, export, show, feed, compare, import,
check, snapshot.

Every error a user can cause or meet ends in one readable line on stderr and
a non-zero exit, never a traceback. Registry text reaches the terminal only through
``_out`` and ``_say``, which strip escape sequences and control characters.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from . import changes, compare, finder, nearby, plain
from .api import normalise_nct_id
from .classify import FOLLOWS, GIVES, LAB_ONLY
from .config import Settings
from .errors import ApiError, InputError, TrialsError, UpdateRunning
from .export import write_csv
from .detail import card_text, study_card
from .filters import Filters, apply, make_filters
from .prescreen import add_fit, make_profile
from .summary import explain_empty, summarize


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (repeat an option to allow several values)")
    group.add_argument("--therapy", action="append", default=[], metavar="TYPE",
                       help="HSCT, MSC, iPSC or other (default: every stem-cell type)")
    group.add_argument("--status", action="append", default=[], metavar="VALUE",
                       help='an API status such as RECRUITING, or a group such as "Recruiting now"')
    group.add_argument("--phase", action="append", default=[], metavar="PHASE",
                       help="EARLY_PHASE1, PHASE1 ... PHASE4, NA (or 1-4)")
    group.add_argument("--type", action="append", default=[], dest="study_type",
                       metavar="TYPE", help="INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS")
    group.add_argument("--country", action="append", default=[], metavar="NAME",
                       help='a country as the registry writes it, e.g. "United States"')
    group.add_argument("--text", default="", help="words that must all appear (title, "
                       "conditions, interventions, sponsor, sites)")
    group.add_argument("--gives-therapy", action="store_true",
                       help="only studies whose participants receive the therapy (not follow-ups "
                            "of people treated before)")
    screen = parser.add_argument_group(
        "pre-screen (any of these adds the columns fit and fit_reasons: 'likely fits', 'does not "
        "fit' or 'ask your neurologist'; only the study team decides who takes part)")
    screen.add_argument("--age", metavar="N", help="your age in whole years")
    screen.add_argument("--sex", metavar="female|male")
    screen.add_argument("--ms-type", metavar="RRMS|SPMS|PPMS|CIS", dest="ms_type")
    screen.add_argument("--edss", metavar="X", help="your EDSS score, 0 to 10 in steps of 0.5")
    near = parser.add_argument_group(
        "near me (adds the columns distance_km, distance_approximate, nearest_site, "
        "nearest_site_status, nearest_site_contact; nearest first)")
    near.add_argument("--near", metavar='"CITY, COUNTRY"',
                      help='where you are, e.g. "Milan, Italy", a city alone, or a country; '
                           "looked up offline (GeoNames cities over 15,000 people)")
    near.add_argument("--within", metavar="KM",
                      help="only studies with a recruiting or not-yet-recruiting site this close")
    parser.add_argument("--since", metavar="YYYY-MM-DD",
                        help="add the column changed: new studies and status changes seen since then")
    parser.add_argument("--offline", action="store_true",
                        help="use the local store only; do not ask ClinicalTrials.gov")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trials",
        description="Find multiple sclerosis stem-cell therapy trials on ClinicalTrials.gov.",
        epilog="Settings: TRIALS_API_URL (default https://clinicaltrials.gov/api/v2), "
               "TRIALS_CACHE_DIR (default cache/), TRIALS_REQUEST_INTERVAL (default 1 s), "
               "TRIALS_USER_AGENT.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    refresh = commands.add_parser("refresh", help="update the local store from ClinicalTrials.gov",
                                  description="Update the local store from ClinicalTrials.gov. "
                                  "Asks only for what changed since the last refresh.")
    refresh.add_argument("--full", action="store_true",
                         help="list every MS study again and drop those no longer listed")

    search = commands.add_parser("search", help="print matching studies as a table",
                                 description="Print the MS stem-cell studies that match.")
    _add_filters(search)

    export = commands.add_parser("export", help="write matching studies to a CSV file",
                                 description="Write the matching studies to CSV (UTF-8 with "
                                 "BOM, safe to open in a spreadsheet).")
    _add_filters(export)
    export.add_argument("--output", "-o", required=True, type=Path, metavar="FILE.csv")

    show = commands.add_parser("show", help="print one study in full",
                               description="Print one or more studies in full.")
    show.add_argument("nct_ids", nargs="+", metavar="NCT...")
    show.add_argument("--offline", action="store_true",
                      help="use the local store only; do not ask ClinicalTrials.gov")

    feed = commands.add_parser("feed", help="write new studies and status changes as an Atom feed",
                               description="Write the new studies and status changes the local "
                               "store recorded between refreshes as an Atom feed, one entry per "
                               "change, for any feed reader.")
    feed.add_argument("--output", "-o", required=True, type=Path, metavar="FILE.xml")
    feed.add_argument("--since", metavar="YYYY-MM-DD", help="only changes seen since then")
    feed.add_argument("--offline", action="store_true",
                      help="use the local store only; do not ask ClinicalTrials.gov")

    compare = commands.add_parser("compare", help="2 to 4 studies side by side",
                                  description="Print 2 to 4 studies side by side, or write them "
                                  "to CSV.")
    compare.add_argument("nct_ids", nargs="+", metavar="NCT...",
                         help="the studies, e.g. NCT04047628 NCT03477500 (or NCT1,NCT2)")
    compare.add_argument("--near", metavar='"CITY, COUNTRY"', help="add each study's nearest open site")
    compare.add_argument("--output", "-o", type=Path, metavar="FILE.csv")
    compare.add_argument("--offline", action="store_true",
                         help="use the local store only; do not ask ClinicalTrials.gov")

    load = commands.add_parser("import", help="load a ClinicalTrials.gov JSON download",
                               description="Load a JSON download from ClinicalTrials.gov (the "
                               "website's Download -> JSON, or an API answer) into the local "
                               "store, for networks that cannot reach the API.")
    load.add_argument("file", type=Path)

    commands.add_parser("check", help="smoke-test the live ClinicalTrials.gov API",
                        description="Ask ClinicalTrials.gov for /version, one listing page and "
                        "one full record, and check the field names this program requests "
                        "against /studies/metadata. For maintainers, from a deployment host.")

    snapshot = commands.add_parser("snapshot", help="write the bundled snapshot from the store",
                                   description="Write the store's MS stem-cell studies as the "
                                   "snapshot shipped in the package (shown only while the store is "
                                   "empty and ClinicalTrials.gov cannot be reached).")
    snapshot.add_argument("--output", "-o", type=Path, metavar="FILE.json.gz",
                          help="default: the package's own, trials/data/snapshot.json.gz")
    return parser


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
        if stage != self._stage:
            self.close()
            self._bar, self._stage = tqdm(desc=stage, total=total, file=sys.stderr), stage
        if total is not None:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _refresh(settings: Settings, full: bool) -> None:
    bar = _ProgressBar()
    notice = finder.store_notice(settings)
    if notice:
        _say(notice)
    try:
        result = finder.refresh(settings, full=full, progress=bar)
    finally:
        bar.close()
    if result.mode == "unchanged":
        _say(f"Already up to date: ClinicalTrials.gov data of {result.data_timestamp} "
             f"({result.requests} request).")
    elif result.mode == "done by another update":
        _say("Another update finished while this one waited: ClinicalTrials.gov data of "
             f"{result.data_timestamp} (no request needed).")
    else:
        _say(f"Refreshed ({result.mode}): {result.listed} MS studies listed, "
             f"{result.detailed} stem-cell candidates fetched in full, "
             f"{result.status_changes} status changes; {result.requests} requests, "
             f"{result.bytes_received / 1024:.0f} KiB. Data as of {result.data_timestamp}.")
    if result.dropped:
        _say(f"Removed {result.dropped} studies that ClinicalTrials.gov no longer lists.")
    if result.still_imported:
        _say(f"{result.still_imported} studies from an imported file are kept as imported; "
             "`trials refresh --full` checks them against ClinicalTrials.gov.")


def _snapshot(settings: Settings, offline: bool) -> finder.Snapshot:
    """The stored data, refreshed first when it is over a day old and we may go online.

    With stored data, ClinicalTrials.gov gets a short budget (an interactive command
    should not hang on a slow API); with none, the refresh is patient. With none and
    no API, the bundled snapshot stands in, labelled as such.
    """
    snapshot = finder.load(settings)
    if snapshot.notice:
        _say(snapshot.notice)
    if offline:
        return _or_bundled(snapshot, "--offline: ClinicalTrials.gov was not asked.")
    if not snapshot.is_stale():
        return snapshot
    empty = snapshot.info.is_empty
    try:
        if empty:
            finder.refresh(settings)
        else:
            finder.refresh(settings, automatic=True, budget=finder.INTERACTIVE_BUDGET)
    except (ApiError, UpdateRunning) as exc:
        if empty:
            return _or_bundled(snapshot, str(exc), raise_error=exc)
        _say(f"{exc} Showing stored data. {snapshot.age}")
        return snapshot
    return finder.load(settings)


def _or_bundled(snapshot: finder.Snapshot, why: str,
                raise_error: TrialsError | None = None) -> finder.Snapshot:
    """An empty store's stand-in: the bundled snapshot, said out loud."""
    if not snapshot.info.is_empty:
        return snapshot
    shipped = finder.load_bundled()
    if shipped is None:
        if raise_error is not None:
            raise type(raise_error)(
                f"{raise_error} No data is stored yet: try again later, or load a "
                "ClinicalTrials.gov JSON download with `trials import FILE`.") from None
        return snapshot
    _say(f"{why} {shipped.age}")
    return shipped


@dataclass(frozen=True)
class Found:
    df: pd.DataFrame
    filters: Filters
    snapshot: finder.Snapshot
    near: nearby.Near | None  # when --near was given


def _filtered(args: argparse.Namespace, settings: Settings) -> Found:
    filters = make_filters(args.therapy, args.status, args.phase, args.study_type,
                           args.country, args.text, args.gives_therapy)
    profile = make_profile(args.age, args.sex, args.ms_type, args.edss)  # bad input fails before any work
    if args.within and not args.near:
        raise InputError('--within needs --near, e.g. --near "Milan, Italy" --within 500.')
    nearby.parse_within(args.within)
    changes.parse_since(args.since)
    snapshot = _stored(settings, args.offline)
    df = apply(snapshot.table, filters)
    if args.since:
        df = changes.mark_changed(df, finder.changes(snapshot, args.since))
    if not profile.is_empty:
        df = add_fit(df, snapshot.criteria, profile)
    near = finder.near(snapshot, df, args.near, args.within) if args.near else None
    return Found(near.table if near else df, filters, snapshot, near)


def _stored(settings: Settings, offline: bool) -> finder.Snapshot:
    snapshot = _snapshot(settings, offline)
    if snapshot.info.is_empty:
        raise InputError("No data yet: run `trials refresh`, or `trials import FILE` "
                         "with a ClinicalTrials.gov JSON download.")
    return snapshot


# Short words for the terminal table; the CSV keeps the full role.
ROLE_SHORT = {GIVES: "gives", FOLLOWS: "follow-up", LAB_ONLY: "lab"}


def _search(args: argparse.Namespace, settings: Settings) -> None:
    found = _filtered(args, settings)
    df, filters, snapshot = found.df, found.filters, found.snapshot
    _out(snapshot.age)
    if found.near:
        _out(found.near.message)
    _out(summarize(df).text + ".")
    if df.empty:
        if not found.near:
            _out(explain_empty(snapshot.table, filters))
        return
    width = shutil.get_terminal_size((120, 20)).columns
    near = found.near is not None
    shown = pd.DataFrame({
        **({"Km": df["distance_km"].map(lambda d: "" if pd.isna(d) else f"{d:,}"),
            "~": df["distance_approximate"].map({"yes": "~", "no": ""})} if near else {}),
        **({"Fit": df["fit"]} if "fit" in df else {}),
        **({"Changed": df["changed"].str.slice(0, 30)} if "changed" in df else {}),
        "NCT id": df["nct_id"],
        "Therapy": df["therapy_types"],
        "Role": df["study_role"].map(ROLE_SHORT),
        "Status": df["status_group"],
        "Phase": df["phases"].str.replace("PHASE", "", regex=False),
        "Countries": df["countries"].str.slice(0, 24),
        "Title": df["title"],
    }).map(plain.terminal_safe)  # before the layout, so columns stay aligned
    title_room = max(20, width - 80 - 25 * ("fit" in df) - 12 * near - 32 * ("changed" in df))
    shown["Title"] = shown["Title"].map(lambda t: t if len(t) <= title_room else t[: title_room - 1] + "…")
    _out(shown.to_string(index=False, max_colwidth=title_room))
    if "fit" in df:
        _out("\nFit is a pre-screen against the published limits on age, sex, MS type and EDSS, "
             "not a decision: only the study team decides who takes part. The reasons, criterion "
             "by criterion, are in `trials export` (column fit_reasons) and `trials show NCT...`.")
    if near:
        _out("\nKm: distance to the study's nearest recruiting or not-yet-recruiting site; ~ means "
             "approximate (to the centre of the site's city). The site, its status and contact are "
             "in `trials export` (columns nearest_site, nearest_site_status, nearest_site_contact).")


def _export(args: argparse.Namespace, settings: Settings) -> None:
    found = _filtered(args, settings)
    df, snapshot = found.df, found.snapshot
    write_csv(df, args.output)
    if found.near:
        _say(found.near.message)
    elif df.empty:
        _say(explain_empty(snapshot.table, found.filters))
    _say(f"Wrote {len(df)} studies to {args.output}. {snapshot.age}")


def _feed(args: argparse.Namespace, settings: Settings) -> None:
    changes.parse_since(args.since)
    snapshot = _stored(settings, args.offline)
    found = finder.changes(snapshot, args.since)
    try:
        args.output.write_bytes(finder.feed(snapshot, args.since))
    except OSError as exc:
        raise InputError(f"Cannot write {args.output}: {exc.strerror}.") from None
    _say(f"Wrote {len(found)} changes to {args.output} (Atom). {snapshot.age}")


def _compare(args: argparse.Namespace, settings: Settings) -> None:
    compare.parse_ids(args.nct_ids)  # bad ids fail before any work
    snapshot = _stored(settings, args.offline)
    table = finder.compare(settings, snapshot, args.nct_ids, args.near)
    age = snapshot.age
    if args.output:
        write_csv(table, args.output)
        _say(f"Wrote {len(table.columns) - 1} studies side by side to {args.output}. {age}")
        return
    width = shutil.get_terminal_size((120, 20)).columns
    room = max(20, (width - 32) // (len(table.columns) - 1) - 2)
    shown = table.set_index("question").map(lambda t: t if len(t) <= room else t[: room - 1] + "…")
    shown.index.name = None
    _out(shown.to_string(max_colwidth=room))
    _out(age)


def _show(args: argparse.Namespace, settings: Settings) -> None:
    ids = [normalise_nct_id(i) for i in args.nct_ids]
    snapshot = _snapshot(settings, args.offline)
    for nct_id in ids:
        stored = finder.study(settings, nct_id)
        if stored is None:
            raise InputError(f"{nct_id} is not in the local data (it holds the MS studies "
                             "of ClinicalTrials.gov; run `trials refresh` to update it).")
        _out(card_text(study_card(stored)) + "\n")
    _out(snapshot.age)


def _check(settings: Settings) -> int:
    print(f"Checking {settings.api_url} as {settings.user_agent!r}")
    checks = finder.check(settings)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "refresh":
            _refresh(settings, args.full)
        elif args.command == "search":
            _search(args, settings)
        elif args.command == "export":
            _export(args, settings)
        elif args.command == "show":
            _show(args, settings)
        elif args.command == "feed":
            _feed(args, settings)
        elif args.command == "compare":
            _compare(args, settings)
        elif args.command == "import":
            _say(finder.import_file(settings, args.file).text)
        elif args.command == "check":
            return _check(settings)
        elif args.command == "snapshot":
            count = finder.write_bundled(settings, args.output)
            _say(f"Wrote {count} MS stem-cell studies to "
                 f"{args.output or 'the package snapshot, trials/data/snapshot.json.gz'}.")
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        # The reader went away (`trials search | head -2`): stop quietly, as `cat` does.
        # Python would flush stdout again at exit and complain, so point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command cut off this way
    except TrialsError as exc:
        _say(f"trials: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("trials: interrupted; the local store is unchanged.")
        return 130
    return 0
