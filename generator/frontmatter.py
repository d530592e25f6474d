"""Reading a source file: bytes → text → YAML front matter (with line marks) + Markdown body.

Lines count from 1 with the opening `---` as line 1, as SPEC §7 says; every value keeps the
line it was written on so that later stages can point the editor at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problems

try:  # the C loader is several times faster; the pure one gives the same nodes and marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_YAML_NODES = 100_000  # more nodes than any front matter needs: stops "billion laughs"

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


def parse_yaml(
    path: Path, text: str, first_line: int, problems: Problems
) -> tuple[Any, dict[FieldPath, int]] | None:
    """YAML → (value, line of every mapping key and list item), or None after an error.

    Only plain YAML types are built (safe loader): a tag that would construct a Python object
    is an error, and documents with an absurd number of nodes (alias bombs) are refused before
    they are expanded.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        marks: dict[FieldPath, int] = {}
        _collect_marks(node, (), marks, first_line - 1, [0])
        value = loader.construct_document(node)
    except _TooBig:
        problems.error(path, first_line, "the YAML is too large or nests aliases too deeply")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.line >= text.count("\n") + 1:
            mark = exc.context_mark  # at the end of the text: point where the value began
        line = first_line + (mark.line if mark else 0)
        problems.error(path, line, f"invalid YAML: {_describe(exc)}")
        return None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        problems.error(path, first_line, f"invalid YAML: {exc}")
        return None
    finally:
        loader.dispose()
    return value, marks


class _TooBig(Exception):
    pass


def _collect_marks(node: Any, keys: tuple, marks: dict, offset: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_YAML_NODES or len(keys) > 50:
        raise _TooBig
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            marks.setdefault((*keys, key), key_node.start_mark.line + 1 + offset)
            _collect_marks(value_node, (*keys, key), marks, offset, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks.setdefault((*keys, index), item.start_mark.line + 1 + offset)
            _collect_marks(item, (*keys, index), marks, offset, count)


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
