"""Reading a source file: bytes → text → YAML front matter (with line marks) + Markdown body.

Lines count from 1 with the opening `---` as line 1, as SPEC §7 says; every value keeps the
line it was written on so that later stages can point the editor at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problems

try:  # the C loader where PyYAML has it (quicker); the pure one gives the same nodes and marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_YAML_NODES = 100_000  # more nodes than any front matter needs: stops "billion laughs"
MAX_DEPTH = 64  # deeper nesting than any front matter needs
# What PyYAML's constructors raise on a tagged scalar they cannot read ("!!timestamp x" is an
# AttributeError, "!!bool maybe" a KeyError): a bad value, never a traceback.
CONSTRUCT_ERRORS = (ValueError, OverflowError, TypeError, KeyError, AttributeError, IndexError)

FieldPath = tuple  # ("speakers", 0, "city")


@dataclass
class Document:
    """One file's front matter and body, with the line of every front-matter value."""

    path: Path
    data: dict[str, Any]
    lines: dict[FieldPath, int]
    body: str
    body_line: int  # the file line on which the body's first line stands
    origin: dict[str, Path] = field(default_factory=dict)  # field → file it came from

    def line(self, *keys: Any) -> int:
        """The line of a field (or of its nearest written parent); 1 when not written at all."""
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return 1

    def where(self, *keys: Any) -> tuple[Path, int]:
        """File and line of a field: a translation's inherited field lives in the original."""
        return self.origin.get(keys[0], self.path) if keys else self.path, self.line(*keys)


def decode(path: Path, raw: bytes, problems: Problems) -> str | None:
    """UTF-8 text with BOM removed and line endings normalised, or None after an error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(path, line, "the file is not UTF-8 text: save it with the UTF-8 encoding")
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.error(path, line, "the file contains a NUL character: remove it")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse(path: Path, raw: bytes, problems: Problems) -> Document | None:
    """Split and parse a Markdown source file; report every problem and return None on error."""
    text = decode(path, raw, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        problems.error(
            path, 1, "no front matter: the file must start with a line '---', then fields "
            "such as 'title: ...', then another '---'"
        )
        return None
    end = next((i for i, line in enumerate(lines[1:], start=1)
                if line.rstrip() in ("---", "...")), None)
    if end is None:
        problems.error(
            path, 1, "the front matter is not closed: add a line '---' after the last field"
        )
        return None
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    parsed = parse_yaml(path, yaml_text, first_line=2, problems=problems)
    if parsed is None:
        return None
    data, marks = parsed
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error(path, 2, "the front matter must be fields written as 'name: value'")
        return None
    return Document(path, data, marks, body, body_line=end + 2)


def load_yaml_file(path: Path, problems: Problems) -> tuple[Any, dict[FieldPath, int]] | None:
    """A whole YAML file (site.yaml, _data/, UI strings) → `parse_yaml`'s answer."""
    text = decode(path, path.read_bytes(), problems)
    return parse_yaml(path, text, 1, problems) if text is not None else None


def parse_yaml(
    path: Path, text: str, first_line: int, problems: Problems
) -> tuple[Any, dict[FieldPath, int]] | None:
    """YAML → (value, line of every mapping key and list item), or None after an error.

    Only plain YAML types are built (safe loader): a tag that would construct a Python object
    is an error, and documents with an absurd number of nodes (alias bombs) are refused before
    they are expanded. Each top-level value is built on its own, so a bad value (a 30 February)
    is reported at its own line, and every bad value of the document is reported.
    """
    if _too_deep(text):
        problems.error(path, first_line, f"the YAML nests deeper than {MAX_DEPTH} levels: "
                       "write plain fields and lists")
        return None
    loader = _Loader(text)
    line_of = _file_lines(text, first_line)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        marks = _Marks(line_of)
        marks.collect(node, ())
        for keys, line in marks.duplicates:
            problems.warning(path, line, f"'{keys[-1]}' is written twice: the last one is used")
        if not isinstance(node, yaml.MappingNode):
            return loader.construct_document(node), marks.lines
        value, ok = {}, True
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
                value[key] = loader.construct_object(value_node, deep=True)
            except yaml.MarkedYAMLError:
                raise
            except CONSTRUCT_ERRORS as exc:
                line = line_of(value_node.start_mark.line)
                reason = str(exc) if isinstance(exc, ValueError | OverflowError) else (
                    f"{value_node.value!r} is not a {value_node.tag.rsplit(':', 1)[-1]}"
                    if isinstance(value_node, yaml.ScalarNode)
                    else "a date or tagged value inside it cannot be read")
                if value_node.tag.endswith(":timestamp"):
                    problems.error(path, line, f"invalid date: {reason}: write a real date as "
                                   "YYYY-MM-DD")
                else:
                    problems.error(path, line, f"invalid value: {reason}")
                ok = False
        return (value, marks.lines) if ok else None
    except _TooBig:
        problems.error(path, first_line, "the YAML is too large or nests aliases too deeply")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.index >= len(text.rstrip()):
            mark = exc.context_mark  # at the end of the text: point where the value began
        line = line_of(mark.line if mark else 0)
        problems.error(path, line, f"invalid YAML: {_describe(exc)}")
        return None
    except (yaml.YAMLError, RecursionError, *CONSTRUCT_ERRORS) as exc:
        problems.error(path, first_line, f"invalid YAML: {exc}")
        return None
    finally:
        loader.dispose()


def _file_lines(text: str, first_line: int) -> Callable[[int], int]:
    """YAML's number of a line (from 0) → the file's line. YAML also ends a line at NEL, LS
    and PS (U+0085, U+2028, U+2029), which editors show inside one."""
    if not _ONLY_YAML_BREAKS.search(text):
        return lambda index: first_line + index
    starts = [first_line]
    for found in _BREAKS.finditer(text):
        starts.append(starts[-1] + (found[0] == "\n"))
    return lambda index: starts[min(index, len(starts) - 1)]


_ONLY_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")
_BREAKS = re.compile("[\n\x85\u2028\u2029]")


class _TooBig(Exception):
    pass


def _too_deep(text: str) -> bool:
    """Nesting beyond MAX_DEPTH (which crashes the C parser's recursion), found by a scan
    of tokens, which does not recurse. Only texts that could nest that deep are scanned."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_INDENT.search(text):
        return False
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(token, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return False  # the parser reports it with its line
    return False


_DEEP_INDENT = re.compile(f"^[ -]{{{2 * MAX_DEPTH + 1}}}", re.M)  # a line indented that far
_OPEN = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken,
         yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


class _Marks:
    """The line of every key and list item, walking shared (aliased) nodes at most a bounded
    number of times in all."""

    def __init__(self, line_of: Callable[[int], int]):
        self.line_of = line_of
        self.lines: dict[FieldPath, int] = {}
        self.duplicates: list[tuple[FieldPath, int]] = []
        self.count = 0

    def collect(self, node: Any, keys: tuple) -> None:
        self.count += 1
        if self.count > MAX_YAML_NODES or len(keys) > 50:
            raise _TooBig
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                path, line = (*keys, key_node.value), self.line_of(key_node.start_mark.line)
                if path in self.lines:
                    self.duplicates.append((path, line))
                self.lines[path] = line
                self.collect(value_node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines.setdefault((*keys, index), self.line_of(item.start_mark.line))
                self.collect(item, (*keys, index))


def _describe(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or str(exc)
    if "could not determine a constructor" in problem:
        return f"{problem.split('for the tag')[-1].strip()} is not allowed: write plain values"
    hint = ""
    if "mapping values are not allowed" in problem:
        hint = " (a value containing ': ' must be put in quotes)"
    elif "found character '\\t'" in problem:
        hint = " (indent with spaces, not tabs)"
    elif "found undefined alias" in problem:
        hint = " (a value starting with '*' must be put in quotes)"
    context = f"{exc.context} " if exc.context else ""
    return f"{context}{problem}{hint}".strip()
