"""Templates: one Jinja2 environment over the theme, and the pages a site is made of.

`targets()` lists every HTML page of the site — items, listings, category pages, homes, the
language entry page, redirects for aliases, 404 — each with its template and context;
`Renderer.render()` turns one into bytes, or reports the template file and line that failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from markupsafe import Markup

from .assets import Assets
from .calendar import summit_ics_path
from .collation import sort_key
from .errors import Problems
from .frontmatter import decode
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


class _Environment(jinja2.Environment):
    """Jinja2 with `item.url` of a dict (a link of the navigation, a row of `_data/`) looked up
    as a key at once, when the name is not one of a dict's own (`d.items` is still the method):
    what Jinja2 finds after trying the attribute first. tests/test_engines.py holds it to stock
    Jinja2's output."""

    renderer: Renderer | None = None  # the build's: see _RendererGlobal

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`obj.attribute` in a template: the attribute, else the item, else undefined."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # the rest as Jinja2 documents it, written out rather than one more call
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class _RendererGlobal:
    """A theme global (`url`, `cached`…) calling the same-named attribute of the renderer of
    the build in progress: an environment outlives a build (with its compiled templates), and
    Jinja2 wants its globals set before any template is loaded, not changed at each build."""

    def __init__(self, env: _Environment, name: str):
        self.env, self.name = env, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.env.renderer, self.name)(*args, **kwargs)


def _environment(templates_dir: Path, compiled: Path | None) -> _Environment:
    """The theme's environment; `compiled`: see Renderer."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(compiled) if compiled is not None else None,
        cache_size=-1,  # every template kept: a theme has a few dozen
    )
    env.filters["date"] = lambda value, lang, with_time=False: (
        format_date(value, lang, with_time) if value else "")
    env.filters["isodate"] = lambda value: value.isoformat() if value else ""
    env.filters["collate"] = _collate
    for name in ("url", "absolute", "picture", "cached", "cached_each"):
        env.globals[name] = _RendererGlobal(env, name)
    return env


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
        self.env = env or _environment(self.templates_dir, compiled)
        self.env.renderer = self
        self.assets = assets
        self.absolute = partial(absolute, site.config)
        self.picture = picture_global(site.config)
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
        """A hash of a template's text; None when there is no such template (or it cannot be
        read: `check_syntax` reports why)."""
        if name not in self._hashes:
            try:
                text = self.env.loader.get_source(self.env, name)[0]
            except (OSError, ValueError, jinja2.TemplateNotFound):
                self._hashes[name] = None
            else:
                self._hashes[name] = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
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
            except UnicodeDecodeError:  # reported as for a content file, with its line
                path = self.templates_dir / name
                decode(path, path.read_bytes(), problems)

    def render(self, target: Target, problems: Problems,
               recorder: dict | None = None) -> bytes | None:
        """The page's bytes; what it read of the site goes into `recorder`."""
        self.site.recorder = recorder
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
        return None

    def _template_line(self, exc: BaseException, name: str) -> tuple[Path, int]:
        found = (self.templates_dir / name, 1)
        for frame, line in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if filename.startswith(str(self.templates_dir)):
                found = (Path(filename), line)
        return found

    def cached(self, name: str, view: PageView, *vary: Any, caller: Callable[..., str]
               ) -> Markup:
        """`{% call cached("card", item, level) %}…{% endcall %}`: the block, made once per
        page, language read and `vary` values and reused — on every listing showing the page,
        and by the next build — while the page's data and all the block read stay the same.

        The block may use the page, the `vary` values and what is the same on every page of
        one language (t, lang, url…); nothing else of the page around it.
        """
        return self._cached((name, *vary), view, caller)

    def cached_each(self, name: str, views: list[PageView], caller: Callable[..., str]
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
