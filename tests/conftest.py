"""Fixtures shared by every test module; the helpers themselves live in sitekit.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitekit import make_site


@pytest.fixture
def site(tmp_path: Path):
    """`site({...})` writes a small site in a temporary folder and returns that folder."""
    return lambda files, base=True: make_site(tmp_path, files, base)
