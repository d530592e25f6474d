"""Jinja2 and Python-Markdown as their documentation describes them.

The environment that renders pages takes shortcuts for speed (dict keys, calls, escaping),
and so does the Markdown converter (its patterns and tags kept in quicker containers, a
pattern not tried on a text without a character its matches start with): a theme
author or an editor must never see a difference. Each template below is rendered by our
environment and by a stock one with the same options, each Markdown text by our converter and
by a stock one with the same extensions; the outputs, and the errors, must be the same.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from sitekit import ROOT, make_site

from generator import render
from generator.build import Clock, Options, load
from generator.errors import Problems
from generator.markdown import MarkdownRenderer, _needed
from generator.render import _Environment, targets


class Html:
    def __html__(self) -> str:
        return "<i>own html</i>"


class Text(str):
    pass


@jinja2.pass_context
def who(context, name):
    return f"{context['lang']}:{name}"


@jinja2.pass_eval_context
def mode(eval_ctx):
    return "escaping" if eval_ctx.autoescape else "raw"


@jinja2.pass_environment
def env_kind(environment, value):
    return f"{value}:{environment.undefined.__name__}"


class Helper:
    def plain(self, value):
        return f"plain {value}"

    @jinja2.pass_context
    def lang_of(self, context, value):
        return f"{context['lang']} {value}"


class Lookup:
    """Items but no attributes: `lookup.name` takes the item, as for a dict."""

    def __getitem__(self, key):
        return f"<item {key}>"


def stop():
    raise StopIteration


CONTEXT = {
    "lang": "en",
    "link": {"url": "/a?b=1&c=<2>", "title": "Tom & \"Jerry\"", "items": "a key named items",
             "nested": {"deep": ["x", "<y>"]}},
    "rows": [{"label": "one", "n": 1}, {"label": "<two>", "n": 2}],
    "safe": Markup("<b>bold</b>"),
    "html": Html(),
    "text": Text("<sub>"),
    "number": 42,
    "nothing": None,
    "t": functools.partial(lambda lang, key, **kw: f"[{lang}] {key} {kw}", "en"),
    "who": who,
    "mode": mode,
    "env_kind": env_kind,
    "helper": Helper(),
    "stop": stop,
    "lookup": Lookup(),
}

TEMPLATES = {
    "dict keys": "{{ link.url }}|{{ link.title }}|{{ link.nested.deep[1] }}|"
                 "{{ rows[1].label }}|{% for r in rows %}{{ r.label }}{{ r.n }}{% endfor %}|"
                 "{{ lookup.name }}|{{ helper.plain.__name__ }}",
    "a key that is a dict method's name": "{{ link['items'] }}|{{ link.items() | list | length }}|"
                                         "{{ link.get('title') }}|{{ link.keys() | list }}",
    "defined tests": "{{ link.none is defined }}|{{ link.url is defined }}|"
                     "{{ link.none | default('fallback') }}",
    "escaping": "{{ '<&>\"\\'' }}|{{ safe }}|{{ html }}|{{ text }}|{{ number }}|{{ nothing }}|"
                "{{ safe ~ '<x>' }}|{{ '<x>' ~ safe }}|{{ '<a>' ~ number ~ '<b>' }}|"
                "{{ text ~ '&' }}|{{ html ~ '&' }}|{{ '%s<%s>'|format('a', '<b>') }}",
    "macros": "{% macro m(x, y='<d>') %}<p>{{ x }}{{ y }}</p>{% endmacro %}"
              "{{ m('<a>') }}{{ m(x='<k>', y=safe) }}{% set kept = m('<s>') %}{{ kept }}",
    "macro in a raw block": "{% macro m(x) %}<p>{{ x }}</p>{% endmacro %}"
                            "{% set ns = namespace() %}{% autoescape false %}"
                            "{% set ns.raw = m('<r>') %}{{ m('<q>') }}{{ mode() }}"
                            "{% endautoescape %}{{ ns.raw }}{{ mode() }}",
    "call blocks": "{% macro box(title) %}<div>{{ title }}:{{ caller() }}</div>{% endmacro %}"
                   "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                   "{% call box('<t>') %}in <i>{{ link.title }}</i>{% endcall %}"
                   "{% call(x) each(rows) %}[{{ x.label }}]{% endcall %}",
    "functions": "{{ t('key', n=1) }}|{{ who('<me>') }}|{{ mode() }}|{{ env_kind('v') }}|"
                 "{{ dict(link, url='/other').url }}|{{ range(3) | list }}|"
                 "{% for r in rows %}{{ loop.cycle('odd', 'even') }}{% endfor %}|"
                 "{{ helper.plain('<p>') }}|{{ helper.lang_of('<l>') }}|{{ stop() is undefined }}",
    "macros taking more": "{% macro v(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}"
                          "{% macro c(caller=none) %}[{{ caller() if caller else 'none' }}]"
                          "{% endmacro %}{{ v(1, 2, 3, k='<k>') }}|{{ c() }}|"
                          "{% call c() %}given{% endcall %}|{% macro d(x, y, z='<z>') %}"
                          "{{ x }}{{ y }}{{ z }}{% endmacro %}{{ d(1, 2) }}{{ d(1, y=2, z=3) }}",
    "blocks": "{% block a %}<a>{{ link.url }}</a>{% endblock %}|{{ self.a() }}|"
              "{% set trimmed = self.a() | trim %}{{ trimmed }}",
    "namespaces": "{% set ns = namespace(n=0) %}{% for r in rows %}{% set ns.n = ns.n + r.n %}"
                  "{% endfor %}{{ ns.n }}",
}

MISTAKES = {
    "a missing key": "{{ link.missing }}",
    "a missing key's attribute": "{{ link.missing.more }}",
    "an attribute of nothing": "{{ nothing.url }}",
    "a macro given too many arguments": "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1, 2) }}",
    "a macro given an unknown keyword": "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(z=1) }}",
    "a macro given an argument it lacks":
        "{% macro m(x) %}{{ x }}{% endmacro %}{{ m() }}",
    "a macro using caller, called without":
        "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}",
    "a call block to a macro without caller":
        "{% macro m() %}plain{% endmacro %}{% call m() %}x{% endcall %}",
}

OPTIONS = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True,
           "lstrip_blocks": True, "keep_trailing_newline": True}


def both(source: str) -> list[jinja2.Template]:
    return [environment(**OPTIONS).from_string(source)
            for environment in (_Environment, jinja2.Environment)]


def test_the_shortcuts_are_in_use_with_this_jinja2():
    ours, stock = both("{{ a ~ b }}")
    names = ours.root_render_func.__globals__
    assert names["escape"] is render._escape and names["markup_join"] is render._join
    assert stock.root_render_func.__globals__["escape"] is not render._escape
    assert render._MACRO is jinja2.runtime.Macro


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


# Modules imported with context, made once and given each page's context (`_Template.make_module`)
MODULES = {
    "macros.html": "{% macro hello(x) %}<p>{{ greeting }}, {{ x }} ({{ lang }}, {{ extra }})</p>"
                   "{% endmacro %}\n{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}\n",
    "with-set.html": "{% set shout = greeting | upper %}"  # not only macros: made every time
                     "{% macro hello(x) %}{{ shout }} {{ x }}{% endmacro %}",
    "page.html": "{% set extra = 'e-' ~ lang %}{% import 'macros.html' as m with context %}"
                 "{% import 'with-set.html' as s with context %}"
                 "{{ m.hello('<a>') }}{% call m.box() %}{{ s.hello(greeting) }}{% endcall %}"
                 "{% include 'inner.html' %}{{ m.hello('again') }}",
    "inner.html": "{% set lang = 'inner-' ~ lang %}{% import 'macros.html' as i with context %}"
                  "[{{ i.hello('in') }}]",
}
PAGES = [{"greeting": "Hello", "lang": "en"}, {"greeting": "你好", "lang": "zh-tw"},
         {"greeting": "<Hi>", "lang": "en"}, {"greeting": "Hej", "lang": "sv"}]


def test_a_module_imported_with_context_renders_every_page_as_stock_jinja2():
    loader = jinja2.DictLoader(MODULES)
    ours = _Environment(loader=loader, **OPTIONS)
    stock = jinja2.Environment(loader=loader, **OPTIONS)
    expected = [stock.get_template("page.html").render(page) for page in PAGES]
    found = []
    for number, page in enumerate(PAGES):
        ours.page = number  # as Renderer.render numbers the pages it renders
        found.append(ours.get_template("page.html").render(page))
    assert found == expected
    assert "你好" in expected[1] and "&lt;Hi&gt;" in expected[2] and "inner-sv" in expected[3]
    assert ours.get_template("macros.html")._kept[0] == len(PAGES) - 1  # the shortcut is used
    assert "_kept" not in vars(ours.get_template("with-set.html"))


def test_a_template_sees_the_globals_as_they_are_when_it_renders():
    ours = _Environment(loader=jinja2.DictLoader({"a": "{{ greet }} {{ who() }}"}), **OPTIONS)
    ours.globals["greet"] = "hi"
    ours.globals.update(who=lambda: "one")
    template = ours.get_template("a")
    assert template.render() == "hi one"
    assert ours._flat is not None  # the shortcut is in use
    ours.globals["greet"] = "bye"
    assert template.render() == "bye one"
    ours.globals |= {"who": lambda: "two"}
    assert template.render() == "bye two"
    ours.globals.setdefault("greet", "unused")
    ours.globals.pop("who")
    with pytest.raises(jinja2.UndefinedError):
        template.render()
    del ours.globals["greet"]
    assert ours.from_string("{{ greet }}", globals={"greet": "its own"}).render() == "its own"


def test_the_theme_macros_are_made_once_for_many_pages(tmp_path):
    site = make_site(tmp_path, {"content/news/a.md": "---\ntitle: A\ndate: 2020-08-01\n---\nA.\n",
                                "content/news/b.md": "---\ntitle: B\ndate: 2020-08-02\n---\nB.\n"})
    loaded = load(Options(content=site / "content", templates=ROOT / "templates", jobs=1),
                  Problems(), Clock())
    pages = [t for t in targets(loaded.site, loaded.renderer) if t.template == "news.html"]
    made = []
    macros = loaded.renderer.env.get_template("_macros.html")
    for target in pages:
        assert b"<h1>" in loaded.renderer.render(target, Problems(), {})
        made.append(macros._kept[1])
    assert len(pages) == 2 and all(module is made[0] for module in made)
    assert loaded.renderer.env.page is None  # between pages


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


def test_markdown_converts_as_stock_python_markdown(monkeypatch):
    ours = MarkdownRenderer()
    monkeypatch.setattr(MarkdownRenderer, "_quicken", lambda self: None)
    stock = MarkdownRenderer()
    assert type(stock._md.parser.blockprocessors) is not list  # as Python-Markdown sets them
    assert type(ours._md.parser.blockprocessors) is list  # the shortcut is in use
    inline = ours._md.treeprocessors["inline"]
    assert type(inline.inlinePatterns) is list
    skipped = inline.__dict__["_InlineProcessor__applyPattern"].args[1]  # pattern → texts
    assert {("[",), ("*", "_"), ("&",), ("<",), ("  \n",)} <= set(skipped.values())
    assert inline.__dict__["_InlineProcessor__handleInline"].args[1] == list(skipped.values())
    assert ours._toc is not None and stock._toc is None
    assert any(isinstance(getattr(p, "test", None), functools.partial)
               for p in ours._md.parser.blockprocessors)  # the tables' test
    texts = [SYNTAX, f"[TOC]\n\n{SYNTAX}", "- [TOC]\n\n## A\n\n`[TOC]`\n\n### B\n",
             "Plain text\nover lines\n\nname | value\n-----|------\nx | `a|b`\n\n| one |\n",
             *(path.read_text(encoding="utf-8", errors="replace") for path in corpus())]
    assert len(texts) > 30
    for text in texts:
        assert ours.render(text) == stock.render(text)


# Regular expressions like those of inline patterns (and some that are not), with the
# characters `_needed` says each match starts with (None: it may be tried on any text).
REGEXES = {
    r"(?<!\!)\[": ("[",),
    r"\*|_": ("*", "_"),
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("\\", "`"),
    r"(\*{1,2})([^*]+)\1": ("*",),
    r"(?=a)\w+": None,  # a look-ahead takes no character: \w is any letter
    r"x?y": ("x", "y"),
    r"(?:ab)*c": ("a", "c"),
    r"[a-c]+d": ("a", "b", "c"),
    r"^ *&[a-z]+;": (" ", "&"),
    r"x*": None,  # matches nothing at all
    r"(?i)k": None,  # also K
    r"[^<]": None,
    r".": None,
    r"(a)\1": ("a",),
    r"(?:b|)c": ("b", "c"),
    r"  \n": ("  \n",),  # a whole text
    r"\!\[": ("![",),
}


@pytest.mark.parametrize("regex", REGEXES)
def test_the_characters_a_pattern_needs(regex):
    pattern = markdown_pattern(regex)
    assert _needed(pattern) == REGEXES[regex]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([r for r, need in REGEXES.items() if need]),
       st.text(alphabet="abcdxyk*_[]!`\\&;< \n", max_size=12))
def test_a_text_without_those_characters_has_no_match(regex, text):
    needed = _needed(markdown_pattern(regex))
    if re.search(regex, text, re.DOTALL | re.UNICODE):
        assert any(part in text for part in needed)


def markdown_pattern(regex: str):
    from markdown.inlinepatterns import InlineProcessor
    return InlineProcessor(regex)
