"""Live states and replays in real Chromium, on a site published under a sub-path (/expo/), at
fixed `?now=` instants: before a session the countdown ("Starts in 3 h 20 min") and the
visitor's own time; during it "Live now" with the stream first; after it the replay — a tiny
WebM made here with ffmpeg, which plays, and whose WebVTT captions load as <track> cues — or
"Ended". Every state in both languages has no axe-core violations and is valid HTML (vnu).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sitekit import AXE_JS, SITE_YAML, SPRINGFIELD, VNU_JAR, build, make_site, require_file

from .test_accessibility import violations
from .test_summit import VIDEO_HOSTS

# The talk runs 10:00-11:30 in Prague, 08:00-09:30 UTC.
BEFORE, DURING, AFTER = "2020-08-13T04:40Z", "2020-08-13T08:30Z", "2020-08-13T12:00Z"
CUE = {"en": "Hello from the summit", "zh-tw": "來自論壇的問候"}
SITE_YAML = SITE_YAML.replace("https://example.org/", "https://example.org/expo/")
TALK = """\
---
title: Talk
start: 2020-08-13 10:00
end: 2020-08-13 11:30
timezone: Europe/Prague
region: europe
questions: ask@example.org
recording: talk.webm
livestream: https://www.youtube.com/watch?v=SAMPLE00001
speakers:
  - {name: Jane Doe, title: Mayor, city: springfield}
captions:
  - {lang: en, src: talk.en.vtt}
  - {lang: zh-Hant, src: talk.zh.vtt}
---
Body.
"""
SITE = {
    "content/site.yaml": SITE_YAML,
    "content/cities/springfield.md": SPRINGFIELD,
    "content/summit/talk/index.md": TALK,
    "content/summit/talk/index.zh-tw.md": "---\ntitle: 講座\n---\n內容。\n",
    "content/summit/talk/talk.en.vtt": f"WEBVTT\n\n00:00.000 --> 00:05.000\n{CUE['en']}\n",
    "content/summit/talk/talk.zh.vtt": f"WEBVTT\n\n00:00.000 --> 00:05.000\n{CUE['zh-tw']}\n",
    # the same day, later (10:00-11:30 UTC): one without a recording, one on YouTube
    "content/summit/plain.md": "---\ntitle: Plain\nstart: 2020-08-13 18:30\n"
                               "end: 2020-08-13 19:30\ntimezone: Asia/Taipei\nregion: americas\n"
                               "livestream: https://stream.example.org/plain\n---\n",
    "content/summit/hosted.md": "---\ntitle: Hosted\nstart: 2020-08-13 18:00\n"
                                "end: 2020-08-13 19:00\ntimezone: Asia/Taipei\n"
                                "region: americas\nrecording: https://youtu.be/SAMPLE00009\n---\n",
}


def webm(path: Path) -> None:
    """Two seconds of test picture as VP8 WebM, by Debian's ffmpeg (.ci/run installs it)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        if os.environ.get("EXPO_REQUIRE_BROWSER"):
            pytest.fail("ffmpeg not found: apt-get install -y ffmpeg")
        pytest.skip("no ffmpeg on this machine")
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=96x54:rate=10", "-t", "2", "-c:v", "libvpx", "-b:v", "64k",
                    "-y", str(path)], check=True, timeout=120)


@pytest.fixture(scope="module")
def host(tmp_path_factory, serve) -> str:
    """The site built for https://example.org/expo/, served at /expo/ of a local host."""
    root = make_site(tmp_path_factory.mktemp("live"), SITE)
    webm(root / "content/summit/talk/talk.webm")
    build(root, "--no-search", "--output", str(root / "host/expo"))
    return serve(root / "host") + "/expo"


@pytest.fixture
def visit(page_in):
    """`visit(url, **options)`: the page, loaded, with every video host answered by an abort
    and its requests recorded in `page.requests`."""
    def open_page(url: str, **options):
        page = page_in(**options)
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.route(VIDEO_HOSTS, lambda route: route.abort())
        page.goto(url)
        page.wait_for_load_state("load")
        return page
    return open_page


def state_of(page) -> dict:
    status = page.locator("[data-status='page']")
    return {"state": status.locator("[data-status-state]").inner_text(),
            "detail": status.locator("[data-status-detail]").inner_text(),
            "replay shown": page.locator("#replay").is_visible(),
            "stream shown": page.locator("[data-media='media-title']").is_visible()}


def first_media(page) -> str | None:
    """data-media of the first video section in the page's order, if it is above the body."""
    return page.evaluate("""() => {
        const media = document.querySelector('.item [data-media]:not([hidden])');
        const hidden = media && media.closest('[hidden]');
        const layout = document.querySelector('.item__layout');
        if (!media || hidden) return null;
        const before = media.compareDocumentPosition(layout) & Node.DOCUMENT_POSITION_FOLLOWING;
        return before ? media.getAttribute('data-media') : null;
    }""")


# ---------------------------------------------------------------- before, during, after


@pytest.mark.parametrize("lang, detail", [("en", "Starts in 3 h 20 min"),
                                          ("zh-tw", "3 小時 20 分鐘後開始")])
def test_before_the_countdown_in_the_visitors_zone(visit, host, lang, detail):
    page = visit(f"{host}/{lang}/summit/talk/?now={BEFORE}", timezone_id="America/Los_Angeles")
    assert state_of(page) == {"state": {"en": "Upcoming", "zh-tw": "即將舉行"}[lang],
                              "detail": detail, "replay shown": False, "stream shown": True}
    assert first_media(page) is None  # the stream stays in its place below the facts
    local = page.locator(".when__slot--local")
    assert local.locator("time").first.inner_text().endswith("01:00")  # 08:00 UTC in LA
    assert "(America/Los_Angeles)" in local.inner_text()
    assert page.page_errors == [] and page.console_errors == []


@pytest.mark.parametrize("lang, live", [("en", "Live now"), ("zh-tw", "直播中")])
def test_during_live_now_with_the_stream_first(visit, host, lang, live):
    page = visit(f"{host}/{lang}/summit/talk/?now={DURING}")
    assert state_of(page) == {"state": live, "detail": {"en": "Ends in 1 h",
                                                         "zh-tw": "1 小時後結束"}[lang],
                              "replay shown": False, "stream shown": True}
    assert first_media(page) == "media-title"
    stream = page.locator("[data-media='media-title']").bounding_box()
    assert stream["y"] < page.locator(".item__layout").bounding_box()["y"]
    assert page.locator(".live-front [data-player] .player__button").is_visible()
    assert [u for u in page.requests if VIDEO_HOSTS.match(u)] == []


@pytest.mark.parametrize("lang", ["en", "zh-tw"])
def test_after_the_replay_plays_and_its_captions_load(visit, host, lang):
    page = visit(f"{host}/{lang}/summit/talk/?now={AFTER}")
    assert state_of(page) == {"state": {"en": "Ended", "zh-tw": "已結束"}[lang], "detail": "",
                              "replay shown": True, "stream shown": False}
    assert first_media(page) == "replay-title"
    assert page.locator(".actions a[data-replay-label]").get_attribute("href") == "#replay"
    page.wait_for_function("document.querySelector('track[default]').readyState === 2",
                           timeout=20_000)
    cues = page.evaluate("""() => {
        const track = document.querySelector('track[default]');
        return [track.srclang, Array.from(track.track.cues, cue => cue.text)];
    }""")
    assert cues == [{"en": "en", "zh-tw": "zh-Hant"}[lang], [CUE[lang]]]
    page.evaluate("() => { const v = document.querySelector('#replay video'); v.muted = true;"
                  " return v.play(); }")
    page.wait_for_function("document.querySelector('#replay video').currentTime > 0.2",
                           timeout=20_000)
    assert page.evaluate("document.querySelector('#replay video').error") is None
    assert page.page_errors == [] and page.console_errors == []


@pytest.mark.parametrize("now, state, detail", [(BEFORE, "Upcoming", "Starts in 5 h 50 min"),
                                                (AFTER, "Ended", "")])
def test_without_a_recording_it_has_ended_after(visit, host, now, state, detail):
    page = visit(f"{host}/en/summit/plain/?now={now}")
    assert page.locator("[data-status-state]").inner_text() == state
    assert page.locator("[data-status-detail]").inner_text() == detail
    assert page.locator("#replay").count() == 0
    assert page.locator("[data-media='media-title']").is_visible()


def test_a_youtube_replay_loads_only_when_clicked(visit, host):
    page = visit(f"{host}/en/summit/hosted/?now={AFTER}")
    assert first_media(page) == "replay-title"
    assert [u for u in page.requests if VIDEO_HOSTS.match(u)] == []
    page.locator("#replay .player__button").click()
    frame = page.locator("#replay iframe.player__iframe")
    assert frame.get_attribute("src") == (
        "https://www.youtube-nocookie.com/embed/SAMPLE00009?autoplay=1")


def test_before_a_recorded_session_its_replay_waits(visit, host):
    page = visit(f"{host}/en/summit/hosted/?now={BEFORE}")
    assert not page.locator("#replay").is_visible()
    assert page.locator("[data-status-detail]").inner_text() == "Starts in 5 h 20 min"


def test_the_schedule_follows_now_and_marks_replays(visit, host):
    page = visit(f"{host}/en/summit/?now={DURING}")
    states = {}
    for slug in ("talk", "plain", "hosted"):
        link = page.locator(f"a[href='/expo/en/summit/{slug}/']")
        row = page.locator("li.slot").filter(has=link)
        states[slug] = (row.locator("[data-status-state]").inner_text(),
                        row.locator(".slot__replay:visible").count())
    # A replay is marked once its session has ended: "hosted" has a recording's address
    # already (a live stream's often is its replay's), "talk" is still live.
    assert states == {"talk": ("Live now", 0), "plain": ("Upcoming", 0),
                      "hosted": ("Upcoming", 0)}
    page = visit(f"{host}/en/summit/?now={AFTER}")
    assert page.locator(".slot__replay:visible").count() == 2
    page.locator(".slot__replay").first.click()
    page.wait_for_url(f"{host}/en/summit/talk/#replay")


def test_without_javascript_the_page_gives_date_times_links_and_the_replay(browser, host):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{host}/en/summit/talk/?now={DURING}")
        assert page.locator(".when__slot:visible").all_inner_texts() == [
            "13 August 2020 10:00 – 11:30 (Europe/Prague)",
            "13 August 2020 16:00 – 17:30 (Asia/Taipei)"]
        assert page.locator("#replay video").is_visible()
        assert page.locator("#replay a.player__link").get_attribute("href") == (
            "/expo/media/summit/talk/talk.webm")
        assert page.locator("[data-media='media-title'] a[href*='youtube.com/watch']").is_visible()
        assert page.locator("a[href='mailto:ask@example.org']").first.is_visible()
    finally:
        context.close()


# ---------------------------------------------------------------- axe and vnu, every state


STATES = [f"{lang}/summit/{path}" for lang in ("en", "zh-tw") for path in (
    f"talk/?now={BEFORE}", f"talk/?now={DURING}", f"talk/?now={AFTER}", f"?now={DURING}")] + [
    f"en/summit/hosted/?now={AFTER}", f"en/summit/plain/?now={AFTER}"]


def test_every_state_has_no_axe_violations_and_is_valid_html(visit, host, tmp_path):
    axe_js = str(require_file(AXE_JS, "axe.min.js (axe-core)"))
    jar = require_file(VNU_JAR, "vnu.jar (the Nu Html Checker)")
    found, saved = {}, []
    for index, path in enumerate(STATES):
        page = visit(f"{host}/{path}", viewport={"width": 1280, "height": 900})
        saved.append(tmp_path / f"state-{index}.html")  # the page as the scripts left it
        saved[-1].write_text("<!DOCTYPE html>\n" + page.evaluate(
            "document.documentElement.outerHTML"), encoding="utf-8")
        problems = violations(page, axe_js)
        if problems:
            found[path] = problems
        assert page.page_errors == [], path
    assert found == {}, "\n".join(f"{p}: {line}" for p, lines in found.items() for line in lines)
    java = shutil.which("java")
    if java is None:
        pytest.fail("java not found: apt-get install -y default-jre-headless")
    done = subprocess.run([java, "-Xss2m", "-jar", str(jar), "--errors-only", "--format",
                           "json", *map(str, saved)], capture_output=True, text=True,
                          timeout=600)
    messages = json.loads(done.stderr)["messages"]
    findings = [f"{STATES[int(Path(m['url']).stem.split('-')[1])]}: {m.get('message')} "
                f"[{m.get('extract', '').strip()}]" for m in messages]
    assert findings == [], "\n".join(findings)
