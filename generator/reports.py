"""Problems written for their reader (SPEC §7): `path:line: error: message` lines for people,
GitHub Actions workflow commands for pull requests, or one JSON array for scripts."""

from __future__ import annotations

import json

from .errors import MachineFault, Problem

FORMATS = ("text", "github", "json")


def counted(number: int, thing: str) -> str:
    """"1 image", "2 images", "1,880 Markdown files": a count for the summary lines."""
    return f"{number:,} {thing}" if number == 1 else f"{number:,} {thing}s"


def formatted(problems: list[Problem], form: str) -> str:
    """The problems as one text in `form` (one of FORMATS), a line each but for json."""
    if form == "json":
        return json.dumps([{"path": p.path, "line": p.line, "severity": p.severity,
                            "message": p.message} for p in problems], indent=1)
    if form == "github":
        return "\n".join(github_command(p) for p in problems)
    return "\n".join(str(p) for p in problems)


def github_command(problem: Problem) -> str:
    """`::error file=PATH,line=N::message` (or `::warning`), escaped as the runner reads
    workflow commands: `%`, CR and LF everywhere, and also `:` and `,` in properties."""
    return (f"::{problem.severity} file={_property(problem.path)},line={problem.line}::"
            f"{_data(problem.message)}")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def formatted_fault(fault: MachineFault, form: str) -> str:
    """A failure of the machine for a machine to read (`github`, `json`; "" for text, whose
    line goes to standard error): it names a file but no line."""
    if form == "json":
        return json.dumps([{"path": fault.path, "line": None, "severity": "error",
                            "message": fault.cause}], indent=1)
    if form == "github":
        where = f" file={_property(fault.path)}" if fault.path != "expo" else ""
        return f"::error{where}::{_data(fault.cause)}"
    return ""
