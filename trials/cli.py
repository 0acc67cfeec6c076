"""``trials`` on the command line: refresh, search, export, show, feed, compare, import,
check, bundle, serve and completion. This module reads the command line; ``trials.commands``
runs each command. It imports nothing heavy, so ``trials --help`` and ``trials --version``
answer at once (pandas, httpx and the rest load only when a command runs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import trials
from trials import catalog


def _add_query(parser: argparse.ArgumentParser, full: bool) -> None:
    if full:  # the query's options come from trials.query, which loads pandas
        trials.add_options(parser)
    parser.add_argument("--link", metavar="URL",
                        help="read the search from a page link instead of the options above "
                             "(forgivingly, as the page does: what it cannot use is named on stderr)")
    _add_offline(parser)


def _add_format(parser: argparse.ArgumentParser, readable: str, each: str = "the CSV's columns") -> None:
    parser.add_argument("--format", choices=(readable, "json"), default=readable,
                        help=f"{readable} for people (default), or json for programs: one object per "
                             f"study with {each}, and the data's age")


def _add_offline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true",
                        help="use the local store only; do not ask the registries")


def _version() -> str:
    try:
        return metadata.version("ms-stemcell-trials")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _port(text: str) -> int:
    """A TCP port: a number from 1 to 65535 (99999 made the server fail with a traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give a number from 1 to 65535")
    return value


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    """The command line. ``full=False`` leaves out the search options (they load pandas):
    enough for ``trials --help`` and ``--version``, which name no command."""
    parser = argparse.ArgumentParser(
        prog="trials",
        description=f"Find multiple sclerosis stem-cell therapy trials on {catalog.names()}.",
        epilog="Settings: " + "".join(f"{r.api_env} ({r.name}'s API, default {r.api_url}), "
                                      for r in catalog.CATALOG if r.api_env)
               + "TRIALS_REGISTRIES (which to ask; default all), "
               f"TRIALS_CACHE_DIR (default {trials.Settings().cache_dir}), "
               "TRIALS_REQUEST_INTERVAL (default 1 s), "
               "TRIALS_USER_AGENT.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    refresh = commands.add_parser("refresh", help="update the local store from the registries",
                                  description="Update the local store from each registry TRIALS_REGISTRIES names "
                                  f"({catalog.names(joined='or')}; all by default). Asks only for "
                                  "what changed since the last refresh; a registry that fails keeps its data.")
    refresh.add_argument("--full", action="store_true",
                         help="list every MS study again and drop those no longer listed")

    search = commands.add_parser("search", help="print matching studies as a table",
                                 description="Print the MS stem-cell studies that match.")
    _add_query(search, full)
    _add_format(search, "table")

    export_ = commands.add_parser("export", help="write matching studies to a CSV file",
                                  description="Write the matching studies to CSV (UTF-8 with "
                                  "BOM, safe to open in a spreadsheet; without the BOM on standard "
                                  "output, for pipes): the same file as the page's Download for the "
                                  "same search.")
    _add_query(export_, full)
    export_.add_argument("--output", "-o", required=True, type=Path, metavar="FILE.csv",
                         help="the CSV file to write; - for standard output")

    show = commands.add_parser("show", help="print one study in full",
                               description="Print one or more studies in full.")
    show.add_argument("study_ids", nargs="+", metavar="ID...")
    _add_format(show, "text", each="the CSV's columns and its card")
    _add_offline(show)

    sheet = commands.add_parser(
        "sheet", help="write a one-page PDF about one study, for the neurologist",
        description="Write a one-page sheet about one study to take to the neurologist: what it "
        "does and for whom, its status and the data's age, what it found, the nearest open site "
        "(with --near) or its contacts, questions to ask, and the registry link as text and QR "
        "code. Pre-screen answers (--age, --sex, --ms-type, --edss) are printed only when given.")
    sheet.add_argument("study_id", metavar="ID...")
    sheet.add_argument("--output", "-o", required=True, type=Path, metavar="FILE.pdf",
                       help="the PDF to write; - for standard output")
    sheet.add_argument("--paper", choices=("a4", "letter"), default="a4", help="paper size (default a4)")
    _add_query(sheet, full)

    feed = commands.add_parser("feed", help="write new studies and status changes as an Atom feed",
                               description="Write the new studies and status changes the local "
                               "store recorded between refreshes as an Atom feed, one entry per "
                               "change, for any feed reader.")
    feed.add_argument("--output", "-o", required=True, type=Path, metavar="FILE.xml",
                      help="the Atom file to write; - for standard output")
    feed.add_argument("--since", metavar="YYYY-MM-DD", help="only changes seen since then")
    _add_offline(feed)

    compare = commands.add_parser("compare", help="2 to 4 studies side by side",
                                  description="Print 2 to 4 studies side by side, or write them "
                                  "to CSV.")
    compare.add_argument("study_ids", nargs="+", metavar="ID...",
                         help="the studies, e.g. NCT04047628 NCT03477500 (or NCT1,NCT2)")
    compare.add_argument("--near", metavar='"CITY, COUNTRY"', help="add each study's nearest open site")
    compare.add_argument("--output", "-o", type=Path, metavar="FILE.csv",
                         help="write the comparison as CSV; - for standard output")
    _add_format(compare, "table", each="its answer to each question")
    _add_offline(compare)

    load = commands.add_parser("import", help="load a registry's download",
                               description="Load a download into the local store, for networks that "
                               "cannot reach the APIs: " + "; or ".join(
                                   f"from {r.name}, {r.download}" for r in catalog.CATALOG if r.download) + ".")
    load.add_argument("file", type=Path)

    commands.add_parser("check", help="smoke-test each registry's live API",
                        description="Ask each registry TRIALS_REGISTRIES names what this program asks "
                        "it in a refresh (" + "; ".join(f"{r.name}: {r.checks}" for r in catalog.CATALOG
                                                        if r.checks) + "). For maintainers, from a deployment host.")

    bundle = commands.add_parser("bundle", help="write the bundled data from the store",
                                 description="Write the store's MS stem-cell studies as the "
                                 "bundled data shipped in the package (shown only while the store "
                                 "is empty and ClinicalTrials.gov cannot be reached).")
    bundle.add_argument("--output", "-o", type=Path, metavar="FILE.json.gz",
                        help="default: the package's own, trials/data/bundled.json.gz")

    serve = commands.add_parser("serve", help="serve the page",
                                description="Serve the finder's page with its own theme and "
                                "server settings, from any folder.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    serve.add_argument("--port", type=_port, default=8501, help="port, 1 to 65535 (default 8501)")

    completion = commands.add_parser(
        "completion", help="print a shell completion script",
        description="Print the completion script for a shell: commands, options and their values "
                    "complete with Tab. Bash: trials completion bash > "
                    "~/.local/share/bash-completion/completions/trials; zsh: trials completion zsh > "
                    "a folder on $fpath, named _trials.")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # A word that is not an option names a command (or is a wrong one, which the full
    # parser names); without one, only the top-level help or the version can be asked for.
    args = build_parser(full=any(not a.startswith("-") for a in arguments)).parse_args(arguments)
    from . import commands  # the heavy part, only once a command runs

    return commands.run(args)
