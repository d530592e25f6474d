"""What makes two builds' outputs comparable: the generator's code and library versions, and
the options that change what a build writes."""

from __future__ import annotations

import functools
import sys
from importlib import metadata
from pathlib import Path

from .. import cache
from .options import Options

PACKAGE = Path(__file__).resolve().parent.parent  # its code is an input of every build
# The libraries whose versions shape what a build writes (Pillow's are in images.VERSION).
SHAPING = ("jinja2", "markupsafe", "markdown", "pygments", "nh3", "pyyaml", "icalendar",
           "minify-html", "rcssmin", "rjsmin", "tzdata", "pyicu-wheels")


@functools.cache
def code_fingerprint() -> str:
    """A hash of this generator's code (read once in a process), the versions of the
    libraries in SHAPING, and Python's: an upgrade of any of them is a full build, rendered
    Markdown included."""
    versions = []
    for name in SHAPING:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return cache.global_key([versions, sys.version_info[:2]], [PACKAGE], [])


def settings_key(options: Options, templates: Path) -> str:
    """The options that change what a build writes (not --jobs, --strict or --quiet), and the
    generator."""
    return repr((code_fingerprint(), cache.portable(options.content, options.cache),
                 cache.portable(templates, options.cache), options.base_url, options.drafts,
                 options.minify, options.no_search))


def global_key(options: Options, settings: str, templates: Path) -> str:
    """Everything every page depends on: a different key means a full build. Templates and
    theme files are not in it: each page records those it used."""
    return cache.global_key([settings], [templates / "i18n"], [
        options.content / "site.yaml", *sorted((options.content / "_data").glob("*"))])
