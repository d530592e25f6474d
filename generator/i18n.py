"""UI strings from templates/i18n/<lang>.yaml, and dates written the way each language reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .errors import Problems
from .frontmatter import load_yaml_file

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class Strings:
    """`t(key)` for one language; a key missing there falls back to the default language."""

    def __init__(self, tables: dict[str, dict[str, str]], config: SiteConfig):
        self.tables = tables
        self.config = config
        self._merged: dict[str, dict[str, str]] = {}  # a page asks for twenty strings

    def get(self, lang: str, key: str, **values: Any) -> str:
        table = self._merged.get(lang)
        if table is None:
            table = self._merged[lang] = {
                k: str(v) for code in ("en", self.config.default_language, lang)
                for k, v in self.tables.get(code, {}).items()}
        if key not in table:
            raise KeyError(f"UI string '{key}' is missing from templates/i18n/{lang}.yaml")
        text = table[key]
        return text.format(**values) if values else text


def load_strings(templates_dir: Path, config: SiteConfig, problems: Problems) -> Strings:
    tables: dict[str, dict[str, str]] = {}
    for code in {*config.codes, "en"}:
        path = templates_dir / "i18n" / f"{code}.yaml"
        if not path.is_file():
            if code in config.codes and code != "en":
                problems.warning(path, 1, f"no UI strings for '{code}': English ones are used")
            continue
        parsed = load_yaml_file(path, problems)
        if parsed is None:
            continue
        table, _ = parsed
        if not isinstance(table, dict):
            problems.error(path, 1, "UI strings must be written as 'key: text'")
            continue
        tables[code] = {str(k): v for k, v in table.items()}
    return Strings(tables, config)


def format_date(moment: datetime, lang: str, with_time: bool = False) -> str:
    """"13 August 2020" in English, "2020年8月13日" in Chinese and Japanese, ISO otherwise."""
    if lang.startswith(("zh", "ja")):
        text = f"{moment.year}年{moment.month}月{moment.day}日"
    elif lang.startswith("en"):
        text = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    else:
        text = moment.date().isoformat()
    return f"{text} {moment:%H:%M}" if with_time else text
