"""Pages → OutputFiles: each page rendered by its template (in worker processes when the site
is large), or kept from the last build when nothing it read has changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import cache
from ..assets import minify_html
from ..deps import Answers
from ..errors import Problem, Problems, display_path
from ..feeds import SitemapEntry
from ..model import OutputFile
from ..output import stage
from ..parallel import chunked_map
from ..render import Renderer
from ..targets import Target, targets
from ..urls import safe_output_path
from .load import LoadedSite, step
from .options import Options


class Claims:
    """The output paths taken so far: two sources claiming one path is an error for both."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.taken: dict[str, tuple[Path | None, int]] = {}

    def claim(self, path: str, source: Path | None, line: int) -> str | None:
        """`path` made safe and taken for `source`, or None (and an error) if it cannot be."""
        safe = safe_output_path(path)
        if safe is None:
            self.problems.error(source or "content", line, f"'{path}' is not a safe output "
                                "path: use letters, digits, '-' and '/' only")
            return None
        if safe in self.taken:
            other, other_line = self.taken[safe]
            for here, there in (((source, line), (other, other_line)),
                                ((other, other_line), (source, line))):
                name = f"{display_path(there[0])}:{there[1]}" if there[0] else "the generator"
                self.problems.error(here[0] or "content", here[1], f"writes /{safe}, which "
                                    f"{name} writes too: change the slug, file name or alias")
            return None
        self.taken[safe] = (source, line)
        return safe


@dataclass
class PageWriter:
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


@dataclass(slots=True)
class RenderedPage:
    """What a worker sends back for one page."""

    data: bytes | None  # None: failed, or written by the worker (then `digest` is set)
    problems: list[Problem]
    deps: dict | tuple | None  # what it read (see cache.py)
    cards: list  # (key, block) of the `cached` blocks it made, when they are kept
    digest: str | None = None
    staged: bool = False  # written into the new folder by the worker


@dataclass
class RenderJob:
    """What every worker shares (forked, not pickled)."""

    renderer: Renderer
    pages: list[Target]
    minify: bool
    writer: PageWriter | None
    keep_cards: bool


@dataclass
class RenderedSite:
    files: list[OutputFile]
    in_sitemap: list[SitemapEntry] = field(default_factory=list)
    rendered: int = 0  # pages rendered by templates (the others were kept)


def render_one_chunk(job: RenderJob, indices: list[int]) -> list[RenderedPage]:
    """Render some pages, with what each read and, when `keep_cards`, the cards made on the
    way (a preview keeps them from build to build). With a writer, the pages are written by
    the worker and only digests travel back."""
    renderer, results = job.renderer, []
    for index in indices:
        problems, deps = Problems(), {}
        target = job.pages[index]
        data = renderer.render(target, problems, deps)
        if data is not None and job.minify:
            data = minify_html(data)
        cards = [(key, renderer.cards[key]) for key in renderer.new_cards] \
            if job.keep_cards else []
        renderer.new_cards.clear()
        page = RenderedPage(data, problems.items, deps, cards)
        if job.writer is not None and data is not None:
            page.digest, page.staged = job.writer.put(target.path, data)
            page.data = None
        results.append(page)
    return results


@dataclass
class KeptPages:
    """What the last build left of its pages: what each read, and where they are."""

    reusable: dict  # output path → (digest, dependency numbers)
    table: cache.DepTable | None  # the numbers' dependencies
    output: Path | None  # its output folder; None: known to be as it left it (the preview's)
    since: Answers | None = None  # what its dependencies gave, when known (the preview's)


def render_pages(loaded: LoadedSite, options: Options, claims: Claims, problems: Problems,
                 kept: KeptPages | None = None, writer: PageWriter | None = None,
                 keep_cards: bool = False, meanwhile: Callable[[], None] | None = None
                 ) -> RenderedSite:
    """Every page of the site. A page whose recorded dependencies (`kept`) are unchanged is
    not rendered: its file in the last build's output folder is kept. `meanwhile()` runs in
    this process while the workers render (see `chunked_map`), once the pages are claimed."""
    kept = kept or KeptPages({}, None, None)
    reusable, table, output = kept.reusable, kept.table, kept.output
    site, renderer = loaded.site, loaded.renderer
    pages = [t for t in targets(site, loaded.memory.targets)
             if claims.claim(t.path, t.source, t.line)]
    changed = renderer.dependencies.changed_numbers(table, kept.since) \
        if table is not None and reusable else set()
    unchanged = {t.path for t in pages if (record := reusable.get(t.path)) is not None
                 and record[1] is not None and changed.isdisjoint(record[1])
                 and (output is None or os.path.isfile(os.path.join(output, t.path)))}
    # Listings (a catalogue page shows thousands of cards) first: the workers share them out
    # and the many small pages fill in after, so no worker is left with a heavy tail.
    todo = sorted((t for t in pages if t.path not in unchanged),
                  key=lambda t: t.lazy is None or t.shown is not None)
    for names in {tuple(t.templates()) for t in todo}:  # once here, not once in every worker
        renderer.templates.prepare_deps(names)
    # What each page read, numbered as it arrives: the workers send every page's own copies.
    done: dict[str, RenderedPage] = {}
    job = RenderJob(renderer, todo, options.minify, writer, keep_cards)
    for target, page in zip(todo, chunked_map(render_one_chunk, job, range(len(todo)),
                                              options.jobs, step(options, "Pages"), meanwhile),
                              strict=True):
        if table is not None and page.deps is not None:
            page.deps = table.intern(page.deps)
        done[target.path] = page
    result = RenderedSite([], rendered=len(todo))
    template_errors: dict[tuple, list[Problem]] = {}  # one line per template mistake
    for target in pages:
        if target.path in unchanged:  # most of them: its file kept
            result.files.append(OutputFile(target.path, None, target.source, target.line,
                                           reusable[target.path][1]))
        else:
            page = done[target.path]
            renderer.cards.update(page.cards)
            for problem in page.problems:
                message = problem.message.split(" (rendering ")[0]
                template_errors.setdefault((problem.path, problem.line, message),
                                           []).append(problem)
            if page.data is None and page.digest is None:
                continue  # it failed: its problems say why
            result.files.append(OutputFile(target.path, page.data, target.source, target.line,
                                           page.deps, page.digest, page.staged))
        if target.in_sitemap is not None:
            result.in_sitemap.append(target.in_sitemap)
    for (path, line, message), found in template_errors.items():
        more = f"; and {len(found) - 1:,} more pages" if len(found) > 1 else ""
        first = found[0].message.split(" (rendering ")[-1].rstrip(")")
        problems.error(path, line, f"{message} (rendering {first}{more})"
                       if " (rendering " in found[0].message else message)
    return result
