"""The build, top to bottom: settings → pages → site → Markdown → templates → output/.

Every stage reports into one Problems list; the build stops before writing anything when there
is an error, so the editor sees all of them and the published site stays as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .assets import Assets, minify_html
from .assets import collect as collect_assets
from .cache import BuildState
from .calendar import calendar, session_ics_path, summit_ics_path
from .config import SiteConfig, load_config, valid_base_url
from .content import load_data, load_pages
from .errors import BuildFailed, Problem, Problems, UsageError, display_path
from .feeds import SitemapEntry, feed, feed_path, robots, sitemap
from .i18n import load_strings
from .images import ImageSet
from .images import outputs as image_outputs
from .images import process as process_images
from .images import prune as prune_images
from .model import OutputFile
from .output import check_output_dir, recover, write_site
from .parallel import chunked_map
from .render import Renderer, targets
from .search import SearchError, index_site
from .site import Site
from .urls import media_path, safe_output_path

GENERATOR = Path(__file__).resolve().parent  # its code is an input of every build


@dataclass
class Options:
    content: Path = Path("content")
    templates: Path | None = None
    output: Path = Path("output")
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int | None = None
    cache: Path = Path(".expo-cache")  # renditions; safe to delete at any time
    no_search: bool = False  # skip the search index (quick previews)
    minify: bool = False


@dataclass
class Result:
    problems: Problems
    pages: int
    files: int
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks
    images: int = 0  # source images shown
    images_processed: int = 0  # of those, decoded in this build (not taken from the cache)
    unchanged: int = 0  # files left as the last build wrote them


class Clock:
    """Seconds spent per phase: `lap("markdown")` closes the phase that just ended."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self._last
        self._last = now


def default_templates() -> Path:
    """templates/ of the current folder, else the theme installed with the package."""
    local = Path("templates")
    if local.is_dir():
        return local
    installed = Path(__file__).resolve().parent / "theme"  # pyproject maps templates/ here
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"  # a source checkout


@dataclass
class Loaded:
    site: Site
    renderer: Renderer
    images: ImageSet
    cache: Path
    assets: Assets
    minify: bool
    jobs: int | None
    bodies: dict  # rendered Markdown to keep for the next build


def load(options: Options, problems: Problems, clock: Clock,
         previous: BuildState | None = None) -> Loaded | None:
    """Read and check everything; None when settings are too broken to go on."""
    if not options.content.is_dir():
        raise UsageError(f"content folder {options.content} not found (use --content DIR)")
    templates = options.templates or default_templates()
    if not templates.is_dir():
        raise UsageError(f"templates folder {templates} not found (use --templates DIR)")
    config = load_config(options.content, problems)
    if config is None:
        return None
    if options.base_url is not None:
        if not valid_base_url(options.base_url):
            raise UsageError(f"--base-url {options.base_url!r} must be an absolute http(s) URL")
        config = config.with_base_url(options.base_url)
    data = load_data(options.content, problems)
    pages, drafts = load_pages(options.content, config, data, options.drafts, problems)
    site = Site(config, data, pages, options.content, drafts)
    site.check_refs(problems)
    clock.lap("read")
    bodies = site.render_markdown(problems, options.jobs, previous.bodies if previous else None)
    site.collect_images()
    clock.lap("markdown")
    images = process_images(site.image_refs, site.covers, site.content_dir, options.cache,
                            config.images, options.jobs, problems)
    site.apply_pictures(images.pictures)
    site.fingerprint_pages()
    clock.lap("images")
    assets = collect_assets(templates / "static", options.minify)
    renderer = Renderer(templates, site, load_strings(templates, config, problems), assets)
    renderer.check_syntax(problems)
    return Loaded(site, renderer, images, options.cache, assets, options.minify, options.jobs,
                  bodies)


def check(options: Options) -> Result:
    """Validate content and templates, rendering every page in memory; write nothing."""
    problems, clock = Problems(), Clock()
    loaded = load(options, problems, clock)
    files = list(_files(loaded, problems)) if loaded and not problems.errors else []
    clock.lap("render")
    _fail_on(problems, options)
    return Result(problems, len(loaded.site.pages) if loaded else 0, len(files), clock.phases,
                  len(loaded.images.pictures) if loaded else 0,
                  loaded.images.processed if loaded else 0)


def build(options: Options) -> Result:
    """Build into `options.output`, redoing only what changed since the last build."""
    problems, clock = Problems(), Clock()
    output = check_output_dir(options.output, _sources(options), options.content.resolve().parent)
    recover(output)  # a build killed mid-swap: the previous site comes back, even if this fails
    templates = options.templates or default_templates()
    state_path = cache.state_file(options.cache, output)
    inputs = cache.snapshot([options.content, templates, GENERATOR])
    settings = _settings(options, templates)
    quick = cache.load_quick(state_path)
    if quick is not None and (quick.inputs, quick.settings, quick.output_id) == (
            inputs, settings, cache.output_id(output)):
        clock.lap("read")  # not one input changed: nothing to do
        return Result(problems, quick.pages, 0, clock.phases, quick.images, 0,
                      unchanged=quick.outputs)
    previous = cache.load(state_path)
    if previous is not None and previous.output_id != cache.output_id(output):
        previous = None  # the output folder is not the one the state describes
    loaded = load(options, problems, clock, previous)
    if loaded is None or problems.errors:
        raise BuildFailed(problems)
    key = cache.global_key([settings], [templates, GENERATOR], [
        options.content / "site.yaml", *sorted((options.content / "_data").glob("*"))])
    reusable = previous.outputs if previous is not None and previous.key == key else {}
    files = list(_files(loaded, problems, reusable, output))
    clock.lap("render")
    _fail_on(problems, options)

    def search(staging: Path) -> None:
        clock.lap("write")
        index_site(staging)
        clock.lap("search")

    old = {path: digest for path, (digest, _) in previous.outputs.items()} if previous else {}
    try:
        written = write_site(files, output, None if options.no_search else search, old)
    except SearchError as exc:
        problems.error(options.output, 1, str(exc))
        raise BuildFailed(problems) from exc
    prune_images(loaded.images, options.cache)
    state = BuildState(key, inputs, cache.output_id(output), {
        f.path: (cache.digest(f.data) if f.data is not None else old[f.path], f.deps)
        for f in files}, loaded.bodies, settings, len(loaded.site.pages),
        len(loaded.images.pictures))
    cache.save(state_path, state)
    clock.lap("write")
    return Result(problems, len(loaded.site.pages), written, clock.phases,
                  len(loaded.images.pictures), loaded.images.processed,
                  unchanged=len(files) - written)


def _settings(options: Options, templates: Path) -> str:
    """The options that change what a build writes (not --jobs, --strict or --quiet)."""
    return repr((str(options.content.resolve()), str(templates.resolve()), options.base_url,
                 options.drafts, options.minify, options.no_search))


def _unchanged(path: str, reusable: dict, site: Site, output: Path | None) -> bool:
    record = reusable.get(path)
    return (record is not None and record[1] is not None and output is not None
            and (output / path).is_file() and site.unchanged(record[1]))


def _fail_on(problems: Problems, options: Options) -> None:
    if problems.errors or (options.strict and problems.warnings):
        raise BuildFailed(problems)


def _sources(options: Options) -> list[Path]:
    templates = options.templates or default_templates()
    return [options.content, templates]


def _render_pages(state: tuple, indices: list[int]) -> list[tuple[bytes | None, list, dict]]:
    """Render some pages (in a worker process when the site is large), with what each read."""
    renderer, pages, minify = state
    results = []
    for index in indices:
        problems, deps = Problems(), {}
        data = renderer.render(pages[index], problems, deps)
        results.append((minify_html(data) if data is not None and minify else data,
                        problems.items, deps))
    return results


def _files(loaded: Loaded, problems: Problems, reusable: dict | None = None,
           output: Path | None = None) -> Iterator[OutputFile]:
    """Every file of the site; two sources claiming one path is an error for both.

    A page whose recorded dependencies (`reusable`, from the last build) are unchanged is not
    rendered: its file in `output` is kept.
    """
    reusable = reusable or {}
    site, renderer = loaded.site, loaded.renderer
    claimed: dict[str, tuple[Path | None, int]] = {}

    def claim(path: str, source: Path | None, line: int) -> str | None:
        safe = safe_output_path(path)
        if safe is None:
            problems.error(source or "content", line, f"'{path}' is not a safe output path: "
                           "use letters, digits, '-' and '/' only")
            return None
        if safe in claimed:
            other, other_line = claimed[safe]
            for here, there in (((source, line), (other, other_line)),
                                ((other, other_line), (source, line))):
                name = f"{display_path(there[0])}:{there[1]}" if there[0] else "the generator"
                problems.error(here[0] or "content", here[1], f"writes /{safe}, which {name} "
                               "writes too: change the slug, file name or alias")
            return None
        claimed[safe] = (source, line)
        return safe

    in_sitemap: list[SitemapEntry] = []
    pages = [t for t in targets(site, renderer) if claim(t.path, t.source, t.line)]
    kept = {t.path for t in pages if _unchanged(t.path, reusable, site, output)}
    todo = [t for t in pages if t.path not in kept]
    rendered = dict(zip((t.path for t in todo), chunked_map(
        _render_pages, (renderer, todo, loaded.minify), range(len(todo)), loaded.jobs),
        strict=True))
    template_errors: dict[tuple, list[Problem]] = {}  # one line per template mistake
    for target in pages:
        data, found, deps = rendered.get(target.path) or (None, [], reusable[target.path][1])
        for problem in found:
            message = problem.message.split(" (rendering ")[0]
            template_errors.setdefault((problem.path, problem.line, message), []).append(problem)
        if data is not None or target.path in kept:
            yield OutputFile(target.path, data, target.source, target.line, deps)
            if target.template not in ("redirect.html", "404.html"):
                in_sitemap.append(SitemapEntry(target.path, target.lang, target.group))
    for (path, line, message), found in template_errors.items():
        more = f"; and {len(found) - 1:,} more pages" if len(found) > 1 else ""
        first = found[0].message.split(" (rendering ")[-1].rstrip(")")
        problems.error(path, line, f"{message} (rendering {first}{more})"
                       if " (rendering " in found[0].message else message)
    for lang in site.config.codes:
        if claim(feed_path(lang), None, 1):
            yield OutputFile(feed_path(lang), feed(site, lang))
    for path, data in (("sitemap.xml", sitemap(site, in_sitemap)), ("robots.txt", robots(site))):
        if claim(path, None, 1):
            yield OutputFile(path, data)
    for page in site.pages:
        if page.kind == "session" and claim(session_ics_path(page.url_path), page.doc.path, 1):
            yield OutputFile(session_ics_path(page.url_path), calendar(site, page.lang, [page]))
    for lang in site.config.codes:
        sessions = site.items("summit", lang)
        if sessions and claim(summit_ics_path(lang), None, 1):
            yield OutputFile(summit_ics_path(lang), calendar(site, lang, sessions))
    for file in loaded.assets.files:
        if claim(file.path, file.source, 1):
            yield file
    for file in image_outputs(loaded.images, loaded.cache):
        if claim(file.path, None, 1):
            yield file
    originals = site.image_refs if site.config.images.originals else {}
    for rel in sorted({*originals, *site.media}):
        path = media_path(rel)
        if claim(path, site.content_dir / rel, 1):
            yield OutputFile(path, (site.content_dir / rel).read_bytes())


__all__ = ["Options", "Result", "build", "check", "SiteConfig"]
