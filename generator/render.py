"""Templates: one Jinja2 environment over the theme, and the pages a site is made of.

`targets()` lists every HTML page of the site — items, listings, category pages, homes, the
language entry page, redirects for aliases, 404 — each with its template and context;
`Renderer.render()` turns one into bytes, or reports the template file and line that failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import shutil
import time
import traceback
from collections import ChainMap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FunctionType, MethodType
from typing import Any

import jinja2
import markupsafe
from jinja2 import meta
from jinja2.loaders import split_template_path
from markupsafe import Markup

from .assets import Assets
from .calendar import summit_ics_path
from .collation import sort_key
from .errors import Problems
from .i18n import Strings, format_date
from .model import Page
from .picture import picture_global
from .schema import SECTION_TYPES
from .site import REF_FIELDS, Site
from .urls import absolute, alias_output, href
from .views import Listing, PageView


@dataclass(slots=True)
class Target:
    """One HTML file to render."""

    path: str  # output file below output/, e.g. "en/solutions/index.html"
    template: str
    lang: str | None
    context: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None  # the content file it comes from, for error messages
    line: int = 1
    shows: Page | None = None  # the page whose data it shows (items, redirects)
    lazy: Callable[[], dict[str, Any]] | None = None  # more context, built while rendering

    @property
    def group(self) -> str:
        """Pages that are translations of one another share a group (sitemap alternates); the
        entry page, in no language, is in the homes' group: their x-default."""
        page = self.context.get("page")
        if page is not None and self.template not in ("home.html", "list.html"):
            return f"page:{page.key}"
        if self.lang or self.template == "entry.html":
            return "path:" + self.path.split("/", 1)[-1]
        return f"alone:{self.path}"

    def templates(self) -> list[str]:
        """A section's listing may have its own template: list-summit.html, else list.html."""
        section = self.context.get("section")
        if self.template == "list.html" and section:
            return [f"list-{section}.html", "list.html"]
        return [self.template]


# What `getattr(a_dict, name)` finds: any other name of a dict is one of its keys or nothing.
_DICT_ATTRIBUTES = frozenset(dir(dict))
# Callables that never ask for the context (Jinja2 asks every callable at every call)
_PLAIN_CALLABLES = (jinja2.runtime.BlockReference, partial)


def _plain_macro(macro: jinja2.runtime.Macro) -> bool:
    """Whether a macro takes only named arguments (and `caller`), as the theme's do: such a
    call `_Context.call` makes itself."""
    return not (macro.catch_kwargs or macro.catch_varargs or macro.explicit_caller
                or macro._environment.is_async)


def _macros_as_expected() -> bool:
    """Whether this Jinja2 makes macros as `_Context.call` knows them (else Jinja2 calls them)."""
    found = vars(jinja2.Environment().from_string("{% macro m(a) %}{% endmacro %}").module.m)
    return {"_func", "_argument_count", "_environment", "catch_kwargs", "catch_varargs",
            "explicit_caller", "caller"} <= found.keys()


_MACRO = jinja2.runtime.Macro if _macros_as_expected() else None


class _Context(jinja2.runtime.Context):
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's
        """Jinja2's `call` without its questions to the callables a page calls most: a macro,
        a block, a `partial`, a function or method not marked `pass_context` and the like. A
        page makes some 60 calls, and a call block or a macro given fewer arguments than it
        names went through another dozen steps in the macro: done here as Jinja2 does them."""
        kind = type(__obj)
        if kind is _MACRO:
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            missing = __obj._argument_count - len(args)
            if missing < 0 or not (not kwargs or (len(kwargs) == 1 and "caller" in kwargs
                                                  and __obj.caller)) \
                    or not _plain_macro(__obj):
                return super().call(__obj, *args, **kwargs)
            if missing:
                args = (*args, *(jinja2.runtime.missing,) * missing)
            if __obj.caller:
                caller = kwargs.get("caller")
                args = (*args, caller if caller is not None else __self.environment.undefined(
                    "No caller defined", name="caller"))
            try:
                made = __obj._func(*args)
            except StopIteration:
                return _stopped(__self)
            if __self.eval_ctx.autoescape:
                return _new_str(Markup, made) if type(made) is str else Markup(made)
            return made
        if kind is MethodType or kind is FunctionType:
            function = __obj.__func__ if kind is MethodType else __obj
            if type(function) is not FunctionType or "jinja_pass_arg" in function.__dict__:
                return super().call(__obj, *args, **kwargs)
        elif kind not in _PLAIN_CALLABLES:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return _stopped(__self)


def _stopped(context: jinja2.runtime.Context) -> Any:
    """What Jinja2 gives for a call that raised StopIteration."""
    return context.environment.undefined("value was undefined because a callable raised a "
                                         "StopIteration exception")


def _escape(value: Any) -> Markup:
    """markupsafe.escape, the same Markup made without its Python-level constructor: a page
    escapes some 150 values, and this was a tenth of its time."""
    if type(value) is str:
        return _new_str(Markup, _escape_text(value))
    if type(value) is Markup:
        return value
    return markupsafe.escape(value)


def _join(values: tuple) -> str:
    """Jinja2's `markup_join` (the `~` operator), at once when every value is a plain text,
    as in `url(lang ~ '/')`."""
    for value in values:
        if type(value) is not str:
            return jinja2.runtime.markup_join(values)
    return "".join(values)


_new_str = str.__new__
_PAGES = itertools.count()  # numbers for the pages a Renderer renders
_escape_text = getattr(markupsafe, "_escape_inner", None)


class _Template(jinja2.Template):
    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any,
                        globals: Any) -> jinja2.Template:  # noqa: A002 - Jinja2's name
        """A compiled template's code, escaping with `_escape` (when markupsafe is the one
        this was written for) and joining with `_join`."""
        if namespace.get("escape") is markupsafe.escape and _escape_text is not None:
            namespace["escape"] = _escape
        if namespace.get("markup_join") is jinja2.runtime.markup_join:
            namespace["markup_join"] = _join
        return super()._from_namespace(environment, namespace, globals)

    def new_context(self, vars: dict | None = None, shared: bool = False,
                    locals: Any = None) -> jinja2.runtime.Context:  # noqa: A002 - Jinja2's
        """Jinja2's, with the environment's globals as one dict (`_Environment.flat_globals`)
        rather than the chain of the template's own and the environment's, which Jinja2 reads
        key by key twice for each context: a twentieth of a page's render."""
        flat = getattr(self.environment, "flat_globals", None)
        globals = flat(self.globals) if flat is not None else None  # noqa: A001
        if globals is None:
            return super().new_context(vars, shared, locals)
        return jinja2.runtime.new_context(self.environment, self.name, self.blocks, vars,
                                          shared, globals, locals)

    def make_module(self, vars: dict | None = None, shared: bool = False,
                    locals: Any = None) -> jinja2.environment.TemplateModule:  # noqa: A002
        """`{% import "_macros.html" as m with context %}` makes the module again for every
        page: two dozen macros, a twelfth of a page's time. A module that only defines macros
        is the same on every page but for the context its macros read names from: the one
        made for an earlier page is given this page's context instead. Only once a page (a
        module imported twice in one page is made again), and only between pages rendered
        by the Renderer (`_Environment.page`)."""
        page = getattr(self.environment, "page", None)
        kept = self.__dict__.get("_kept")
        if not shared or page is None or (kept is not None and kept[0] == page) or \
                not self._only_macros():
            return super().make_module(vars, shared, locals)
        fresh = self.new_context(vars, shared, locals)
        if kept is None:
            module = jinja2.environment.TemplateModule(self, fresh)
            self._kept = (page, module, fresh)
            return module
        _, module, context = kept
        context.__dict__.update((name, value) for name, value in fresh.__dict__.items()
                                if name not in ("vars", "exported_vars"))  # the macros stay
        self._kept = (page, module, context)
        return module

    def _only_macros(self) -> bool:
        """Whether the template's top level only defines macros (and writes white space)."""
        found = self.__dict__.get("_macros_only")
        if found is None:
            found = False
            loader = self.environment.loader
            if self.name is not None and loader is not None:
                try:
                    source = loader.get_source(self.environment, self.name)[0]
                    found = all(isinstance(node, jinja2.nodes.Macro) or (
                        isinstance(node, jinja2.nodes.Output) and all(
                            isinstance(part, jinja2.nodes.TemplateData)
                            and not part.data.strip() for part in node.nodes))
                        for node in self.environment.parse(source, self.name).body)
                except jinja2.TemplateError:
                    pass
            self._macros_only = found
        return found


class _Globals(dict):
    """An environment's globals, counting their changes (see `_Environment.flat_globals`)."""

    version = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.version += 1

    def __ior__(self, other: Any) -> _Globals:
        self.update(other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.version += 1

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.version += 1
        return super().setdefault(key, default)

    def pop(self, *args: Any) -> Any:
        self.version += 1
        return super().pop(*args)

    def popitem(self) -> tuple:
        self.version += 1
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        self.version += 1


class _Environment(jinja2.Environment):
    """Jinja2 as it is, made quicker at what a page does most: calls (`_Context`), escaping
    and `~` (`_Template`), and `item.url` of a dict (a link of the navigation, a row of
    `_data/`), for which Jinja2 tries the attribute first and takes the key after an
    AttributeError, some 60 times a page. Here a dict's key is looked up at once whenever
    the name is not one of a dict's own (`d.items` is still the method), which is what
    Jinja2 would find. tests/test_engines.py holds each shortcut to stock Jinja2's output.
    """

    context_class = _Context
    template_class = _Template
    page: int | None = None  # the page being rendered (see _Template.make_module)

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals = _Globals(self.globals)
        self._flat: tuple[int, dict] | None = None

    def flat_globals(self, chain: Any) -> dict | None:
        """A template's globals as one dict, when they are the environment's alone; kept
        until the environment's change."""
        found = self.globals
        if type(chain) is not ChainMap or len(chain.maps) != 2 or chain.maps[0] or \
                chain.maps[1] is not found or type(found) is not _Globals:
            return None
        if self._flat is None or self._flat[0] != found.version:
            self._flat = (found.version, dict(found))
        return self._flat[1]

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # as Jinja2 does
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


# A block made by `cached`: (fingerprint of its page's data, its HTML, what it read of the site).
Card = tuple[str | None, Markup, dict]


class Renderer:
    def __init__(self, templates_dir: Path, site: Site, strings: Strings, assets: Assets,
                 cards: dict[tuple, Card] | None = None, env: jinja2.Environment | None = None,
                 references: dict[tuple[str, str], list[str | None]] | None = None,
                 compiled: Path | None = None):
        """`env`: the last build's environment over the same folder, to keep its compiled
        templates (Jinja2 compiles a template again when its file changes); `references`:
        the templates each template names, by name and hash, kept the same way; `compiled`:
        the cache folder where a new environment keeps its compiled templates for the next
        process (a build compiles none of the unchanged ones)."""
        self.templates_dir = templates_dir.resolve()
        self.site = site
        self.strings = strings
        self.cards = {} if cards is None else cards  # `cached` blocks, kept by a Builder
        self.new_cards: list[tuple] = []  # made since last asked (workers send them back)
        self._checked: set[tuple] = set()  # cards made or found good in this build
        self._sites: dict[str, dict] = {}
        self.env = env or _Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=_bytecode_cache(compiled) if compiled is not None else None,
            # every template kept, in a plain dict: a theme has a few dozen, and Jinja2's
            # least-recently-used cache takes a lock at each of a page's four look-ups
            cache_size=-1,
        )
        if env is not None:  # the last build's: templates whose files changed are dropped
            for key, template in list(self.env.cache.items()):
                if not template.is_up_to_date:
                    del self.env.cache[key]
        self.env.auto_reload = False  # looked at once a build (above), not at every page
        self.env.filters["date"] = lambda value, lang, with_time=False: (
            format_date(value, lang, with_time) if value else "")
        self.env.filters["isodate"] = lambda value: value.isoformat() if value else ""
        self.env.filters["collate"] = _collate
        self.assets = assets
        self.env.globals["url"] = self.url
        self.env.globals["absolute"] = partial(absolute, site.config)
        self.env.globals["picture"] = picture_global(site.config)
        self.env.globals["cached"] = self.cached
        self.env.globals["cached_each"] = self.cached_each
        self._hashes: dict[str, str | None] = {}
        self._deps: dict[tuple[str, ...], dict[tuple, str | None]] = {}
        self._references = {} if references is None else references
        site.external.update(template=self.template_hash, templates=self.all_templates_hash,
                             asset=self.asset_url)

    # -- what a page read of the theme, for the build state ------------------------------

    def url(self, path: str) -> str:
        """The address of a theme file (hashed name) or any site path, for templates."""
        found = self.asset_url(path)
        if self.site.recorder is not None and path in self.assets.names:
            self.site.recorder[("asset", path)] = found
        return found

    def asset_url(self, path: str) -> str:
        return href(self.site.config, self.assets.url_for(path))

    def template_hash(self, name: str) -> str | None:
        """A hash of a template file's bytes; None when there is no such template."""
        if name not in self._hashes:
            try:
                parts = split_template_path(name)
                data = self.templates_dir.joinpath(*parts).read_bytes()
            except (OSError, jinja2.TemplateNotFound):
                self._hashes[name] = None
            else:
                self._hashes[name] = hashlib.blake2b(data, digest_size=12).hexdigest()
        return self._hashes[name]

    def all_templates_hash(self) -> str:
        names = self.env.list_templates(extensions=["html", "xml", "txt"])
        return hashlib.blake2b(repr([(n, self.template_hash(n)) for n in names]).encode(),
                               digest_size=12).hexdigest()

    def template_deps(self, names: tuple[str, ...]) -> dict[tuple, str | None]:
        """The templates a page rendered with the first of `names` reads: the ones looked for
        and not found before it, it, and all it extends, includes and imports. A reference
        made at run time (`{% include page.kind ~ ".html" %}`) makes it read them all."""
        if names not in self._deps:
            deps: dict[tuple, str | None] = {}
            todo = []
            for name in names:
                deps["template", name] = self.template_hash(name)
                if deps["template", name] is not None:
                    todo.append(name)
                    break
            while todo:
                name = todo.pop()
                for found in self.references(name):
                    if found is None:
                        deps["templates", "*"] = self.all_templates_hash()
                    elif ("template", found) not in deps:
                        deps["template", found] = self.template_hash(found)
                        if deps["template", found] is not None:
                            todo.append(found)
            self._deps[names] = deps
        return self._deps[names]

    def prepare_deps(self, names: tuple[str, ...]) -> None:
        """`template_deps` found before the workers fork (they and the preview's next build
        have them); a template that cannot be read is reported when a page is rendered."""
        with contextlib.suppress(jinja2.TemplateError, OSError):
            self.template_deps(names)

    def references(self, name: str) -> list[str | None]:
        """The templates a template extends, includes or imports (None: named at run time)."""
        key = (name, self.template_hash(name) or "")
        if key not in self._references:
            source = self.env.loader.get_source(self.env, name)[0]
            self._references[key] = list(meta.find_referenced_templates(self.env.parse(source)))
        return self._references[key]

    def check_syntax(self, problems: Problems) -> None:
        """Compile every template now, so a syntax error is reported once with its line."""
        for name in self.env.list_templates(extensions=["html", "xml", "txt"]):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.error(self.templates_dir / name, exc.lineno or 1,
                               f"template syntax: {exc.message}")

    def render(self, target: Target, problems: Problems,
               recorder: dict | None = None) -> bytes | None:
        """The page's bytes; what it read of the site goes into `recorder`."""
        self.site.recorder = recorder
        outer, self.env.page = self.env.page, None if self.env.page is not None else next(
            _PAGES)  # a page made inside another (none is) shares no module with it
        try:
            if target.shows is not None:
                self.site.shows(target.shows)
            context = {**target.context, **(target.lazy() if target.lazy else {})}
            names = target.templates()
            template = self.env.select_template(names)
            if recorder is not None:
                recorder.update(self.template_deps(tuple(names)))
            return template.render(self.context(target, context)).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            problems.error(self.templates_dir / target.template, 1,
                           f"template '{exc.name}' not found in {self.templates_dir}")
        except jinja2.TemplateSyntaxError as exc:
            problems.error(self.templates_dir / (exc.name or target.template), exc.lineno or 1,
                           f"template syntax: {exc.message}")
        except OSError:  # the machine's (a full disk), not the template's
            raise
        except Exception as exc:  # a template's runtime error: point at the template line
            path, line = self._template_line(exc, target.template)
            message = exc.message if isinstance(exc, jinja2.TemplateError) else repr(exc)
            problems.error(path, line, f"{message} (rendering {target.path})")
        finally:
            self.site.recorder = None
            self.env.page = outer
        return None

    def _template_line(self, exc: BaseException, name: str) -> tuple[Path, int]:
        found = (self.templates_dir / name, 1)
        for frame, line in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if filename.startswith(str(self.templates_dir)):
                found = (Path(filename), line)
        return found

    def cached(self, name: str, view: PageView, *vary: Any, caller: jinja2.runtime.Macro
               ) -> Markup:
        """`{% call cached("card", item, level) %}…{% endcall %}`: the block, made once per
        page, language read and `vary` values and reused — on every listing showing the page,
        and by the next build — while the page's data and all the block read stay the same.

        The block may use the page, the `vary` values and what is the same on every page of
        one language (t, lang, url…); nothing else of the page around it.
        """
        return self._cached((name, *vary), view, caller)

    def cached_each(self, name: str, views: list[PageView], caller: jinja2.runtime.Macro
                    ) -> Markup:
        """`{% call(item, first) cached_each("row", items) %}…{% endcall %}`: `cached` for
        each view of a list, joined — the loop runs in Python, which matters on a catalogue
        of thousands of items. `first` is true for the first view only."""
        return Markup("").join(
            self._cached((name, index == 0), view, partial(caller, view, index == 0))
            for index, view in enumerate(views))

    def _cached(self, name: tuple, view: PageView, make: Callable[[], str]) -> Markup:
        page, site = view.model, self.site
        key = (*name, page.key, page.lang, view.lang)
        found = self.cards.get(key)
        outer = site.recorder
        if found is None or key not in self._checked:  # not yet made or found good
            if found is None or found[0] != site.page_fingerprints.get(
                    (page.key, page.lang)) or not site.unchanged(found[2]):
                deps: dict = {}
                site.recorder = deps
                try:
                    site.shows(page)
                    html = make()
                finally:
                    site.recorder = outer
                found = self.cards[key] = (site.page_fingerprints.get((page.key, page.lang)),
                                           Markup(html), deps)
                self.new_cards.append(key)
            self._checked.add(key)
        if outer is not None:
            outer.update(found[2])
        return found[1]

    # -- contexts -----------------------------------------------------------------------

    def _site_context(self, lang: str) -> dict[str, Any]:
        if lang not in self._sites:
            config = self.site.config
            self._sites[lang] = {
                "title": config.title.get(lang, ""),
                "description": config.description.get(lang, ""),
                "base_url": config.base_url,
                "languages": [{"code": lg.code, "lang": lg.code, "name": lg.name,
                               "html_lang": lg.html_lang, "url": href(config, f"{lg.code}/"),
                               "abs_url": absolute(config, f"{lg.code}/")}
                              for lg in config.languages],
                "data": self.site.data,
            }
        return self._sites[lang]

    def context(self, target: Target, own: dict[str, Any]) -> dict[str, Any]:
        lang = target.lang or self.site.config.default_language
        config = self.site.config
        page = own.get("page")
        switcher = self._switcher(target, page)
        return {
            "site": self._site_context(lang),
            "lang": lang,
            "html_lang": config.language(lang).html_lang,
            "t": partial(self.strings.get, lang),
            "nav": self._nav(lang, target),
            "switcher": switcher,
            "canonical": absolute(config, target.path.removesuffix("index.html")),
            "current_url": href(config, target.path.removesuffix("index.html")),
            "listing": lambda section: Listing(self.site.items(section, lang), self.site, lang),
            "breadcrumbs": self._breadcrumbs(lang, target, page, own),
            "summit_calendar": href(config, summit_ics_path(lang))
            if self.site.items("summit", lang) else None,
            **own,
        }

    def _nav(self, lang: str, target: Target) -> list[dict[str, Any]]:
        current = target.path.split("/")[1] if target.path.count("/") >= 2 else None
        return [{"section": s, "title": self.strings.get(lang, f"section.{s}"),
                 "url": href(self.site.config, f"{lang}/{s}/"), "current": s == current}
                for s in self.sections]

    @property
    def sections(self) -> tuple[str, ...]:
        return self.site.sections()

    def _switcher(self, target: Target, page: PageView | None) -> list[dict[str, Any]]:
        """A link per language: the translation, else that language's section, else its home."""
        if target.lang is None or not target.path.startswith(f"{target.lang}/"):
            return []  # the entry page, 404 and redirects belong to no language folder
        links = []
        config = self.site.config
        for language in config.languages:
            if language.code == target.lang:
                url = href(config, target.path.removesuffix("index.html"))
            elif page is not None and (other := next(
                    (p for p in self.site.translations(page.model) if p.lang == language.code),
                    None)):
                url = href(config, other.url_path)
            elif page is not None and page.section:
                url = href(config, f"{language.code}/{page.section}/")
            else:
                rest = target.path.removesuffix("index.html").split("/", 1)[1]
                generated = rest and (rest.split("/")[0] in (*SECTION_TYPES, "search"))
                url = href(config, f"{language.code}/{rest if generated else ''}")
            links.append({"code": language.code, "lang": language.code, "name": language.name,
                          "html_lang": language.html_lang, "url": url,
                          "abs_url": config.base_url + url[len(config.base_path):],
                          "current": language.code == target.lang})
        return links

    def _breadcrumbs(self, lang: str, target: Target, page: PageView | None,
                     own: dict[str, Any]) -> list[dict]:
        config = self.site.config
        crumbs = [{"title": self.strings.get(lang, "home"), "url": href(config, f"{lang}/")}]
        section = (page.section if page else None) or own.get("section")
        if section and not (page and page.kind == "section"):
            crumbs.append({"title": self.strings.get(lang, f"section.{section}"),
                           "url": href(config, f"{lang}/{section}/")})
        return crumbs


@jinja2.pass_context
def _collate(context: jinja2.runtime.Context, items: Any, attribute: str) -> list:
    """`items` by the text of their `attribute`, in the collation of the page's language:
    `cities|groupby("country")|collate("grouper")` lists countries in the reader's order."""
    key, get = sort_key(context["html_lang"]), context.environment.getattr
    return sorted(items, key=lambda item: key(str(get(item, attribute))))


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    """Jinja2's own cache of compiled templates (each checked against its template's bytes),
    in a folder named after what else shapes the code: Jinja2's version and this file (the
    environment's options and filters). Folders of other versions are removed, and entries
    not written for a month: Jinja2 names them after the template's full path, so a project
    built in a new folder each time (some CI runners) would add a set at every build."""
    mark = hashlib.blake2b(jinja2.__version__.encode() + Path(__file__).read_bytes(),
                           digest_size=8).hexdigest()
    own = folder / f"templates-{mark}"
    try:
        for other in folder.glob("templates-*"):
            if other != own:
                shutil.rmtree(other, ignore_errors=True)
        own.mkdir(parents=True, exist_ok=True)
        month_ago = time.time() - 30 * 24 * 3600
        for entry in own.glob("__jinja2_*.cache"):  # one in use is compiled again, once
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < month_ago:
                    entry.unlink()
    except OSError:  # a cache that cannot be written: templates are compiled, as without
        return None
    return CompiledTemplates(str(own))


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, where an entry that cannot be read (cut short,
    damaged) is compiled again, as one that is missing, rather than stopping the build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - whatever its bytes make the unpickler raise
            bucket.reset()


def targets(site: Site, renderer: Renderer) -> Iterator[Target]:
    """Every HTML page of the site, in a stable order. Contexts that read other pages are
    built while the page renders (`lazy`), so that what they read is recorded."""
    config = site.config
    kinds = {"solution", "pavilion", "session", "city", "tour", "news", "page"}
    for page in site.pages:
        if page.kind in kinds:
            yield Target(page.output_path, f"{page.kind}.html", page.lang,
                         {"page": PageView(page, site)}, *page.doc.where("slug"), shows=page)
    for lang in config.codes:
        yield Target(f"{lang}/index.html", "home.html", lang,
                     lazy=partial(_home_context, site, lang))
        for section in renderer.sections:
            yield Target(f"{lang}/{section}/index.html", "list.html", lang,
                         {"section": section},
                         lazy=partial(_list_context, site, lang, section, None))
        for key in _category_keys(site) if "solutions" in renderer.sections else ():
            yield Target(f"{lang}/solutions/category/{key}/index.html", "list.html", lang,
                         {"section": "solutions"},
                         lazy=partial(_list_context, site, lang, "solutions", key))
        yield Target(f"{lang}/search/index.html", "search.html", lang, {"page": None})
        yield Target(f"{lang}/404.html", "404.html", lang, {"page": None})  # per-language 404
    yield Target("index.html", "entry.html", None, {"page": None})
    yield Target("404.html", "404.html", None, {"page": None})
    yield from _redirects(site)


def _home_context(site: Site, lang: str) -> dict[str, Any]:
    home = site.page("", lang)
    return {"page": PageView(home, site, lang) if home else None}


def _list_context(site: Site, lang: str, section: str, category: str | None) -> dict[str, Any]:
    intro = site.page(section, lang) if category is None else None
    pages = [p for p in site.items(section, lang)
             if category is None or p.fields.get("category") == category]
    categories = _categories(site, lang, category)
    return {"page": PageView(intro, site, lang) if intro else None, "section": section,
            "items": [PageView(p, site, lang) for p in pages], "categories": categories,
            "category": next((c for c in categories if c["key"] == category), None),
            "referenced": _referenced(site, lang, pages)}


def _referenced(site: Site, lang: str, pages: list[Page]) -> dict[str, list[PageView]]:
    """For each reference field of the listed items (a solution's pavilion and cities), the
    pages they name, by title: the options of a listing's filter."""
    title_key = sort_key(site.config.language(lang).html_lang)
    slugs: dict[str, dict[str, str]] = {}
    for page in pages:
        for name, section in REF_FIELDS.get(page.kind, {}).items():
            value = page.fields.get(name)
            for slug in [value] if isinstance(value, str) else value or ():
                slugs.setdefault(name, {}).setdefault(slug, section)
    found = {}
    for name, named in slugs.items():
        views = [PageView(p, site, lang) for slug, section in named.items()
                 if (p := site.ref(section, slug, lang)) is not None]
        found[name] = sorted(views, key=lambda view: title_key(view.title))
    return found


def _category_keys(site: Site) -> list[str]:
    categories = site.data.get("categories")
    return [str(k) for k in categories] if isinstance(categories, dict) else []


def _categories(site: Site, lang: str, current: str | None) -> list[dict]:
    counts = site.category_counts(lang)
    found = []
    for key in _category_keys(site):
        labels = site.data["categories"][key]
        label = labels.get(lang) or labels.get(site.config.default_language) or key \
            if isinstance(labels, dict) else str(labels)
        found.append({"key": key, "label": label, "current": key == current,
                      "url": href(site.config, f"{lang}/solutions/category/{key}/"),
                      "count": counts.get(key, 0)})
    return found


def _redirects(site: Site) -> Iterator[Target]:
    for page in site.pages:
        for index, alias in enumerate(page.fields.get("aliases") or ()):
            path = alias_output(alias) or alias  # schema.alias has reported a bad one
            source, line = page.doc.where("aliases", index)
            yield Target(path, "redirect.html", page.lang,
                         {"page": None, "target": href(site.config, page.url_path),
                          "target_abs": absolute(site.config, page.url_path),
                          "alias": alias, "title": page.title}, source, line, shows=page)
