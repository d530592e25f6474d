"""The command line: the only place that prints and that turns problems into exit codes.

Exit status (SPEC §7): 0 built, 1 content or template errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
import time
from pathlib import Path

from . import __version__
from .build import Options, build, check, refuse_unsafe_output
from .errors import BuildFailed, Problems, UsageError, machine_fault
from .lock import project_lock
from .reports import FORMATS, counted, formatted, formatted_fault
from .scaffold import TYPES, new_file
from .translations import translations_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="expo", description="Build the Smart City Online site.")
    parser.add_argument("--version", action="version", version=f"expo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def site_options(p: argparse.ArgumentParser, output: bool = True) -> None:
        p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR")
        p.add_argument("--templates", type=Path, default=None, metavar="DIR")
        if output:
            p.add_argument("--output", type=Path, default=Path("output"), metavar="DIR")
            p.add_argument("--base-url", metavar="URL", help="override base_url of site.yaml")
            p.add_argument("--drafts", action="store_true", help="include draft pages")
            p.add_argument("--jobs", type=_positive, default=None, metavar="N")
            p.add_argument("--strict", action="store_true", help="fail on warnings too")
            p.add_argument("--minify", action="store_true", help="minify HTML, CSS and JS")
            p.add_argument("--no-search", action="store_true",
                           help="skip the search index (quicker previews)")
            p.add_argument("--quiet", action="store_true", help="print problems only")

    build_parser = commands.add_parser("build", help="build the site into output/")
    site_options(build_parser)
    serve_parser = commands.add_parser("serve", help="preview with live reload while you edit")
    site_options(serve_parser)
    serve_parser.set_defaults(output=Path(".expo-cache/serve"))
    serve_parser.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS")
    serve_parser.add_argument("--port", type=_port, default=8000)
    check_parser = commands.add_parser("check", help="validate content, write nothing")
    site_options(check_parser, output=False)
    check_parser.add_argument("--drafts", action="store_true", help="check drafts too")
    check_parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    for reporting in (build_parser, check_parser):
        reporting.add_argument("--format", choices=FORMATS, default="text",
                               help="problems as text lines, GitHub Actions commands or JSON")
    new = commands.add_parser("new", help="create a content file with every field")
    new.add_argument("type", choices=TYPES, metavar="TYPE", help=", ".join(TYPES))
    new.add_argument("slug")
    new.add_argument("--lang", default=None)
    new.add_argument("--content", type=Path, default=Path("content"), metavar="DIR")
    status = commands.add_parser("translations", help="which translations are missing or "
                                 "out of date; --mark FILE to say one is done")
    status.add_argument("--content", type=Path, default=Path("content"), metavar="DIR")
    status.add_argument("--lang", default=None, help="one language only")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.add_argument("--mark", type=Path, nargs="+", default=None, metavar="FILE",
                        help="translations brought up to date with their original")
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _port(value: str) -> int:
    number = _positive(value)
    if number > 65535:
        raise argparse.ArgumentTypeError("a port is a number from 1 to 65535")
    return number


class TerminalProgress:
    """One line on a terminal for the long phases ("Pages: 4,210/9,913"), rewritten at most
    ten times a second and only once a build has run for half a second."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.shown = 0.0
        self.dirty = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.started < 0.5 or (now - self.shown < 0.1 and 0 < done < total):
            return
        self.shown, self.dirty = now, True
        text = f"{phase}: {done:,}/{total:,}" if total else f"{phase}…"
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.dirty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.dirty = False


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _report(problems: Problems, form: str = "text") -> None:
    """Text lines for people on standard error; GitHub's commands and JSON, for a machine to
    read, on standard output."""
    text = formatted(problems.sorted(), form)
    if text or form == "json":
        print(text, file=sys.stderr if form == "text" else sys.stdout, flush=True)


@functools.cache  # once a process: main() may run more than once in one (tests)
def collector_policy() -> None:
    """How this process collects garbage, decided once: a build makes a large heap of objects
    that live until its end (pages, parsed sources, rendered Markdown), which the default
    thresholds would scan again and again; and workers forked from it share its memory pages
    as long as nothing writes to them, which a collection scanning them would. So: a
    collection every 10,000 new objects, not 700, and before every fork what the process holds
    is frozen (`gc.freeze`): neither it nor its children scan that again."""
    gc.set_threshold(10_000, 10, 10)
    os.register_at_fork(before=gc.freeze)


def _new(args: argparse.Namespace) -> int:
    path = new_file(args.content, args.type, args.slug, args.lang)
    print(f"created {os.path.relpath(path)}: fill in the fields marked TODO")
    return 0


def _translations(args: argparse.Namespace) -> int:
    report = translations_command(args.content, args.lang, args.format, args.mark)
    _report(report.problems)
    if report.text:
        print(report.text)
    if report.note:
        print(report.note, file=sys.stderr)
    return 1 if report.failed else 0


def _check(args: argparse.Namespace) -> int:
    options = Options(content=args.content, templates=args.templates, drafts=args.drafts,
                      strict=args.strict)
    result = check(options)  # reads the project only: no lock to take
    _report(result.problems, args.format)
    print(f"No errors in {counted(result.pages, 'Markdown file')} "
          f"({counted(result.rendered, 'HTML page')} rendered)", file=sys.stderr)
    return 0


def _options(args: argparse.Namespace) -> Options:
    return Options(args.content, args.templates, args.output, args.base_url, args.drafts,
                   args.strict, args.jobs, no_search=args.no_search, minify=args.minify)


def _serve(args: argparse.Namespace) -> int:
    options = _options(args)
    options.no_search = True  # Pagefind would read every page again at each save
    if options.output.resolve() == Path("output").resolve():
        raise UsageError("expo serve builds into a folder of its own, never output/")
    from .serve import serve  # its web server (Tornado, ~16 MB) only where it runs

    # What the first build leaves lives until the end: frozen, the collector does not scan
    # it again between saves (milliseconds, not a quarter of a second at 10,000 pages).
    serve(options, args.bind, args.port, _say, settle=gc.freeze)
    return 0


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options = _options(args)
    progress = TerminalProgress() if not args.quiet and sys.stderr.isatty() else None
    options.progress = progress
    try:
        refuse_unsafe_output(options)  # before the lock, which writes into the project
        with project_lock(options.cache, _say):
            result = build(options)
    finally:
        if progress is not None:
            progress.clear()
    _report(result.problems, args.format)
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(f"Built {args.output} in {seconds:.1f} s from "
              f"{counted(result.pages, 'Markdown file')} and {counted(result.images, 'image')} "
              f"({result.images_processed:,} processed): "
              f"{counted(result.rendered, 'HTML page')} rendered, "
              f"{counted(result.files, 'file')} written, "
              f"{counted(result.unchanged, 'file')} unchanged", file=sys.stderr)
    return 0


COMMANDS = {"new": _new, "translations": _translations, "check": _check, "serve": _serve,
            "build": _build}


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status: 0 done, 1 the content's errors (or the machine's
    fault), 2 a command line that cannot be run, 130 interrupted."""
    args = _parser().parse_args(argv)
    collector_policy()
    try:
        return COMMANDS[args.command](args)
    except BuildFailed as failed:
        _report(failed.problems, getattr(args, "format", "text"))
        errors, warnings = len(failed.problems.errors), len(failed.problems.warnings)
        what = counted(errors, "error") if errors else \
            f"{counted(warnings, 'warning')} with --strict"
        kept = "" if args.command == "check" else "; output/ was left as it was"
        print(f"Failed: {what}{kept}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"expo: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine's failure, not the content's: output/ as it was
        fault = machine_fault(exc)
        print(fault, file=sys.stderr)
        if for_machines := formatted_fault(fault, getattr(args, "format", "text")):
            print(for_machines, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
