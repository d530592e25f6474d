"""The reference check: every field naming another page (a solution's pavilion, a session
speaker's city) names one that is published, or the editor is told why not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .content import kind_of, slugify
from .errors import Problems
from .model import Page
from .site import REF_FIELDS, Site


def check_refs(site: Site, problems: Problems) -> None:
    """Report each reference to a page that is not published. Once lookups are kept
    (Site.reuse_lookups), so are the problems found, while no page has errors and the drafts
    are the same."""
    key = None if site.broken_targets else tuple(sorted(site.drafts))
    kept = site.memo.get("refs")
    if kept is not None and key is not None and kept[0] == key:
        problems.add_all(kept[1])
        return
    found = Problems()
    for page in site.pages + site.broken:
        for field, section in REF_FIELDS.get(page.kind, {}).items():
            for index, slug in _refs(page.fields.get(field)):
                keys = (field,) if index is None else (field, index)
                _check_ref(site, page, section, slug, keys, found)
        for index, speaker in enumerate(page.fields.get("speakers") or ()):
            if "city" in speaker:
                _check_ref(site, page, "cities", speaker["city"],
                           ("speakers", index, "city"), found)
    problems.add_all(found.items)
    site.memo["refs"] = (key, found.items)


def _check_ref(site: Site, page: Page, section: str, slug: str, keys: tuple,
               problems: Problems) -> None:
    if site.in_language(site.by_slug.get((section, slug)), page.lang) is not None or not \
            site.broken_targets.isdisjoint(((section, slug), (section, None))):
        return
    path, line = page.doc.where(*keys)
    if any(kind_of(k)[1] == section and slugify(k.rsplit("/", 1)[-1]) == slug
           for k in site.drafts):
        problems.error(path, line, f"'{slug}' in {section}/ is a draft: publish it "
                       "(remove 'draft: true') or remove this reference")
        return
    known = sorted(slug for sec, slug in site.by_slug if sec == section)
    hint = f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
    problems.error(path, line, f"no item '{slug}' in {section}/: check the slug"
                   f"{hint if known else ''}")


def _refs(value: Any) -> Iterator[tuple[int | None, str]]:
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, list):
        yield from enumerate(value)
