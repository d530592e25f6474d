"""Video and livestream URLs → what a click-to-load player needs, or None for a plain link.

Nothing is loaded from the video host until the visitor clicks: the page carries only the
embed address, and YouTube is embedded from youtube-nocookie.com.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def player(url: str | None) -> dict[str, str] | None:
    """{provider, id, embed, url} for YouTube and Vimeo addresses; None for anything else."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = parts.path.strip("/").split("/")
    video_id = None
    if host in ("youtube.com", "youtube-nocookie.com"):
        if path[0] == "watch":
            video_id = parse_qs(parts.query).get("v", [None])[0]
        elif path[0] in ("embed", "live", "shorts") and len(path) > 1:
            video_id = path[1]
        if video_id and YOUTUBE_ID.match(video_id):
            return {"provider": "youtube", "id": video_id, "url": url,
                    "embed": f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1"}
    elif host == "youtu.be" and path[0] and YOUTUBE_ID.match(path[0]):
        return {"provider": "youtube", "id": path[0], "url": url,
                "embed": f"https://www.youtube-nocookie.com/embed/{path[0]}?autoplay=1"}
    elif host in ("vimeo.com", "player.vimeo.com"):
        numbers = [p for p in path if p.isdigit()]
        if numbers:
            return {"provider": "vimeo", "id": numbers[0], "url": url,
                    "embed": f"https://player.vimeo.com/video/{numbers[0]}?autoplay=1&dnt=1"}
    return None
