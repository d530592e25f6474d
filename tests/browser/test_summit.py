"""The Mayors' Summit in real Chromium: the visitor's own time under emulated time zones, the
session status at fixed clocks, and the click-to-load player (nothing from the video host
before the click, then the youtube-nocookie embed; by keyboard too)."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sitekit import SPRINGFIELD, SUMMIT_SESSIONS, build, make_site

VIDEO_HOSTS = re.compile(r"^https?://([^/]*\.)?(youtube\.com|youtube-nocookie\.com|youtu\.be|"
                         r"ytimg\.com|ggpht\.com|vimeo\.com|vimeocdn\.com)(:\d+)?/")

SESSIONS = {slug: SUMMIT_SESSIONS[slug] for slug in ("americas", "prague-dst", "new-york-dst")}


def session(slug: str, stream: str) -> str:
    start, end, zone = SESSIONS[slug]
    return textwrap.dedent(f"""\
        ---
        title: Session {slug}
        start: {start}
        end: {end}
        timezone: {zone}
        region: americas
        livestream: {stream}
        questions: ask@example.org
        speakers:
          - {{name: Jane Doe, title: Mayor, city: springfield}}
        ---
        Body.
        """)


SITE = {
    "content/cities/springfield.md": SPRINGFIELD,
    "content/summit/americas.md": session("americas",
                                          "https://www.youtube.com/watch?v=SAMPLE00002"),
    "content/summit/americas.zh-tw.md": "---\ntitle: 美洲場\n---\n內容。\n",
    "content/summit/prague-dst.md": session("prague-dst", "https://vimeo.com/123456789"),
    "content/summit/new-york-dst.md": session("new-york-dst", "https://stream.example.org/ny"),
}


def instants(slug: str) -> tuple[datetime, datetime]:
    start, end, zone = SESSIONS[slug]
    tz = ZoneInfo(zone)
    return (datetime.fromisoformat(start).replace(tzinfo=tz),
            datetime.fromisoformat(end).replace(tzinfo=tz))


def written(moment: datetime, lang: str) -> str:
    """A date and time as the site writes them: "19 August 2020 09:00", "2020年8月19日 09:00"."""
    if lang == "zh-tw":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.day} {moment:%B} {moment.year} {moment:%H:%M}"


def expected_local(slug: str, visitor: str, lang: str, day: date | None) -> list[str]:
    """The texts of the two <time> elements summit.js writes, computed here in Python."""
    start, end = (t.astimezone(ZoneInfo(visitor)) for t in instants(slug))
    start_text = f"{start:%H:%M}" if day == start.date() else written(start, lang)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else written(end, lang)
    return [start_text, end_text]


@pytest.fixture(scope="module")
def summit_url(tmp_path_factory, serve) -> str:
    root = make_site(tmp_path_factory.mktemp("summit-browser"), SITE)
    build(root)
    return serve(root / "output")


@pytest.fixture
def guarded(page_in):
    """A page whose requests are recorded, with every video host answered by an abort."""
    def open_page(**options):
        page = page_in(**options)
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.route(VIDEO_HOSTS, lambda route: route.abort())
        return page
    return open_page


def video_requests(page) -> list[str]:
    return [url for url in page.requests if VIDEO_HOSTS.match(url)]


# ---------------------------------------------------------------- the visitor's own time


@pytest.mark.parametrize("visitor", ["America/Los_Angeles", "Asia/Tokyo"])
def test_schedule_shows_each_session_in_the_visitors_zone(guarded, summit_url, visitor):
    page = guarded(timezone_id=visitor)
    page.goto(f"{summit_url}/en/summit/")
    for slug in SESSIONS:
        slot = page.locator("li.slot").filter(has=page.locator(f"a[href='/en/summit/{slug}/']"))
        local = slot.locator("[data-local-time]")
        local.wait_for(state="visible")
        day = date.fromisoformat(SESSIONS[slug][0][:10])
        assert local.locator("time").all_inner_texts() == \
            expected_local(slug, visitor, "en", day), slug
        assert local.locator(".zone").inner_text() == f"({visitor})"
        assert local.locator(".local__label").inner_text() == "Your time:"
        starts = local.locator("time").first.get_attribute("datetime")
        assert datetime.fromisoformat(starts.replace("Z", "+00:00")) == instants(slug)[0]
    assert page.console_errors == [] and page.page_errors == []
    assert video_requests(page) == []


def test_local_times_cross_dates_and_dst_as_computed(guarded, summit_url):
    """Spot checks of what the Python above computes, so the helper cannot agree with a bug."""
    page = guarded(timezone_id="America/Los_Angeles")
    page.goto(f"{summit_url}/en/summit/")
    texts = [" ".join(t.split()) for t in page.locator("[data-local-time]").all_inner_texts()]
    # New York 01:00 EST → 22:00 PST the day before; 04:00 EDT → 00:00 PST (LA still on PST).
    assert "Your time: 7 March 2020 22:00 – 8 March 2020 00:00 (America/Los_Angeles)" in texts
    # New York 20:00 EDT → 17:00 PDT, the same day: no date.
    assert "Your time: 17:00 – 18:30 (America/Los_Angeles)" in texts
    # Prague 01:30 CEST → 16:30 PDT on the 24th; 04:00 CET → 20:00 PDT.
    assert "Your time: 24 October 2020 16:30 – 20:00 (America/Los_Angeles)" in texts
    tokyo = guarded(timezone_id="Asia/Tokyo")
    tokyo.goto(f"{summit_url}/en/summit/")
    texts = [" ".join(t.split()) for t in tokyo.locator("[data-local-time]").all_inner_texts()]
    assert "Your time: 19 August 2020 09:00 – 10:30 (Asia/Tokyo)" in texts


def test_session_page_shows_the_visitors_time_with_the_date(guarded, summit_url):
    page = guarded(timezone_id="Asia/Tokyo")
    page.goto(f"{summit_url}/zh-tw/summit/americas/")
    local = page.locator("[data-local-time]")
    local.wait_for(state="visible")
    assert local.locator("time").all_inner_texts() == \
        expected_local("americas", "Asia/Tokyo", "zh-tw", None)
    assert local.locator("time").all_inner_texts()[0] == "2020年8月19日 09:00"
    assert local.locator(".zone").inner_text() == "(Asia/Tokyo)"
    assert page.console_errors == [] and page.page_errors == []


def test_without_javascript_the_page_shows_session_and_taipei_times_only(browser, summit_url):
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(f"{summit_url}/en/summit/americas/")
        assert page.locator(".when__slot:visible").all_inner_texts() == [
            "18 August 2020 20:00 – 21:30 (America/New_York)",
            "19 August 2020 08:00 – 09:30 (Asia/Taipei)"]
        assert page.locator("[data-status]").inner_text().strip() == ""
        assert not page.locator(".player__button").is_visible()
        assert page.locator(".player a[href*='youtube.com/watch']").is_visible()
    finally:
        context.close()


# ---------------------------------------------------------------- status


@pytest.mark.parametrize("moment, state, detail, stream", [
    (timedelta(days=-3, hours=-2), "Upcoming", "Starts in 3 days", "Watch the livestream"),
    (timedelta(minutes=-45), "Upcoming", "Starts in 45 min", "Watch the livestream"),
    (timedelta(minutes=30), "Live now", "Ends in 1 h", "Watch the livestream"),
    (timedelta(hours=2), "Ended", "", "Watch the replay"),
])
def test_status_follows_the_clock(guarded, summit_url, moment, state, detail, stream):
    start, _ = instants("americas")
    page = guarded(timezone_id="Europe/Berlin")
    page.clock.set_fixed_time((start + moment).astimezone(UTC))
    page.goto(f"{summit_url}/en/summit/americas/")
    status = page.locator("[data-status='page']")
    live = status.locator("[aria-live='polite']")
    assert live.inner_text() == state
    assert status.locator("[data-status-detail]").inner_text() == detail
    assert page.locator(".actions a[data-replay-label]").inner_text() == stream
    heading = page.locator("#media-title").inner_text()
    assert heading == ("Replay" if state == "Ended" else "Livestream")
    assert page.console_errors == [] and page.page_errors == []


def test_schedule_marks_live_and_ended_sessions(guarded, summit_url):
    start, _ = instants("americas")
    page = guarded()
    page.clock.set_fixed_time((start + timedelta(minutes=10)).astimezone(UTC))
    page.goto(f"{summit_url}/en/summit/")
    states = {}
    for slug in SESSIONS:
        slot = page.locator("li.slot").filter(has=page.locator(f"a[href='/en/summit/{slug}/']"))
        states[slug] = slot.locator("[data-status-state]").inner_text()
    assert states == {"new-york-dst": "Ended", "americas": "Live now", "prague-dst": "Upcoming"}


def test_status_in_chinese(guarded, summit_url):
    start, _ = instants("americas")
    page = guarded()
    page.clock.set_fixed_time((start - timedelta(hours=5)).astimezone(UTC))
    page.goto(f"{summit_url}/zh-tw/summit/americas/")
    assert page.locator("[aria-live='polite']").inner_text() == "即將舉行"
    assert page.locator("[data-status-detail]").inner_text() == "5 小時後開始"


# ---------------------------------------------------------------- click-to-load player


def test_player_loads_nothing_from_youtube_until_clicked(guarded, summit_url):
    page = guarded(viewport={"width": 1280, "height": 900})
    page.goto(f"{summit_url}/en/summit/americas/")
    page.wait_for_load_state("networkidle")
    assert video_requests(page) == []
    assert all(url.startswith(summit_url) for url in page.requests), page.requests
    assert page.locator("iframe").count() == 0
    assert page.console_errors == [] and page.page_errors == []  # aborted embeds log later

    button = page.get_by_role("button", name=re.compile(r"Play video.*Session americas"))
    with page.expect_request(lambda r: "youtube-nocookie.com" in r.url):
        button.click()
    frame = page.locator(".player iframe")
    assert frame.get_attribute("src") == \
        "https://www.youtube-nocookie.com/embed/SAMPLE00002?autoplay=1"
    assert "Session americas" in frame.get_attribute("title")
    assert "autoplay" in frame.get_attribute("allow")
    assert frame.get_attribute("allowfullscreen") is not None
    assert page.locator(".player__button").count() == 0
    assert all("youtube-nocookie.com" in url for url in video_requests(page))


def test_player_works_from_the_keyboard(guarded, summit_url):
    page = guarded()
    page.goto(f"{summit_url}/en/summit/americas/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.player__button')"):
            break
    else:
        pytest.fail("the play button is not reachable with Tab")
    assert video_requests(page) == []
    assert page.console_errors == []
    with page.expect_request(lambda r: "youtube-nocookie.com" in r.url):
        page.keyboard.press("Enter")
    assert page.locator(".player iframe").count() == 1
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"


def test_vimeo_player_and_plain_link(guarded, summit_url):
    page = guarded()
    page.goto(f"{summit_url}/en/summit/prague-dst/")
    page.wait_for_load_state("networkidle")
    assert video_requests(page) == []
    with page.expect_request(lambda r: "player.vimeo.com" in r.url):
        page.get_by_role("button", name=re.compile("Play video")).click()
    assert page.locator("iframe").get_attribute("src") == \
        "https://player.vimeo.com/video/123456789?autoplay=1&dnt=1"

    plain = guarded()
    plain.goto(f"{summit_url}/en/summit/new-york-dst/")
    assert plain.locator("main .media button").count() == 0  # no player
    assert plain.locator(".media a[href='https://stream.example.org/ny']").is_visible()
    assert plain.console_errors == [] and plain.page_errors == []


@pytest.mark.parametrize("path", ["en/summit/", "zh-tw/summit/", "en/summit/2020-08-18-americas/",
                                  "en/solutions/adaptive-traffic-signals/",
                                  "en/tours/neihu-technology-park/"])
def test_bundled_pages_load_nothing_from_video_hosts(guarded, bundled_url, path):
    page = guarded(viewport={"width": 375, "height": 800}, timezone_id="America/Los_Angeles")
    page.goto(f"{bundled_url}/{path}")
    page.wait_for_load_state("networkidle")
    assert video_requests(page) == []
    assert all(url.startswith(bundled_url) for url in page.requests), page.requests
    assert page.console_errors == [] and page.page_errors == []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
