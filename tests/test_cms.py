"""The form-based editor (SPEC §5 `cms:`, §6 /admin/): its configuration, generated from the
content model, checked field by field against SPEC §4; the page itself; its setting."""

from __future__ import annotations

import yaml
from sitekit import PRAGUE, SITE_YAML, SiteBuilder, markdown_file

CMS = "cms:\n  backend: {name: github, repo: expo/site, branch: main, base_url: https://auth.example}\n"
FILES = {
    "content/site.yaml": SITE_YAML + CMS,
    "content/cities/prague.md": PRAGUE,
    "content/cities/prague.zh-tw.md": markdown_file(title="布拉格"),
    "content/pavilions/taipei/index.md": markdown_file(title="Taipei", organizer="Taipei City"),
    "content/solutions/bus.md": markdown_file(title="Bus", company="B",
                                              category="smart-transportation"),
    # plain pages below the top, at any depth, a draft among them
    "content/about/team.md": markdown_file(title="Team"),
    "content/guides/visitors/faq/index.md": markdown_file(title="FAQ"),
    "content/notes/plan.md": markdown_file(title="Plan", draft="true"),
}
PAGE_FOLDERS = {"about", "guides", "notes"}
SECTIONS = {"solutions", "pavilions", "summit", "cities", "tours", "news"}
COMMON = {  # SPEC §4, common to every type: name → (widget, required, per language)
    "title": ("string", True, True), "summary": ("text", False, True),
    "date": ("datetime", False, False), "slug": ("string", False, False),
    "draft": ("boolean", False, False), "image": ("image", False, False),
    "image_alt": ("string", False, True), "tags": ("list", False, True),
    "weight": ("number", False, False), "aliases": ("list", False, True),
    "body": ("markdown", False, True),
}
EN = ["en"]  # required in the default language only: a translation takes it from there
PER_TYPE = {  # SPEC §4, per type
    "solutions": {"company": ("string", EN, True), "category": ("select", True, False),
                  "pavilion": ("relation", False, False),
                  "cities": ("relation", False, False),
                  "website": ("string", False, False), "contact": ("string", False, False),
                  "video": ("string", False, False), "gallery": ("list", False, True),
                  "meeting": ("string", False, False), "brochure": ("file", False, False)},
    "pavilions": {"organizer": ("string", EN, True)},
    "summit": {"start": ("datetime", True, False), "end": ("datetime", True, False),
               "timezone": ("select", True, False), "region": ("select", True, False),
               "host": ("string", False, True), "topic": ("string", False, True),
               "speakers": ("list", False, True), "livestream": ("string", False, False),
               "questions": ("string", False, False), "recording": ("file", False, False),
               "captions": ("list", False, False)},
    "cities": {"country": ("string", EN, True), "region": ("select", True, False),
               "leader": ("string", False, True), "website": ("string", False, False)},
    "tours": {"location": ("string", False, True), "pavilion": ("relation", False, False),
              "solutions": ("relation", False, False), "video": ("string", False, False),
              "gallery": ("list", False, True)},
    "news": {"date": ("datetime", True, False), "author": ("string", False, True)},
    "pages": {},
}


def built(tmp_path, files=FILES) -> tuple[SiteBuilder, dict]:
    site = SiteBuilder(tmp_path, files, no_search=True)
    site.build()
    return site, yaml.safe_load(site.text("admin/config.yml"))


def test_configuration_has_every_field_of_spec_4_with_its_widget(tmp_path):
    _, config = built(tmp_path)
    assert config["backend"] == {"name": "github", "repo": "expo/site", "branch": "main",
                                 "base_url": "https://auth.example"}  # handed on unchanged
    assert config["i18n"] == {"structure": "multiple_files", "locales": ["en", "zh-tw"],
                              "default_locale": "en",
                              "omit_default_locale_from_file_path": True,
                              "initial_locales": "all"}
    collections = {c["name"]: c for c in config["collections"]}
    assert set(collections) == SECTIONS | {"pages", "pages_files"} | {
        f"pages_{folder}" for folder in PAGE_FOLDERS}
    for name in SECTIONS:  # slug.md and slug/index.md alike, new ones as slug/index.md
        section = collections[name]
        assert (section["folder"], section["create"]) == (f"content/{name}", True)
        assert "path" not in section
        assert section["nested"] == {"summary": "{{title}}", "depth": 2}
        assert section["meta"] == {"path": {"index_file": "index"}}
        assert section["filter"] == {"field": "slug", "pattern": "^(?!index$)"}  # its own page
    pages, files = collections["pages"], collections["pages_files"]  # the top, two layouts
    assert (pages["folder"], pages["path"], pages["create"]) == ("content", "{{slug}}/index", True)
    assert (files["folder"], files["path"], files["create"]) == ("content", "{{slug}}", False)
    for folder in PAGE_FOLDERS:  # below the top: any depth, both layouts
        below = collections[f"pages_{folder}"]
        assert (below["folder"], below["create"]) == (f"content/{folder}", True)
        assert below["nested"] == {"summary": "{{title}}"}  # no depth: any
        assert below["meta"] == {"path": {"index_file": "index"}}
        assert below["filter"] == {"field": "slug", "pattern": "^(?!index$)"}  # in pages
    for name, collection in collections.items():
        assert collection["i18n"] is True
        assert (collection["media_folder"], collection["public_folder"]) == ("", "")
        own = PER_TYPE[name if name in SECTIONS else "pages"]
        fields = {f["name"]: f for f in collection["fields"]}
        assert list(fields) == [*(n for n in {**COMMON, **own} if n != "body"), "body"]
        for field_name, (widget, required, i18n) in {**COMMON, **own}.items():
            field = fields[field_name]
            assert (field["widget"], field["required"], field["i18n"]) == (
                widget, required, i18n), (name, field_name)


def test_selects_offer_the_keys_of_data_and_relations_the_items_a_ref_may_name(tmp_path):
    _, config = built(tmp_path)
    fields = {c["name"]: {f["name"]: f for f in c["fields"]} for c in config["collections"]}
    assert fields["solutions"]["category"]["options"] == [
        {"label": "Smart Transportation (smart-transportation)",
         "value": "smart-transportation"},
        {"label": "Smart Health (smart-health)", "value": "smart-health"}]
    assert [o["value"] for o in fields["cities"]["region"]["options"]] == ["europe", "americas"]
    # a ref: a published item of its section, whichever its layout, stored by its slug
    relation = {"widget": "relation", "value_field": "{{slug}}",
                "display_fields": ["{{title}} ({{slug}})"], "search_fields": ["title", "{{slug}}"],
                "filters": [{"field": "draft", "values": [True], "exclude": True}]}
    speakers = {f["name"]: f for f in fields["summit"]["speakers"]["fields"]}
    for field, section, multiple in ((fields["solutions"]["pavilion"], "pavilions", False),
                                     (fields["solutions"]["cities"], "cities", True),
                                     (fields["tours"]["pavilion"], "pavilions", False),
                                     (fields["tours"]["solutions"], "solutions", True),
                                     (speakers["city"], "cities", False)):
        assert field.items() >= {**relation, "collection": section, "multiple": multiple}.items()
    assert {n: (f["widget"], f["required"]) for n, f in speakers.items()} == {
        "name": ("string", True), "title": ("string", False), "city": ("relation", False)}
    gallery = {f["name"]: (f["widget"], f["required"]) for f in
               fields["tours"]["gallery"]["fields"]}
    assert gallery == {"src": ("image", True), "alt": ("string", True)}
    # the forms refuse what expo check refuses, where a pattern can say it
    assert fields["solutions"]["website"]["pattern"][0] == "^https?://[^\\s]+$"
    assert fields["solutions"]["contact"]["pattern"][0] == "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"
    assert fields["solutions"]["slug"]["pattern"][0] == "^[a-z0-9]+(-[a-z0-9]+)*$"
    # sessions: wall-clock times in their own zone, an IANA zone chosen from a list
    assert fields["summit"]["start"]["format"] == "YYYY-MM-DD HH:mm"
    assert {"Europe/Prague", "Asia/Taipei"} <= set(fields["summit"]["timezone"]["options"])
    assert fields["news"]["image_alt"]["hint"].startswith("Required when there is an image")


def test_a_new_category_or_folder_of_pages_changes_the_configuration(tmp_path):
    site, _ = built(tmp_path)
    site.edit("content/_data/categories.yaml", "smart-health:", "smart-water: {en: Smart "
              "Water, zh-tw: 智慧水務}\nsmart-health:")
    site.write({"content/help/contact/index.md": markdown_file(title="Contact")})
    site.build()
    config = yaml.safe_load(site.text("admin/config.yml"))
    fields = {c["name"]: {f["name"]: f for f in c["fields"]} for c in config["collections"]}
    assert "smart-water" in [o["value"] for o in fields["solutions"]["category"]["options"]]
    assert fields["pages_help"]["title"]["widget"] == "string"


def test_the_editor_page_is_noindex_and_in_no_sitemap(tmp_path):
    site, _ = built(tmp_path)
    page = site.html("admin/index.html")
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    script = page.find("script")["src"]
    assert script.startswith("https://unpkg.com/@sveltia/cms@0.")
    assert script.count(".") == 3  # pinned to a minor version: @0.N/dist/sveltia-cms.js
    assert page.body["data-pagefind-ignore"] == "all"
    assert "admin" not in site.text("sitemap.xml")
    site.edit("content/site.yaml", CMS, "")  # turned off: gone at the next build
    site.build()
    assert not (tmp_path / "output/admin").exists()


def test_a_cms_setting_without_a_backend_is_an_error_at_its_line(tmp_path):
    files = {**FILES, "content/site.yaml": SITE_YAML + "cms:\n  backend: github\n  folder: x\n"}
    failed = SiteBuilder(tmp_path, files, no_search=True).fails()
    assert failed.problems == [
        "content/site.yaml:8: error: 'cms' needs a 'backend' with a 'name', like "
        "{name: github, repo: ORG/REPO, branch: main}",
        "content/site.yaml:9: warning: unknown cms setting 'folder' (known: backend, "
        "content_folder)"]
