"""Safety of built sites: nothing an editor writes runs script in a visitor's browser, reaches a
file outside output/, destroys a folder, or runs code on the machine that builds the site.

SPEC §3 (raw HTML allow-list, paths inside content/), §4 (URL fields), §7 (errors at the field's
line, output folder refusals, a failed build leaves output/ as it was). Every check walks every
file of the built output/, so a payload that surfaces on a listing card, in a meta tag or in an
Atom feed is caught as well as one on its own page.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from sitekit import ROOT, SESSION_HOUR, SITE_YAML, expo, fails, make_site, markdown_file

THEME = ROOT / "templates"

# -- what a safe page looks like -----------------------------------------------------------------

DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "background", "data",
                  "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "icon",
                  "srcset", "imagesrcset", "xlink:href", "srcdoc", "archive", "classid"}
# Elements no page of this site may hold, whoever wrote them.
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "param",
         "isindex"}
# Elements the theme may use but content may not add: a page built from hostile Markdown may
# not hold more of them than the same page built from harmless Markdown.
THEME_ONLY = {"script", "style", "form", "input", "button", "textarea", "select", "option",
              "link", "meta", "svg", "math", "noscript", "template", "video", "audio", "source",
              "track", "dialog", "img"}
CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def project_files(root: Path) -> list[str]:
    """What a build left in the project folder, besides its (git-ignored) image cache."""
    return sorted(p.name for p in root.iterdir() if p.name != ".expo-cache")


def normalised_url(value: str) -> str:
    """A URL as a browser reads its scheme: no spaces or control characters, lower case."""
    return CONTROL.sub("", value).lower()


def markup_problems(soup: BeautifulSoup, where: str, output: Path) -> list[str]:
    """Everything in a parsed page that could run script or load a foreign document."""
    bad = []
    for element in soup.find_all(True):
        name = element.name.lower()
        if name in NEVER:
            bad.append(f"{where}: <{name}> element")
        for attr, value in element.attrs.items():
            attr = attr.lower()
            values = value if isinstance(value, list) else [value]
            if attr.startswith("on"):
                bad.append(f"{where}: <{name} {attr}=...> event handler")
            if attr in URL_ATTRIBUTES or attr.endswith(":href"):
                for item in values:
                    parts = item.split(",") if attr.endswith("srcset") else [item]
                    for part in parts:
                        if normalised_url(part).startswith(DANGEROUS_SCHEMES):
                            bad.append(f"{where}: <{name} {attr}={item!r}>")
            if attr == "style" and re.search(r"javascript:|expression\(|url\(|@import",
                                             normalised_url(" ".join(values))):
                bad.append(f"{where}: <{name} style={value!r}>")
        if name == "script":
            bad.extend(_script_problems(element, where, output))
        if name == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            target = re.sub(r"^\s*\d+\s*;?\s*(url\s*=\s*)?", "", element.get("content") or "",
                            flags=re.I).strip("'\" ")
            if not target.startswith("/") or target.startswith("//"):
                bad.append(f"{where}: <meta http-equiv=refresh content={element.get('content')!r}>"
                           " leads off the site")
    return bad


def _script_problems(element, where: str, output: Path) -> list[str]:
    """A script is the theme's own file under /static/, or a JSON-LD block that cannot end early."""
    src = element.get("src")
    if src is None:
        if (element.get("type") or "").strip().lower() != "application/ld+json":
            return [f"{where}: inline <script>{element.get_text()[:60]!r}"]
        text = element.get_text()
        if "<" in text:
            return [f"{where}: JSON-LD holding '<', which can end the <script> early"]
        try:
            json.loads(text)
        except ValueError:
            return [f"{where}: JSON-LD that is not JSON: {text[:60]!r}"]
        return []
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path.startswith(("/static/", "/pagefind/")) \
            or ".." in parts.path:
        return [f"{where}: <script src={src!r}> is not a file of the theme or search"]
    if not (output / unquote(parts.path[1:])).is_file():
        return [f"{where}: <script src={src!r}> is not a file of this site"]
    return []


def html_pages(output: Path) -> dict[str, BeautifulSoup]:
    return {p.relative_to(output).as_posix(): BeautifulSoup(p.read_text("utf-8"), "html.parser")
            for p in sorted(output.rglob("*.html"))}


def output_problems(output: Path) -> list[str]:
    """Walk every file of output/: HTML pages, XML feeds and sitemaps, JSON files."""
    bad = []
    for rel, soup in html_pages(output).items():
        bad.extend(markup_problems(soup, rel, output))
    for path in sorted(output.rglob("*.xml")):
        rel = path.relative_to(output).as_posix()
        try:
            tree = ET.fromstring(path.read_bytes())
        except ET.ParseError as exc:
            bad.append(f"{rel}: not well-formed XML ({exc})")
            continue
        for element in tree.iter():
            tag = element.tag.rsplit("}", 1)[-1].lower()
            if tag in ("script", "iframe", "object", "embed"):
                bad.append(f"{rel}: <{tag}> element")
            if element.get("type") in ("html", "xhtml") and element.text:
                inner = BeautifulSoup(element.text, "html.parser")
                bad.extend(markup_problems(inner, f"{rel} <{tag} type=html>", output))
    for path in sorted(output.rglob("*.json")):
        try:
            json.loads(path.read_bytes())
        except ValueError:
            bad.append(f"{path.relative_to(output)}: not valid JSON")
    return bad


def visible(soup: BeautifulSoup) -> str:
    """A page's text and attribute values, as a visitor (or a browser) reads them."""
    parts = [soup.get_text(" ")]
    for element in soup.find_all(True):
        for value in element.attrs.values():
            parts.append(" ".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and folder below `folder`: path → bytes (files), "dir" or "link → target"."""
    found: dict[str, bytes | str] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = f"link → {os.readlink(path)}"
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


def errors_at(run, path: str, line: int) -> list[str]:
    return [x for x in run.lines if x.startswith(f"{path}:{line}: error:")]


def assert_error_at(run, path: str, line: int) -> None:
    assert errors_at(run, path, line), f"no error at {path}:{line}:\n{run.stderr}"


def png(color: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def yq(value: str) -> str:
    """A YAML single-quoted scalar: any text, taken literally."""
    return "'" + value.replace("'", "''") + "'"


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A site in tmp_path/project, so that anything written beside it can be seen."""
    return make_site(tmp_path / "project", files)


def theme_build(root: Path, *args: str):
    return expo(root, "build", "--templates", str(THEME), *args)


UNSAFE_SAMPLES = [
    "<script>alert(1)</script>",
    '<script src="https://evil.example/x.js"></script>',
    '<script src="/static/js/missing.js"></script>',
    '<script type="application/ld+json">{"a": "</script>"}</script>',
    '<p onclick="alert(1)">x</p>',
    '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<img srcset="/a.png 1x, javascript:alert(1) 2x">',
    '<iframe src="/en/"></iframe>',
    '<base href="/">',
    '<meta http-equiv="Refresh" content="0; URL=https://evil.example/">',
    '<div style="background: url(javascript:alert(1))">x</div>',
]


@pytest.mark.parametrize("sample", UNSAFE_SAMPLES)
def test_the_checks_see_unsafe_markup(tmp_path, sample):
    """The page checks below are not vacuous: each catches what it looks for."""
    (tmp_path / "static/js").mkdir(parents=True)
    (tmp_path / "static/js/site.js").write_text("")
    assert markup_problems(BeautifulSoup(sample, "html.parser"), "sample", tmp_path)
    safe = ('<script src="/static/js/site.js" defer></script><a href="/en/">x</a>'
            '<script type="application/ld+json">{"name": "\\u003c/script\\u003e"}</script>'
            '<meta http-equiv="refresh" content="0; url=/en/about/">')
    assert markup_problems(BeautifulSoup(safe, "html.parser"), "safe", tmp_path) == []


# -- 1. XSS through Markdown ------------------------------------------------------------------

PAYLOADS = {
    "script-block": "<script>alert(1)</script>",
    "script-inline": "Text <script>alert(1)</script> more text",
    "script-src": "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "script-split": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "frameset": '<frameset><frame src="javascript:alert(1)"></frameset>',
    "style-element": "<style>body { display: none }</style>",
    "style-attribute": '<p style="background:url(javascript:alert(1))">styled</p>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "object-data-uri": '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
                       "</object>",
    "embed": '<embed src="https://evil.example/x.swf">',
    "applet": '<applet code="Evil.class"></applet>',
    "svg-onload": '<svg onload="alert(1)"><circle r="1"/></svg>',
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-inline": 'A picture <img src=x onerror="alert(1)"> inline',
    "img-srcset": '<img srcset="javascript:alert(1) 1x" alt="s">',
    "video-poster": '<video poster="javascript:alert(1)" src=x onerror=alert(1)></video>',
    "a-javascript": '<a href="javascript:alert(1)">a</a>',
    "md-javascript": "[x](javascript:alert(1))",
    "md-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-angle-brackets": "[x](<javascript:alert(1)>)",
    "md-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "a-data": '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">d</a>',
    "md-vbscript": "[v](vbscript:msgbox(1))",
    "md-image-javascript": "![i](javascript:alert(1))",
    "md-reference": "[r][evil]\n\n[evil]: javascript:alert(1)",
    "autolink": "<javascript:alert(1)>",
    "a-leading-space": '<a href="  javascript:alert(1)">sp</a>',
    "a-leading-control": '<a href="&#1;javascript:alert(1)">ctl</a>',
    "a-entity-hex": '<a href="jav&#x61;script:alert(1)">e</a>',
    "a-entity-decimal": '<a href="&#106;avascript:alert(1)">e</a>',
    "a-entity-colon": '<a href="javascript&colon;alert(1)">e</a>',
    "a-entity-all": '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;'
                    '&#x3A;alert(1)">e</a>',
    "a-tab": '<a href="jav&#x09;ascript:alert(1)">t</a>',
    "a-newline": '<a href="java&#10;script:alert(1)">n</a>',
    "events": '<p onclick="alert(1)" onmouseover=alert(1) ONFOCUS=alert(1) tabindex=0>ev</p>',
    "event-on-table-cell": "<table><tr><td onclick=alert(1)>x</td></tr></table>",
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
    "body-onload": "<body onload=alert(1)>",
    "attr-list-heading": '## Heading {: onclick="alert(1)" }',
    "attr-list-link": '[x](https://ok.example/){: onmouseover="alert(1)" }',
    "attr-list-href": '[x](https://ok.example/){: href="javascript:alert(1)" }',
    "fenced-attr-list": '``` { .python onclick="alert(1)" }\nprint(1)\n```',
    "md-title-breakout": '[x](https://ok.example/ "a\\" onmouseover=\\"alert(1)")',
    "footnote": "Text[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
    "abbr": "HTML here.\n\n*[HTML]: <script>alert(1)</script>",
    "form": '<form action="https://evil.example/"><input name=a autofocus onfocus=alert(1)>'
            '<button formaction="javascript:alert(1)">b</button><textarea>t</textarea>'
            "<select><option>o</option></select></form>",
    "isindex": '<isindex action="javascript:alert(1)" type="image">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "meta-refresh-js": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base": '<base href="https://evil.example/">',
    "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "link-import": '<link rel="import" href="https://evil.example/x.html">',
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "svg-style-mxss": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "math-mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "comment": "<!--><script>alert(1)</script>-->",
    "template": "<template><script>alert(1)</script></template>",
    "dialog": "<dialog open onclose=alert(1)>d</dialog>",
}


def _payload_site(tmp_path: Path, name: str, hostile: bool) -> Path:
    """One plain page per payload, plus a solution (cards, meta description) and the homes."""
    files: dict[str, str] = {}
    for index, (key, payload) in enumerate(PAYLOADS.items()):
        body = payload if hostile else "Harmless text."
        files[f"content/p{index:02d}.md"] = f"---\ntitle: {key}\n---\nMarker-{key}\n\n{body}\n"
    lead = ('<img src=x onerror=alert(1)> Lead <script>alert(1)</script> '
            '<a href="javascript:alert(1)">x</a>') if hostile else "Lead text."
    files["content/solutions/card.md"] = (
        "---\ntitle: Card\ncompany: ACME\ncategory: smart-health\n---\n"
        f"{lead}\n\n{PAYLOADS['events'] if hostile else 'More.'}\n")
    files["content/solutions/card.zh-tw.md"] = (
        f"---\ntitle: 卡片\n---\n{lead}\n\n{PAYLOADS['svg-onload'] if hostile else '更多'}\n")
    files["content/index.md"] = f"---\ntitle: Home\n---\n{lead}\n"
    files["content/solutions/index.md"] = (
        f"---\ntitle: Solutions\n---\n{PAYLOADS['iframe'] if hostile else 'Intro.'}\n")
    return make_site(tmp_path / name, files)


@pytest.fixture(scope="module")
def payload_builds(tmp_path_factory) -> tuple[Path, Path]:
    """(hostile output/, harmless output/) of the same site: every payload on its own page."""
    tmp = tmp_path_factory.mktemp("payloads")
    outputs = []
    for name, hostile in (("hostile", True), ("harmless", False)):
        root = _payload_site(tmp, name, hostile)
        run = theme_build(root)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        outputs.append(root / "output")
    return outputs[0], outputs[1]


def test_markdown_payloads_leave_no_script_handler_or_dangerous_url(payload_builds):
    hostile, _ = payload_builds
    pages = html_pages(hostile)
    for index, key in enumerate(PAYLOADS):  # each payload's page was built, with its body
        rel = f"en/p{index:02d}/index.html"
        assert rel in pages, f"{rel} missing"
        assert f"Marker-{key}" in pages[rel].get_text(), f"{rel}: body not rendered"
    assert output_problems(hostile) == []


def test_markdown_payloads_add_no_element_the_theme_does_not_use(payload_builds):
    """No <style>, <form>, <input>, <link>, <meta>, <svg>... from content: compared page by page
    with the same site built from harmless Markdown."""
    hostile, harmless = payload_builds
    hostile_pages, harmless_pages = html_pages(hostile), html_pages(harmless)
    assert set(hostile_pages) == set(harmless_pages)
    added = []
    for rel, soup in hostile_pages.items():
        mine = Counter(e.name.lower() for e in soup.find_all(True))
        theirs = Counter(e.name.lower() for e in harmless_pages[rel].find_all(True))
        for tag in sorted(THEME_ONLY - {"img"}):
            if mine[tag] > theirs[tag]:
                added.append(f"{rel}: {mine[tag] - theirs[tag]} more <{tag}>")
        # an <img> from content is fine, but only with a harmless src and no handler (above)
    assert added == []


def test_markdown_payloads_never_reach_feeds_sitemaps_or_other_files(payload_builds):
    hostile, _ = payload_builds
    for path in sorted(hostile.rglob("*")):
        if path.is_file() and path.suffix not in (".html", ".png", ".svg", ".js", ".css"):
            text = path.read_bytes().decode("utf-8", "replace")
            assert "<script>alert" not in text, path
            assert "onerror=alert" not in text.replace('"', ""), path


def test_harmless_html_survives(site):
    root = site({"content/guide.md": """
        ---
        title: Guide
        ---
        Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to copy.

        <details>
        <summary>More</summary>
        Hidden text
        </details>

        | Column A | Column B |
        | -------- | -------- |
        | cell 1   | cell 2   |

        <table><thead><tr><th scope="col">Raw head</th></tr></thead>
        <tbody><tr><td colspan="2">Raw cell</td></tr></tbody></table>

        A [link](https://ok.example/page) and [mail](mailto:info@ok.example).

        ```html
        <script>alert("shown as code")</script>
        ```
        """})
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    page = BeautifulSoup((root / "output/en/guide/index.html").read_text("utf-8"), "html.parser")
    assert [k.get_text() for k in page.find_all("kbd")] == ["Ctrl", "C"]
    details = page.find("details")
    assert details is not None and details.find("summary").get_text(strip=True) == "More"
    assert "Hidden text" in details.get_text()
    headers = [th.get_text(strip=True) for th in page.find_all("th")]
    assert "Column A" in headers and "Raw head" in headers
    cells = [td.get_text(strip=True) for td in page.find_all("td")]
    assert "cell 2" in cells and "Raw cell" in cells
    hrefs = {a.get("href") for a in page.find_all("a")}
    assert "https://ok.example/page" in hrefs and "mailto:info@ok.example" in hrefs
    code = " ".join(c.get_text() for c in page.find_all(["code", "pre"]))
    assert '<script>alert("shown as code")</script>' in code
    assert output_problems(root / "output") == []


# -- 2. XSS through front-matter fields -------------------------------------------------------

def hostile_text(field: str) -> str:
    """A field value trying each way out of text: a tag, an attribute break-out, a template."""
    return (f"{field}-value <script>alert(1)</script> \"><img src=x onerror=alert(1)> "
            "'><svg onload=alert(1)> {{ 7*7 }}")


FRONT_MATTER_FIELDS = {  # field → page where a visitor sees it (tags are not shown by the theme)
    "solution-title": "en/solutions/evil/index.html",
    "summary": "en/solutions/evil/index.html",
    "company": "en/solutions/evil/index.html",
    "image_alt": "en/solutions/evil/index.html",
    "gallery-alt": "en/solutions/evil/index.html",
    "pavilion-title": "en/pavilions/evil-pavilion/index.html",
    "organizer": "en/pavilions/evil-pavilion/index.html",
    "session-title": "en/summit/evil-session/index.html",
    "speaker-name": "en/summit/evil-session/index.html",
    "speaker-title": "en/summit/evil-session/index.html",
    "host": "en/summit/evil-session/index.html",
    "topic": "en/summit/evil-session/index.html",
    "country": "en/cities/evil-city/index.html",
    "leader": "en/cities/evil-city/index.html",
    "author": "en/news/evil-news/index.html",
    "location": "en/tours/evil-tour/index.html",
}


@pytest.fixture(scope="module")
def hostile_fields(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fields")
    h = {field: yq(hostile_text(field)) for field in [*FRONT_MATTER_FIELDS, "tag", "page-title"]}
    make_site(root, {
        "content/solutions/evil/index.md": f"""
            ---
            title: {h['solution-title']}
            summary: {h['summary']}
            company: {h['company']}
            category: smart-health
            pavilion: evil-pavilion
            cities: [evil-city]
            image: cover.png
            image_alt: {h['image_alt']}
            gallery:
              - src: cover.png
                alt: {h['gallery-alt']}
            tags: [{h['tag']}, {yq('"><script>alert(1)</script>')}]
            website: https://ok.example/
            ---
            Body.
            """,
        "content/solutions/evil/cover.png": png(),
        "content/pavilions/evil-pavilion.md": f"""
            ---
            title: {h['pavilion-title']}
            organizer: {h['organizer']}
            ---
            """,
        "content/summit/evil-session.md": f"""
            ---
            title: {h['session-title']}
            start: 2020-09-01 10:00
            end: 2020-09-01 11:00
            timezone: Europe/Prague
            region: europe
            host: {h['host']}
            topic: {h['topic']}
            speakers:
              - name: {h['speaker-name']}
                title: {h['speaker-title']}
                city: evil-city
            livestream: https://ok.example/live
            ---
            """,
        "content/cities/evil-city.md": f"""
            ---
            title: Evil City
            country: {h['country']}
            region: europe
            leader: {h['leader']}
            ---
            """,
        "content/news/evil-news.md": f"""
            ---
            title: Evil news
            date: 2020-08-01
            author: {h['author']}
            ---
            """,
        "content/tours/evil-tour.md": f"""
            ---
            title: Evil tour
            location: {h['location']}
            pavilion: evil-pavilion
            ---
            """,
        "content/about.md": f"---\ntitle: {h['page-title']}\n---\n",
    })
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    return root / "output"


def test_front_matter_text_injects_no_element_or_handler(hostile_fields):
    assert output_problems(hostile_fields) == []
    for path in sorted(hostile_fields.rglob("*.html")):
        raw = path.read_text("utf-8")
        for unescaped in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                          "<svg onload=alert(1)>"):
            assert unescaped not in raw, f"{path.relative_to(hostile_fields)}: {unescaped}"
        assert ">49<" not in raw and " 49 " not in raw, "a field was run as a template"


@pytest.mark.parametrize("field", FRONT_MATTER_FIELDS)
def test_front_matter_text_is_shown_as_text(hostile_fields, field):
    page = BeautifulSoup((hostile_fields / FRONT_MATTER_FIELDS[field]).read_text("utf-8"),
                         "html.parser")
    assert hostile_text(field) in visible(page)


def test_front_matter_text_is_escaped_in_listings_and_feeds(hostile_fields):
    listing = BeautifulSoup((hostile_fields / "en/solutions/index.html").read_text("utf-8"),
                            "html.parser")
    seen = visible(listing)
    for field in ("solution-title", "summary", "company"):
        assert hostile_text(field) in seen, field
    for path in sorted(hostile_fields.rglob("*.xml")):
        ET.fromstring(path.read_bytes())  # an unescaped field would break the XML


URL_FIELDS_SITE = {
    "content/solutions/bad.md": """
        ---
        title: Bad
        company: ACME
        category: smart-health
        website: javascript:alert(1)
        video: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==
        contact: javascript:alert(1)
        ---
        """,
    "content/solutions/sneaky.md": """
        ---
        title: Sneaky
        company: ACME
        category: smart-health
        website: " javascript:alert(1)"
        video: JaVaScRiPt:alert(1)
        ---
        """,
    "content/summit/bad.md": markdown_file(title="Bad session", **SESSION_HOUR,
                                           livestream="javascript:alert(1)",
                                           questions="javascript:alert(1)"),
    "content/summit/data.md": markdown_file(title="Data session", **SESSION_HOUR,
                                            livestream="vbscript:msgbox(1)",
                                            questions='"data:text/html,<script>alert(1)</script>"'),
    "content/cities/bad.md": """
        ---
        title: Bad city
        country: X
        region: europe
        website: "https://ok.example/\\" onmouseover=\\"alert(1)"
        ---
        """,
    "content/tours/bad.md": """
        ---
        title: Bad tour
        video: "javascript://https://ok.example/%0Aalert(1)"
        ---
        """,
}
URL_FIELD_ERRORS = [
    ("content/solutions/bad.md", 5, "website"), ("content/solutions/bad.md", 6, "video"),
    ("content/solutions/bad.md", 7, "contact"), ("content/solutions/sneaky.md", 5, "website"),
    ("content/solutions/sneaky.md", 6, "video"), ("content/summit/bad.md", 7, "livestream"),
    ("content/summit/bad.md", 8, "questions"), ("content/summit/data.md", 7, "livestream"),
    ("content/summit/data.md", 8, "questions"), ("content/cities/bad.md", 5, "website"),
    ("content/tours/bad.md", 3, "video"),
]


def test_dangerous_urls_in_fields_are_errors_at_their_line(site, tmp_path):
    root = site(URL_FIELDS_SITE)
    run = fails(root)
    missing = [f"{path}:{line} ({field})" for path, line, field in URL_FIELD_ERRORS
               if not errors_at(run, path, line)]
    assert missing == [], run.stderr
    assert not (root / "output").exists()


UNSAFE_BASE_URLS = [
    "javascript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    'https://example.org/"><script>alert(1)</script>/',
    "https://example.org/a b/",
]


@pytest.mark.parametrize("base_url", UNSAFE_BASE_URLS)
def test_base_url_that_is_not_a_clean_web_address_is_refused(site, base_url):
    """base_url is put in front of every link: it must be a plain http(s) address."""
    root = site({"content/site.yaml": SITE_YAML.replace("https://example.org/", yq(base_url)),
                 "content/about.md": "---\ntitle: About\n---\n"})
    run = fails(root)
    assert_error_at(run, "content/site.yaml", 2)
    (root / "content/site.yaml").write_text(SITE_YAML)
    run = theme_build(root, "--base-url", base_url)
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert not (root / "output").exists()


# -- 3. Paths -----------------------------------------------------------------------------------

def test_slug_that_is_a_path_is_an_error(site):
    root = site({
        "content/solutions/a.md": "---\ntitle: A\ncompany: C\ncategory: smart-health\n"
                                  "slug: ../../etc\n---\n",
        "content/news/b.md": "---\ntitle: B\ndate: 2020-01-01\nslug: /etc/cron.d\n---\n",
        "content/c.md": "---\ntitle: C\nslug: 'x/../../y'\n---\n",
        "content/d.md": "---\ntitle: D\nslug: '..'\n---\n",
    })
    run = fails(root)
    assert_error_at(run, "content/solutions/a.md", 5)
    assert_error_at(run, "content/news/b.md", 4)
    assert_error_at(run, "content/c.md", 3)
    assert_error_at(run, "content/d.md", 3)
    assert project_files(root) == ["content"]


BAD_ALIASES = [  # (YAML list item, why it is refused)
    ("/../../outside/", "climbs out of output/"),
    ("../x/", "relative"),
    ("/a/../../b/", "climbs out through a folder"),
    ("/a/../../../../../../tmp/expo-escape/", "climbs out to /tmp"),
    ("//evil.example/", "another host"),
    ("/x?y", "a query"),
    ("/x#y", "a fragment"),
    ("'C:\\Windows\\evil\\'", "a Windows path"),
    ("'/C:/evil/'", "a drive letter"),
    ("'\\\\server\\share\\x'", "a UNC path"),
    ("'/..\\..\\evil/'", "backslash traversal"),
    ('"/a\\0b/"', "a NUL character"),
    ('"/a\\nb/"', "a line break"),
    ("/.git/", "a hidden folder"),
    ("/.expo-output", "expo's own marker"),
    ("javascript:alert(1)", "a script URL"),
]


def test_unsafe_aliases_are_errors_at_their_line_and_nothing_escapes(tmp_path):
    good = "---\ntitle: About\naliases:\n  - /old/\n---\n"
    root = project(tmp_path, {"content/about.md": good})
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert (root / "output/old/index.html").is_file()  # a good alias works
    before = snapshot(tmp_path)
    items = "".join(f"  - {alias}\n" for alias, _ in BAD_ALIASES)
    (root / "content/about.md").write_text(f"---\ntitle: About\naliases:\n{items}---\n")
    run = fails(root)
    missing = [f"line {line}: {alias} ({why})"
               for line, (alias, why) in enumerate(BAD_ALIASES, start=4)
               if not errors_at(run, "content/about.md", line)]
    assert missing == [], run.stderr
    after = snapshot(tmp_path)
    after.pop("project/content/about.md")
    before.pop("project/content/about.md")
    assert after == before  # nothing new anywhere, output/ untouched
    assert not Path("/tmp/expo-escape").exists()


def test_alias_cannot_replace_another_page(tmp_path):
    root = project(tmp_path, {
        "content/about.md": "---\ntitle: About\naliases:\n  - /index.html\n  - /en/\n"
                            "  - /404.html\n  - /en/news/\n---\n",
        "content/news/a.md": "---\ntitle: A\ndate: 2020-01-01\n---\n",
    })
    run = fails(root)
    for line in (4, 5, 6, 7):
        assert_error_at(run, "content/about.md", line)


def test_alias_cannot_replace_a_theme_file(tmp_path):
    root = project(tmp_path, {"content/about.md":
                              "---\ntitle: About\naliases:\n  - /static/js/entry.js\n---\n"})
    run = fails(root)
    assert any("content/about.md:4" in line for line in run.lines if ": error:" in line), \
        run.stderr


def test_image_paths_outside_content_are_errors(tmp_path):
    secret = b"\x89PNG SECRET-IMAGE-BYTES"
    root = project(tmp_path, {
        "content/solutions/a.md": """
            ---
            title: A
            company: C
            category: smart-health
            image: ../../../etc/passwd
            image_alt: x
            ---
            """,
        "content/solutions/b.md": """
            ---
            title: B
            company: C
            category: smart-health
            image: /../../x.png
            image_alt: x
            gallery:
              - src: ../../secret.png
                alt: s
              - src: /etc/passwd
                alt: p
            ---
            """,
        "content/solutions/c.md": """
            ---
            title: C
            company: C
            category: smart-health
            ---
            Text.

            ![s](../../secret.png)

            [download](../../secret.png?download)

            ![t](/../../x.png)
            """,
        "secret.png": secret,
    })
    (tmp_path / "x.png").write_bytes(secret)
    run = fails(root)
    assert_error_at(run, "content/solutions/a.md", 5)
    assert_error_at(run, "content/solutions/b.md", 5)
    assert_error_at(run, "content/solutions/b.md", 8)
    assert_error_at(run, "content/solutions/b.md", 10)
    assert_error_at(run, "content/solutions/c.md", 8)
    assert_error_at(run, "content/solutions/c.md", 10)
    assert_error_at(run, "content/solutions/c.md", 12)
    assert not (root / "output").exists()
    assert "SECRET-IMAGE" not in run.stderr + run.stdout


def test_each_use_of_an_outside_path_is_reported_at_its_own_line(tmp_path):
    root = project(tmp_path, {
        "content/about.md": "---\ntitle: About\n---\n![a](../secret.png)\n\n"
                            "[b](../secret.png)\n\n![c](../secret.png)\n",
        "secret.png": png(),
    })
    run = fails(root)
    for line in (4, 6, 8):
        assert_error_at(run, "content/about.md", line)


SANE_ODD_NAMES = ["a..b", "sp ace", "semi;colon", "café", "..hidden", "...", "-dash-"]
HOSTILE_NAMES = ["x\\..\\..\\evil", "<img src=x onerror=alert(1)>", 'q"uote']


def _odd_bundles(names: list[str]) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for index, name in enumerate(names):
        files[f"content/solutions/{name}/index.md"] = (
            f"---\ntitle: Odd {index}\ncompany: C\ncategory: smart-health\nimage: cover.png\n"
            f"image_alt: cover\nslug: odd-{index}\n---\n![inside](inside.png)\n")
        files[f"content/solutions/{name}/cover.png"] = png()
        files[f"content/solutions/{name}/inside.png"] = png("blue")
        files[f"content/{name}.md"] = f"---\ntitle: Page {index}\n---\n"
        files[f"content/odd/{name}/index.md"] = f"---\ntitle: Folder {index}\n---\n"
    return files


def _assert_inside(output: Path) -> None:
    for path in output.rglob("*"):
        assert path.resolve().is_relative_to(output.resolve()), path
        assert not path.is_symlink(), path
        assert not re.search(r"[\\<>\"\x00-\x1f]", path.relative_to(output).as_posix()), path


def test_odd_but_harmless_bundle_names_build_inside_output(tmp_path):
    root = project(tmp_path, _odd_bundles(SANE_ODD_NAMES))
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert project_files(root) == ["content", "output"]
    _assert_inside(root / "output")
    assert output_problems(root / "output") == []


def test_hostile_bundle_names_do_not_escape_or_inject(tmp_path):
    root = project(tmp_path, _odd_bundles(HOSTILE_NAMES))
    run = theme_build(root)
    assert "Traceback" not in run.stderr
    assert run.returncode in (0, 1), run.stderr
    if run.returncode == 1:
        problems = [x for x in run.lines if ": error: " in x or ": warning: " in x]
        assert problems and all(re.match(r"^content/.+:\d+: (error|warning): ", x)
                                for x in problems), run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert project_files(root) in (["content"], ["content", "output"])
    if run.returncode == 0:
        _assert_inside(root / "output")
        assert output_problems(root / "output") == []


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text("---\ntitle: TOPSECRET-PAGE\n---\nTOPSECRET-BODY\n")
    (outside / "folder/index.md").write_text("---\ntitle: TOPSECRET-FOLDER\n---\nTOPSECRET\n")
    (outside / "folder/other.md").write_text("---\ntitle: TOPSECRET-OTHER\n---\nTOPSECRET\n")
    (outside / "secret.png").write_bytes(png("black") + b"TOPSECRET-IMAGE")
    (outside / "regions.yaml").write_text("europe: {en: TOPSECRET-REGION, zh-tw: TOPSECRET}\n")
    return outside


def _assert_secret_unpublished(root: Path, run) -> None:
    assert "TOPSECRET" not in run.stdout + run.stderr
    for path in (root / "output").rglob("*"):
        if path.is_file():
            assert b"TOPSECRET" not in path.read_bytes(), path


def test_symlinked_page_leaving_content_is_an_error(tmp_path):
    outside = _outside(tmp_path)
    root = project(tmp_path, {"content/about.md": "---\ntitle: About\n---\n"})
    (root / "content/leak.md").symlink_to(outside / "secret.md")
    (root / "content/news").mkdir()
    (root / "content/news/leak.md").symlink_to(outside / "secret.md")
    run = fails(root)
    assert_error_at(run, "content/leak.md", 1)
    assert_error_at(run, "content/news/leak.md", 1)
    _assert_secret_unpublished(root, run)


def test_symlinked_folder_leaving_content_is_an_error(tmp_path):
    outside = _outside(tmp_path)
    root = project(tmp_path, {"content/about.md": "---\ntitle: About\n---\n"})
    (root / "content/guide").symlink_to(outside / "folder", target_is_directory=True)
    (root / "content/solutions").mkdir()
    (root / "content/solutions/linked").symlink_to(outside / "folder", target_is_directory=True)
    run = fails(root)
    assert_error_at(run, "content/guide", 1)
    assert_error_at(run, "content/solutions/linked", 1)
    _assert_secret_unpublished(root, run)


def test_symlinked_image_leaving_content_is_an_error(tmp_path):
    outside = _outside(tmp_path)
    root = project(tmp_path, {
        "content/solutions/lamp/index.md": """
            ---
            title: Lamp
            company: C
            category: smart-health
            image: cover.png
            image_alt: cover
            gallery:
              - {src: more.png, alt: more}
            ---
            """,
        "content/solutions/post/index.md": """
            ---
            title: Post
            company: C
            category: smart-health
            ---
            Text.

            ![inside](inside.png)
            """,
    })
    (root / "content/solutions/lamp/cover.png").symlink_to(outside / "secret.png")
    (root / "content/solutions/lamp/more.png").symlink_to(outside / "secret.png")
    (root / "content/solutions/post/inside.png").symlink_to(outside / "secret.png")
    run = fails(root)
    for page, line, name in (("lamp", 5, "cover.png"), ("lamp", 8, "more.png"),
                             ("post", 8, "inside.png")):
        assert errors_at(run, f"content/solutions/{page}/index.md", line) or \
            errors_at(run, f"content/solutions/{page}/{name}", 1), (name, run.stderr)
    _assert_secret_unpublished(root, run)


def test_symlinked_data_file_leaving_content_is_an_error(tmp_path):
    outside = _outside(tmp_path)
    root = project(tmp_path, {"content/cities/x.md":
                              "---\ntitle: X\ncountry: X\nregion: europe\n---\n"})
    (root / "content/_data/regions.yaml").unlink()
    (root / "content/_data/regions.yaml").symlink_to(outside / "regions.yaml")
    run = expo(root, "build", "--templates", str(THEME))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert_error_at(run, "content/_data/regions.yaml", 1)
    _assert_secret_unpublished(root, run)


def test_symlink_inside_content_still_builds(tmp_path):
    """The refusal is about leaving content/: a link to a file inside it is fine."""
    root = project(tmp_path, {
        "content/solutions/lamp/index.md": "---\ntitle: Lamp\ncompany: C\ncategory: "
                                           "smart-health\nimage: cover.png\nimage_alt: c\n---\n",
        "content/shared/real.png": png(),
    })
    (root / "content/solutions/lamp/cover.png").symlink_to(root / "content/shared/real.png")
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert output_problems(root / "output") == []


# -- 4. Output folder safety ------------------------------------------------------------------

def _refusable_project(tmp_path: Path) -> Path:
    root = project(tmp_path, {
        "content/about.md": "---\ntitle: About\n---\n",
        "content/sub/page.md": "---\ntitle: Sub\n---\n",
        "README.md": "the project\n",
    })
    shutil.copytree(THEME, root / "templates")
    (root / "content-link").symlink_to(root / "content", target_is_directory=True)
    return root


@pytest.mark.parametrize("output", [".", "content", "content/sub", "content/..", "..", "/",
                                    "templates", "templates/static", "content-link",
                                    "content-link/sub"])
def test_output_folder_that_holds_the_project_or_its_sources_is_refused(tmp_path, output):
    root = _refusable_project(tmp_path)
    before, around = snapshot(tmp_path), sorted(os.listdir("/"))
    run = expo(root, "build", "--output", output)
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("expo: error:"), run.stderr
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir("/")) == around


def test_home_folder_is_refused(tmp_path):
    root = _refusable_project(tmp_path)
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh/config").write_text("keep me")
    (home / ".expo-output").write_text("even with expo's marker")
    before = snapshot(tmp_path)
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--output", str(home)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert snapshot(tmp_path) == before


def test_output_folder_refused_with_explicit_templates_too(tmp_path):
    root = _refusable_project(tmp_path)
    (root / "theme").mkdir()
    shutil.copytree(THEME, root / "theme/mine")
    before = snapshot(tmp_path)
    for output in ("theme/mine", "theme"):
        run = expo(root, "build", "--templates", "theme/mine", "--output", output)
        assert run.returncode == 2, (output, run.stderr)
    assert snapshot(tmp_path) == before


def test_foreign_folder_is_refused_and_left_intact(tmp_path):
    root = _refusable_project(tmp_path)
    for folder in ("output", "public"):
        (root / folder / "sub").mkdir(parents=True)
        (root / folder / "index.html").write_text("mine")
        (root / folder / "sub/data.txt").write_text("keep me")
    before = snapshot(tmp_path)
    run = expo(root, "build")
    assert run.returncode == 2, run.stderr
    run = expo(root, "build", "--output", "public")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(tmp_path) == before


def test_output_that_is_a_file_is_refused(tmp_path):
    root = _refusable_project(tmp_path)
    (root / "notes.txt").write_text("keep me")
    run = expo(root, "build", "--output", "notes.txt")
    assert run.returncode == 2, run.stderr
    assert (root / "notes.txt").read_text() == "keep me"


def test_folder_written_by_expo_is_replaced(tmp_path):
    root = project(tmp_path, {
        "content/about.md": "---\ntitle: About\n---\n",
        "content/news/old.md": "---\ntitle: Old\ndate: 2020-01-01\n---\n",
    })
    assert theme_build(root).returncode == 0
    output = root / "output"
    assert (output / "en/news/old/index.html").is_file()
    (output / "stray.txt").write_text("left by hand")
    (root / "content/news/old.md").unlink()
    (root / "content/news/new.md").write_text("---\ntitle: New\ndate: 2020-02-01\n---\n")
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert (output / "en/news/new/index.html").is_file()
    assert not (output / "en/news/old").exists()
    assert not (output / "stray.txt").exists()
    assert project_files(root) == ["content", "output"]


# -- 5. Atomic output ---------------------------------------------------------------------------

GOOD_SITE = {
    "content/about.md": "---\ntitle: About us\n---\nSee [the lamp](solutions/lamp.md).\n",
    "content/solutions/lamp.md": "---\ntitle: Lamp\ncompany: C\ncategory: smart-health\n"
                                 "pavilion: taipei\n---\nA lamp.\n",
    "content/pavilions/taipei.md": "---\ntitle: Taipei\norganizer: TCG\n---\n",
}
BREAKAGES = {
    "yaml": ("content/about.md", "---\ntitle: [unclosed\n---\n"),
    "ref": ("content/solutions/lamp.md",
            "---\ntitle: Lamp\ncompany: C\ncategory: smart-health\npavilion: nowhere\n---\n"),
    "link": ("content/about.md", "---\ntitle: About us\n---\nSee [x](missing.md).\n"),
    "template": ("templates/page.html", "{% extends 'base.html' %}{% block content %}"
                                        "{{ page.nothing_here() }}{% endblock %}"),
    "template-syntax": ("templates/page.html", "{% if %}"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_failed_build_leaves_output_byte_identical(tmp_path, breakage):
    root = project(tmp_path, GOOD_SITE)
    shutil.copytree(THEME, root / "templates")
    run = expo(root, "build")
    assert run.returncode == 0, run.stderr
    published = snapshot(root / "output")
    around = project_files(root)
    path, text = BREAKAGES[breakage]
    original = (root / path).read_text()
    (root / path).write_text(text)
    run = expo(root, "build")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(root / "output") == published
    assert project_files(root) == around  # no staging folder left beside output/
    (root / path).write_text(original)
    (root / "content/about.md").write_text("---\ntitle: About them\n---\n")
    run = expo(root, "build")
    assert run.returncode == 0, run.stderr
    page = (root / "output/en/about/index.html").read_text("utf-8")
    assert "About them" in page and "About us" not in page
    assert project_files(root) == around


def test_leftover_staging_and_old_folders_are_cleaned(tmp_path):
    root = project(tmp_path, GOOD_SITE)
    assert theme_build(root).returncode == 0
    for leftover in (".output.new-abc123", ".output.old-4242"):
        (root / leftover / "en").mkdir(parents=True)
        (root / leftover / "en/index.html").write_text("half written")
        (root / leftover / ".expo-output").write_text("x")
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert project_files(root) == ["content", "output"]
    assert "half written" not in (root / "output/en/index.html").read_text("utf-8")


def test_build_killed_between_renames_is_recovered(tmp_path):
    """A build killed after moving output/ aside and before moving the new one in."""
    root = project(tmp_path, GOOD_SITE)
    assert theme_build(root).returncode == 0
    os.replace(root / "output", root / ".output.old-4242")
    (root / ".output.new-abc123/en").mkdir(parents=True)
    (root / ".output.new-abc123/en/index.html").write_text("half written")
    (root / "content/about.md").write_text("---\ntitle: About them\n---\n")
    run = theme_build(root)
    assert run.returncode == 0, run.stderr
    assert project_files(root) == ["content", "output"]
    assert "About them" in (root / "output/en/about/index.html").read_text("utf-8")
    assert (root / "output/.expo-output").exists()


def test_build_killed_between_renames_then_failing_build_restores_the_site(tmp_path):
    """The next build after a killed one puts the previous site back even when it fails."""
    root = project(tmp_path, GOOD_SITE)
    assert theme_build(root).returncode == 0
    published = snapshot(root / "output")
    os.replace(root / "output", root / ".output.old-4242")
    (root / "content/about.md").write_text("---\ntitle: [unclosed\n---\n")
    fails(root)
    assert snapshot(root / "output") == published
    assert project_files(root) == ["content", "output"]


# -- 6. YAML safety -----------------------------------------------------------------------------

PYTHON_TAGS = [
    '!!python/object/apply:os.system ["touch PWNED"]',
    '!!python/object/new:os.system ["touch PWNED"]',
    "!!python/object/apply:subprocess.check_call [[touch, PWNED]]",
    "!!python/name:os.system",
    "!!python/module:os",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
@pytest.mark.parametrize("where", ["front matter", "data file", "site.yaml"])
def test_python_yaml_tags_are_errors_and_run_nothing(tmp_path, tag, where):
    files = {"content/about.md": "---\ntitle: About\n---\n"}
    if where == "front matter":
        path, line = "content/about.md", 3
        files[path] = f"---\ntitle: About\nsummary: {tag}\n---\n"
    elif where == "data file":
        path, line = "content/_data/categories.yaml", 2
        files[path] = f"smart-health: {{en: Smart Health}}\nevil: {tag}\n"
    else:
        path, line = "content/site.yaml", 6
        files[path] = ("title: {en: T, zh-tw: T}\nbase_url: https://example.org/\n"
                       "languages:\n  en: {name: English, html_lang: en}\n"
                       f"timezone: Asia/Taipei\ndescription: {tag}\n")
    root = project(tmp_path, files)
    run = fails(root)
    assert_error_at(run, path, line)
    assert not list(tmp_path.rglob("PWNED"))
    assert not Path("PWNED").exists()


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for previous, name in zip(names, names[1:levels], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["front matter", "data file", "site.yaml"])
def test_billion_laughs_fails_fast_with_an_error(tmp_path, where):
    bomb = billion_laughs()
    files = {"content/about.md": "---\ntitle: About\n---\n"}
    if where == "front matter":
        path = "content/about.md"
        files[path] = f"---\ntitle: About\n{bomb}---\n"
    elif where == "data file":
        path = "content/_data/bomb.yaml"
        files[path] = bomb
    else:
        path = "content/site.yaml"
        files[path] = ("title: {en: T, zh-tw: T}\nbase_url: https://example.org/\n"
                       "languages:\n  en: {name: English, html_lang: en}\n" + bomb)
    root = project(tmp_path, files)
    run = expo(root, "build", "--templates", str(THEME), timeout=60)  # returns, or the test fails
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    assert any(x.startswith(f"{path}:") and ": error:" in x for x in run.lines), run.stderr
    assert not (root / "output").exists()


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("shape", ["sequence", "mapping"])
def test_deeply_nested_yaml_is_an_error_not_a_crash(tmp_path, depth, shape):
    opening, closing = ("[", "]") if shape == "sequence" else ("{a: ", "}")
    nested = opening * depth + closing * depth
    root = project(tmp_path, {"content/about.md": f"---\ntitle: About\nsummary: {nested}\n---\n"})
    run = expo(root, "build", "--templates", str(THEME), timeout=60)
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    assert any(x.startswith("content/about.md:") and ": error:" in x for x in run.lines), \
        run.stderr[-2000:]
