"""Bad input at scale: Hypothesis writes small sites of random front matter (every YAML type,
huge strings, odd Unicode: RTL, combining marks, emoji, NUL, raw bytes that are not UTF-8),
random Markdown, and random file names, slugs and paths (`..`, absolute, Unicode, not UTF-8),
and `expo build` must take each of them like an editor's mistake:

- exit 0, or exit 1 with every line before the summary line a `path:line: error|warning: `
  message that points at a real file and a line it has; never a traceback, never exit 2;
- nothing written outside the output folder (the whole sandbox around the project is compared,
  content/ included), and no staging folder left behind;
- output/ is either the previous site byte for byte (failed build) or a complete new one: every
  page whole, every internal link leading to a file.

Each build is `expo build --no-search` in a process of its own, forked from the test's (which
has the generator imported: sitekit.expo_forked). A build costs about half a second, so CI's
number of examples is modest: EXPO_FUZZ_EXAMPLES (default 60 per property) scales it up for a
long run, EXPO_FUZZ_PROGRESS=FILE logs a line per build as it runs, EXPO_FUZZ_SHRINK=1 lets
Hypothesis shrink a failure to its smallest form.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from PIL import Image
from sitekit import CATEGORIES, REGIONS, ROOT, SITE_YAML, expo, expo_forked, fails, make_site
from test_build import internal_links, resolve

EXAMPLES = int(os.environ.get("EXPO_FUZZ_EXAMPLES", "60"))
PROGRESS = os.environ.get("EXPO_FUZZ_PROGRESS")  # a file that gets a line per build
# Shrinking a failure costs minutes at 0.7 s a build: off unless EXPO_FUZZ_SHRINK is set (the
# failing example is reported as generated, with expo's messages).
PHASES = [phase for phase in Phase if phase != Phase.shrink or os.environ.get("EXPO_FUZZ_SHRINK")]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True, phases=PHASES,
                suppress_health_check=list(HealthCheck))
SANDBOX = "@SANDBOX@"  # replaced by the sandbox's absolute path when files are written
PROBLEM = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<kind>error|warning): \S")
TITLE = re.compile(r"<title>[^<]+</title>")
SECTIONS = ["", "solutions", "pavilions", "summit", "cities", "tours", "news", "guides/deep"]

# -- text ------------------------------------------------------------------------------------

ODD = [
    "\u202e", "\u200f", "\u202b", "\u200b", "\ufeff", "\u2028", "\u2029", "\u0301" * 40,
    "e\u0301\u0302\u0303\u0304", "Z̸̢͙͐a̶͈͠l̵̳̓g̸̡̈o̶", "👩‍👩‍👧‍👦", "🇹🇼", "😀🙃", "\U0010ffff", "\x00",
    "\t", "\r\n", "\r", "\n", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "שלום", "مرحبا",
    "智慧城市", "臺北", "𠜎𠜱", "ﷺ", "---", "...", "{{ 7*7 }}", "{% raw %}", "{#", "${x}",
    "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "&amp;", "&#0;", "&#x110000;", "]]>", "<!--", "%00", "%2e%2e/", "../", "..\\", "C:\\x",
    "\\\\server\\share", "~", ":", ": ", "- ", "# ", "*a", "&a", "!", "|", ">", "@", "`", "'",
    '"', "[[", "]]", "{", "}", "NaN", "null", "yes", "0x1F", "1e400", "-0", "2020-02-30",
]
odd_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.lists(st.sampled_from(ODD) | st.text(max_size=4), max_size=6).map("".join),
)
huge_text = st.builds(lambda piece, n: piece * (100_000 // max(len(piece), 1) * n // 10 + 1),
                      st.sampled_from(["a", "智", "a b ", "😀", "e\u0301", "\u202e x", "<b>"]),
                      st.integers(1, 10))
any_text = st.one_of(odd_text, odd_text, odd_text, huge_text)

# -- paths (file references, links, aliases, slugs) -------------------------------------------

PATH_PARTS = ["..", ".", "", "~", SANDBOX, "content", "output", "templates", ".expo-cache",
              "cover.png", "about.md", "index.md", "x.md", "solutions", "智慧", "a b", "%2e%2e",
              "..%2f", "\\..\\", "CON", "nul", "?q", "#frag", ":", "//", "x" * 300,
              "_data", ".hidden", "site.yaml", "index.html", "-", "a\nb"]
path = st.one_of(
    st.lists(st.sampled_from(PATH_PARTS) | odd_text, min_size=1, max_size=6).map("/".join),
    st.sampled_from(["/etc/passwd", f"{SANDBOX}/escaped", f"{SANDBOX}/content/about.md",
                     "../../../../../../tmp/x", "/", "", ".", "..", "/en/", "/en/about/",
                     "../solutions/lamp.md#x", "lamp.md", "/old/", "/old.html", "//evil/x",
                     "cover.png", "../cover.png", "/cover.png", "solutions/cover.png"]),
)
path_like = st.builds(lambda scheme, rest: scheme + rest,
                      st.sampled_from(["", "", "", "/", "./", "../", "file://", "http://",
                                       "https://", "javascript:", "data:text/html,", "mailto:",
                                       "JaVaScRiPt:", " javascript:", "\tjavascript:"]), path)

# -- YAML values -----------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**40), 10**40),
    st.floats(), any_text, st.dates(), st.datetimes(timezones=st.none() | st.timezones()),
)
keys = st.one_of(odd_text, st.integers(), st.booleans(), st.none(), st.dates())
yaml_value = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(keys, inner, max_size=4), max_leaves=10)

RAW_YAML = [
    "title: &a [*a]", "title: [unclosed", "\ttitle: tab", "? [complex, key]\n: v",
    f"x: !!python/object/apply:os.system ['touch {SANDBOX}/pwned']",
    f"x: !!python/object/new:pathlib.Path ['{SANDBOX}']", "title: !!binary aGVsbG8=",
    "tags: !!set {a, b}", "title: !!float x", "<<: *nope", "a: &x 1\nb: *x\n<<: {c: 1}",
    "date: 2020-02-30", "date: 9999-12-31", "date: 0001-01-01", "start: 2020-13-01 25:61",
    "weight: 1e999", "weight: .nan", "weight: 99999999999999999999999", "title: !!str",
    "%YAML 1.1", "--- !!map", "...", "title: |\n  block\n   text", "title: >-\n  folded",
    "a: &a [1]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c]",
    "x: " + "[" * 300 + "]" * 300, "x:" + "".join(f"\n{'  ' * i}a{i}:" for i in range(100)),
    "title: 'unterminated", "title: \"\\x\"", "\ufefftitle: bom", "title: a\x85b",
    "- a list\n- not a mapping", "just text", "", "~", "{}",
]

deep_yaml = st.one_of(  # nesting around the parser's limits (the C parser recurses)
    st.integers(1, 500).map(lambda n: "x: " + "[" * n + "]" * n),
    st.integers(1, 500).map(lambda n: "x: " + "{a: " * n + "1" + "}" * n),
    st.integers(1, 200).map(lambda n: "x:" + "".join(f"\n{'  ' * i}a{i}:" for i in range(n))),
    st.integers(1, 200).map(lambda n: "x:\n" + "".join(f"{'  ' * i}- \n" for i in range(n))),
)

FIELDS = {  # a plausible value per field, so that many builds get past checks to the templates
    "title": any_text, "summary": any_text, "image_alt": any_text, "company": any_text,
    "organizer": any_text, "host": any_text, "topic": any_text, "country": any_text,
    "leader": any_text, "location": any_text, "author": any_text,
    "date": st.dates() | st.datetimes(timezones=st.none() | st.timezones()),
    "slug": st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z") | odd_text | path,
    "draft": st.booleans(), "tags": st.lists(any_text, max_size=4),
    "weight": st.integers(-(10**10), 10**10), "aliases": st.lists(path_like, max_size=3),
    "category": st.sampled_from(["smart-transportation", "smart-health", "nope", ""]),
    "region": st.sampled_from(["europe", "americas", "mars"]),
    "timezone": st.sampled_from(["Europe/Prague", "America/New_York", "UTC", "Mars/Olympus",
                                 "../../etc/localtime", "/etc/localtime", "Asia/Taipei\x00"]),
    "start": st.datetimes(timezones=st.none() | st.timezones()) | odd_text,
    "end": st.datetimes(timezones=st.none() | st.timezones()) | odd_text,
    "pavilion": st.sampled_from(["taipei", "nope", "../x", ""]),
    "cities": st.lists(st.sampled_from(["prague", "nope", "../x"]), max_size=3),
    "solutions": st.lists(st.sampled_from(["lamp", "nope", "../x"]), max_size=3),
    "website": path_like, "video": path_like, "livestream": path_like, "questions": path_like,
    "contact": st.sampled_from(["a@example.org", "not-mail", "<a@b.c>"]) | odd_text,
    "image": st.sampled_from(["cover.png", "/cover.png", "../cover.png"]) | path_like,
    "gallery": st.lists(st.fixed_dictionaries({"src": path_like | st.just("cover.png"),
                                               "alt": any_text}, optional={"x": yaml_value}),
                        max_size=3),
    "speakers": st.lists(st.fixed_dictionaries(
        {"name": any_text}, optional={"title": any_text, "city": st.just("prague") | odd_text,
                                      "titel": odd_text}), max_size=3),
}
nonblank = any_text.map(lambda text: text if text.strip() else text + "x")
naive_time = st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1))
SANE = {  # values that pass the checks, so that a build reaches the templates with odd text
    **{name: nonblank for name in ("title", "summary", "image_alt", "company", "organizer",
                                   "host", "topic", "country", "leader", "location", "author")},
    "date": st.dates(date(1900, 1, 1), date(2100, 1, 1)) | naive_time,
    "slug": st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z"),
    "draft": st.just(False), "tags": st.lists(nonblank, max_size=4),
    "weight": st.integers(-(10**9), 10**9),
    "aliases": st.lists(st.from_regex(r"\A/old-[a-z0-9]{1,12}(/|\.html)\Z"), max_size=2),
    "category": st.sampled_from(["smart-transportation", "smart-health"]),
    "region": st.sampled_from(["europe", "americas"]),
    "timezone": st.sampled_from(["Europe/Prague", "America/New_York", "UTC", "Asia/Kathmandu"]),
    "pavilion": st.just("taipei"), "cities": st.just(["prague"]), "solutions": st.just([]),
    "website": st.just("https://example.org/") | st.builds(
        lambda text: "https://example.org/" + quote(text), odd_text),
    "video": st.sampled_from(["https://www.youtube.com/watch?v=SAMPLE00001",
                              "https://vimeo.com/123456789", "https://example.org/v.mp4"]),
    "questions": st.just("ask@example.org") | st.just("https://example.org/ask"),
    "contact": st.just("a@example.org"), "image": st.just("cover.png"),
    "gallery": st.lists(st.fixed_dictionaries({"src": st.just("cover.png"), "alt": nonblank}),
                        max_size=2),
    "speakers": st.lists(st.fixed_dictionaries({"name": nonblank}, optional={
        "title": nonblank, "city": st.just("prague")}), max_size=3),
}
SANE["livestream"] = SANE["video"]
REQUIRED = {"solutions": ["company", "category"], "pavilions": ["organizer"],
            "summit": ["timezone", "region"], "cities": ["country", "region"], "news": ["date"]}


@st.composite
def sane_front_matter(draw, section: str) -> dict:
    """Every required field of the section's type, some optional ones, all of them valid (but
    for unknown fields, which are warnings), with odd text wherever text goes."""
    names = ["title", *REQUIRED.get(section, [])]
    names += draw(st.lists(st.sampled_from(sorted(SANE)), max_size=6, unique=True))
    data = {name: draw(SANE[name]) for name in names if name not in ("start", "end")}
    if section == "summit":
        start = draw(naive_time)
        data["start"], data["end"] = start, start + draw(st.timedeltas(timedelta(minutes=1),
                                                                       timedelta(days=3)))
    if "image" in data:
        data["image_alt"] = draw(nonblank)
    data.update(draw(st.dictionaries(st.text(min_size=1, max_size=10), yaml_value, max_size=2)))
    return data


field_value = st.sampled_from(sorted(FIELDS)).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(FIELDS[name], FIELDS[name], yaml_value)))
front_matter = st.builds(
    lambda fields, extra: {**dict(fields), **extra},
    st.lists(field_value, max_size=14),
    st.dictionaries(keys, yaml_value, max_size=2),
)

# -- Markdown --------------------------------------------------------------------------------

RAW_MARKDOWN = [
    "| a | b |\n|---|---|\n| 1 |", "```python\nunclosed fence", "~~~\n~~~~", "[^missing]",
    "[^1]: note\n[^1]: again", "## Main\n\n## Main", "# {: #main }", "text {: onclick=x }",
    "<div id=\"main\">x</div>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "<iframe src=//evil></iframe>", "<a href=\"javascript:alert(1)\">x</a>", "<style>*{}</style>",
    "<svg><script>x</script></svg>", "<math><mi xlink:href=\"javascript:x\">", "<!-- -->",
    "<p>unclosed <b>bold", "</div></main></body></html>", "<details open><summary>s",
    "*[HTML]: abbr", "Term\n:   def", "***\n---\n___", "\\", "`` ` ``", "<https://x>",
    "<javascript:alert(1)>", "[x]: javascript:alert(1)\n\n[x]", "[a](<b c>)", "[](#)",
    "![](data:image/png;base64,AAAA)", "&#0; &#xD800; &nbsp", "{{ page }} {% if %}",
]


def md_link(text: str, target: str, image: bool) -> str:
    return f"{'!' if image else ''}[{text}]({target})"


md_block = st.one_of(
    odd_text, odd_text, st.sampled_from(RAW_MARKDOWN), st.sampled_from(RAW_MARKDOWN),
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), odd_text),
    st.builds(md_link, odd_text, path_like, st.booleans()),
    st.builds(md_link, odd_text, st.sampled_from(["about.md", "about.md#x", "../about.md",
                                                  "lamp.md#", "cover.png", "#top", "x.md"]),
              st.booleans()),
    st.integers(1, 300).map(lambda n: "> " * n + "deep"),
    st.integers(1, 150).map(lambda n: "".join(f"{'    ' * i}- item\n" for i in range(n))),
    st.integers(1, 3000).map(lambda n: "*" * n + "a" + "_" * n),
    st.integers(1, 3000).map(lambda n: "[" * n + "x" + "](" * n),
    huge_text,
)
markdown = st.lists(md_block, max_size=8).map("\n\n".join)
sane_markdown = st.lists(st.one_of(odd_text, huge_text, st.sampled_from(RAW_MARKDOWN),
                                   st.builds(lambda n, t: "#" * n + " " + t,
                                             st.integers(1, 7), odd_text)),
                         max_size=6).map("\n\n".join)

# -- whole files -----------------------------------------------------------------------------


def dump_yaml(data: dict, flow: bool, unicode: bool) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=unicode, default_flow_style=flow,
                              sort_keys=False, width=math.inf)
    except yaml.YAMLError:
        return "title: not dumpable\n"


@st.composite
def source_file(draw, section: str, sane: bool) -> bytes:
    """The bytes of one Markdown source: front matter (valid, random, raw or broken YAML) and a
    body; a sane one is UTF-8 with valid fields, a chaotic one may be anything."""
    if sane:
        text = dump_yaml(draw(sane_front_matter(section)), draw(st.booleans()), True)
        source = f"---\n{text}---\n{draw(sane_markdown)}\n"
        return source.encode()
    text = dump_yaml(draw(front_matter), draw(st.booleans()), draw(st.booleans()))
    for raw in draw(st.lists(st.sampled_from(RAW_YAML) | deep_yaml, max_size=2)):
        text = raw + "\n" + text if draw(st.booleans()) else text + raw + "\n"
    opening, closing = draw(st.sampled_from([("---", "---")] * 6 + [
        ("---", "..."), ("", "---"), ("---", ""), ("--- ", "---  "), ("----", "---")]))
    source = f"{opening}\n{text}{closing}\n{draw(markdown)}\n"
    encoding = draw(st.sampled_from(["utf-8"] * 3 + ["bom", "crlf", "latin-1", "utf-16",
                                                     "bytes"]))
    if encoding == "bom":
        return b"\xef\xbb\xbf" + source.encode()
    if encoding == "crlf":
        return source.replace("\n", "\r\n").encode()
    if encoding == "latin-1":
        return source.encode("latin-1", errors="replace")
    if encoding == "utf-16":
        return source.encode("utf-16")
    data = source.encode()
    if encoding == "bytes":  # bytes no UTF-8 text has (a lone surrogate, an overlong, a cut)
        junk = draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xc0\xaf",
                                     b"\xe6\x99", b"\x00", b"\xf4\x90\x80\x80"]))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + junk + data[at:]
    return data


simple_name = st.sampled_from(["lamp", "about", "prague", "taipei", "x", "a-b", "index"])


@st.composite
def content_site(draw) -> dict[str, bytes]:
    """1–4 source files at ordinary places: all sane, or all chaotic."""
    sane, files = draw(st.booleans()), {}
    for _ in range(draw(st.integers(1, 4))):
        section = draw(st.sampled_from(SECTIONS))
        lang = draw(st.sampled_from([""] * 6 + [".zh-tw"] * 3 + [".fr", ".EN", ".zh-tw.zh-tw"]))
        name = draw(simple_name) + lang + ".md"
        if draw(st.booleans()) and section:
            name = f"{draw(simple_name)}/index{lang}.md"
        path = "/".join(filter(None, ["content", section, name]))
        files[path] = draw(source_file(section, sane and not lang.startswith((".f", ".E"))))
    return files


# File and folder names: any Unicode but '/' and NUL, and names that are not UTF-8 at all.
name_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/\x00"),
                    min_size=1, max_size=40) | st.sampled_from(ODD).filter(
                        lambda s: s and "/" not in s and "\x00" not in s)
name_bytes = st.binary(min_size=1, max_size=30).map(
    lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
# Names as people write them: "Smart Parking (2020)", "ABC_Lights", "café", "智慧 Lamp".
name_latin = st.builds(lambda name, odd: name + odd, st.from_regex(
    r"\A[A-Za-z0-9][A-Za-z0-9 _.,()'&+~-]{0,30}\Z"), st.sampled_from(["", "", "é", "智慧", "😀"]))


@st.composite
def named_site(draw) -> dict[bytes, bytes]:
    """1–4 files with random names in random folders, holding sane or chaotic pages."""
    sane, files = draw(st.booleans()), {}
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3, 4]))):
        folders = draw(st.lists(st.sampled_from(SECTIONS[1:7]) | name_text | name_latin,
                                max_size=3))
        section = folders[0] if folders and folders[0] in SECTIONS else ""
        folders = [os.fsencode(f if f not in (".", "..") else f + "x") for f in folders]
        stem = draw(st.one_of(name_text, name_latin, name_latin, simple_name).map(os.fsencode)
                    | name_bytes)
        ending = draw(st.sampled_from([b".md"] * 5 + [b".zh-tw.md", b"/index.md", b".MD", b""]))
        name = (stem + ending)[-250:]
        if name in (b".", b".."):
            name = b"x.md"
        files[b"/".join([b"content", *folders, name])] = draw(source_file(section, sane))
    return files


# -- the check -------------------------------------------------------------------------------

BASE_FILES = {
    "content/site.yaml": SITE_YAML, "content/_data/categories.yaml": CATEGORIES,
    "content/_data/regions.yaml": REGIONS,
    "content/cities/prague.md": "---\ntitle: Prague\ncountry: CZ\nregion: europe\n---\n",
    "content/pavilions/taipei.md": "---\ntitle: Taipei\norganizer: TCG\n---\n",
}


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """A published output/ that every fuzzed build starts from (and a failed one keeps)."""
    folder = make_site(tmp_path_factory.mktemp("previous"), BASE_FILES, base=False)
    run = expo(folder, "build", "--templates", str(ROOT / "templates"), "--no-search")
    assert run.returncode == 0, run.stderr
    return folder / "output"


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file and folder below `folder` (names as bytes, so any name compares) → a digest
    of its bytes ("dir" for folders, the target for links)."""
    found = {}
    root = os.fsencode(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir != b"." and rel_dir.split(b"/")[0].decode(errors="replace") in skip:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name)).decode(errors="surrogateescape")
            if rel.split("/")[0] in skip:
                continue
            if os.path.islink(full):
                found[rel] = "link:" + os.readlink(full).decode(errors="replace")
            elif os.path.isdir(full):
                found[rel] = "dir"
            else:
                with open(full, "rb") as handle:
                    found[rel] = hashlib.sha256(handle.read()).hexdigest()
    return found


def write_site(project: Path, sandbox: Path, files: dict) -> None:
    make_site(project, BASE_FILES, base=False)
    Image.new("RGB", (40, 30), "teal").save(project / "content/cover.png")
    for rel, data in files.items():
        target = os.path.join(os.fsencode(project), os.fsencode(rel))
        data = data.replace(SANDBOX.encode(), os.fsencode(sandbox))
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError:  # a name the file system refuses (too long, a folder already a file)
            event("a name the file system refused")
            continue
        cover = os.path.join(os.path.dirname(target), b"cover.png")
        if not os.path.lexists(cover):  # `image: cover.png` resolves beside every page
            shutil.copyfile(os.fsencode(project / "content/cover.png"), cover)


def check_build(files: dict, previous: Path, stats: Counter) -> None:
    stats["inputs"] += 1
    sandbox = Path(tempfile.mkdtemp(prefix="expo-fuzz-"))
    try:
        project = sandbox / "project"
        write_site(project, sandbox, files)
        shutil.copytree(previous, project / "output")
        # The theme's compiled templates, as a second build of any project finds them: the
        # content is what is fuzzed here, not the compilation of the same theme each time.
        for compiled in (previous.parent / ".expo-cache").glob("templates-*"):
            shutil.copytree(compiled, project / ".expo-cache" / compiled.name)
        before = snapshot(sandbox, skip=())
        old_output = snapshot(project / "output")
        run = expo_forked(project, "build", "--templates", str(ROOT / "templates"),
                          "--no-search", timeout=300)
        note(run.stderr[-3000:])
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
        assert run.returncode in (0, 1), (run.returncode, run.stderr[-3000:])
        lines = run.stderr.splitlines()
        assert lines, "no summary line"
        summary = lines[-1]
        assert summary.startswith("Built " if run.returncode == 0 else "Failed: "), summary
        for line in lines[:-1]:
            check_problem_line(project, line, run.returncode)
        stats["built" if run.returncode == 0 else "refused with errors"] += 1
        if PROGRESS:  # a long run's count so far, readable while it runs
            with open(PROGRESS, "a", encoding="utf-8") as log:
                log.write(f"{stats['inputs']} {run.returncode}\n")
        event("built" if run.returncode == 0 else "refused")

        after = snapshot(sandbox)
        outside = {path for path in before.keys() | after.keys()
                   if before.get(path) != after.get(path)
                   and not path.startswith(("project/output/", "project/.expo-cache"))
                   and path not in ("project/output",)}
        assert outside == set(), f"written outside output/: {sorted(outside)[:10]}"
        if run.returncode == 1:
            assert snapshot(project / "output") == old_output, "a failed build changed output/"
        else:
            check_complete(project / "output")
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


def check_problem_line(project: Path, line: str, returncode: int) -> None:
    match = PROBLEM.match(line)
    assert match, f"not a 'path:line: error: message' line: {line!r}"
    if returncode == 0:
        assert match["kind"] == "warning", line
    where = project / match["path"]
    assert not os.path.isabs(match["path"]), line
    if "\\" in match["path"]:  # a name with characters written as escapes (a newline as \n)
        return
    assert os.path.lexists(where), f"{line!r}: no such file or folder"
    if where.is_file() and not where.is_symlink():
        count = where.read_bytes().count(b"\n") + 1
        assert int(match["line"]) <= count, f"{line!r}: the file has {count} lines"


def check_complete(output: Path) -> None:
    """A whole site: its marker, every page whole, every internal link leading to a file."""
    assert (output / ".expo-output").is_file()
    assert not list(output.parent.glob(".output.*")), "staging folder left behind"
    pages = list(output.rglob("*.html"))
    assert output / "index.html" in pages and output / "404.html" in pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>"), page
        assert TITLE.search(text), page
    # Links the generator writes; a relative link an editor wrote ("b c", raw HTML's
    # <img src=x>) is the editor's, published as written.
    for page, url in internal_links(output, skip=".content"):
        if url.startswith("/pagefind/"):  # the search index, left out with --no-search
            continue
        target, _ = resolve(output, page, url, "/")
        assert target is not None and target.is_file(), (page, url)


@pytest.mark.parametrize(("sites", "what"), [
    (content_site, "front matter and Markdown"), (named_site, "file names, slugs and paths")],
    ids=["content", "names"])
def test_random_sites_build_or_are_refused(sites, what, previous, tally):
    stats: Counter = Counter()

    @FUZZ
    @given(sites())
    def build_it(files):
        check_build(files, previous, stats)

    build_it()
    tally(f"inputs generated ({what})", stats["inputs"])
    tally(f"inputs built, the rest refused ({what})", stats["built"])


def test_the_problem_line_check_accepts_real_messages_only():
    """The check above is itself checked: it must reject what it is meant to catch."""
    assert PROBLEM.match("content/a.md:3: error: 'title' must be a text")
    assert not PROBLEM.match("Traceback (most recent call last):")
    assert not PROBLEM.match("  File \"x.py\", line 3, in <module>")
    assert not PROBLEM.match("content/a.md: error: no line")


# -- what the fuzzer found, pinned ---------------------------------------------------------------


def test_tagged_values_yaml_cannot_read_are_errors_at_their_line(site):
    root = site({"content/about.md": "---\ntitle: !!timestamp x\ndraft: !!bool maybe\n"
                                     "tags: [!!timestamp '2020-01-01 10:00:00+00:52:44']\n---\n"})
    run = fails(root)
    assert run.lines[:-1] == [
        "content/about.md:2: error: invalid date: 'x' is not a timestamp: write a real date as "
        "YYYY-MM-DD",
        "content/about.md:3: error: invalid value: 'maybe' is not a bool",
        "content/about.md:4: error: invalid value: a date or tagged value inside it cannot be "
        "read",
    ]


def test_a_problem_stays_on_one_line_whatever_the_names_hold(site):
    root = site({"content/about.md": '---\ntitle: A\n"a\\u2028b": 1\n"c\\nd\\u202ee": 2\n---\n'})
    run = expo(root, "build", "--templates", str(ROOT / "templates"), "--no-search")
    assert run.returncode == 0, run.stderr
    assert run.lines[:-1] == [
        "content/about.md:3: warning: unknown field 'a\\u2028b' (it is ignored)",
        "content/about.md:4: warning: unknown field 'c\\nd\\u202ee' (it is ignored)",
    ]


def test_a_file_name_that_is_not_utf8_is_an_error(site):
    root = site({"content/about.md": "---\ntitle: About\n---\n"})
    with open(os.path.join(os.fsencode(root / "content"), b"caf\xe9.md"), "wb") as handle:
        handle.write(b"---\ntitle: Cafe\n---\n")
    run = fails(root)
    assert run.lines[:-1] == ["content/caf\\udce9.md:1: error: the file or folder name is not "
                              "UTF-8 text: rename it (its page address is made from it)"]


def test_addresses_python_cannot_split_are_errors_at_their_line(site):
    root = site({
        "content/about.md": "---\ntitle: A\n---\nSee [a](http://[x) and\n"
                            "[b](https://example.org:99999/).\n",
        "content/solutions/s.md": "---\ntitle: S\ncompany: C\ncategory: smart-health\n"
                                  "website: https://[::1\n---\n",
    })
    run = fails(root)
    assert run.lines[:-1] == [
        "content/about.md:4: error: 'http://[x' is not a valid address",
        "content/about.md:5: error: 'https://example.org:99999/' is not a valid address",
        "content/solutions/s.md:5: error: 'website' must be a full web address starting with "
        "https://",
    ]


def test_names_longer_than_a_file_system_takes_are_errors_at_their_line(site):
    """Found by the names property at scale: a path in a field, a slug or an alias longer than
    a file name may be made the build fail as a fault of the machine ('File name too long')."""
    long = "a b " * 100
    root = site({
        "content/news/x.md": f"---\ntitle: X\ndate: 2020-01-01\nimage: {long}\nimage_alt: x\n"
                             f"---\n[l]({long.strip().replace(' ', '-')}.md)\n",
        "content/news/y.md": f"---\ntitle: Y\ndate: 2020-01-01\naliases: [/{'b' * 300}/]\n---\n",
        "content/news/z.md": f"---\ntitle: Z\ndate: 2020-01-01\nslug: {'c' * 300}\n---\n",
        f"content/news/{'d' * 240}.md": "---\ntitle: D\ndate: 2020-01-01\n---\n",
    })
    run = fails(root)
    assert [line.split(": error: ")[0] for line in run.lines[:-1]] == [
        f"content/news/{'d' * 240}.md:1", "content/news/x.md:4", "content/news/x.md:7",
        "content/news/y.md:4", "content/news/z.md:4"], run.stderr
    assert "rename the file" in run.lines[0]
    assert "is not a usable path: File name too long" in run.lines[1]
    assert "at most 200" in run.lines[4]
