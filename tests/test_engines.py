"""Jinja2 and Python-Markdown as their documentation describes them.

The environment that renders pages looks a dict's keys up at once (`getattr`): a theme author
must never see a difference, so each template below is rendered by our environment and by a
stock one with the same options; the outputs, and the errors, must be the same. The
environment outlives a build in the preview, and its globals reach the build in progress. One
Markdown converter serves every page of a process: each text converts as by a fresh one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
from sitekit import ROOT, SITE_YAML, make_site

from generator.build import Builder, Options
from generator.markdown import MarkdownRenderer, converter
from generator.templates import _Environment


class Helper:
    def plain(self, value):
        return f"plain {value}"


class Lookup:
    """Items but no attributes: `lookup.name` takes the item, as for a dict."""

    def __getitem__(self, key):
        return f"<item {key}>"


class Keyed(dict):
    """A dict of its own type, with an attribute of the same name as a key."""

    note = "the attribute"


CONTEXT = {
    "link": {"url": "/a?b=1&c=<2>", "title": "Tom & \"Jerry\"", "items": "a key named items",
             "nested": {"deep": ["x", "<y>"]}},
    "rows": [{"label": "one", "n": 1}, {"label": "<two>", "n": 2}],
    "keyed": Keyed(note="the key", other="<other>"),
    "nothing": None,
    "helper": Helper(),
    "lookup": Lookup(),
}

TEMPLATES = {
    "dict keys": "{{ link.url }}|{{ link.title }}|{{ link.nested.deep[1] }}|"
                 "{{ rows[1].label }}|{% for r in rows %}{{ r.label }}{{ r.n }}{% endfor %}|"
                 "{{ lookup.name }}|{{ helper.plain.__name__ }}|{{ helper.plain('<p>') }}",
    "a key that is a dict method's name": "{{ link['items'] }}|{{ link.items() | list | length }}|"
                                         "{{ link.get('title') }}|{{ link.keys() | list }}",
    "a dict of its own type": "{{ keyed.note }}|{{ keyed['note'] }}|{{ keyed.other }}",
    "defined tests": "{{ link.none is defined }}|{{ link.url is defined }}|"
                     "{{ link.none | default('fallback') }}|{{ keyed.none is defined }}",
}

MISTAKES = {
    "a missing key": "{{ link.missing }}",
    "a missing key's attribute": "{{ link.missing.more }}",
    "an attribute of nothing": "{{ nothing.url }}",
    "a missing key of a dict of its own type": "{{ keyed.missing }}",
}

OPTIONS = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True,
           "lstrip_blocks": True, "keep_trailing_newline": True}


def both(source: str) -> list[jinja2.Template]:
    return [environment(**OPTIONS).from_string(source)
            for environment in (_Environment, jinja2.Environment)]


@pytest.mark.parametrize("source", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_a_template_renders_as_with_stock_jinja2(source):
    ours, stock = both(source)
    expected = stock.render(CONTEXT)
    assert ours.render(CONTEXT) == expected
    assert expected  # each template renders something


@pytest.mark.parametrize("source", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_template_mistake_fails_as_with_stock_jinja2(source):
    errors = []
    for template in both(source):
        with pytest.raises(Exception) as caught:
            template.render(CONTEXT)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]


def test_the_preview_s_templates_call_the_build_in_progress(tmp_path):
    """The preview keeps its environment, and the templates it compiled, from build to build:
    the theme's globals must still answer for the site as it is now."""
    root = make_site(tmp_path, {"content/news/a.md": "---\ntitle: A\ndate: 2020-08-01\n---\nA.\n"})
    shutil.copytree(ROOT / "templates", root / "theme")
    (root / "theme/news.html").write_text("{{ url('x/') }}|{{ absolute('x/') }}\n")
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    page = root / "preview/en/news/a/index.html"
    preview.build()
    assert page.read_text() == "/x/|https://example.org/x/\n"
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(SITE_YAML.replace("example.org/", "example.com/expo/"))
    preview.build({str(site_yaml)})
    assert page.read_text() == "/expo/x/|https://example.com/expo/x/\n"


# Markdown -------------------------------------------------------------------------------------

SYNTAX = """\
# Title {#own .lead}

Text with *em*, **strong**, ***both***, `code`, <span>html</span>, &amp; &copy; and a
[link](https://example.org "title"), an ![image](a.png), <https://auto.link> and
<mail@example.org>, a line break{break}
here, a footnote[^1] and HTML abbreviations.

Escaped \\*stars\\* and \\`ticks\\`, a [ref] and ![image][ref], _under_, __strong__ and
``code with ` inside``; plain words alone.

*[HTML]: Hyper Text Markup Language

[^1]: The note, with *emphasis*.

| a | b |
|---|:-:|
| `x|y` | **z** |

Term
:   Definition

1. one
2. two
    * nested

<div markdown="1">**raw block**</div>

```python
print("<hello>")
```

> quote with [a reference][ref]

[ref]: /somewhere
""".replace("{break}", "  ")  # two spaces at the end of a line: a <br>


def corpus() -> list[Path]:
    return sorted([*(ROOT / "content").rglob("*.md"), *(ROOT / "tests/sites").rglob("*.md")])


def test_one_converter_converts_each_text_as_a_fresh_one():
    """A process converts every body with one converter (`converter()`), reset between them:
    nothing of a text (its references, footnotes, abbreviations, links rewritten) reaches
    the next."""
    texts = [SYNTAX, f"[TOC]\n\n{SYNTAX}", "- [TOC]\n\n## A\n\n`[TOC]`\n\n### B\n",
             "Plain text\nover lines\n\nname | value\n-----|------\nx | `a|b`\n\n| one |\n",
             "A [ref] and ![image][ref], HTML[^1].\n",
             *(path.read_text(encoding="utf-8", errors="replace") for path in corpus())]
    assert len(texts) > 30
    shared = converter()
    for text in texts:
        shared.render(text, lambda value, tag: f"/linked/{tag}")
        assert shared.render(text) == MarkdownRenderer().render(text)


def test_a_body_converts_as_with_the_table_of_contents_marker_looked_for():
    """Only a text holding "[TOC]" is converted by a converter that looks for the marker
    (looking in every element of every page is slow): every text gives what a converter always
    looking for it gives, "[TOC]" standing alone replaced by the table of contents."""
    from generator.markdown import TOC_MARKER, _markdown, sanitise

    stock = _markdown(marker=TOC_MARKER)
    texts = [SYNTAX, f"[TOC]\n\n{SYNTAX}", "- [TOC]\n\n## A\n\n`[TOC]`\n\n### B\n",
             "\\[TOC\\]\n\n## A\n", "&#91;TOC]\n\n## A\n",
             *(path.read_text(encoding="utf-8", errors="replace") for path in corpus())]
    converted = MarkdownRenderer()
    for text in texts:
        stock.reset()
        assert converted.render(text).html == sanitise(stock.convert(text)), text
    assert 'class="toc"' in converted.render(f"[TOC]\n\n{SYNTAX}").html


def test_a_body_converts_as_with_every_inline_pattern_tried_on_every_text():
    """A text no inline pattern can match is left out of the inline processor's loop: every
    text gives what a converter trying every pattern on every text gives, with abbreviations
    (which the abbr extension looks for in every text the inline processor leaves open)."""
    from generator.markdown import _markdown, sanitise

    stock = _markdown(marker="")
    stock.treeprocessors.deregister("expo-plain-text")
    texts = [SYNTAX, "Plain text\nover lines\n\nA line  \nbroken, and one  \n",
             "*[HTML]: Hyper Text Markup Language\n\nPlain HTML here.\n\n- HTML list\n",
             "Tom &amp; Jerry, 5 < 6 and {: .x}, a_b, snake_case and \\*not\\*\n",
             "Term\n:   Plain definition\n\n| a | b |\n|---|---|\n| plain | cells |\n",
             *(path.read_text(encoding="utf-8", errors="replace") for path in corpus())]
    converted = MarkdownRenderer()
    for text in texts:
        stock.reset()
        assert converted.render(text).html == sanitise(stock.convert(text)), text
    assert "<abbr" in converted.render(texts[2]).html


def test_a_body_converts_as_with_python_markdown_s_own_link_patterns_and_block_tags():
    """The link and image patterns ask one `_Brackets` per converter where a "[" closes,
    instead of each finding it a character at a time, and the converter knows its block-level
    tags from a set: every text, nested, unclosed and stray brackets included, gives what
    Python-Markdown's own patterns and `is_block_level` give."""
    import random
    import types

    import markdown
    from markdown import inlinepatterns as stock_patterns

    from generator.markdown import _LINK_PATTERNS, _markdown, sanitise

    stock = _markdown(marker="")
    stock.is_block_level = types.MethodType(markdown.Markdown.is_block_level, stock)
    for name, (kind, pattern, priority) in _LINK_PATTERNS.items():
        own = getattr(stock_patterns, kind.__mro__[2].__name__)  # the class it extends
        assert isinstance(stock.inlinePatterns[name], own)
        stock.inlinePatterns.register(own(pattern, stock), name, priority)
    pieces = ["[", "]", "![", "](/a)", "][r]", "[]", "(/b 'title')", " text ", "`[`", "\\[",
              "*[", "<a>", "[^1]", "\n\n", "\n[r]: /ref\n", "[^1]: note\n"]
    chosen = random.Random(21)
    texts = [SYNTAX, "a [b [c] d](/x) e [f", "x]y[z](/q) [[[a]", "[" * 300 + "a" + "]" * 30,
             *("".join(chosen.choice(pieces) for _ in range(40)) for _ in range(300)),
             *(path.read_text(encoding="utf-8", errors="replace") for path in corpus())]
    converted = MarkdownRenderer()
    for text in texts:
        stock.reset()
        assert converted.render(text).html == sanitise(stock.convert(text)), text
