"""Settings and content → a checked Site, its images, theme files and template renderer."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jinja2

from ..assets import Assets
from ..assets import collect as collect_assets
from ..bodies import apply_pictures, collect_images, render_markdown
from ..brochures import collect_brochures
from ..config import load_config, valid_base_url
from ..content import ParseCache, load_data, load_pages
from ..deps import fingerprint_pages
from ..errors import Problems, UsageError
from ..i18n import load_strings
from ..images import ImageSet
from ..images import process as process_images
from ..parallel import Progress, aside
from ..refs import check_refs
from ..render import Renderer
from ..site import Site
from ..targets import KeptTargets
from ..templates import Templates, compile_theme
from ..translations import note_status
from .options import Clock, Options


@dataclass
class SessionMemory:
    """What a build leaves for the next one in the same process (a Builder keeps it)."""

    parsed: ParseCache = field(default_factory=ParseCache)  # sources and pages
    cards: dict = field(default_factory=dict)  # `cached` template blocks, for `cards_key`
    cards_key: str = ""
    env: jinja2.Environment | None = None  # with its compiled templates
    image_hashes: dict = field(default_factory=dict)  # (image, size, time) → content hash
    fingerprints: dict = field(default_factory=dict)  # see deps.fingerprint_pages
    references: dict = field(default_factory=dict)  # see Templates.references
    made: dict = field(default_factory=dict)  # generated files (sitemap, calendars) by inputs
    lookups: dict = field(default_factory=dict)  # see Site.reuse_lookups
    targets: KeptTargets = field(default_factory=KeptTargets)  # each page's HTML files
    link_state: dict = field(default_factory=dict)  # see bodies.link_state


@dataclass
class LoadedSite:
    """The site read and checked, with what rendering it needs."""

    site: Site
    renderer: Renderer
    images: ImageSet
    assets: Assets
    bodies: dict  # rendered Markdown to keep for the next build
    memory: SessionMemory


def refuse_unusable_folders(options: Options) -> None:
    """UsageError for a command line that names a missing folder or a bad --base-url; checked
    before the project is locked, so that a refused command writes nothing."""
    if not options.content.is_dir():
        raise UsageError(f"content folder {options.content} not found (use --content DIR)")
    templates = options.templates_folder()
    if not templates.is_dir():
        raise UsageError(f"templates folder {templates} not found (use --templates DIR)")
    if options.base_url is not None and not valid_base_url(options.base_url):
        raise UsageError(f"--base-url {options.base_url!r} must be an absolute http(s) URL")


def load(options: Options, problems: Problems, clock: Clock, bodies: dict | None = None,
         memory: SessionMemory | None = None, changed: Collection[str] | None = None
         ) -> LoadedSite | None:
    """Read and check everything; None when settings are too broken to go on. `bodies`: the
    last build's rendered Markdown, reused for unchanged text; `changed`: see Builder.build."""
    memory = memory or SessionMemory()
    refuse_unusable_folders(options)
    templates = options.templates_folder()
    config = load_config(options.content, problems)
    if config is None:
        return None
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    data = load_data(options.content, problems)
    env = _compiled(memory.env, templates)
    # A new environment's templates are compiled on another core while the content is read.
    compiled = aside(compile_theme, templates, options.cache, jobs=options.jobs) \
        if env is None else None
    pages, drafts, failed = load_pages(options.content, config, data, options.drafts,
                                       problems, memory.parsed, changed)
    site = Site(config, data, pages, options.content, drafts, failed)
    note_status(site.pages, config.default_language)
    clock.lap("read")
    assets = collect_assets(templates / "static", options.minify, problems)
    theme = Templates(templates, env, memory.references, options.cache)
    renderer = Renderer(theme, site, load_strings(templates, config, problems), assets,
                        memory.cards)
    # The theme is checked (and compiled, unless done aside) while workers convert Markdown.
    bodies = render_markdown(site, problems, options.jobs, bodies, step(options, "Markdown"),
                             meanwhile=partial(_check_theme, theme, problems, compiled),
                             last_state=memory.link_state)
    collect_images(site)
    collect_brochures(site, problems)
    clock.lap("markdown")
    images = process_images(site.image_refs, site.covers, site.content_dir, options.cache,
                            config.images, options.jobs, problems, step(options, "Images"),
                            memory.image_hashes)
    apply_pictures(site, images.pictures)
    fingerprint_pages(site, memory.fingerprints)
    site.reuse_lookups(memory.lookups)
    check_refs(site, problems)
    clock.lap("images")
    return LoadedSite(site, renderer, images, assets, bodies, memory)


def _check_theme(theme: Templates, problems: Problems,
                 compiled: Callable[[], None] | None) -> None:
    if compiled is not None:
        compiled()  # then what it compiled is taken from the cache folder
    theme.check_syntax(problems)


def _compiled(env: jinja2.Environment | None, templates: Path) -> jinja2.Environment | None:
    """The last build's environment, with its compiled templates, if it reads `templates`."""
    if env is not None and env.loader.searchpath == [str(templates.resolve())]:
        return env
    return None


def step(options: Options, phase: str) -> Progress | None:
    report = options.progress
    return None if report is None else partial(report, phase)
