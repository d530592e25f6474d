"""A solution's brochure (`brochure`, SPEC §4): a PDF file from content/, checked on every
build (the file may change while its page does not), published beside the images and linked
with its size."""

from __future__ import annotations

from .errors import Problems
from .filekinds import is_kind
from .site import Site


def collect_brochures(site: Site, problems: Problems) -> None:
    """Publish every page's brochure (`site.media`) and note its size (`site.file_sizes`);
    a file that is not a PDF is an error at the field's line."""
    reported = set()
    for page in site.pages + site.broken:
        rel = page.fields.get("brochure")
        if rel is None:
            continue
        where = page.doc.where("brochure")
        path = site.content_dir / rel
        try:
            size, pdf = path.stat().st_size, is_kind(path)
        except OSError as exc:
            message = f"cannot read '{rel}': {exc.strerror}"
        else:
            if pdf:
                site.media.add(rel)
                site.file_sizes[rel] = size
                continue
            message = f"'{rel}' is not a PDF file (it does not begin with %PDF-): save or " \
                      "export the brochure as PDF"
        if where not in reported:
            reported.add(where)
            problems.error(*where, message)


def size_text(size: int) -> str:
    """A file size as visitors read it: "640 kB", "2.1 MB" (units of 1,000 bytes)."""
    if size < 999_500:
        return f"{max(1, round(size / 1000))} kB"
    return f"{size / 1_000_000:.1f} MB"
