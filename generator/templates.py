"""The templates: one Jinja2 environment over the theme's folder (kept from build to build with
its compiled templates), and which templates a page reads, for the build state."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import meta
from markupsafe import Markup

from .cache import write_whole
from .collation import sort_key
from .errors import Problems
from .frontmatter import decode
from .i18n import format_date

if TYPE_CHECKING:
    from .render import Renderer

REFERENCES = "references.json"  # in the folder of the compiled templates: see check_syntax
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
    """The theme's environment; `compiled`: the folder of its compiled templates, if any."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=CompiledTemplates(str(compiled)) if compiled is not None else None,
        cache_size=-1,  # every template kept: a theme has a few dozen
    )
    env.filters["date"] = lambda value, lang, with_time=False: (
        format_date(value, lang, with_time) if value else "")
    env.filters["isodate"] = lambda value: value.isoformat() if value else ""
    env.filters["collate"] = _collate
    env.filters["langattr"] = _lang_attribute
    env.filters["linklang"] = _link_lang_attributes
    for name in ("url", "absolute", "picture", "cached", "cached_each", "cached_once"):
        env.globals[name] = _RendererGlobal(env, name)
    return env

class Templates:
    """The templates of one build: their environment, their hashes, and which templates each
    names, for the dependencies a page records."""

    def __init__(self, templates_dir: Path, env: jinja2.Environment | None = None,
                 references: dict[tuple[str, str], list[str | None]] | None = None,
                 compiled: Path | None = None):
        """`env`: the last build's environment over the same folder, to keep its compiled
        templates (Jinja2 compiles a template again when its file changes); `references`: the
        templates each template names, by name and hash, kept the same way; `compiled`: the
        cache folder where a new environment keeps its compiled templates for the next process
        (a build compiles none of the unchanged ones)."""
        self.templates_dir = templates_dir.resolve()
        # The folder of the compiled templates and of the references found with them.
        self.compiled = _cache_folder(compiled) if env is None and compiled is not None \
            else None
        self.env = env or _environment(self.templates_dir, self.compiled)
        self._hashes: dict[str, str | None] = {}
        self._deps: dict[tuple[str, ...], dict[tuple, str | None]] = {}
        self._references = {} if references is None else references

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
        """Compile every template now, so a syntax error is reported once with its line, and
        find the templates each names (`references`), which the pages' dependencies need.
        Both are kept in the cache folder: the next process compiles and parses none of the
        unchanged templates."""
        known = self._load_references()
        for name in self.env.list_templates(extensions=["html", "xml", "txt"]):
            try:
                self.env.get_template(name)
                self.references(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.error(self.templates_dir / name, exc.lineno or 1,
                               f"template syntax: {exc.message}")
            except UnicodeDecodeError:  # reported as for a content file, with its line
                path = self.templates_dir / name
                decode(path, path.read_bytes(), problems)
        if self._references.keys() != known:
            self._store_references()

    def _load_references(self) -> set[tuple[str, str]]:
        """Take the references stored in the cache folder (what cannot be read is found
        again); the keys known then."""
        entries = []
        if self.compiled is not None:
            with contextlib.suppress(OSError, ValueError):
                entries = json.loads((self.compiled / REFERENCES).read_text(encoding="utf-8"))
        for entry in entries if isinstance(entries, list) else ():
            match entry:
                case [str() as name, str() as digest, list() as found] if all(
                        item is None or isinstance(item, str) for item in found):
                    self._references.setdefault((name, digest), found)
        return set(self._references)

    def _store_references(self) -> None:
        """Keep the references of this theme's templates in the cache folder (written whole
        and then renamed, so a process reading it never sees half of it)."""
        if self.compiled is None:
            return
        current = {(name, self.template_hash(name) or "")
                   for name in self.env.list_templates(extensions=["html", "xml", "txt"])}
        entries = [[name, digest, found] for (name, digest), found in self._references.items()
                   if (name, digest) in current]
        with contextlib.suppress(OSError):
            write_whole(self.compiled / REFERENCES, json.dumps(entries).encode())


def compile_theme(templates_dir: Path, compiled: Path) -> None:
    """Compile every template of `templates_dir` into the cache folder `compiled`, with the
    templates each names: what a Templates over the same folders then finds there. Its
    problems are left for that Templates' own `check_syntax` to report."""
    Templates(templates_dir, compiled=compiled).check_syntax(Problems())


def _lang_attribute(view: Any) -> Markup:
    """` lang="…"` for an element holding text of `view`'s own language, when the visitor
    reads another one (an untranslated page shown in a listing, a reference to one)."""
    return Markup(' lang="%s"') % view.html_lang if view.fallback else Markup()


def _link_lang_attributes(view: Any) -> Markup:
    """` lang="…" hreflang="…"` for a link to `view` when it is in another language."""
    return Markup(' lang="%s" hreflang="%s"') % (view.html_lang, view.html_lang) \
        if view.fallback else Markup()


@jinja2.pass_context
def _collate(context: jinja2.runtime.Context, items: Any, attribute: str) -> list:
    """`items` by the text of their `attribute`, in the collation of the page's language:
    `cities|groupby("country")|collate("grouper")` lists countries in the reader's order."""
    key, get = sort_key(context["html_lang"]), context.environment.getattr
    return sorted(items, key=lambda item: key(str(get(item, attribute))))


def _cache_folder(folder: Path) -> Path | None:
    """The folder, in the cache folder, of Jinja2's own cache of compiled templates (each
    checked against its template's bytes) and of the references found with them, named after
    what else shapes the code: Jinja2's version and this file (the environment's options and
    filters); None if it cannot be written. Folders of other versions are removed, and
    entries not written for a month: Jinja2 names them after the template's full path, so a
    project built in a new folder each time (some CI runners) would add a set at every
    build."""
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
    return own


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, where an entry that cannot be read (cut short,
    damaged) is compiled again, as one that is missing, rather than stopping the build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - whatever its bytes make the unpickler raise
            bucket.reset()

