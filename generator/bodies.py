"""Body conversion: every page's Markdown to HTML (in worker processes on a large site, reused
from the last build where its text and links are the same), the images it and the front
matter name, and the <picture> elements put in place of its <img> tags."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import unquote

from .config import SiteConfig
from .errors import Problems
from .images import Picture, Reference
from .links import Links
from .markdown import converter, plain_summary, prepare
from .model import Page
from .parallel import Progress, chunked_map
from .picture import ALT, BODY_SIZES, picture_html
from .site import Site
from .urls import href


def render_markdown(site: Site, problems: Problems, jobs: int | None = None,
                    cached: dict[tuple[str, str], Body] | None = None,
                    progress: Progress | None = None,
                    meanwhile: Callable[[], None] | None = None,
                    last_state: dict | None = None) -> dict[tuple[str, str], Body]:
    """Render every body, rewriting links and images; then check link fragments. `meanwhile`
    runs in this process while workers render (see parallel.chunked_map); `last_state`: see
    link_state.

    Pages with errors are rendered too, for the problems in their bodies only. A body in
    `cached` with the same text is taken as it is while no page was added, moved or
    removed (`link_state`); else it is reused when its links still resolve the same way.
    Returns the bodies to cache for the next build.
    """
    cached = cached or {}
    state = link_state(site, last_state)
    everything = site.broken + site.pages
    results: list[Body | None] = []
    for page in everything:
        old = cached.get((page.key, page.lang))
        results.append(old if old is not None and old.state == state and not old.problems
                       and old.source == page.source_hash and _files_there(site, old)
                       else None)
    todo = [i for i, body in enumerate(results) if body is None]
    prepare(everything[i].doc.body for i in todo)
    for index, body in zip(todo, chunked_map(_render_bodies, (site, cached), todo, jobs,
                                             progress, meanwhile), strict=True):
        body.state = state
        results[index] = body
    bodies = {}
    fragments = []
    for page, result in zip(everything, results, strict=True):
        assert result is not None
        bodies[page.key, page.lang] = result
        if page.ok:
            page.html, page.toc, page.heading_ids = result.html, result.toc, result.ids
            if "summary" not in page.fields:
                page.fields["summary"] = result.summary
        problems.add_all(result.problems)
        for rel, line in result.images:
            site.image_refs.setdefault(rel, []).append(Reference(page.doc.path, line))
        if result.media:
            site.media.update(result.media)
        if result.fragments:
            fragments += [(page, *fragment) for fragment in result.fragments]
    for page, key, lang, fragment, line in fragments:
        target = site.by_key[key][lang]
        if fragment not in target.heading_ids:
            problems.warning(page.doc.path, line, f"'#{fragment}' is not a heading of "
                             f"{target.doc.path.name}: the link lands at the page top")
    return bodies


def link_state(site: Site, last: dict | None = None) -> str:
    """What links resolve against: every page's address, drafts, broken pages, settings;
    hashed, unless it is the same as in `last` (kept by a Builder, updated here)."""
    state = (site.config.base_url, site.config.codes, [
        (p.key, p.lang, p.url_path) for p in site.pages], sorted(site.broken_targets,
                                                                 key=repr),
             sorted(site.drafts))
    last = {} if last is None else last
    if last.get("state") != state:
        last.update(state=state, hash=hashlib.blake2b(repr(state).encode(),
                                                      digest_size=16).hexdigest())
    return last["hash"]


def _files_there(site: Site, body: Body) -> bool:
    """Whether the images and files a cached body links to are still in content/."""
    return not (body.images or body.media) or all(
        (site.content_dir / rel).is_file()
        for rel in (*(i for i, _ in body.images), *body.media))


@dataclass
class Body:
    """What rendering one page's Markdown gives, sent back from a worker process."""

    source: str = ""  # hash of the text, file and language (the cache key)
    html: str = ""
    toc: str = ""
    ids: frozenset[str] = frozenset()
    links: list = dataclasses.field(default_factory=list)  # (value, tag, result) in order
    problems: list = dataclasses.field(default_factory=list)
    images: list[tuple[str, int]] = dataclasses.field(default_factory=list)  # (path, line)
    media: set[str] = dataclasses.field(default_factory=set)
    fragments: list[tuple[str, str, str, int]] = dataclasses.field(default_factory=list)
    state: str = ""  # what its links were resolved against (link_state)
    summary: str = ""  # its first paragraph as text, for pages without a `summary`

    def __reduce__(self) -> tuple:
        """Pickled as its fields in order: 10,000 bodies come back from the workers, and are
        loaded again with the build state: smaller and quicker than a `__dict__` each."""
        return Body, tuple(getattr(self, name) for name in _BODY_FIELDS)


_BODY_FIELDS = tuple(field.name for field in dataclasses.fields(Body))


def _render_bodies(state: tuple, indices: list[int]) -> list[Body]:
    site, cached = state
    everything = site.broken + site.pages
    renderer = converter()
    links = Links(site)
    bodies = []
    for index in indices:
        page = everything[index]
        source = page.source_hash
        old = cached.get((page.key, page.lang))
        body = _replay(links, page, old) if old is not None and old.source == source else None
        if body is None:
            body, problems = Body(source=source), Problems()
            linker = links.resolver(page, problems, body)

            def logged(value: str, tag: str, linker=linker, body=body) -> str | None:
                result = linker(value, tag)
                body.links.append((value, tag, result))
                return result

            rendered = renderer.render(page.doc.body, logged)
            body.html, body.toc, body.ids = rendered.html, rendered.toc, rendered.ids
            body.summary = plain_summary(body.html)
            body.problems = problems.items
        bodies.append(body)
    return bodies


def _replay(links: Links, page: Page, old: Body) -> Body | None:
    """The cached body, if its links resolve as they did (they gather images and problems)."""
    body, problems = Body(source=old.source, links=old.links), Problems()
    linker = links.resolver(page, problems, body)
    if any(linker(value, tag) != result for value, tag, result in old.links):
        return None
    body.html, body.toc, body.ids, body.problems = old.html, old.toc, old.ids, problems.items
    body.summary = old.summary
    return body



# -- images ---------------------------------------------------------------------------


def collect_images(site: Site) -> None:
    """Add the images named in front matter (covers, galleries) to `site.image_refs`, and the
    files published as they are (a recording and its captions) to `site.media`."""
    for page in site.pages + site.broken:
        if "image" in page.fields:
            _image_ref(site, page.fields["image"], *page.doc.where("image"))
            site.covers.add(page.fields["image"])
        for index, item in enumerate(page.fields.get("gallery") or ()):
            _image_ref(site, item["src"], *page.doc.where("gallery", index, "src"))
        if "://" not in page.fields.get("recording", "://"):
            site.media.add(page.fields["recording"])
        site.media.update(item["src"] for item in page.fields.get("captions") or ())


def _image_ref(site: Site, rel: str, path: Path, line: int) -> None:
    refs = site.image_refs.setdefault(rel, [])
    if all((r.path, r.line) != (path, line) for r in refs):
        refs.append(Reference(path, line))


def apply_pictures(site: Site, pictures: dict[str, Picture]) -> None:
    """Put the renditions into the rendered bodies: each <img> of a content image becomes
    a <picture>; a link to the image goes to its largest rendition."""
    site.pictures = pictures
    config = site.config
    prefix = re.escape(config.base_path + "media/")
    image_tag = re.compile(rf'<img\s[^>]*?src="{prefix}([^"#]+)"[^>]*>')
    link = re.compile(rf'href="{prefix}([^"#]+)"')

    def largest(match: re.Match) -> str:
        picture = pictures.get(unquote(match.group(1)))
        if picture is None:
            return match.group(0)
        return f'href="{href(config, picture.largest.path)}"'

    for page in site.pages:
        if "media/" in page.html:
            tags = _PictureTags(config, pictures, eager="image" not in page.fields)
            page.html = link.sub(largest, image_tag.sub(tags, page.html))


class _PictureTags:
    """Replaces one page's <img> tags; only the page's first image loads eagerly."""

    def __init__(self, config: SiteConfig, pictures: dict[str, Picture], eager: bool):
        self.config, self.pictures, self.eager = config, pictures, eager

    def __call__(self, match: re.Match) -> str:
        picture = self.pictures.get(unquote(match.group(1)))
        if picture is None:
            return match.group(0)
        alt = ALT.search(match.group(0))
        html = picture_html(self.config, picture, unescape(alt.group(1)) if alt else "",
                            BODY_SIZES, self.eager)
        self.eager = False
        return html

