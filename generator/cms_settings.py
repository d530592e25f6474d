"""`cms:` of site.yaml (SPEC §5): the backend of the form-based editor, handed to it unchanged,
and where the content folder is inside the repository (cms.py writes the editor)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problems

KNOWN = {"backend", "content_folder"}
FOLDER = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


@dataclass(frozen=True)
class CmsSettings:
    """`cms:` of site.yaml: the backend, handed to the CMS unchanged, and where content/ is
    inside the repository the backend names."""

    backend: dict[str, Any]
    content_folder: str = "content"


def load_settings(value: Any, path: Path, line, problems: Problems) -> CmsSettings | None:
    """`cms: {backend: {name: github, repo: ORG/REPO}, content_folder: content}` checked."""
    if not isinstance(value, dict):
        problems.error(path, line("cms"), "'cms' must be settings like "
                       "{backend: {name: github, repo: ORG/REPO, branch: main}}")
        return None
    for key in value:
        if key not in KNOWN:
            problems.warning(path, line("cms", key), f"unknown cms setting '{key}' (known: "
                             f"{', '.join(sorted(KNOWN))})")
    backend = value.get("backend")
    if not isinstance(backend, dict) or not isinstance(backend.get("name"), str):
        problems.error(path, line("cms", "backend"), "'cms' needs a 'backend' with a 'name', "
                       "like {name: github, repo: ORG/REPO, branch: main}")
        return None
    folder = value.get("content_folder", "content")
    if not isinstance(folder, str) or not FOLDER.match(folder) or ".." in folder.split("/"):
        problems.error(path, line("cms", "content_folder"), "'content_folder' must be the "
                       "content folder's path inside the repository, like content or site/content")
        return None
    return CmsSettings(backend, folder)
