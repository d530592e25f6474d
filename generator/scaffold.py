"""`expo new TYPE SLUG`: a content file with every field of its type.

Required fields hold a `TODO` placeholder that `expo check` reports until it is replaced;
optional fields are written as comments to uncomment.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Problems, UsageError
from .frontmatter import parse
from .schema import SECTION_TYPES, SLUG
from .translations import MARK, digest

SECTIONS = {kind: section for section, kind in SECTION_TYPES.items()}
TYPES = [*SECTIONS, "page"]

COMMON_OPTIONAL = """\
# summary: One sentence for cards and search results
# image: cover.jpg
# image_alt: What the picture shows
# tags: [example]
# weight: 10
# aliases: [/old/address/]
# draft: true
"""

FIELDS = {
    "solution": """\
company: "TODO: company name"
category: "TODO: a key of _data/categories.yaml"
# pavilion: taipei
# cities: [taipei]
# website: https://example.com/
# contact: info@example.com
# video: https://www.youtube.com/watch?v=...
# gallery:
#   - {src: photo.jpg, alt: What the photo shows}
# meeting: https://example.com/meet   # or an e-mail address: the "Request a meeting" button
# brochure: brochure.pdf              # a PDF file beside this page
""",
    "pavilion": 'organizer: "TODO: organizer"\n',
    "session": """\
start: "TODO: 2020-08-13 17:00"   # wall-clock time in the session's time zone
end: "TODO: 2020-08-13 18:30"
timezone: "TODO: Europe/Prague"   # IANA name
region: "TODO: a key of _data/regions.yaml"
# host: Deputy Mayor ...
# topic: ...
# speakers:
#   - {name: ..., title: Mayor, city: prague}
# livestream: https://www.youtube.com/watch?v=...
# questions: questions@example.org
# recording: https://www.youtube.com/watch?v=...   # the replay, or a video file: replay.webm
# captions:                                       # WebVTT files, for a recording file
#   - {lang: en, src: replay.en.vtt}
""",
    "city": """\
country: "TODO: country"
region: "TODO: a key of _data/regions.yaml"
# leader: Mayor ...
# website: https://example.org/
""",
    "tour": """\
# location: ...
# pavilion: taipei
# solutions: [smart-parking]
# video: https://www.youtube.com/watch?v=...
# gallery:
#   - {src: photo.jpg, alt: What the photo shows}
""",
    "news": """\
date: "TODO: 2020-08-01"
# author: ...
""",
    "page": "",
}


def new_file(content: Path, kind: str, slug: str, lang: str | None) -> Path:
    if not SLUG.match(slug):
        raise UsageError(f"slug {slug!r} must be lower-case letters, digits and '-'")
    default = _default_language(content)
    suffix = f".{lang}" if lang and lang != default else ""
    folder = content / SECTIONS[kind] if kind in SECTIONS else content
    if suffix and (folder / slug / "index.md").is_file():  # a bundle's translation goes in it
        folder, slug = folder / slug, "index"
    path = folder / f"{slug}{suffix}.md"
    if path.exists() or (slug != "index" and (folder / slug).exists()):
        raise UsageError(f"{path} already exists")
    original = folder / f"{slug}.md"
    if suffix and original.exists():
        body = ("---\ntitle: \"TODO: title in this language\"\n"
                "# summary: ...\n# Fields left out are taken from "
                f"{original.name}.\n{_mark(original)}---\n\nTODO: the text in this language.\n")
    else:
        body = (f"---\ntitle: \"TODO: title\"\n{FIELDS[kind]}{COMMON_OPTIONAL}---\n\n"
                "TODO: the text of the page, in Markdown.\n")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def _mark(original: Path) -> str:
    """The `translated_from` line of a translation made now from `original` (none when the
    original cannot be read: `expo check` says why)."""
    doc = parse(original, original.read_bytes(), Problems())
    return f'{MARK}: "{digest(doc)}"\n' if doc is not None else ""


def _default_language(content: Path) -> str | None:
    from .config import load_config

    config = load_config(content, Problems()) if (content / "site.yaml").exists() else None
    return config.default_language if config else None
