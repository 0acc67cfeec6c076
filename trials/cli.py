"""``trials`` on the command line: refresh, search, export, show, import.

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
from pathlib import Path

import pandas as pd

from . import finder, plain
from .api import normalise_nct_id
from .config import Settings
from .errors import ApiError, InputError, TrialsError
from .export import write_csv
from .detail import card_text, study_card
from .filters import Filters, apply, make_filters
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
    parser.add_argument("--offline", action="store_true",
                        help="use the local store only; do not ask ClinicalTrials.gov")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trials",
        description="Find multiple sclerosis stem-cell therapy trials on ClinicalTrials.gov.",
        epilog="Settings: TRIALS_API_URL (default https://clinicaltrials.gov/api/v2), "
               "TRIALS_CACHE_DIR (default cache/).",
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

    load = commands.add_parser("import", help="load a ClinicalTrials.gov JSON download",
                               description="Load a JSON download from ClinicalTrials.gov (the "
                               "website's Download -> JSON, or an API answer) into the local "
                               "store, for networks that cannot reach the API.")
    load.add_argument("file", type=Path)
    return parser


def _say(text: str) -> None:
    print(plain.terminal_safe(text), file=sys.stderr)


def _out(text: str) -> None:
    print(plain.terminal_safe(text))


def _progress(stage: str, done: int, total: int | None) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    if total:
        filled = min(width, width * done // total)
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    else:
        bar = f"{done}"
    print(f"\r{stage}: {bar}", end="", file=sys.stderr, flush=True)


def _refresh(settings: Settings, full: bool) -> None:
    result = finder.refresh(settings, full=full, progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if result.mode == "unchanged":
        _say(f"Already up to date: ClinicalTrials.gov data of {result.data_timestamp} "
             f"({result.requests} request).")
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
    """The stored data, refreshed first when it is over a day old and we may go online."""
    snapshot = finder.load(settings)
    if snapshot.notice:
        _say(snapshot.notice)
    if offline or not snapshot.is_stale():
        return snapshot
    try:
        finder.refresh(settings)
    except ApiError as exc:
        if snapshot.info.is_empty:
            raise ApiError(f"{exc} No data is stored yet: try again later, or load a "
                           "ClinicalTrials.gov JSON download with `trials import FILE`.") from None
        _say(f"{exc} Showing stored data. " + plain.store_age(snapshot.info))
        return snapshot
    return finder.load(settings)


def _filtered(
    args: argparse.Namespace, settings: Settings
) -> tuple[pd.DataFrame, Filters, finder.Snapshot]:
    filters = make_filters(args.therapy, args.status, args.phase, args.study_type,
                           args.country, args.text)
    snapshot = _snapshot(settings, args.offline)
    if snapshot.info.is_empty:
        raise InputError("No data yet: run `trials refresh`, or `trials import FILE` "
                         "with a ClinicalTrials.gov JSON download.")
    return apply(snapshot.table, filters), filters, snapshot


def _search(args: argparse.Namespace, settings: Settings) -> None:
    df, filters, snapshot = _filtered(args, settings)
    _out(plain.store_age(snapshot.info))
    _out(summarize(df).text + ".")
    if df.empty:
        _out(explain_empty(snapshot.table, filters))
        return
    width = shutil.get_terminal_size((120, 20)).columns
    shown = pd.DataFrame({
        "NCT id": df["nct_id"],
        "Therapy": df["therapy_types"],
        "Status": df["status_group"],
        "Phase": df["phases"].str.replace("PHASE", "", regex=False),
        "Countries": df["countries"].str.slice(0, 24),
        "Title": df["title"],
    }).map(plain.terminal_safe)  # before the layout, so columns stay aligned
    title_room = max(20, width - 80)
    shown["Title"] = shown["Title"].map(lambda t: t if len(t) <= title_room else t[: title_room - 1] + "…")
    _out(shown.to_string(index=False, max_colwidth=title_room))


def _export(args: argparse.Namespace, settings: Settings) -> None:
    df, filters, snapshot = _filtered(args, settings)
    write_csv(df, args.output)
    if df.empty:
        _say(explain_empty(snapshot.table, filters))
    _say(f"Wrote {len(df)} studies to {args.output}. " + plain.store_age(snapshot.info))


def _show(args: argparse.Namespace, settings: Settings) -> None:
    ids = [normalise_nct_id(i) for i in args.nct_ids]
    snapshot = _snapshot(settings, args.offline)
    store = finder.open_store(settings)
    for nct_id in ids:
        stored = store.study(nct_id)
        if stored is None:
            raise InputError(f"{nct_id} is not in the local data (it holds the MS studies "
                             "of ClinicalTrials.gov; run `trials refresh` to update it).")
        _out(card_text(study_card(stored)) + "\n")
    _out(plain.store_age(snapshot.info))


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
        elif args.command == "import":
            _say(finder.import_file(settings, args.file).text)
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
