"""What a published file is, from its first bytes: a video, captions or a PDF that is not one
is an error at its field's line (SPEC §3), not a broken player on the page."""

from __future__ import annotations

from pathlib import Path

# suffix → (media type, what its first bytes start with, the kind's name for messages)
KINDS: dict[str, tuple[str, tuple[bytes, ...], str]] = {
    ".webm": ("video/webm", (b"\x1a\x45\xdf\xa3",), "a WebM video"),  # the EBML header
    ".mp4": ("video/mp4", (b"ftyp",), "an MP4 video"),  # its first box, after 4 size bytes
    ".vtt": ("text/vtt", (b"WEBVTT", b"\xef\xbb\xbfWEBVTT"), "a WebVTT file"),
    ".pdf": ("application/pdf", (b"%PDF-",), "a PDF"),
}


def media_type(path: str | Path) -> str:
    """The media type of a file of one of the KINDS, by its suffix."""
    return KINDS[Path(path).suffix.lower()][0]


def is_kind(path: Path) -> bool:
    """Whether the file's first bytes are those of the kind its suffix names."""
    _, signatures, _ = KINDS[path.suffix.lower()]
    with path.open("rb") as file:
        head = file.read(16)
    if path.suffix.lower() == ".mp4":
        head = head[4:]
    found = next((s for s in signatures if head.startswith(s)), None)
    if found is None:
        return False
    if path.suffix.lower() == ".vtt":  # "WEBVTT" then a space, tab or line end (or nothing)
        rest = head[len(found):]
        return not rest or rest[:1] in (b" ", b"\t", b"\r", b"\n")
    return True


def kind_name(suffix: str) -> str:
    return KINDS[suffix.lower()][2]
