"""The build, top to bottom: settings → pages → site → Markdown → templates → output/.

Every stage reports into one Problems list; the build stops before writing anything when there
is an error, so the editor sees all of them and the published site stays as it was.
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path

import jinja2

from . import cache
from .assets import Assets, minify_html
from .assets import collect as collect_assets
from .bodies import apply_pictures, collect_images, render_markdown
from .cache import BuildState
from .calendar import calendar, session_ics_path, summit_ics_path
from .config import SiteConfig, load_config, valid_base_url
from .content import ParseCache, load_data, load_pages
from .deps import DependencyCheck, fingerprint_pages
from .errors import BuildFailed, Problem, Problems, UsageError, display_path
from .feeds import SitemapEntry, feed, feed_entries, feed_path, robots, sitemap
from .i18n import load_strings
from .images import ImageSet
from .images import outputs as image_outputs
from .images import process as process_images
from .images import prune as prune_images
from .model import OutputFile
from .output import (
    Staged,
    build_id,
    check_output_dir,
    new_build_id,
    new_folder,
    publish,
    recover,
    reported_as,
    stage,
    stage_site,
    update_in_place,
)
from .parallel import Progress, chunked_map, end_with_parent
from .refs import check_refs
from .render import Renderer
from .search import SearchError, index_site
from .site import Site
from .targets import targets
from .urls import media_path, safe_output_path

GENERATOR = Path(__file__).resolve().parent  # its code is an input of every build
# The libraries whose versions shape what a build writes (Pillow's are in images.VERSION).
SHAPING = ("jinja2", "markupsafe", "markdown", "pygments", "nh3", "pyyaml", "icalendar",
           "minify-html", "rcssmin", "rjsmin", "tzdata", "pyicu-wheels")


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
    progress: Callable[[str, int, int], None] | None = None  # (phase, done, total): a display


@dataclass
class Result:
    problems: Problems
    pages: int  # Markdown files published (each one page, in one language)
    files: int  # files written (by `check`: that a build would write)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks
    images: int = 0  # source images shown
    images_processed: int = 0  # of those, decoded in this build (not taken from the cache)
    unchanged: int = 0  # files left as the last build wrote them
    rendered: int = 0  # HTML pages rendered by templates (the others were kept)


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
class Memory:
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
    progress: Progress | None = None
    rendered: int = 0  # pages rendered (set by _files)
    keep_cards: bool = False  # workers send back the `cached` blocks they made
    memory: Memory = field(default_factory=Memory)


def load(options: Options, problems: Problems, clock: Clock, bodies: dict | None = None,
         memory: Memory | None = None, changed: Collection[str] | None = None
         ) -> Loaded | None:
    """Read and check everything; None when settings are too broken to go on. `bodies`: the
    last build's rendered Markdown, reused for unchanged text; `changed`: see Builder.build."""
    memory = memory or Memory()
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
    pages, drafts, failed = load_pages(options.content, config, data, options.drafts,
                                       problems, memory.parsed, changed)
    site = Site(config, data, pages, options.content, drafts, failed)
    clock.lap("read")
    bodies = render_markdown(site, problems, options.jobs, bodies, _step(options, "Markdown"))
    collect_images(site)
    clock.lap("markdown")
    images = process_images(site.image_refs, site.covers, site.content_dir, options.cache,
                            config.images, options.jobs, problems, _step(options, "Images"),
                            memory.image_hashes)
    apply_pictures(site, images.pictures)
    fingerprint_pages(site, memory.fingerprints)
    site.reuse_lookups(memory.lookups)
    check_refs(site, problems)
    clock.lap("images")
    assets = collect_assets(templates / "static", options.minify, problems)
    env = memory.env
    renderer = Renderer(templates, site, load_strings(templates, config, problems), assets,
                        memory.cards, env if env is not None and env.loader.searchpath == [
                            str(templates.resolve())] else None, memory.references,
                        options.cache)
    renderer.templates.check_syntax(problems)
    return Loaded(site, renderer, images, options.cache, assets, options.minify, options.jobs,
                  bodies, _step(options, "Pages"), memory=memory)


def check(options: Options) -> Result:
    """Validate content and templates, rendering every page in memory; write nothing."""
    problems, clock = Problems(), Clock()
    loaded = load(options, problems, clock)
    files = list(_files(loaded, problems)) if loaded and not problems.errors else []
    clock.lap("render")
    _fail_on(problems, options)
    return Result(problems, len(loaded.site.pages) if loaded else 0, len(files), clock.phases,
                  len(loaded.images.pictures) if loaded else 0,
                  loaded.images.processed if loaded else 0,
                  rendered=loaded.rendered if loaded else 0)


class Builder:
    """Builds, again and again: what the next build can reuse stays in memory.

    `expo build` runs one build and keeps the state in the cache folder for the next process
    (`persist`); `expo serve` keeps one Builder for the session: the state, the parsed sources
    and the rendered cards stay in memory and the preview folder is updated in place. Its
    first build starts from the state the last session left (`save`), if any.
    """

    def __init__(self, options: Options, persist: bool = True, index_apart: bool = False):
        self.options = options
        self.persist = persist
        # A new site that needs its search index is left in `unpublished` (see `build`).
        self.index_apart = index_apart
        self.unpublished: Unpublished | None = None
        self.state: BuildState | None = None
        self.state_path: Path | None = None  # where the state of its output folder is kept
        self.memory = Memory()
        self._check: DependencyCheck | None = None  # the preview's last, until `warm`

    def warm(self) -> None:
        """Between two builds of the preview, while nobody waits: work out what the next build
        would first (which lookups of the site each output read still give the same pages);
        kept in `Memory.lookups` while no page is added, removed or changed but its body."""
        check, self._check = self._check, None
        if check is not None and self.state is not None:
            check.changed_numbers(self.state.deps)

    def save(self) -> None:
        """Keep the state of the last build in the cache folder, for the next process."""
        if self.state is not None and self.state_path is not None:
            cache.save(self.state_path, self.state)

    def build(self, changed: Collection[str] | None = None) -> Result:
        """Build into `options.output`, redoing only what changed since the last build.

        `changed`: the absolute paths of all files changed since this Builder's last build, when
        the operating system has told (the preview's watcher); content files not in it are
        taken as they were without a look. None: any file may have changed."""
        # The collector would stop the build again and again to scan pages that live until its
        # end (measured in tests/perf/README.md).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with reported_as(self.options.output):
                return self._build(changed)
        except BaseException:
            if self.unpublished is not None:  # its state not saved: never swapped in
                self.unpublished.discard()
                self.unpublished = None
            raise
        finally:
            if collecting:
                gc.enable()

    def _build(self, changed: Collection[str] | None) -> Result:
        options, problems, clock = self.options, Problems(), Clock()
        self.unpublished = None
        output = check_output_dir(options.output, _sources(options),
                                  options.content.resolve().parent)
        recover(output)  # a build killed mid-swap: the previous site comes back, even if this fails
        templates = options.templates or default_templates()
        state_path = self.state_path = cache.state_file(options.cache, output)
        settings = _settings(options, templates)
        written_by = build_id(output)
        inputs = cache.snapshot([options.content, templates]) if self.persist else None
        if inputs is not None:
            quick = cache.load_quick(state_path)
            if quick is not None and (quick.settings, quick.build) == (settings, written_by) \
                    and inputs.unchanged_since(quick.inputs):
                clock.lap("read")  # not one input changed: nothing to do but report
                problems.add_all(quick.problems)
                _fail_on(problems, options)
                return Result(problems, quick.pages, 0, clock.phases, quick.images, 0,
                              unchanged=quick.outputs)
        previous = self.state if self.state is not None else cache.load(state_path)
        # Rendered Markdown depends on the content and the generator; the outputs on the folder
        # holding them too.
        bodies = previous.bodies if previous is not None and previous.code == generator() \
            else None
        if previous is not None and previous.build != written_by:
            previous = None  # the output folder is not the one the state describes
        loaded = load(options, problems, clock, bodies, self.memory, changed)
        if loaded is None or problems.errors:
            raise BuildFailed(problems)

        self.memory.env = loaded.renderer.env
        # Templates and theme files are not in the key: each page records those it used.
        key = cache.global_key([settings], [templates / "i18n"], [
            options.content / "site.yaml", *sorted((options.content / "_data").glob("*"))])
        cards_key = key + loaded.renderer.templates.all_templates_hash()
        if cards_key != self.memory.cards_key:
            self.memory.cards.clear()
            self.memory.cards_key = cards_key
        loaded.keep_cards = not self.persist  # a preview reuses them at the next save
        reusable = previous.outputs if previous is not None and previous.key == key else {}
        table = previous.deps if previous is not None else cache.DepTable()
        old = {path: digest for path, (digest, _) in previous.outputs.items()} if previous \
            else {}
        # A whole new folder, swapped in when complete; workers write pages straight into it.
        # The preview's folder is updated in place instead, once the build is known good.
        swap = self.persist or previous is None
        staging = new_folder(output) if swap else None
        try:
            files = list(_files(loaded, problems, reusable, output if self.persist else None,
                                table, Sink(staging, output, old) if staging else None))
            clock.lap("render")
            _fail_on(problems, options)

            this_build = new_build_id()  # the folder's marker gets it if anything is written
            if not swap:  # the preview's folder, as the last build of this session left it
                written = update_in_place(files, output, this_build, old)
            elif (staged := stage_site(files, output, this_build, old, staging)) is None:
                written = 0
            else:  # swapped in once its state is saved aside (below): a failure keeps both
                written = staged.written
                self.unpublished = Unpublished(staged, output, loaded.site.config.codes,
                                               options.jobs, search=not options.no_search)
        finally:  # not swapped in (a failed build) nor left to be: removed
            if staging is not None and staging.exists() and self.unpublished is None:
                shutil.rmtree(staging, ignore_errors=True)
        if self.unpublished is None:
            this_build = build_id(output) or this_build  # the last one if nothing was written
        prune_images(loaded.images, options.cache)
        outputs = {f.path: (cache.digest(f.data) if f.data is not None else f.digest or
                            old[f.path],
                            table.intern(f.deps) if isinstance(f.deps, dict) else f.deps)
                   for f in files}
        if table.worth_compacting():
            table, outputs = table.compacted(outputs)
        self.state = BuildState(key, inputs, this_build, outputs, loaded.bodies, settings,
                                len(loaded.site.pages), len(loaded.images.pictures), table,
                                generator(), list(problems.items))
        if self.persist and self.unpublished is not None:  # in use once the site is published
            cache.save(cache.aside(state_path), self.state)
            self.unpublished.state = state_path
        elif self.persist:
            self.save()
        else:
            self._check = loaded.renderer.dependencies
        clock.lap("write")
        if self.unpublished is not None and not self.index_apart:
            unpublished, self.unpublished = self.unpublished, None
            unpublished.publish(problems, options.progress)
            clock.lap("search")
        return Result(problems, len(loaded.site.pages), written, clock.phases,
                      len(loaded.images.pictures), loaded.images.processed,
                      unchanged=len(files) - written, rendered=loaded.rendered)


@dataclass
class Unpublished:
    """A new site in its folder beside the output, waiting to be swapped in: for its build
    state to be saved aside (a build that fails before keeps the last site and state), and
    for its search index."""

    staged: Staged
    output: Path
    languages: tuple[str, ...]
    jobs: int | None  # --jobs: how many languages may be indexed at once
    search: bool = True  # whether it waits for its search index
    state: Path | None = None  # where the build state goes, saved aside until then

    def publish(self, problems: Problems,
                progress: Callable[[str, int, int], None] | None = None) -> None:
        """Index the new site, then swap it in and its state with it. If indexing fails, both
        are removed instead and the build fails (BuildFailed, the reason in `problems`)."""
        if progress is not None and self.search:
            progress("Search index", 0, 0)
        try:
            with reported_as(self.output):
                publish(self.staged, self.output, (lambda folder, pages_changed: index_site(
                    folder, self.languages, pages_changed, self.output, self.jobs)) if self.search
                    else None)
        except BaseException as exc:
            if self.state is not None:
                cache.discard(self.state)
            if isinstance(exc, SearchError):
                problems.error(self.output, 1, str(exc))
                raise BuildFailed(problems) from exc
            raise
        if self.state is not None:
            cache.commit(self.state)

    def discard(self) -> None:
        """Remove the new site and its state, neither published."""
        shutil.rmtree(self.staged.folder, ignore_errors=True)
        if self.state is not None:
            cache.discard(self.state)


def build(options: Options) -> Result:
    """One build, with the state the last one left in the cache folder.

    With the search index, where processes can fork, the site is made in a child process and
    indexed by this one once the child has ended: Pagefind, which holds a language's whole
    index in memory, then never shares the machine with the site, and a build needs the
    larger of the two, not their sum."""
    if options.no_search or not hasattr(os, "fork"):
        return Builder(options).build()
    result, unpublished = _build_in_child(options)
    if unpublished is not None:
        started = time.perf_counter()
        unpublished.publish(result.problems, options.progress)
        result.phases["search"] = time.perf_counter() - started
    return result


def refuse_unsafe_output(options: Options) -> None:
    """UsageError when replacing the output folder could destroy something (check_output_dir)."""
    check_output_dir(options.output, _sources(options), options.content.resolve().parent)


def _build_in_child(options: Options) -> tuple[Result, Unpublished | None]:
    """A build in a child process (see `build`), which leaves a new site unpublished."""
    # The child leaves its outcome in a file: a pipe's end would live on in its workers, and
    # a child killed (by the kernel when memory runs out) would leave this one waiting.
    handle, name = tempfile.mkstemp(prefix="expo-build-", suffix=".pickle")
    os.close(handle)
    report = Path(name)
    try:
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            end_with_parent(parent)
            _build_for_parent(options, report)
        # Asked to stop (a cancelled job, `docker stop`), this process passes it on. Ctrl+C
        # reaches the child too: it removes its new folder and ends.
        main = threading.current_thread() is threading.main_thread()  # where handlers go
        asked = signal.signal(signal.SIGTERM, lambda number, _: os.kill(child, number)) \
            if main else None
        try:
            _, status = os.waitpid(child, 0)
        except BaseException:
            os.waitpid(child, 0)
            raise
        finally:
            if main:
                signal.signal(signal.SIGTERM, asked)
        code = os.waitstatus_to_exitcode(status)
        with report.open("rb") as file:
            outcome = pickle.load(file) if code == 0 else None
    finally:
        report.unlink(missing_ok=True)
    if outcome is None:  # killed, interrupted, or a bug (whose traceback the child printed)
        if code == 130:
            raise KeyboardInterrupt
        problems = Problems()
        problems.error(options.output, 1, f"the build process was stopped by "
                       f"{signal.Signals(-code).name}" + (" (the machine may be out of memory)"
                                                         if -code == signal.SIGKILL else "")
                       if code < 0 else
                       f"the build process ended with exit status {code} (see above)")
        raise BuildFailed(problems)
    kind, value, unpublished = outcome
    if kind == "raised":
        raise value
    return value, unpublished


def _build_for_parent(options: Options, report: Path) -> None:
    """In the child of `build`: build, leave the new site unpublished, write the outcome into
    `report` for the parent, end."""
    status = 0
    try:
        builder = Builder(options, index_apart=True)
        try:
            outcome = ("built", builder.build(), builder.unpublished)
        except (BuildFailed, UsageError, OSError) as exc:  # raised again by the parent
            outcome = ("raised", exc, None)
        with report.open("wb") as file:
            pickle.dump(outcome, file, pickle.HIGHEST_PROTOCOL)
    except KeyboardInterrupt:
        status = 130
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        clear = getattr(options.progress, "clear", None)  # a terminal line the parent never drew
        if clear is not None:
            clear()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _step(options: Options, phase: str) -> Progress | None:
    report = options.progress
    return None if report is None else partial(report, phase)


@functools.cache
def generator() -> str:
    """This generator, as far as it shapes what a build writes: its code (read once in a
    process), the versions of the libraries in SHAPING, and Python's. An upgrade of any of
    them is a full build, rendered Markdown included."""
    versions = []
    for name in SHAPING:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return cache.global_key([versions, sys.version_info[:2]], [GENERATOR], [])


def _settings(options: Options, templates: Path) -> str:
    """The options that change what a build writes (not --jobs, --strict or --quiet), and the
    generator."""
    return repr((generator(), cache.portable(options.content, options.cache),
                 cache.portable(templates, options.cache), options.base_url, options.drafts,
                 options.minify, options.no_search))


def _fail_on(problems: Problems, options: Options) -> None:
    if problems.errors or (options.strict and problems.warnings):
        raise BuildFailed(problems)


def _sources(options: Options) -> list[Path]:
    templates = options.templates or default_templates()
    return [options.content, templates]


@dataclass
class Sink:
    """Where workers put the pages they render: the new folder, unless the page's bytes are
    the ones the last build left in `output` (then the page is linked from there)."""

    staging: Path
    output: Path
    previous: dict[str, str]  # path → digest of the last build's bytes

    def put(self, path: str, data: bytes) -> tuple[str, bool]:
        """The digest of the page, and whether it was written."""
        found = cache.digest(data)
        if found == self.previous.get(path) and (self.output / path).is_file():
            return found, False
        stage(self.staging, path, data)
        return found, True


def _render_pages(state: tuple, indices: list[int]) -> list[tuple]:
    """Render some pages (in a worker process when the site is large), with what each read
    and, when `keep_cards`, the cards made on the way (a preview keeps them from build to
    build). With a Sink, the pages are written by the worker and only digests travel back."""
    renderer, pages, minify, sink, keep_cards = state
    results = []
    for index in indices:
        problems, deps = Problems(), {}
        target = pages[index]
        data = renderer.render(target, problems, deps)
        if data is not None and minify:
            data = minify_html(data)
        cards = [(key, renderer.cards[key]) for key in renderer.new_cards] if keep_cards else []
        renderer.new_cards.clear()
        written = None
        if sink is not None and data is not None:
            written = sink.put(target.path, data)
            data = None
        results.append((data, problems.items, deps, cards, written))
    return results


def _files(loaded: Loaded, problems: Problems, reusable: dict | None = None,
           output: Path | None = None, table: cache.DepTable | None = None,
           sink: Sink | None = None) -> Iterator[OutputFile]:
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
    pages = [t for t in targets(site) if claim(t.path, t.source, t.line)]
    # The last build's file stays when none of what it read has changed, and it is still in
    # `output` (None: the folder is known to be as the last build left it, the preview's).
    changed = renderer.dependencies.changed_numbers(table) if table is not None and reusable \
        else set()
    kept = {t.path for t in pages if (record := reusable.get(t.path)) is not None
            and record[1] is not None and changed.isdisjoint(record[1])
            and (output is None or os.path.isfile(os.path.join(output, t.path)))}
    # Listings (a catalogue page shows thousands of cards) first: the workers share them out
    # and the many small pages fill in after, so no worker is left with a heavy tail.
    todo = sorted((t for t in pages if t.path not in kept), key=lambda t: t.lazy is None)
    loaded.rendered = len(todo)
    for names in {tuple(t.templates()) for t in todo}:  # once here, not once in every worker
        renderer.templates.prepare_deps(names)
    # What each page read, numbered as it arrives: the workers send every page's own copies.
    rendered = {target.path: (data, found, deps if table is None or deps is None else
                              table.intern(deps), cards, written)
                for target, (data, found, deps, cards, written) in zip(todo, chunked_map(
                    _render_pages, (renderer, todo, loaded.minify, sink, loaded.keep_cards),
                    range(len(todo)), loaded.jobs, loaded.progress), strict=True)}
    template_errors: dict[tuple, list[Problem]] = {}  # one line per template mistake
    for target in pages:
        data, found, deps, cards, written = rendered.get(target.path) or (
            None, [], reusable[target.path][1], [], None)
        renderer.cards.update(cards)
        for problem in found:
            message = problem.message.split(" (rendering ")[0]
            template_errors.setdefault((problem.path, problem.line, message), []).append(problem)
        if data is not None or written is not None or target.path in kept:
            yield OutputFile(target.path, data, target.source, target.line, deps,
                             *(written or (None, False)))
            if target.template not in ("redirect.html", "404.html"):
                in_sitemap.append(SitemapEntry(target.path, target.lang, target.group))
    for (path, line, message), found in template_errors.items():
        more = f"; and {len(found) - 1:,} more pages" if len(found) > 1 else ""
        first = found[0].message.split(" (rendering ")[-1].rstrip(")")
        problems.error(path, line, f"{message} (rendering {first}{more})"
                       if " (rendering " in found[0].message else message)
    made = loaded.memory.made
    loaded.memory.made = {}

    def memo(key: tuple, make: Callable[[], bytes]) -> bytes:
        """What `make` gave the last build for the same key: a saved body changes no entry
        of the sitemap and no calendar but its session's."""
        data = loaded.memory.made[key] = made[key] if key in made else make()
        return data

    settings = repr(site.config)

    def shown(pages: list, bodies: bool = False) -> tuple:
        return tuple((p.key, p.lang, site.page_fingerprints.get((p.key, p.lang)),
                      site.body_fingerprints.get((p.key, p.lang)) if bodies else None)
                     for p in pages)

    for lang in site.config.codes:
        if claim(feed_path(lang), None, 1):
            entries = feed_entries(site, lang)
            yield OutputFile(feed_path(lang), memo(("feed", settings, lang, shown(entries, True)),
                                                  partial(feed, site, lang, entries)))
    sitemap_data = memo(("sitemap", settings, tuple(in_sitemap)),
                        partial(sitemap, site, in_sitemap))
    for path, data in (("sitemap.xml", sitemap_data), ("robots.txt", robots(site))):
        if claim(path, None, 1):
            yield OutputFile(path, data)
    for page in site.pages:
        if page.kind == "session" and claim(session_ics_path(page.url_path), page.doc.path, 1):
            yield OutputFile(session_ics_path(page.url_path), memo(
                ("ics", settings, page.lang, shown([page])),
                partial(calendar, site, page.lang, [page])))
    for lang in site.config.codes:
        sessions = site.items("summit", lang)
        if sessions and claim(summit_ics_path(lang), None, 1):
            yield OutputFile(summit_ics_path(lang), memo(
                ("ics", settings, lang, shown(sessions)),
                partial(calendar, site, lang, sessions)))
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
