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
from sitekit import NODE_MODULES, ROOT, build, expo, require_file

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


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The bundled site with the editor on, its backend the test repository."""
    folder = tmp_path_factory.mktemp("cms")
    shutil.copytree(ROOT / "content", folder / "content")
    with open(folder / "content/site.yaml", "a", encoding="utf-8") as settings:
        settings.write("cms:\n  backend: {name: test-repo}\n")
    assert build(folder, "--no-search").returncode == 0
    return folder


def open_editor(page_in, serve, project: Path, script: Path):
    """The editor signed in to the test repository, which holds the project's content/."""
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
        for path in (project / "content").rglob("*") if path.is_file()}])
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


def all_fields(page) -> dict[str, str]:
    """field_types once the form, drawn as it is scrolled, is drawn to its end (the body)."""
    for _ in range(100):
        fields = field_types(page)
        if "body" in fields:
            return fields
        page.locator(f'section[data-key-path="{list(fields)[-1]}"]').first \
            .scroll_into_view_if_needed()
        page.wait_for_timeout(200)
    raise AssertionError(f"the form was not drawn to its end: {fields}")


def only_blocked_requests(page) -> list[str]:
    return [e for e in page.console_errors if "ERR_BLOCKED_BY_CLIENT" not in e]


def test_every_collection_lists_its_entries_and_shows_every_field(page_in, serve, project,
                                                                  script):
    page, url = open_editor(page_in, serve, project, script)
    config = yaml.safe_load((project / "output/admin/config.yml").read_text(encoding="utf-8"))
    opened = 0
    for collection in config["collections"]:
        name = collection["name"]
        folder = project / collection["folder"]
        bundle = collection["path"] == "{{slug}}/index"
        on_disk = {p for p in (folder.glob("*/index.md") if bundle else folder.glob("*.md"))
                   if p.name.count(".") == 1 and not p.name.startswith(("_", "."))}
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
            continue  # no entry to open, none to make: its fields are its bundles' (above)
        opened += 1
        page.locator("section[data-key-path=title]").first.wait_for()
        assert all_fields(page) == {f["name"]: f["widget"] for f in collection["fields"]}, name
    assert opened >= len(config["collections"]) // 2 + 4  # every bundles' form, 4 more
    assert only_blocked_requests(page) == []
    assert page.page_errors == []


def test_an_entry_made_in_the_editor_passes_expo_check_strict(page_in, serve, project, script,
                                                               tmp_path):
    page, url = open_editor(page_in, serve, project, script)
    picture = tmp_path / "bin.jpg"
    Image.new("RGB", (64, 48), "green").save(picture)

    def field(key):
        return page.locator(f'section[data-key-path="{key}"]').first

    page.goto(f"{url}/admin/#/collections/solutions/new")
    field("title").get_by_role("textbox").fill("Smart bin sensors")
    field("company").get_by_role("textbox").fill("Bin Co.")
    field("category").get_by_role("combobox").click()
    page.get_by_role("option", name="Smart Environment (smart-environment)").click()
    field("image").locator("input[type=file]").first.set_input_files(picture)
    field("image_alt").get_by_role("textbox").fill("A green street bin with a sensor")
    all_fields(page)  # drawn down to the body's editor
    field("website").get_by_role("textbox").fill("https://bin.example/")  # patterns that
    field("contact").get_by_role("textbox").fill("info@bin.example")  # match, in JavaScript
    page.locator('section[data-key-path="body"]').filter(has=page.get_by_role("toolbar")) \
        .locator("[contenteditable=true]").click()
    page.keyboard.type("Bins that tell the depot when they are full.")
    page.get_by_role("radio", name="Chinese (Taiwan)").first.click()
    field("title").get_by_role("textbox").fill("智慧垃圾桶感測器")
    field("image_alt").get_by_role("textbox").fill("裝有感測器的綠色垃圾桶")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Create New Entry").first.wait_for()  # back at the list: saved

    page.goto(f"{url}/admin/#/collections/cities_files")  # an existing single file
    page.get_by_role("gridcell").filter(has_text="Prague").first.click()
    field("leader").scroll_into_view_if_needed()
    field("leader").get_by_role("textbox").fill("Mayor of Prague")
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
    checked = expo(project, "check", "--strict")
    assert checked.returncode == 0, checked.stderr
    assert only_blocked_requests(page) == []
    assert page.page_errors == []
