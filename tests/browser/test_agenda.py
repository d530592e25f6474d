"""The visitor's time zone and own agenda in real Chromium, on a site published under a
sub-path (/expo/): the zone picker rewrites every "Your time" on the page and the choice holds
across pages and reloads; stars keep sessions across pages and languages; the agenda page
lists them in the chosen zone and downloads one .ics of just those (read back with icalendar);
axe-core and the Nu Html Checker find nothing in these states, in both languages."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import icalendar
import pytest
from playwright.sync_api import expect
from sitekit import AXE_JS, VNU_JAR, build, make_site, require_file
from test_validity import java

from browser.test_accessibility import violations
from browser.test_summit import SESSIONS, SITE, expected_local, instants

BASE = "/expo"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve) -> str:
    """The summit site built for https://example.org/expo/ and served at /expo/."""
    root = make_site(tmp_path_factory.mktemp("agenda-browser"), SITE)
    build(root, "--no-search", "--base-url", "https://example.org/expo/",
          "--output", str(root / "host/expo"))
    return serve(root / "host") + BASE


def row(page, slug: str, lang: str = "en"):
    return page.locator("li.slot").filter(
        has=page.locator(f"a[href='{BASE}/{lang}/summit/{slug}/']"))


def local_times(page, slug: str, lang: str = "en") -> list[str]:
    local = row(page, slug, lang).locator("[data-local-time]")
    local.wait_for(state="visible")
    return local.locator("time").all_inner_texts()


def assert_schedule_in(page, zone: str) -> None:
    """Every "Your time" of the schedule is in `zone`; the session's and Taipei's stay."""
    assert page.locator("[data-local-time]:visible").count() == len(SESSIONS)
    for slug in SESSIONS:
        day = date.fromisoformat(SESSIONS[slug][0][:10])
        assert local_times(page, slug) == expected_local(slug, zone, "en", day), (slug, zone)
        local = row(page, slug).locator("[data-local-time]")
        assert local.locator(".zone").inner_text() == f"({zone})"
        zones = row(page, slug).locator(".slot__time .zone").all_inner_texts()
        assert zones[0] == f"({SESSIONS[slug][2]})" and "(Asia/Taipei)" in zones


def assert_cards_in(page, zone: str) -> None:
    """Every session's card on the page has its "Your time" in `zone`."""
    assert page.locator(".card--session [data-local-time]:visible").count() == len(SESSIONS)
    for slug in SESSIONS:
        card = page.locator(".card--session").filter(
            has=page.locator(f"a[href='{BASE}/en/summit/{slug}/']"))
        local = card.locator("[data-local-time]")
        assert local.locator("time").all_inner_texts() == \
            expected_local(slug, zone, "en", None), (slug, zone)
        assert local.locator(".zone").inner_text() == f"({zone})"


# ---------------------------------------------------------------- the zone picker

def test_zone_picker_changes_every_time_and_the_choice_stays(page_in, site_url):
    page = page_in(timezone_id="America/Los_Angeles")
    page.goto(f"{site_url}/en/summit/")
    picker = page.get_by_label("Show your time in")
    picker.wait_for(state="visible")
    assert_schedule_in(page, "America/Los_Angeles")
    # every zone the browser knows, after the detected one
    known = page.evaluate("Intl.supportedValuesOf('timeZone')")
    values = picker.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert values[0] == "" and set(known) <= set(values[1:]) and len(known) > 300
    assert picker.locator("option").first.inner_text() == "Detected: America/Los Angeles"

    picker.select_option("Australia/Adelaide")
    assert_schedule_in(page, "Australia/Adelaide")

    page.locator(f"a[href='{BASE}/en/summit/americas/']").first.click()  # another page
    page.wait_for_url(f"{site_url}/en/summit/americas/")
    local = page.locator("[data-local-time]")
    local.wait_for(state="visible")
    assert local.locator("time").all_inner_texts() == \
        expected_local("americas", "Australia/Adelaide", "en", None)
    assert page.get_by_label("Show your time in").input_value() == "Australia/Adelaide"
    assert page.locator(".when__slot .zone").all_inner_texts() == [
        "(America/New_York)", "(Asia/Taipei)", "(Australia/Adelaide)"]

    for other in ("en/", "en/cities/springfield/"):  # the sessions' cards elsewhere
        page.goto(f"{site_url}/{other}")
        assert_cards_in(page, "Australia/Adelaide")

    page.goto(f"{site_url}/en/summit/")  # a later visit
    page.reload()
    assert_schedule_in(page, "Australia/Adelaide")
    page.get_by_label("Show your time in").select_option(index=0)  # back to the detected zone
    assert_schedule_in(page, "America/Los_Angeles")
    page.reload()
    assert_schedule_in(page, "America/Los_Angeles")
    page.goto(f"{site_url}/en/")
    assert_cards_in(page, "America/Los_Angeles")
    assert page.console_errors == [] and page.page_errors == []


def test_zone_picker_in_chinese(page_in, site_url):
    page = page_in(timezone_id="Asia/Tokyo")
    page.goto(f"{site_url}/zh-tw/summit/americas/")
    picker = page.get_by_label("您的時間顯示於")
    picker.wait_for(state="visible")
    assert picker.locator("option").first.inner_text() == "自動偵測：Asia/Tokyo"
    picker.select_option("Europe/Prague")
    local = page.locator("[data-local-time]")
    assert local.locator("time").all_inner_texts() == \
        expected_local("americas", "Europe/Prague", "zh-tw", None)
    assert local.locator(".zone").inner_text() == "(Europe/Prague)"


# ---------------------------------------------------------------- my agenda

def star_name(title: str = ""):
    """The accessible name of the star of the session `title` (a list's: its name says which
    session), or of the page's own star."""
    return re.compile(r"^Save to my agenda" + (r"\W+" + re.escape(title) if title else "") + "$")


def star(page, title: str = ""):
    return page.get_by_role("button", name=star_name(title))


def pressed(page, title: str = "") -> bool:
    """Whether the star is pressed, as the accessibility tree tells a screen reader."""
    on = page.get_by_role("button", name=star_name(title), pressed=True).count()
    off = page.get_by_role("button", name=star_name(title), pressed=False).count()
    assert on + off == 1, (title, on, off)
    return on == 1


def download(page) -> icalendar.Calendar:
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download my agenda (.ics)").click()
    assert caught.value.suggested_filename == "agenda.ics"
    return icalendar.Calendar.from_ical(open(caught.value.path(), "rb").read())


def test_agenda_keeps_starred_sessions_and_downloads_their_calendar(page_in, site_url):
    page = page_in(timezone_id="Asia/Tokyo", accept_downloads=True)
    page.goto(f"{site_url}/en/summit/")
    americas = star(page, "Session americas")
    americas.wait_for(state="visible")
    assert not pressed(page, "Session americas")
    americas.focus()
    page.keyboard.press("Space")  # by keyboard
    assert pressed(page, "Session americas")

    page.goto(f"{site_url}/en/summit/prague-dst/")  # another page: its own star
    star(page).click()
    assert pressed(page)
    page.goto(f"{site_url}/en/summit/")
    star(page, "Session new-york-dst").wait_for(state="visible")
    assert [pressed(page, f"Session {slug}") for slug in SESSIONS] == [True, True, False]

    page.get_by_role("link", name="My agenda: the sessions you saved").click()
    page.wait_for_url(f"{site_url}/en/summit/agenda/")
    listed = page.locator("[data-agenda-item]:visible .slot__title a")
    assert listed.all_inner_texts() == ["Session americas", "Session prague-dst"]  # by time
    assert not page.get_by_text("No saved sessions yet").is_visible()
    for slug in ("americas", "prague-dst"):  # in the visitor's zone, with the date (no days)
        assert local_times(page, slug) == expected_local(slug, "Asia/Tokyo", "en", None)
    page.get_by_label("Show your time in").select_option("Europe/Lisbon")
    assert local_times(page, "americas") == expected_local(
        "americas", "Europe/Lisbon", "en", None)

    cal = download(page)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"summit-americas@example.org", "summit-prague-dst@example.org"}
    for slug in ("americas", "prague-dst"):
        event = events[f"summit-{slug}@example.org"]
        assert (event["DTSTART"].dt, event["DTEND"].dt) == instants(slug)
        assert str(event["SUMMARY"]) == f"Session {slug}"
        assert f"https://example.org/expo/en/summit/{slug}/" in str(event["DESCRIPTION"])
        (alarm,) = event.walk("VALARM")
        assert alarm["TRIGGER"].dt.total_seconds() == -15 * 60
    assert str(events["summit-americas@example.org"]["CONFERENCE"]) == \
        "https://www.youtube.com/watch?v=SAMPLE00002"

    page.goto(f"{site_url}/zh-tw/summit/agenda/")  # the other language: the same sessions
    assert page.locator("[data-agenda-item]:visible .slot__title a").all_inner_texts() == \
        ["美洲場", "Session prague-dst"]

    page.goto(f"{site_url}/en/summit/agenda/")
    star(page, "Session americas").click()  # un-starred: in view until the next visit
    assert not pressed(page, "Session americas") and star(page, "Session americas").is_visible()
    assert set(str(e["UID"]) for e in download(page).walk("VEVENT")) == \
        {"summit-prague-dst@example.org"}
    page.reload()
    assert page.locator("[data-agenda-item]:visible .slot__title a").all_inner_texts() == \
        ["Session prague-dst"]
    assert page.console_errors == [] and page.page_errors == []


def test_other_open_tabs_follow_a_star_and_a_zone_chosen_in_one(page_in, site_url):
    """Two tabs of one browser: a session starred, or a zone chosen, in one shows in the
    other at once (the storage event), without a reload."""
    first = page_in(timezone_id="America/Los_Angeles")
    first.goto(f"{site_url}/en/summit/")
    other = first.context.new_page()
    other.goto(f"{site_url}/en/summit/")
    for page in (first, other):
        star(page, "Session americas").wait_for(state="visible")
    assert not pressed(other, "Session americas")
    star(first, "Session americas").click()
    expect(other.get_by_role("button", name=star_name("Session americas"),
                             pressed=True)).to_have_count(1)
    star(other, "Session americas").click()  # and back
    expect(first.get_by_role("button", name=star_name("Session americas"),
                             pressed=False)).to_have_count(1)

    first.get_by_label("Show your time in").select_option("Australia/Adelaide")
    expect(other.get_by_label("Show your time in")).to_have_value("Australia/Adelaide")
    assert_schedule_in(other, "Australia/Adelaide")
    assert first.console_errors == [] and first.page_errors == []


def test_empty_agenda_and_without_javascript_the_page_says_what_it_is_for(browser, page_in,
                                                                          site_url):
    page = page_in()
    page.goto(f"{site_url}/en/summit/agenda/")
    assert page.get_by_text("No saved sessions yet: choose them on the schedule.").is_visible()
    assert not page.get_by_role("button", name="Download my agenda (.ics)").is_visible()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for lang, saying in (("en", "Saving sessions needs JavaScript"),
                             ("zh-tw", "儲存場次需要 JavaScript")):
            page.goto(f"{site_url}/{lang}/summit/agenda/")
            assert page.locator(".page-header .lead").is_visible()
            assert page.get_by_text(saying).is_visible()
            assert page.locator("[data-agenda-item]:visible").count() == 0
            assert page.locator(f"main a[href='{BASE}/{lang}/summit/']").is_visible()
    finally:
        context.close()


# ---------------------------------------------------------------- checkers on the new states

def states(page, site_url: str, lang: str):
    """Each new state, by name: sessions starred and a zone chosen, on the schedule, a
    session's page and the agenda."""
    page.goto(f"{site_url}/{lang}/summit/")
    page.evaluate("localStorage.clear()")  # an agenda of this language's choices only
    page.reload()
    page.locator("li.slot button.star").first.click()
    page.locator("#zone-picker").select_option("Pacific/Auckland")
    yield f"{lang}/summit/ starred, zone chosen"
    page.goto(f"{site_url}/{lang}/summit/americas/")
    page.locator("button.star").click()
    yield f"{lang}/summit/americas/ starred"
    page.goto(f"{site_url}/{lang}/summit/agenda/")
    page.locator("[data-agenda-item]:visible").first.wait_for()
    yield f"{lang}/summit/agenda/ with sessions"


@pytest.mark.parametrize("lang", ["en", "zh-tw"])
def test_new_states_have_no_axe_violations(page_in, site_url, lang):
    axe_js = str(require_file(AXE_JS, "axe.min.js (axe-core)"))
    for width in (1280, 375):
        page = page_in(viewport={"width": width, "height": 900})
        for state in states(page, site_url, lang):
            assert violations(page, axe_js) == [], (state, width)
        assert page.page_errors == []


def test_new_states_are_valid_html(page_in, site_url, tmp_path):
    jar = require_file(VNU_JAR, "vnu.jar (the Nu Html Checker)")
    page = page_in()
    files = []
    for lang in ("en", "zh-tw"):
        for state in states(page, site_url, lang):
            files.append(tmp_path / f"{len(files)}.html")
            files[-1].write_text("<!DOCTYPE html>\n" + page.evaluate(
                "document.documentElement.outerHTML"), encoding="utf-8")
            print(state, "→", files[-1].name)
    done = subprocess.run([java(), "-Xss2m", "-jar", str(jar), "--errors-only", "--format",
                           "json", *map(str, files)], capture_output=True, text=True,
                          timeout=600)
    messages = json.loads(done.stderr)["messages"]
    assert messages == []
