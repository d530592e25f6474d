"""The build, top to bottom: settings → Site → pages → other files → output/ → build state."""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import cache
from ..cache import BuildState
from ..deps import Answers, DependencyCheck
from ..errors import BuildFailed, Problems
from ..images import prune as prune_images
from ..model import OutputFile
from ..output import (
    build_id,
    check_output_dir,
    new_build_id,
    new_folder,
    recover,
    reported_as,
    stage_site,
    update_in_place,
)
from .fingerprint import code_fingerprint, global_key, settings_key
from .generated import Generated
from .load import LoadedSite, SessionMemory, load, refuse_unusable_folders
from .options import Clock, Options, Result
from .publish import Unpublished
from .render_pages import Claims, KeptPages, PageWriter, RenderedSite, render_pages


def check(options: Options) -> Result:
    """Validate content and templates, rendering every page in memory; write nothing."""
    problems, clock = Problems(), Clock()
    loaded = load(options, problems, clock)
    if loaded is None:
        options.fail_on(problems)
        return Result(problems, 0, 0, clock.phases)
    files, rendered = [], 0
    if not problems.errors:
        pages, files = site_files(loaded, options, Claims(problems), problems)
        rendered = pages.rendered
    clock.lap("render")
    options.fail_on(problems)
    return Result(problems, len(loaded.site.pages), len(files), clock.phases,
                  len(loaded.images.pictures), loaded.images.processed, rendered=rendered)


def site_files(loaded: LoadedSite, options: Options, claims: Claims, problems: Problems,
               **rendering: Any) -> tuple[RenderedSite, list[OutputFile]]:
    """The pages (`render_pages`, with `rendering`'s options) and every file of the site:
    the files no template renders are made while the workers render, the sitemap after."""
    generated, others = Generated(loaded, claims, options.cache), []
    pages = render_pages(loaded, options, claims, problems,
                         meanwhile=lambda: others.extend(generated.files()), **rendering)
    return pages, pages.files + others + generated.sitemap(pages.in_sitemap)


@dataclass
class LastBuild:
    """What the last build left that this one may keep."""

    state: BuildState | None
    reusable: dict  # output path → (digest, dependency numbers), when the global key is the same
    table: cache.DepTable
    digests: dict[str, str]  # output path → digest of the bytes it wrote

    @classmethod
    def of(cls, state: BuildState | None, key: str) -> LastBuild:
        if state is None:
            return cls(None, {}, cache.DepTable(), {})
        return cls(state, state.outputs if state.key == key else {}, state.deps,
                   {path: digest for path, (digest, _) in state.outputs.items()})


@dataclass
class Written:
    files: list[OutputFile]
    written: int  # files written (the others were left as they were)
    rendered: int  # pages rendered by templates
    build: str  # the id the output folder's marker holds


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
        self.memory = SessionMemory()
        self._check: DependencyCheck | None = None  # the preview's last, until `warm`
        self._answers: Answers | None = None  # what its dependencies gave (the preview's)

    def warm(self) -> None:
        """Between two builds of the preview, while nobody waits: work out what the next build
        would first (which lookups of the site each output read still give the same pages);
        kept in `SessionMemory.lookups` while no page is added, removed or changed but its body;
        and index the dependencies by what they read (see deps.Answers)."""
        check, self._check = self._check, None
        if check is not None and self.state is not None:
            check.changed_numbers(self.state.deps)
            self.state.deps.by_dependencies()  # indexed for the next check (see deps.Answers)

    def save(self) -> None:
        """Keep the state of the last build in the cache folder, for the next process."""
        if self.state is not None and self.state_path is not None:
            cache.save(self.state_path, self.state)

    def build(self, changed: Collection[str] | None = None) -> Result:
        """Build into `options.output`, redoing only what changed since the last build.

        `changed`: the absolute paths of all files changed since this Builder's last build, when
        the operating system has told (the preview's watcher); content files not in it are
        taken as they were without a look. None: any file may have changed."""
        try:
            with reported_as(self.options.output):
                return self._build(changed)
        except BaseException:
            if self.unpublished is not None:  # its state not saved: never swapped in
                self.unpublished.discard()
                self.unpublished = None
            raise

    def _build(self, changed: Collection[str] | None) -> Result:
        options, problems, clock = self.options, Problems(), Clock()
        self.unpublished = None
        templates = options.templates_folder()
        output = refuse_unsafe_output(options)
        recover(output)  # a build killed mid-swap: the previous site comes back, even if this fails
        self.state_path = cache.state_file(options.cache, output)
        settings = settings_key(options, templates)
        inputs = cache.snapshot([options.content, templates]) if self.persist else None
        if (result := self._nothing_changed(inputs, settings, output, problems, clock)):
            return result
        previous = self.state if self.state is not None else cache.load(self.state_path)
        loaded = load(options, problems, clock, _reusable_bodies(previous), self.memory, changed)
        if loaded is None or problems.errors:
            raise BuildFailed(problems)
        key = global_key(options, settings, templates)
        self._keep_cards_for(key + loaded.renderer.templates.all_templates_hash(), loaded)
        last = LastBuild.of(previous if previous is not None and previous.build ==
                            build_id(output) else None, key)
        done = self._write(loaded, last, output, problems, clock)
        prune_images(loaded.images, options.cache)
        self.state = _state(key, inputs, settings, loaded, last, done, problems)
        self._keep_state(loaded.renderer.dependencies)
        clock.lap("write")
        if self.unpublished is not None and not self.index_apart:
            unpublished, self.unpublished = self.unpublished, None
            unpublished.publish(problems, options.progress)
            clock.lap("search")
        return Result(problems, len(loaded.site.pages), done.written, clock.phases,
                      len(loaded.images.pictures), loaded.images.processed,
                      unchanged=len(done.files) - done.written, rendered=done.rendered)

    def _nothing_changed(self, inputs: cache.Snapshot | None, settings: str, output: Path,
                         problems: Problems, clock: Clock) -> Result | None:
        """The last build's report when not one input changed since it (`expo build`)."""
        if inputs is None or self.state_path is None:
            return None
        summary = cache.load_summary(self.state_path)
        if summary is None or (summary.settings, summary.build) != (settings, build_id(output)) \
                or not inputs.unchanged_since(summary.inputs):
            return None
        clock.lap("read")
        problems.add_all(summary.problems)
        self.options.fail_on(problems)
        return Result(problems, summary.pages, 0, clock.phases, summary.images, 0,
                      unchanged=summary.outputs)

    def _keep_cards_for(self, cards_key: str, loaded: LoadedSite) -> None:
        """Keep the compiled templates and the `cached` blocks made under the same key."""
        self.memory.env = loaded.renderer.env
        if cards_key != self.memory.cards_key:
            self.memory.cards.clear()
            self.memory.cards_key = cards_key

    def _write(self, loaded: LoadedSite, last: LastBuild, output: Path, problems: Problems,
               clock: Clock) -> Written:
        """Render and write the site: a whole new folder, swapped in when complete (workers
        write pages straight into it), left in `unpublished`; the preview's folder is updated
        in place instead, once the build is known good."""
        options = self.options
        swap = self.persist or last.state is None
        staging = new_folder(output) if swap else None
        try:
            kept = KeptPages(last.reusable, last.table, output if self.persist else None,
                             self._answers)
            pages, files = site_files(
                loaded, options, Claims(problems), problems, kept=kept,
                writer=PageWriter(staging, output, last.digests) if staging else None,
                keep_cards=not self.persist)  # a preview reuses them
            clock.lap("render")
            options.fail_on(problems)
            this_build = new_build_id()  # the folder's marker gets it if anything is written
            if not swap:  # the preview's folder, as the last build of this session left it
                written = update_in_place(files, output, this_build, last.digests)
            elif (staged := stage_site(files, output, this_build, last.digests, staging)) is None:
                written = 0
            else:  # swapped in once its state is saved aside: a failure keeps both
                written = staged.written
                self.unpublished = Unpublished(staged, output, loaded.site.config.codes,
                                               options.jobs, search=not options.no_search)
        finally:  # not swapped in (a failed build) nor left to be: removed
            if staging is not None and staging.exists() and self.unpublished is None:
                shutil.rmtree(staging, ignore_errors=True)
        if self.unpublished is None:
            this_build = build_id(output) or this_build  # the last one if nothing was written
        return Written(files, written, pages.rendered, this_build)

    def _keep_state(self, check: DependencyCheck) -> None:
        """Save the state (aside until the site is published), or keep what the preview's
        next build checks its dependencies with."""
        assert self.state is not None and self.state_path is not None
        if self.persist and self.unpublished is not None:  # in use once published
            cache.save(cache.aside(self.state_path), self.state)
            self.unpublished.state = self.state_path
        elif self.persist:
            self.save()
        else:
            self._check = check
            self._answers = check.answers(self.state.deps)


def refuse_unsafe_output(options: Options) -> Path:
    """The resolved output folder; UsageError for missing folders, a bad --base-url, or an
    output folder whose replacement could destroy something (check_output_dir)."""
    refuse_unusable_folders(options)
    return check_output_dir(options.output, [options.content, options.templates_folder()],
                            options.content.resolve().parent)


def _reusable_bodies(previous: BuildState | None) -> dict | None:
    """The last build's rendered Markdown, if the same generator rendered it."""
    if previous is not None and previous.code == code_fingerprint():
        return previous.bodies
    return None


def _state(key: str, inputs: cache.Snapshot | None, settings: str, loaded: LoadedSite,
           last: LastBuild, done: Written, problems: Problems) -> BuildState:
    """What this build leaves for the next one."""
    table = last.table
    outputs = {f.path: (cache.digest(f.data) if f.data is not None else f.digest or
                        last.digests[f.path],
                        table.intern(f.deps) if isinstance(f.deps, dict) else f.deps)
               for f in done.files}
    if table.worth_compacting():
        table, outputs = table.compacted(outputs)
    return BuildState(key=key, inputs=inputs.settled() if inputs else None, build=done.build,
                      outputs=outputs, bodies=loaded.bodies, settings=settings,
                      pages=len(loaded.site.pages), images=len(loaded.images.pictures), deps=table,
                      code=code_fingerprint(), problems=list(problems.items))
