"""The files no template renders: feeds, sitemap, robots.txt, calendars, theme files, image
renditions, media and the editor at /admin/. A feed, the sitemap or a calendar is made again
only when what it shows changed (a saved body changes no entry of the sitemap and no calendar
but its session's)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..calendar import session_ics_path, summit_ics_path
from ..cms import admin_files
from ..feeds import SitemapEntry, feed, feed_entries, feed_path, robots, sitemap
from ..frab import Labels, schedule_files
from ..images import outputs as image_outputs
from ..model import OutputFile
from ..urls import media_path
from .load import LoadedSite
from .render_pages import Claims


class Generated:
    """The files of one build that no template renders. What each was made from is kept
    (`memory.made`): the next build makes again only those whose data changed."""

    def __init__(self, loaded: LoadedSite, claims: Claims, renditions: Path):
        self.loaded, self.claims, self.renditions = loaded, claims, renditions
        self.last, loaded.memory.made = loaded.memory.made, {}
        self.settings = repr(loaded.site.config)

    def remembered(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        """What `make` gave the last build for the same key."""
        data = self.loaded.memory.made[key] = self.last[key] if key in self.last else make()
        return data

    def sitemap(self, in_sitemap: list[SitemapEntry]) -> list[OutputFile]:
        """sitemap.xml, of the pages rendered (made once they are)."""
        site = self.loaded.site
        data = self.remembered(("sitemap", self.settings, tuple(in_sitemap)),
                               partial(sitemap, site, in_sitemap))
        return [OutputFile("sitemap.xml", data)] if self.claims.claim("sitemap.xml", None, 1) \
            else []

    def files(self) -> list[OutputFile]:
        """Every other file, each claimed in `claims`: made while workers render the pages."""
        from ..ics import calendar  # here, not at the start of every command: see ics.py
        loaded, claims, remembered, settings = \
            self.loaded, self.claims, self.remembered, self.settings
        site, files = loaded.site, []

        def shown(pages: list, bodies: bool = False) -> tuple:
            return tuple((p.key, p.lang, site.page_fingerprints.get((p.key, p.lang)),
                          site.body_fingerprints.get((p.key, p.lang)) if bodies else None)
                         for p in pages)

        for lang in site.config.codes:
            if claims.claim(feed_path(lang), None, 1):
                entries = feed_entries(site, lang)
                files.append(OutputFile(feed_path(lang), remembered(
                    ("feed", settings, lang, shown(entries, True)),
                    partial(feed, site, lang, entries))))
        if claims.claim("robots.txt", None, 1):
            files.append(OutputFile("robots.txt", robots(site)))
        for page in site.pages:
            if page.kind != "session":
                continue
            path = session_ics_path(page.url_path)
            if claims.claim(path, page.doc.path, 1):
                files.append(OutputFile(path, remembered(
                    ("ics", settings, page.lang, shown([page])),
                    partial(calendar, site, page.lang, [page]))))
        for lang in site.config.codes:
            sessions = site.items("summit", lang)
            if sessions and claims.claim(summit_ics_path(lang), None, 1):
                files.append(OutputFile(summit_ics_path(lang), remembered(
                    ("summit.ics", settings, lang, shown(sessions)),  # not one session's file
                    partial(calendar, site, lang, sessions, whole=True))))
        if site.config.cms is not None:  # made again each build: from the model, _data/, items
            files += [OutputFile(path, data) for path, data in
                      admin_files(site, site.config.cms).items() if claims.claim(path, None, 1)]
        files += programmes(loaded, claims, remembered)
        files += [file for file in loaded.assets.files
                  if claims.claim(file.path, file.source, 1)]
        files += [file for file in image_outputs(loaded.images, self.renditions)
                  if claims.claim(file.path, None, 1)]
        originals = site.image_refs if site.config.images.originals else {}
        for rel in sorted({*originals, *site.media}):
            path = media_path(rel)
            if claims.claim(path, site.content_dir / rel, 1):
                files.append(OutputFile(path, (site.content_dir / rel).read_bytes()))
        return files


def programmes(loaded: LoadedSite, claims: Claims, remembered: Callable) -> list[OutputFile]:
    """Each language's summit programme for conference apps (frab.py): made again when a
    session's data or body, or a label (the summit's title, a region's name) changed."""
    site, files = loaded.site, []
    for lang in site.config.codes:
        sessions = site.items("summit", lang)
        if not sessions:
            continue
        labels = Labels.of(site, loaded.renderer.contexts.strings, lang, sessions)
        both = remembered(("frab", repr(site.config), lang, labels, tuple(
            (p.key, p.lang, site.page_fingerprints.get((p.key, p.lang)),
             site.body_fingerprints.get((p.key, p.lang))) for p in sessions)),
            partial(schedule_files, site, lang, sessions, labels))
        files += [OutputFile(path, data) for path, data in both.items()
                  if claims.claim(path, None, 1)]
    return files
