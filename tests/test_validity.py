"""Every HTML page is valid HTML: the Nu Html Checker (vnu.jar, the W3C validator) over every page
of the bundled site (as published at the root, and minified under a sub-path) and of a small site
that uses every Markdown feature, in one run of the checker.

vnu.jar comes from npm (.ci/run installs it into the git-ignored .ci/node/, or set EXPO_VNU_JAR)
and runs on the machine's Java. Without either the test skips, except under EXPO_REQUIRE_BROWSER
(set by .ci/run), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sitekit import ROOT, SITE_YAML, VNU_JAR, build, html, make_site, require_file, site_pages
from test_build import assert_links_resolve

# Plain Markdown, every extension the generator enables, and raw HTML from the allow-list; the
# headings take the names of ids the theme uses itself ("main" is the skip link's target).
MARKDOWN = """
Intro with a footnote[^1], an abbreviation (HTML), `code`, **bold**, _em_ and a
[link to a session](/en/summit/talk/), an [anchor](#search) and <https://example.org/>.

## Main

## Search

### Gallery title

| Left | Right |
|------|------:|
| 1    | 2     |

Term
:   Definition

1. one
2. two
    - nested

> A quote

```python
def hello():
    return "<b>not markup</b>"
```

<details><summary>More</summary><p>Hidden <abbr title="Smart City Online">SCO</abbr>.</p></details>
<figure><img src="https://example.org/x.png" alt="Remote image"><figcaption>Caption</figcaption>
</figure>
<p lang="zh-Hant-TW" dir="ltr">中文 <time datetime="2020-08-13">8 月 13 日</time>
<mark>標記</mark></p>
<table><caption>Raw table</caption><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>

---

[^1]: The note.

*[HTML]: HyperText Markup Language
"""

FILES = {
    # Every page has an edit link; the Chinese lamp is an outdated translation (its notice).
    "content/site.yaml": SITE_YAML + "edit_url: https://github.com/org/site/edit/main/content/\n",
    "content/index.md": "---\ntitle: Home\n---\n" + MARKDOWN,
    "content/about.md": "---\ntitle: About\naliases: [/old-about/, /old.html]\n---\n" + MARKDOWN,
    "content/only.zh-tw.md": "---\ntitle: 只有中文\n---\n只有中文的頁面。\n",
    "content/cities/springfield.md": "---\ntitle: Springfield\ncountry: USA\nregion: americas\n"
                                     "leader: Jane Doe\nwebsite: https://example.org/\n---\n"
                                     + MARKDOWN,
    "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: Taipei City\n---\n"
                                   + MARKDOWN,
    "content/solutions/lamp/index.md": """---
title: Lamp
company: Lamp Co.
category: smart-health
pavilion: taipei
cities: [springfield]
website: https://example.org/lamp
contact: lamp@example.org
video: https://vimeo.com/123456789
image: cover.png
image_alt: A street lamp
gallery:
  - {src: a.png, alt: First}
  - {src: b.png, alt: Second}
---
## Solution more

## Media title
""" + MARKDOWN,
    "content/solutions/lamp/index.zh-tw.md": "---\ntitle: 路燈\ntranslated_from: \"0\"\n---\n"
                                             "## 主要\n\n內容。\n",
    "content/solutions/bench.md": "---\ntitle: Bench\ncompany: Bench Co.\n"
                                  "category: smart-health\n---\nA bench.\n",
    "content/summit/talk.md": """---
title: Talk
start: 2020-08-13 10:00
end: 2020-08-13 11:30
timezone: Europe/Prague
region: europe
host: A Host
topic: A topic
speakers:
  - {name: Jane Doe, title: Mayor, city: springfield}
livestream: https://www.youtube.com/watch?v=SAMPLE00001
questions: ask@example.org
recording: talk.webm
captions:
  - {lang: en, src: talk.en.vtt}
  - {lang: zh-Hant, src: talk.zh.vtt}
---
## Session speakers

## Replay
""" + MARKDOWN,
    "content/summit/talk.webm": b"\x1a\x45\xdf\xa3" + bytes(60),  # a WebM's first bytes
    "content/summit/talk.en.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
    "content/summit/talk.zh.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n",
    "content/summit/plain.md": "---\ntitle: Plain\nstart: 2020-08-14 10:00\n"
                               "end: 2020-08-14 11:00\ntimezone: America/New_York\n"
                               "region: americas\nlivestream: https://stream.example.org/x\n---\n",
    "content/tours/neihu.md": "---\ntitle: Neihu\nlocation: Neihu\npavilion: taipei\n"
                              "solutions: [lamp]\n---\n" + MARKDOWN,
    "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\nauthor: Desk\n---\n" + MARKDOWN,
}


def theme_ids() -> dict[str, str]:
    """Every id="..." of the templates → a pattern of the values it takes ({{ x }} → .+)."""
    found = {}
    for template in (ROOT / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        values = re.findall(r'\sid="([^"]*)"', source)
        values += re.findall(r'related\(.*"([a-z-]+)"\) \}\}', source)  # m.related(…, id)
        for value in values:
            if value != "{{ id }}":
                found[value] = ".+".join(map(re.escape, re.split(r"\{\{.*?\}\}", value)))
    return found


THEME_IDS = theme_ids()
FILES["content/ids.md"] = "---\ntitle: Ids\n---\n" + "".join(
    f"## {re.sub(r'{{.*?}}', 'x', value)}\n\n" for value in THEME_IDS)


def java() -> str:
    found = shutil.which("java")
    if found:
        return found
    message = "java not found: apt-get install -y default-jre-headless"
    if os.environ.get("EXPO_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> list[Path]:
    """The bundled site at the root and minified under /expo/, and the Markdown site."""
    folder = tmp_path_factory.mktemp("valid")
    shutil.copytree(ROOT / "content", folder / "content")
    with open(folder / "content/site.yaml", "a", encoding="utf-8") as settings:
        settings.write("cms:\n  backend: {name: github, repo: ORG/REPO}\n")  # its /admin/ skipped
    build(folder, "--no-search")
    assert (folder / "output/admin/index.html").is_file()
    build(folder, "--no-search", "--minify", "--base-url", "https://host.example/expo/",
          "--output", "output-expo")
    rich = tmp_path_factory.mktemp("valid-markdown")
    make_site(rich, FILES)
    for name, colour in (("cover.png", "red"), ("a.png", "green"), ("b.png", "blue")):
        Image.new("RGB", (64, 48), colour).save(rich / "content/solutions/lamp" / name)
    build(rich, "--no-search")
    return [folder / "output", folder / "output-expo", rich / "output"]


@pytest.fixture(scope="module")
def jar() -> Path:
    return require_file(VNU_JAR, "vnu.jar (the Nu Html Checker)")


def test_every_page_is_valid_html(jar, outputs, tally):  # jar first: a skip builds nothing
    pages = [page for output in outputs for page in site_pages(output)]
    assert len(pages) > 150
    done = subprocess.run([java(), "-Xss2m", "-jar", str(jar), "--errors-only", "--format",
                           "json", *map(str, pages)], capture_output=True, text=True,
                          timeout=600)
    report = json.loads(done.stderr)
    findings = [f"{m.get('url', '?').removeprefix('file:')}:{m.get('lastLine', '?')}: "
                f"{m['type']}: {m.get('message', '')}  [{m.get('extract', '').strip()}]"
                for m in report["messages"]]
    assert findings == [], "\n".join(findings[:40])
    assert done.returncode == 0, done.stderr[-2000:]
    tally("pages validated by vnu.jar", len(pages))


def test_every_link_fragment_and_hreflang_pair_resolves(outputs, tally):
    """The link checker of test_build.py over the minified site under a sub-path and the site
    of every Markdown feature (aliases, a page in one language only, a bundle's pictures)."""
    checked = assert_links_resolve(outputs[1], "/expo/", "https://host.example/expo/")
    # (its Markdown links to example.org, its base_url: absolute links are left out there, and
    # hreflang pairs are followed by their paths)
    checked += assert_links_resolve(outputs[2])
    tally("links and hreflang pairs followed (minified, Markdown site)", checked)


def test_headings_never_take_an_id_of_the_theme(outputs):
    """`## Main` may not become a second id="main" (the skip link's target) and so on: the
    checker finds duplicates on the pages above; this names the rule."""
    page = html(outputs[2] / "en/summit/talk/index.html")
    ids = [element["id"] for element in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert page.find("main")["id"] == "main"
    assert page.find("h2", string="Main")["id"] != "main"


def test_no_heading_takes_an_id_the_templates_write(outputs):
    """Whatever a heading says, its id is none the theme may write on a page."""
    page = html(outputs[2] / "en/ids/index.html")
    headings = {h.get_text(): h["id"] for h in page.find_all(["h2", "h3"])}
    assert len(headings) == len(THEME_IDS) > 8
    taken = [(text, id_) for text, id_ in headings.items()
             if any(re.fullmatch(pattern, id_) for pattern in THEME_IDS.values())]
    assert taken == []
