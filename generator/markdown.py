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
from html import unescape
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
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
                       r"schedule-files|zone-picker|"
                       r"(tour|pavilion|city)-(solutions|tours|sessions)|"
                       r"(home|region|day|filter)-.+|replay|replay-title")


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


class _PlainText(Treeprocessor):
    """Marks a text no inline pattern can match (none of the characters they start with) as
    an `AtomicString`, which the inline processor leaves as it is without trying its fifteen
    patterns on it: most of a page's paragraphs. Off for a text defining abbreviations (the
    abbr extension leaves atomic text alone) and for a converter whose inline patterns are not
    the ones `PATTERNS` was written for."""

    PATTERNS = ("backtick", "escape", "footnote", "reference", "link", "image_link",
                "image_reference", "short_reference", "short_image_ref", "autolink",
                "automail", "linebreak", "html", "entity", "em_strong")
    # backtick `, escape \, links and footnotes [ !, autolinks, mail and HTML <, entities &,
    # emphasis * _, attribute lists {, placeholders \x02, a line break: two spaces and "\n"
    MAY_MATCH = re.compile(r"[`\\\[!<&*_{\x02]|  \n")

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.enabled = True
        self.known_patterns: bool | None = None  # looked at once, at the converter's first text

    def run(self, root: Element) -> None:
        if self.known_patterns is None:
            patterns = self.md.inlinePatterns
            self.known_patterns = len(patterns) == len(self.PATTERNS) and all(
                name in patterns for name in self.PATTERNS)
        if not (self.enabled and self.known_patterns):
            return
        may_match = self.MAY_MATCH.search
        for element in root.iter():
            text, tail = element.text, element.tail
            if text and type(text) is str and not may_match(text):
                element.text = AtomicString(text)
            if tail and type(tail) is str and not may_match(tail):
                element.tail = AtomicString(tail)


class _Brackets:
    """Where each "[" of a text closes, found once per text for all six link and image
    patterns, by looking at its brackets only: Python-Markdown's own `getText` finds them a
    character at a time, once in each pattern. The same answer: the text up to the matching
    "]" (nested brackets counted), or the rest of the text when it never closes."""

    BRACKET = re.compile(r"[\[\]]")

    def __init__(self) -> None:
        self.text: str | None = None
        self.ends: dict[int, int] = {}  # index after a "[" → index after its "]"

    def text_from(self, data: str, index: int) -> tuple[str, int, bool]:
        if data is not self.text:
            self.text, self.ends, opened = data, {}, []
            for bracket in self.BRACKET.finditer(data):
                if bracket.group() == "[":
                    opened.append(bracket.end())
                elif opened:
                    self.ends[opened.pop()] = bracket.end()
        end = self.ends.get(index)
        if end is None:
            return data[index:], len(data), False
        return data[index:end - 1], end, True


class _SharedBrackets:
    """A link or image pattern asking the converter's `_Brackets` where its text ends."""

    def __init__(self, pattern: str, md: markdown.Markdown, brackets: _Brackets):
        super().__init__(pattern, md)  # type: ignore[call-arg]
        self.brackets = brackets

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        if index and data[index - 1] == "[":  # as every stock pattern asks
            return self.brackets.text_from(data, index)
        return super().getText(data, index)  # type: ignore[misc]


class _Link(_SharedBrackets, LinkInlineProcessor):
    pass


class _Image(_SharedBrackets, ImageInlineProcessor):
    pass


class _Reference(_SharedBrackets, ReferenceInlineProcessor):
    pass


class _ShortReference(_SharedBrackets, ShortReferenceInlineProcessor):
    pass


class _ImageReference(_SharedBrackets, ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_SharedBrackets, ShortImageReferenceInlineProcessor):
    pass


# Python-Markdown's link and image patterns, as it registers them, each with our subclass:
# name → (subclass, pattern, priority).
_LINK_PATTERNS = {
    "reference": (_Reference, REFERENCE_RE, 170),
    "link": (_Link, LINK_RE, 160),
    "image_link": (_Image, IMAGE_LINK_RE, 150),
    "image_reference": (_ImageReference, IMAGE_REFERENCE_RE, 140),
    "short_reference": (_ShortReference, REFERENCE_RE, 130),
    "short_image_ref": (_ShortImageReference, IMAGE_REFERENCE_RE, 125),
}


class _Highlight(Postprocessor):
    """Fenced code with a language gets Pygments' classes (styled by the theme's CSS).

    Done here rather than by the `codehilite` extension, which builds a new formatter and
    looks the lexer up again for every block; here one formatter serves every block.
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
        md.treeprocessors.register(_PlainText(md), "expo-plain-text", 21)  # before "inline"
        md.treeprocessors.register(_Links(md), "expo-links", 4)
        md.postprocessors.register(_Highlight(md), "expo-highlight", 25)  # after raw HTML
        brackets = _Brackets()
        for name, (kind, pattern, priority) in _LINK_PATTERNS.items():
            md.inlinePatterns.register(kind(pattern, md, brackets), name, priority)


class MarkdownRenderer:
    """Configured Markdown converters, reset between pages (building one is costly): a text
    holding the table of contents' marker ("[TOC]") gets one that looks for it, any other one
    that does not (the toc extension would look in every element of every page)."""

    def __init__(self) -> None:
        self._plain = _markdown(marker="")
        self._with_marker: markdown.Markdown | None = None  # made when a text needs it

    def render(self, text: str, linker: Linker | None = None) -> Rendered:
        md = self._plain
        if TOC_MARKER in text:
            md = self._with_marker = self._with_marker or _markdown(marker=TOC_MARKER)
        md.reset()
        md.treeprocessors["expo-links"].linker = linker
        md.treeprocessors["expo-plain-text"].enabled = ABBREVIATION not in text
        html = md.convert(text)
        toc = md.toc if md.toc_tokens else ""  # type: ignore[attr-defined]
        html = sanitise(html)
        return Rendered(html, toc, frozenset(ID.findall(html)))


TOC_MARKER = "[TOC]"
ABBREVIATION = "*["  # how a definition of one starts: "*[HTML]: Hyper Text Markup Language"


class _Markdown(markdown.Markdown):
    """Python-Markdown with `is_block_level` answered from a set of the block-level tags
    (the extensions have added theirs once it is made) rather than by looking through their
    list: the tree processors ask it about every element of every page."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.block_tags = frozenset(self.block_level_elements)

    def is_block_level(self, tag: Any) -> bool:
        return isinstance(tag, str) and tag.lower().rstrip("/") in self.block_tags


def _markdown(marker: str) -> markdown.Markdown:
    return _Markdown(
        extensions=["tables", "fenced_code", "toc", "attr_list", "footnotes", "def_list",
                    "abbr", "sane_lists", _LinkExtension()],
        extension_configs={"toc": {"slugify": heading_id, "toc_depth": "2-3",
                                   "permalink": False, "marker": marker}},
        output_format="html",
    )


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


def plain_text(html: str) -> str:
    """A rendered body as plain text: its blocks as paragraphs parted by a blank line."""
    html = re.sub(r"</(p|h[1-6]|li|tr|pre|blockquote|dd|dt)>", "\n\n", html)
    text = _TEXT_ONLY.clean(re.sub(r"</t[dh]>", " ", html))
    blocks = (re.sub(r"[ \t\r\f\v]+", " ", block).strip() for block in
              re.split(r"\n\s*\n", unescape(text)))
    return "\n\n".join(re.sub(r" ?\n ?", " ", block) for block in blocks if block)


def body_line(body: str, needle: str, first_line: int, start: int = 0) -> int:
    """The file line where `needle` first stands (from `start`) in a body at `first_line`."""
    index = body.find(needle, start)
    return first_line if index < 0 else first_line + body.count("\n", 0, index)
