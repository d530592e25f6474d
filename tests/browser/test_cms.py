"""The form-based editor in Chromium: Sveltia CMS's own script (installed from npm by .ci/run,
served here in place of the CDN) runs the generated /admin/config.yml with the `test-repo`
backend, which keeps its files in the browser's origin private file system (OPFS): the test
puts the bundled site's content there first, so every existing entry is listed, and reads back
what the CMS wrote, to check it with `expo check --strict`."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image
from sitekit import NODE_MODULES, ROOT, build, expo, markdown_file, require_file

from generator.cms import SCRIPT, SVELTIA

ROOT_FOLDER = "sveltia-cms-test"  # where Sveltia's test-repo backend keeps the repository
PUT = """async ([top, files]) => {
  const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(top,
    {create: true});
  for (const [path, data] of Object.entries(files)) {
    const parts = path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1))
      folder = await folder.getDirectoryHandle(part, {create: true});
    const file = await (await folder.getFileHandle(parts.at(-1), {create: true}))
      .createWritable();
    await file.write(Uint8Array.from(atob(data), c => c.charCodeAt(0)));
    await file.close();
  }
}"""
GET = """async ([top, under]) => {
  const found = {};
  const walk = async (folder, prefix) => {
    for await (const [name, handle] of folder.entries()) {
      if (handle.kind === 'directory') await walk(handle, prefix + name + '/');
      else if ((prefix + name).startsWith(under)) {
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        found[prefix + name] = btoa(Array.from(bytes, b => String.fromCharCode(b)).join(''));
      }
    }
  };
  await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle(top), '');
  return found;
}"""


@pytest.fixture(scope="module")
def script() -> Path:
    path = require_file(NODE_MODULES / "@sveltia/cms/dist/sveltia-cms.js", "Sveltia CMS")
    version = (NODE_MODULES / "@sveltia/cms/package.json").read_text()
    assert f'"version": "{SVELTIA}.' in version, "install the version generator/cms.py pins"
    return path


# Beside the bundled site's items (cities as single files, the pavilion a bundle): an item of
# each layout the other way round, with translations; a draft; plain pages below the top; the
# own pages of a folder of pages and of a section (listed in Pages only).
MORE = {
    "cities/taichung/index.md": markdown_file(title="Taichung", country="Taiwan",
                                              region="asia-pacific"),
    "cities/taichung/index.zh-tw.md": markdown_file(title="臺中"),
    "cities/nowhere.md": markdown_file(title="Nowhere", country="X", region="europe",
                                       draft="true"),
    "pavilions/kaohsiung.md": markdown_file(title="Kaohsiung Pavilion", organizer="Kaohsiung"),
    "pavilions/kaohsiung.zh-tw.md": markdown_file(title="高雄館"),
    "about/team.md": markdown_file("Who we are.", title="Team"),
    "about/team.zh-tw.md": markdown_file("我們是誰。", title="團隊"),
    "about/press/index.md": markdown_file("For the press.", title="Press"),
    "about/press/index.zh-tw.md": markdown_file("媒體資訊。", title="媒體"),
    "guides/visitors/faq.md": markdown_file("Questions.", title="FAQ"),
    "guides/index.md": markdown_file("Guides.", title="Guides"),  # a folder's own page
    "cities/index.md": markdown_file("The cities taking part.", title="Cities"),  # a section's
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The bundled site, and MORE, with the editor on, its backend the test repository."""
    folder = tmp_path_factory.mktemp("cms")
    shutil.copytree(ROOT / "content", folder / "content")
    for path, text in MORE.items():
        (folder / "content" / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "content" / path).write_text(text, encoding="utf-8")
    with open(folder / "content/site.yaml", "a", encoding="utf-8") as settings:
        settings.write("cms:\n  backend: {name: test-repo}\n")
    assert build(folder, "--no-search").returncode == 0
    return folder


def open_editor(page_in, serve, project: Path, script: Path, since: dict[str, str] | None = None):
    """The editor signed in to the test repository, which holds the project's content/ and
    the files `since` (path → text): made after the site was built."""
    url = serve(project / "output")
    page = page_in(viewport={"width": 1400, "height": 1000})
    page.blocked = []

    def route(request):
        if request.request.url.startswith(url):
            return request.continue_()
        if request.request.url == SCRIPT:
            return request.fulfill(path=script, content_type="text/javascript")
        page.blocked.append(request.request.url)  # fonts, icons: nothing leaves the machine
        return request.abort("blockedbyclient")

    page.route("**/*", route)
    page.goto(f"{url}/robots.txt")  # the site's origin: its storage is the editor's
    page.evaluate(PUT, [ROOT_FOLDER, {
        path.relative_to(project).as_posix(): base64.b64encode(path.read_bytes()).decode()
        for path in (project / "content").rglob("*") if path.is_file()} | {
        path: base64.b64encode(text.encode()).decode() for path, text in (since or {}).items()}])
    page.goto(f"{url}/admin/")
    page.get_by_role("button", name="Work with Test Repository").click()
    page.get_by_role("button", name="Create New Entry").first.wait_for()
    return page, url


def field_types(page) -> dict[str, str]:
    """The fields of the editor's first pane (the default language): key → widget."""
    found = page.eval_on_selector_all(
        "section[data-key-path]", "els => els.map(e => [e.dataset.keyPath, e.dataset.fieldType])")
    fields = {}
    for key, kind in found:
        if key in fields:
            break  # the preview pane repeats them
        if "." not in key:  # not a field of a list item (gallery.0.src)
            fields[key] = kind
    return fields


def listed(page, expected: int) -> list[str]:
    """The entries the collection's list shows ("Select <title>"), once it shows `expected`
    (or after some ten seconds: the list may still be drawn, or be another's)."""
    for _ in range(50):
        shown = [label for label in page.eval_on_selector_all(
            "[role=checkbox][aria-label^='Select ']",
            "els => els.map(e => e.getAttribute('aria-label'))") if label != "Select All"]
        if len(shown) == expected:
            break
        page.wait_for_timeout(200)
    return shown


def all_fields(page, has: str = "body") -> dict[str, str]:
    """field_types once the form, drawn as it is scrolled, is drawn to its end (the body).
    After a move from one form to another, `has` names a field of the new one only: until it
    is drawn, the old form may still be the one on the page."""
    for _ in range(100):
        fields = field_types(page)
        if "body" in fields and has in fields:
            return fields
        if fields:  # scrolled to its last field drawn, in one step: the form may go
            page.evaluate("key => document.querySelector(`section[data-key-path='${key}']`)"
                          "?.scrollIntoView()", list(fields)[-1])
        page.wait_for_timeout(200)
    raise AssertionError(f"the form was not drawn to its end: {fields}")


def only_blocked_requests(page) -> list[str]:
    return [e for e in page.console_errors if "ERR_BLOCKED_BY_CLIENT" not in e]


def entry_files(project: Path, collection: dict) -> set[Path]:
    """The default-language files a collection should list: of a nested one, `name.md` and
    `name/index.md` down to its depth, but the folder's own page (in Pages); of another, those
    its `path` names."""
    folder = project / collection["folder"]
    if "nested" in collection:
        depth = collection["nested"].get("depth", 99)
        found = {p for p in folder.rglob("*.md")
                 if len(p.relative_to(folder).parts) <= depth} - {folder / "index.md"}
    else:
        found = set(folder.glob("*/index.md" if collection["path"] == "{{slug}}/index"
                                else "*.md"))
    return {p for p in found if p.name.count(".") == 1 and not p.name.startswith(("_", "."))}


def test_every_collection_lists_its_entries_and_shows_every_field(page_in, serve, project,
                                                                  script):
    page, url = open_editor(page_in, serve, project, script)
    config = yaml.safe_load((project / "output/admin/config.yml").read_text(encoding="utf-8"))
    opened = []
    for collection in config["collections"]:
        name = collection["name"]
        on_disk = entry_files(project, collection)
        page.goto(f"{url}/admin/#/collections/{name}")
        page.get_by_role("button", name="Create New Entry").first.wait_for()
        shown = listed(page, len(on_disk))
        assert len(shown) == len(on_disk), (name, shown, sorted(map(str, on_disk)))
        if on_disk:  # an existing entry opens with every field
            page.get_by_role("gridcell").filter(
                has_text=shown[0].removeprefix("Select ").strip("\u2068\u2069")).first.click()
        elif collection["create"]:
            page.goto(f"{url}/admin/#/collections/{name}/new")
        else:
            continue  # no entry to open, none to make: its fields are the bundles' (pages)
        opened.append(name)
        page.locator("section[data-key-path=title]").first.wait_for()
        assert all_fields(page) == {f["name"]: f["widget"] for f in collection["fields"]}, name
    assert {"solutions", "pavilions", "cities", "pages_files", "pages_about",
            "pages_guides"} <= set(opened)
    assert only_blocked_requests(page) == []
    assert page.page_errors == []


def field(page, key: str):
    """The editor's own field (the preview pane repeats it, the form draws it once scrolled
    to: all_fields first)."""
    return page.locator(f'section[data-key-path="{key}"]').first


def choices(page, key: str) -> list[str]:
    """What a relation field offers: radio buttons for a few, a drop-down list for more."""
    radios = field(page, key).get_by_role("radio")
    if radios.count():
        return [text for text in radios.evaluate_all(
            "els => els.map(e => document.getElementById(e.getAttribute('aria-labelledby'))"
            ".textContent)") if text != "(None)"]
    combobox = field(page, key).get_by_role("combobox")
    combobox.click()
    options = page.locator(f"#{combobox.get_attribute('id')}-listbox").get_by_role("option")
    options.last.wait_for()
    offered = options.all_inner_texts()
    page.keyboard.press("Escape")
    labels = (text.splitlines()[0] for text in offered)  # not the chosen one's check mark
    return [label for label in labels if label != "(None)"]


def items(project: Path, section: str) -> list[str]:
    """The section's published items, of either layout, as a relation should offer them:
    "Title (slug)", the slug the file or folder name."""
    offered = []
    for path in (project / "content" / section).glob("*.md"):
        if path.name != "index.md":  # the section's own page
            offered.append((path, path.stem))
    for path in (project / "content" / section).glob("*/index.md"):
        offered.append((path, path.parent.name))
    labels = []
    for path, slug in offered:
        fields = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if path.name.count(".") == 1 and fields.get("draft") is not True:
            labels.append(f"{fields['title']} ({slug})")
    return labels


def test_references_offer_every_item_of_either_layout_by_its_title(page_in, serve, project,
                                                                   script):
    hsinchu = {"content/cities/hsinchu/index.md": markdown_file(
        title="Hsinchu", country="Taiwan", region="asia-pacific")}  # saved since the build
    page, url = open_editor(page_in, serve, project, script, since=hsinchu)
    page.goto(f"{url}/admin/#/collections/solutions/new")
    field(page, "title").wait_for()
    all_fields(page)
    pavilions = items(project, "pavilions")
    cities = [*items(project, "cities"), "Hsinchu (hsinchu)"]
    assert {"Kaohsiung Pavilion (kaohsiung)", "Taipei Pavilion (taipei)"} <= set(pavilions)
    assert {"Taichung (taichung)", "Prague (prague)"} <= set(cities)
    assert "Nowhere (nowhere)" not in cities  # a draft: a ref to it is an error
    assert sorted(choices(page, "pavilion")) == sorted(pavilions)
    assert sorted(choices(page, "cities")) == sorted(cities)
    page.goto(f"{url}/admin/#/collections/summit/new")
    all_fields(page, has="speakers")  # not the solution's form, still there a moment
    field(page, "speakers").get_by_role("button").filter(has_text="Add").first.click()
    field(page, "speakers.0.city").wait_for()
    assert sorted(choices(page, "speakers.0.city")) == sorted(cities)
    assert only_blocked_requests(page) == []
    assert page.page_errors == []


def test_an_entry_made_in_the_editor_passes_expo_check_strict(page_in, serve, project, script,
                                                               tmp_path):
    page, url = open_editor(page_in, serve, project, script)
    picture = tmp_path / "bin.jpg"
    Image.new("RGB", (64, 48), "green").save(picture)

    page.goto(f"{url}/admin/#/collections/solutions/new")
    field(page, "title").get_by_role("textbox").fill("Smart bin sensors")
    field(page, "company").get_by_role("textbox").fill("Bin Co.")
    field(page, "category").get_by_role("combobox").click()
    page.get_by_role("option", name="Smart Environment (smart-environment)").click()
    field(page, "image").locator("input[type=file]").first.set_input_files(picture)
    field(page, "image_alt").get_by_role("textbox").fill("A green street bin with a sensor")
    all_fields(page)  # drawn down to the body's editor
    field(page, "website").get_by_role("textbox").fill("https://bin.example/")  # patterns that
    field(page, "contact").get_by_role("textbox").fill("info@bin.example")  # match, in JavaScript
    # refs: to a bundle (taipei, taichung) and to a single file (prague)
    field(page, "pavilion").get_by_role("radio", name="Taipei Pavilion (taipei)").click()
    for city in ("Taichung (taichung)", "Prague (prague)"):
        field(page, "cities").get_by_role("combobox").click()
        page.get_by_role("option", name=city).click()
    page.locator('section[data-key-path="body"]').filter(has=page.get_by_role("toolbar")) \
        .locator("[contenteditable=true]").click()
    page.keyboard.type("Bins that tell the depot when they are full.")
    page.get_by_role("radio", name="Chinese (Taiwan)").first.click()
    field(page, "title").get_by_role("textbox").fill("智慧垃圾桶感測器")
    field(page, "image_alt").get_by_role("textbox").fill("裝有感測器的綠色垃圾桶")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Create New Entry").first.wait_for()  # back at the list: saved

    # existing entries of either layout, at the top and below: saved where they were
    for collection, title, key, value in (("cities", "Prague", "leader", "Mayor of Prague"),
                                          ("cities", "Taichung", "leader", "Mayor"),
                                          ("pages_about", "Team", "summary", "Who we are")):
        page.goto(f"{url}/admin/#/collections/{collection}")
        page.get_by_role("gridcell").filter(has_text=title).first.click()
        field(page, key).scroll_into_view_if_needed()
        field(page, key).get_by_role("textbox").fill(value)
        page.get_by_role("button", name="Save").click()
        page.get_by_role("button", name="Create New Entry").first.wait_for()
    assert sorted(page.evaluate(GET, [ROOT_FOLDER, "content/cities/taichung"])) == [
        "content/cities/taichung/index.md", "content/cities/taichung/index.zh-tw.md"]
    assert sorted(page.evaluate(GET, [ROOT_FOLDER, "content/about/team"])) == [
        "content/about/team.md", "content/about/team.zh-tw.md"]

    page.goto(f"{url}/admin/#/collections/summit")  # a speaker's city: a ref in a list
    page.get_by_role("gridcell").filter(has_text="Europe session").first.click()
    field(page, "title").wait_for()
    all_fields(page)
    field(page, "speakers.0.title").scroll_into_view_if_needed()  # the form draws what is seen
    field(page, "speakers.0.city").get_by_role("combobox").click()
    page.get_by_role("option", name="Taichung (taichung)").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Create New Entry").first.wait_for()

    assert sorted(page.evaluate(GET, [ROOT_FOLDER, "content/cities/prague"])) == [
        "content/cities/prague.md", "content/cities/prague.zh-tw.md"]  # where they were
    prague = page.evaluate(GET, [ROOT_FOLDER, "content/cities/prague.md"])
    (project / "content/cities/prague.md").write_bytes(
        base64.b64decode(prague["content/cities/prague.md"]))
    assert "leader: Mayor of Prague" in (project / "content/cities/prague.md").read_text("utf-8")
    written = page.evaluate(GET, [ROOT_FOLDER, "content/solutions/smart-bin-sensors/"])
    assert sorted(written) == [f"content/solutions/smart-bin-sensors/{name}" for name in (
        "bin.jpg", "index.md", "index.zh-tw.md")]  # a bundle, the default language unsuffixed
    for path, data in written.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_bytes(base64.b64decode(data))
    zh = (project / "content/solutions/smart-bin-sensors/index.zh-tw.md").read_text("utf-8")
    assert "title: 智慧垃圾桶感測器" in zh and "category" not in zh  # inherited, not repeated
    en = (project / "content/solutions/smart-bin-sensors/index.md").read_text("utf-8")
    assert "image: bin.jpg" in en and "Bins that tell the depot when they are full." in en
    assert "contact: info@bin.example" in en
    assert yaml.safe_load(en.split("---")[1])["pavilion"] == "taipei"
    assert yaml.safe_load(en.split("---")[1])["cities"] == ["taichung", "prague"]
    europe = "content/summit/2020-08-13-europe.md"
    saved = page.evaluate(GET, [ROOT_FOLDER, europe])[europe]
    (project / europe).write_bytes(base64.b64decode(saved))
    session = yaml.safe_load((project / europe).read_text("utf-8").split("---")[1])
    assert session["speakers"][0]["city"] == "taichung"
    checked = expo(project, "check", "--strict")
    assert checked.returncode == 0, checked.stderr
    assert only_blocked_requests(page) == []
    assert page.page_errors == []
