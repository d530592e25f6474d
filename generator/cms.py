"""The form-based editor at /admin/ (SPEC §5, §6): Sveltia CMS, configured from the content
model of schema.py, so a new field or a new category is in the editor's forms after a build.

Sveltia CMS, because it can write the content tree of SPEC §3 as it is: with
`omit_default_locale_from_file_path` the default language's file has no suffix (`slug.md`,
`slug/index.md`) and a translation has one (`slug.zh-tw.md`, `slug/index.zh-tw.md`). Decap CMS
always writes a suffix for every language; Pages CMS can omit it, but it is a hosted app that
reads its own `.pages.yml`, not a page of the site. Each section is one *nested* collection two
levels deep whose entries share the file name `index`: it lists both layouts (`slug.md` and
`slug/index.md`), writes new entries as bundles, and a relation to it stores the slug of SPEC §3
for either (Sveltia leaves the shared `/index` out of a reference). Plain pages: the top's two
layouts, and a nested collection of any depth for each folder of pages.
"""

from __future__ import annotations

import copy
import zoneinfo
from typing import Any

import yaml

from . import schema
from .cms_settings import CmsSettings
from .site import Site

SVELTIA = "0.221"  # its minor version, pinned while it is 0.x (.ci/run installs the same)
SCRIPT = f"https://unpkg.com/@sveltia/cms@{SVELTIA}/dist/sveltia-cms.js"
INDEX, CONFIG = "admin/index.html", "admin/config.yml"
HTTPS = "^https?://[^\\s]+$"  # the forms' patterns: expo check has the last word
EMAIL = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"
LABELS = {"solutions": ("Solutions", "Solution"), "pavilions": ("Pavilions", "Pavilion"),
          "summit": ("Summit sessions", "Summit session"), "cities": ("Cities", "City"),
          "tours": ("Demo tours", "Demo tour"), "news": ("News", "News article"),
          "pages": ("Pages", "Page")}
# Where a ref points (SPEC §4): the field's name → the section of the item it names.
REF_SECTIONS = {"pavilion": "pavilions", "cities": "cities", "city": "cities",
                "solutions": "solutions"}
# Written by `expo translations --mark`, never by hand: left out of the forms, the CMS keeps
# it in the file as it is (it keeps every field it does not know).
NOT_IN_FORMS = {"translated_from"}
DATA_FIELDS = {"category": "categories", "region": "regions"}  # keys of _data/<file>.yaml
MULTI_LINE = {"summary"}
HINTS = {
    "image_alt": "Required when there is an image: describe the picture for visitors who "
                 "cannot see it.",
    "slug": "Leave empty: the file or folder name is the slug, and the lists of this editor "
            "name the item by it. Lower-case letters, digits and '-'.",
    "weight": "Lower first in listings; items without a weight come after.",
    "draft": "A draft is not published.",
    "aliases": "Old addresses of this page, like /old/page/, that must keep working.",
    "start": "Wall-clock time in the session's time zone.",
    "end": "Wall-clock time in the session's time zone; after the start.",
}


def admin_files(site: Site, settings: CmsSettings) -> dict[str, bytes]:
    """/admin/index.html and /admin/config.yml."""
    config = yaml.safe_dump(cms_config(site, settings), allow_unicode=True, sort_keys=False,
                            width=100)
    return {INDEX: PAGE.encode(), CONFIG: config.encode()}


PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Content editor</title>
</head>
<body data-pagefind-ignore="all">
<script src="{SCRIPT}"></script>
</body>
</html>
"""


def cms_config(site: Site, settings: CmsSettings) -> dict[str, Any]:
    """The CMS's configuration: a collection per section and for the plain pages, the fields
    of SPEC §4 with their widgets, the site's languages."""
    config = site.config
    root = settings.content_folder
    collections = [section(name, f"{root}/{name}", entry_fields(site, kind))
                   for name, kind in schema.SECTION_TYPES.items()]
    collections += pages(site, root, entry_fields(site, "page"))
    return {
        "backend": settings.backend,
        "media_folder": f"{root}/_media",  # the shared library; a page's own files sit beside it
        "public_folder": "/_media",
        "site_url": config.base_url,
        "i18n": {"structure": "multiple_files", "locales": list(config.codes),
                 "default_locale": config.default_language,
                 "omit_default_locale_from_file_path": True,
                 "initial_locales": "all"},  # a new entry's translation can be turned off
        "slug": {"encoding": "ascii", "clean_accents": True},
        "output": {"omit_empty_optional_fields": True},
        "collections": collections,
    }


NEW_SLUG = {"template": "{{title}}", "editable": ["create"],
            "pattern": [schema.SLUG.pattern, "Lower-case letters, digits and '-', like "
                        "smart-parking"]}


# A folder's own page, {folder}/index.md (a section's: SPEC §3), is listed in Pages only, not
# as an item of the section or as a page below the folder.
NOT_THE_FOLDERS_PAGE = {"field": "slug", "pattern": "^(?!index$)"}


def section(name: str, folder: str, fields: list[dict]) -> dict:
    """A section's items, `slug.md` and `slug/index.md` alike; new ones are bundles."""
    label, singular = LABELS[name]
    return collection(name, label, singular, folder, fields, **bundles(depth=2),
                      description=f"Each in its own folder, {folder}/<slug>/index.md, with its "
                                  f"pictures and files (or, written by hand, {folder}/<slug>.md).",
                      filter=NOT_THE_FOLDERS_PAGE)


def pages(site: Site, root: str, fields: list[dict]) -> list[dict]:
    """The plain pages: those at the top, in two layouts, and one collection for each folder
    holding pages below it (a collection of the whole content folder would list every section's
    items too: Sveltia lists a file in each collection whose folder holds it)."""
    label, singular = LABELS["pages"]
    found = [
        collection("pages", label, singular, root, fields, path="{{slug}}/index", create=True,
                   slug=NEW_SLUG, description=f"Each in its own folder, {root}/<name>/index.md, "
                   "with its pictures and files."),
        collection("pages_files", f"{label} (single files)", singular, root, fields,
                   path="{{slug}}", create=False, description=f"Those written as one file, "
                   f"{root}/<name>.md: new ones are made in {label}.")]
    for folder in page_folders(site):
        found.append(collection(f"pages_{folder}", f"{label} in {folder}/", singular,
                                f"{root}/{folder}", fields, **bundles(depth=None),
                                description=f"The pages below {root}/{folder}/, at any depth.",
                                filter=NOT_THE_FOLDERS_PAGE))
    return found


def page_folders(site: Site) -> list[str]:
    """The top-level folders, other than sections, with plain pages below their own page."""
    keys = {page.key for page in (*site.pages, *site.broken)} | set(site.drafts)
    return sorted({key.split("/")[0] for key in keys
                   if "/" in key and key.split("/")[0] not in schema.SECTION_TYPES})


def bundles(depth: int | None) -> dict[str, Any]:
    """A nested collection whose entries share the file name `index`: it lists `name.md` and
    `name/index.md` (with their translations) down to `depth` levels, writes a new entry as
    `name/index.md`, and refers to either by its name."""
    return {"nested": {"summary": "{{title}}", **({"depth": depth} if depth else {})},
            "meta": {"path": {"index_file": "index"}}, "create": True, "slug": NEW_SLUG}


def collection(name: str, label: str, singular: str, folder: str, fields: list[dict],
               **options: Any) -> dict:
    """An entry collection of Markdown files with YAML front matter under `folder`, a file per
    language, the files a page names stored beside it."""
    return {"name": name, "label": label, "label_singular": singular, **options,
            "folder": folder, "extension": "md", "format": "yaml-frontmatter", "i18n": True,
            "media_folder": "", "public_folder": "",
            "fields": copy.deepcopy(fields)}  # YAML without aliases


def relation(section: str, multiple: bool = False) -> dict[str, Any]:
    """A ref (SPEC §4): one of the section's published items, stored by its slug."""
    return {"widget": "relation", "collection": section, "value_field": "{{slug}}",
            "display_fields": ["{{title}} ({{slug}})"], "search_fields": ["title", "{{slug}}"],
            "filters": [{"field": "draft", "values": [True], "exclude": True}],
            "multiple": multiple}


def entry_fields(site: Site, kind: str) -> list[dict]:
    """Every field of one content type (schema.py), as a form field, the body last."""
    spec = {**schema.COMMON, **schema.TYPE_FIELDS[kind]}
    fields = [form_field(site, name, checker, required, kind)
              for name, (checker, required) in spec.items() if name not in NOT_IN_FORMS]
    fields.append({"name": "body", "label": "Body", "widget": "markdown", "required": False,
                   "i18n": True})
    return fields


def form_field(site: Site, name: str, checker, required: bool, kind: str) -> dict:
    """One front-matter field: its widget and options; translatable text is per language,
    anything else is written in the default language's file only (translations inherit it)."""
    field: dict[str, Any] = {"name": name, "label": name.replace("_", " ").capitalize()}
    field.update(widget(site, name, checker, kind))
    field.setdefault("i18n", checker is schema.text)
    # A translation takes what it leaves out from its original (SPEC §3): a required field is
    # required in the default language only, but a translation has its own title.
    field["required"] = [site.config.default_language] if (
        required and field["i18n"] is True and name != "title") else required
    if name in HINTS:
        field["hint"] = HINTS[name]
    return field


def widget(site: Site, name: str, checker, kind: str) -> dict[str, Any]:
    """The widget for a checker of schema.py."""
    s = schema
    if kind == "session" and name in ("start", "end"):  # checked as text, then as times
        return {"widget": "datetime", "format": "YYYY-MM-DD HH:mm", "i18n": False}
    if checker is s.text:
        return {"widget": "text" if name in MULTI_LINE else "string"}
    if checker is s.boolean:
        return {"widget": "boolean"}
    if checker is s.integer:
        return {"widget": "number", "value_type": "int"}
    if checker is s.slug:
        return {"widget": "string", "pattern": [s.SLUG.pattern, "Lower-case letters, digits "
                                                "and '-'"]}
    if checker is s.url:
        return {"widget": "string", "pattern": [HTTPS, "A web address starting with https://"]}
    if checker is s.email:
        return {"widget": "string", "pattern": [EMAIL, "An e-mail address such as "
                                                "info@example.org"]}
    if checker is s.url_or_email:
        return {"widget": "string"}
    if checker is s.moment:
        return {"widget": "datetime", "type": "date", "format": "YYYY-MM-DD"}
    if checker is s.timezone:
        return {"widget": "select", "options": sorted(zoneinfo.available_timezones())}
    if checker in (s.text_list, s.alias_list):  # tags are translated; aliases are per file
        return {"widget": "list", "i18n": True}
    if checker in (s.ref, s.ref_list):
        return relation(REF_SECTIONS[name], multiple=checker is s.ref_list)
    if checker is s.image:
        return {"widget": "image"}
    if checker in (s.pdf, s.recording):  # a recording may also be a video host's address
        return {"widget": "file"}
    if checker is s.captions:
        return {"widget": "list", "fields": [
            {"name": "lang", "label": "Language (BCP 47, like en or zh-Hant)",
             "widget": "string", "required": True},
            {"name": "src", "label": "Captions file (WebVTT)", "widget": "file",
             "required": True}]}
    if checker is s.gallery:
        return {"widget": "list", "i18n": True, "fields": [
            {"name": "src", "label": "Image", "widget": "image", "required": True},
            {"name": "alt", "label": "Description (alt text)", "widget": "string",
             "required": True}]}
    if checker is s.speakers:
        return {"widget": "list", "i18n": True, "fields": [
            {"name": "name", "label": "Name", "widget": "string", "required": True},
            {"name": "title", "label": "Title", "widget": "string", "required": False},
            {"name": "city", "label": "City", "required": False, **relation("cities")}]}
    if name in DATA_FIELDS:
        return {"widget": "select", "options": data_options(site, DATA_FIELDS[name])}
    return {"widget": "string"}  # a checker this table does not know yet: plain text


def data_options(site: Site, kind: str) -> list[dict[str, str]]:
    """The keys of _data/<kind>.yaml, labelled in the default language."""
    known = site.data.get(kind)
    lang = site.config.default_language
    options = []
    for key, labels in (known.items() if isinstance(known, dict) else ()):
        label = labels.get(lang, key) if isinstance(labels, dict) else labels
        options.append({"label": f"{label} ({key})", "value": str(key)})
    return options
