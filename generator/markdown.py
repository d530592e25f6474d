"""Markdown body → safe HTML, with a table of contents, heading ids and rewritten links.

Python-Markdown does the parsing; a tree processor hands every link and image to a callback
(`Linker`) that knows the site's URLs; nh3 then keeps raw HTML to an allow-list, so no script,
frame, style, event handler or `javascript:` URL from content reaches a visitor.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from html import unescape
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import Registry
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

# (attribute value, element tag) → new value, or None to leave it unchanged
Linker = Callable[[str, str], str | None]

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "var",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "time": {"datetime"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Made once: a cleaner built for every call costs more than the cleaning of a page's body.
_SANITISER = nh3.Cleaner(tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                         link_rel=None, strip_comments=True)
_TEXT_ONLY = nh3.Cleaner(tags=set())
ID = re.compile(r'\sid="([^"]+)"')
# Ids the theme (templates/) gives its own parts: the skip link's target <main id="main">, the
# headings of the sections it adds, the filter's fields. A heading of a body never takes one (a
# duplicate id is invalid HTML, and the skip link would lead to the heading): `## Main` gets
# id="section-main". tests/test_validity.py keeps this in step with the templates.
THEME_IDS = re.compile(r"main|search|media-title|gallery-title|session-speakers|solution-more|"
                       r"(tour|pavilion|city)-(solutions|tours|sessions)|"
                       r"(home|region|day|filter)-.+")


@dataclass
class Rendered:
    html: str
    toc: str
    ids: frozenset[str]


class _Links(Treeprocessor):
    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.linker: Linker | None = None

    def run(self, root: Element) -> None:
        if self.linker is None:
            return
        for element in root.iter():
            attr = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attr) if attr else None
            if value:
                new = self.linker(value, element.tag)
                if new is not None:
                    element.set(attr, new)


class _Highlight(Postprocessor):
    """Fenced code with a language gets Pygments' classes (styled by the theme's CSS).

    Done here rather than by the `codehilite` extension, which builds a new formatter and
    looks the lexer up again for every block: a third of the Markdown time of a catalogue.
    """

    CODE = re.compile(r'<pre><code class="language-([\w+#.-]+)">(.*?)</code></pre>', re.S)
    FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)

    def run(self, text: str) -> str:
        return self.CODE.sub(self._block, text) if "<pre><code class=" in text else text

    def _block(self, match: re.Match) -> str:
        return highlight(unescape(match.group(2)), lexer(match.group(1)), self.FORMATTER)


# The language of a fenced code block: ```python, ``` .python or ``` { .python }
FENCE_LANGUAGE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*\{?[ \t]*\.?([\w+#.-]+)", re.M)


@functools.cache
def lexer(name: str) -> Any:
    """Pygments' lexer for a language name (plain text for an unknown one), made once: making
    the first lexer of a language compiles its rules, tens of milliseconds."""
    try:
        return get_lexer_by_name(name.lower())
    except ClassNotFound:
        return TextLexer()


def prepare(texts: Iterable[str]) -> None:
    """Make the converter (`converter()`) and the lexers of the languages `texts` fence code
    in before the workers fork: made once instead of once in every worker, and ready when the
    preview renders a saved page."""
    converter()
    for text in texts:
        if "```" in text or "~~~" in text:
            for name in FENCE_LANGUAGE.findall(text):
                lexer(name)


class _LinkExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - the library's name
        md.treeprocessors.register(_Links(md), "expo-links", 4)
        md.postprocessors.register(_Highlight(md), "expo-highlight", 25)  # after raw HTML


class MarkdownRenderer:
    """One configured Markdown converter, reset between pages (building one is costly)."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["tables", "fenced_code", "toc", "attr_list", "footnotes",
                        "def_list", "abbr", "sane_lists", _LinkExtension()],
            extension_configs={
                "toc": {"slugify": heading_id, "toc_depth": "2-3", "permalink": False},
            },
            output_format="html",
        )
        self._links: _Links = self._md.treeprocessors["expo-links"]
        self._toc: Any = None  # see _quicken
        self._quicken()

    def _quicken(self) -> None:
        """Python-Markdown asks its registry of inline patterns for each pattern by number, at
        every text of every page, lists its block processors again for every block, and
        looks tags up in a list of block-level elements: with every extension registered,
        the same processors as lists and the same tags as a set give the same HTML, a tenth
        quicker; it tries each inline pattern on each text, and most texts hold none of the
        characters a match needs: skipping those tries takes off a sixth more; so does
        looking for the table of contents' marker only in a text that holds it, 3 %
        (tests/test_engines.py). A Python-Markdown keeping them elsewhere is left as it is."""
        md = self._md
        if "inline" in md.treeprocessors and isinstance(
                getattr(md.treeprocessors["inline"], "inlinePatterns", None), Registry):
            inline = md.treeprocessors["inline"]
            inline.inlinePatterns = list(inline.inlinePatterns)  # type: ignore[attr-defined]
            # A pattern is tried on every text of every page; one whose every match starts
            # with one of a few characters (`[`, `*`, `&`…) or texts ("  \n") is not tried on
            # a text with none of them, nor are the first patterns a text cannot match.
            apply = getattr(inline, "_InlineProcessor__applyPattern", None)
            handle = getattr(inline, "_InlineProcessor__handleInline", None)
            needs = [_needed(p) for p in inline.inlinePatterns]
            if apply is not None and handle is not None and any(needs):
                inline._InlineProcessor__applyPattern = partial(  # type: ignore[attr-defined]
                    _apply_if_possible, apply, dict(zip(inline.inlinePatterns, needs, strict=True)))
                inline._InlineProcessor__handleInline = partial(  # type: ignore[attr-defined]
                    _handle_if_possible, handle, needs)
        # The table of contents replaces an element whose whole text is its marker ("[TOC]"),
        # looked for in every element of every page; `render` has it not looked for in a
        # text without the marker, which has no such element.
        if "toc" in md.treeprocessors and isinstance(
                getattr(md.treeprocessors["toc"], "marker", None), str):
            self._toc = md.treeprocessors["toc"]
        if isinstance(getattr(md.parser, "blockprocessors", None), Registry):
            md.parser.blockprocessors = list(md.parser.blockprocessors)  # type: ignore
            # A table's first row holds a "|": the tables extension splits the first two rows
            # of every block into cells, character by character, to find that out.
            for processor in md.parser.blockprocessors:
                if type(processor) is TableProcessor:
                    processor.test = partial(_table_if_pipe, processor.test)  # type: ignore
        if isinstance(getattr(md, "block_level_elements", None), list):
            md.block_level_elements = frozenset(md.block_level_elements)  # type: ignore

    def render(self, text: str, linker: Linker | None = None) -> Rendered:
        self._md.reset()
        self._links.linker = linker
        contents = self._toc
        marker = contents.marker if contents is not None else ""
        if marker and marker not in text:
            contents.marker = ""
        try:
            html = self._md.convert(text)
        finally:
            self._links.linker = None
            if marker:
                contents.marker = marker
        toc = self._md.toc if self._md.toc_tokens else ""  # type: ignore[attr-defined]
        html = sanitise(html)
        return Rendered(html, toc, frozenset(ID.findall(html)))


def _table_if_pipe(test: Callable, parent: Element, block: str) -> bool:
    """The tables extension's test of a block, false at once for a block without "|"."""
    return "|" in block and test(parent, block)


def _handle_if_possible(handle: Callable, needs: list, data: str, index: int = 0) -> str:
    """Python-Markdown's `InlineProcessor.__handleInline`, which tries the patterns from
    `index` on: it starts at the first pattern that can match `data`, as trying the others
    changes nothing."""
    count = len(needs)
    while index < count:
        need = needs[index]
        if need is None:
            break
        for part in need:
            if part in data:
                break
        else:
            index += 1
            continue
        break
    return handle(data, index)


def _apply_if_possible(apply: Callable, needs: dict, pattern: Any, data: str, index: int,
                       start: int = 0) -> tuple[str, bool, int]:
    """Python-Markdown's `InlineProcessor.__applyPattern`, with its answer for "no match"
    given at once when `data` holds none of the texts a match of `pattern` starts with."""
    need = needs.get(pattern)
    if need is not None:
        for part in need:
            if part in data:
                break
        else:
            return data, False, 0
    return apply(pattern, data, index, start)


def _needed(pattern: Any) -> tuple[str, ...] | None:
    """Texts of which every match of an inline pattern starts with one, when known: its
    characters, or the whole text the expression is, of a regular expression that matches no
    empty text, in a pattern that finds its matches with that expression (None otherwise)."""
    if not isinstance(pattern, InlineProcessor) or \
            type(pattern).getCompiledRegExp is not InlineProcessor.getCompiledRegExp:
        return None
    regex = getattr(pattern, "compiled_re", None)
    if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str) or \
            regex.flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:  # Python's own parser of regular expressions, as `re.compile` uses it
        from re import _parser  # type: ignore[attr-defined]
        items = list(_parser.parse(regex.pattern, regex.flags))
        first, empty = _first(_parser, items)
        if items and all(op is _parser.LITERAL for op, _ in items):
            return ("".join(chr(value) for _, value in items),)
    except Exception:  # noqa: BLE001 - another Python's parser: the pattern is just tried
        return None
    return tuple(sorted(first)) if first and not empty else None


def _first(sre: Any, items: list) -> tuple[set[str] | None, bool]:
    """The characters a match of a regular expression parsed by `sre` can start with (None:
    any, or not worked out), and whether it can match an empty text."""
    chars: set[str] = set()
    for op, value in items:
        first: set[str] | None
        if op is sre.LITERAL:
            first, empty = {chr(value)}, False
        elif op is sre.IN:
            first, empty = _charset(sre, value), False
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # take no character
            first, empty = set(), True
        elif op is sre.SUBPATTERN:
            if value[1] & (re.IGNORECASE | re.LOCALE):
                return None, False
            first, empty = _first(sre, list(value[-1]))
        elif op is sre.BRANCH:
            first, empty = set(), False
            for branch in value[1]:
                some, can_be_empty = _first(sre, list(branch))
                if some is None:
                    return None, False
                first |= some
                empty = empty or can_be_empty
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            first, empty = _first(sre, list(value[2]))
            empty = empty or value[0] == 0
        else:
            return None, False
        if first is None:
            return None, False
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _charset(sre: Any, items: list) -> set[str] | None:
    """The characters of `[...]`, when it lists a few (not `[^...]`, `\\s` or a wide range)."""
    chars: set[str] = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < 128:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:
            return None
    return chars


@functools.cache
def converter() -> MarkdownRenderer:
    """The process's converter: one is enough (each page resets it), and making one compiles
    a hundred patterns."""
    return MarkdownRenderer()


def heading_id(value: str, separator: str) -> str:
    """A heading's id: its text as a slug (any script), never one of the theme's ids."""
    slug = slugify_unicode(value, separator)
    return f"section{separator}{slug}" if THEME_IDS.fullmatch(slug) else slug


def sanitise(html: str) -> str:
    return _SANITISER.clean(html)


def plain_summary(html: str, limit: int = 200) -> str:
    """The first paragraph as plain text, cut at a word for cards and meta descriptions."""
    match = re.search(r"<p>(.*?)</p>", html, re.S)
    if not match:
        return ""
    text = _TEXT_ONLY.clean(match.group(1))
    text = re.sub(r"\s+", " ", unescape(text)).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[: limit] else text[:limit]
    return cut.rstrip(",;:.、，") + "…"



def body_line(body: str, needle: str, first_line: int, start: int = 0) -> int:
    """The file line where `needle` first stands (from `start`) in a body at `first_line`."""
    index = body.find(needle, start)
    return first_line if index < 0 else first_line + body.count("\n", 0, index)
