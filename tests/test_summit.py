"""The Mayors' Summit on a built site: calendar files, JSON-LD, the schedule page and the
click-to-load player, checked against the front matter the editors wrote.

The sessions are the hard cases of sitekit.SUMMIT_SESSIONS: one crossing midnight between its
zone and Taipei and two on daylight-saving change days.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sitekit import PRAGUE, SPRINGFIELD, SUMMIT_SESSIONS, SiteBuilder, html

VIDEO_HOSTS = re.compile(r"youtube\.com|youtube-nocookie\.com|youtu\.be|ytimg\.com|"
                         r"vimeo\.com|vimeocdn\.com")
SPEAKERS = """\
speakers:
  - {name: Zdeněk Hřib, title: Mayor of Prague, city: prague}
  - {name: Jane Doe, title: Mayor of Springfield, city: springfield}
"""

SESSIONS = SUMMIT_SESSIONS  # the front matter writes exactly these wall-clock times
LIVESTREAMS = {
    "americas": "https://www.youtube.com/watch?v=SAMPLE00002",
    "prague-dst": "https://vimeo.com/123456789",
    "new-york-dst": "https://stream.example.org/live/ny",
}


def session_file(slug: str, region: str = "americas", extra: str = "") -> str:
    start, end, zone = SESSIONS[slug]
    stream = f"livestream: {LIVESTREAMS[slug]}\n" if slug in LIVESTREAMS else ""
    return (f"---\ntitle: Session {slug}\nsummary: About {slug}.\nstart: {start}\nend: {end}\n"
            f"timezone: {zone}\nregion: {region}\nhost: Huang Shan-shan\n"
            f"topic: Recovery after COVID-19\n{stream}{SPEAKERS}{extra}---\nBody of {slug}.\n")


SITE = {
    "content/cities/prague.md": PRAGUE,
    "content/cities/prague.zh-tw.md": "---\ntitle: 布拉格\n---\n",
    "content/cities/springfield.md": SPRINGFIELD,
    "content/summit/americas.md": session_file(
        "americas", extra="questions: summit-questions@example.org\n"),
    "content/summit/americas.zh-tw.md": "---\ntitle: 美洲場\n---\n美洲場內容。\n",
    "content/summit/prague-dst.md": session_file(
        "prague-dst", "europe", "questions: https://forms.example.org/ask\n"),
    "content/summit/new-york-dst.md": session_file("new-york-dst"),
    "content/summit/taipei.md": session_file("taipei"),
    "content/solutions/vimeo-demo.md": "---\ntitle: Vimeo demo\ncompany: Example Co.\n"
                                       "category: smart-health\n"
                                       "video: https://vimeo.com/76979871\n---\nText.\n",
    "content/solutions/other-video.md": "---\ntitle: Other video\ncompany: Example Co.\n"
                                        "category: smart-health\n"
                                        "video: https://media.example.org/v.mp4\n---\nText.\n",
    "content/tours/walk.md": "---\ntitle: A walk\nlocation: Neihu\n"
                             "video: https://youtu.be/SAMPLE00021\n---\nText.\n",
}


def aware(slug: str) -> tuple[datetime, datetime, str]:
    """The instants an editor meant: the front matter's wall-clock times in the session's zone."""
    start, end, zone = SESSIONS[slug]
    tz = ZoneInfo(zone)
    return (datetime.fromisoformat(start).replace(tzinfo=tz),
            datetime.fromisoformat(end).replace(tzinfo=tz), zone)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = SiteBuilder(tmp_path_factory.mktemp("summit"), SITE)
    site.build()
    return site.root / "output"


def calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["SUMMARY"]).removeprefix("Session "): e for e in cal.walk("VEVENT")}


def length(event: icalendar.Event) -> timedelta:
    """Elapsed time (Python subtracts datetimes of one zone by wall clock: go through UTC)."""
    utc = ZoneInfo("UTC")
    return event["DTEND"].dt.astimezone(utc) - event["DTSTART"].dt.astimezone(utc)


def jsonld(path: Path) -> dict:
    scripts = html(path).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


def scripts(page) -> list[tuple[str, str]]:
    """(name, src) of the page's own scripts, by name: /static/js/player.<hash>.js → player.
    All are local files loaded with defer; the only inline script is JSON-LD data."""
    found = []
    for script in page.find_all("script"):
        if script.get("type") == "application/ld+json":
            continue
        match = re.fullmatch(r"/static/js/([a-z-]+)(?:\.[0-9a-f]+)?\.js", script.get("src", ""))
        assert match, f"not a local script file: {script}"
        assert script.has_attr("defer") and not (script.string or "").strip()
        found.append((match[1], script["src"]))
    return found


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


# ---------------------------------------------------------------- calendar files


@pytest.mark.parametrize("slug", ["americas", "prague-dst", "new-york-dst", "taipei"])
def test_session_calendar_holds_the_front_matter_instants(out, slug):
    start, end, zone = aware(slug)
    cal = calendar(out / f"en/summit/{slug}/{slug}.ics")
    (event,) = cal.walk("VEVENT")
    for prop, expected in (("DTSTART", start), ("DTEND", end)):
        value = event[prop]
        assert value.params["TZID"] == zone
        assert value.dt == expected  # the same instant
        assert value.dt.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == \
            expected.replace(tzinfo=None)  # and the same wall clock in the session's zone
    # A calendar program that reads only the file's own VTIMEZONE gets the same instants.
    (vtimezone,) = [tz for tz in cal.walk("VTIMEZONE") if tz["TZID"] == zone]
    own = vtimezone.to_tz(lookup_tzid=False)
    for prop, expected in (("DTSTART", start), ("DTEND", end)):
        wall = event[prop].dt.replace(tzinfo=None)
        assert wall.replace(tzinfo=own).utcoffset() == expected.utcoffset(), prop


def test_sessions_on_dst_days_keep_their_real_length(out):
    """01:30–04:00 in Prague on the night the clocks fall back lasts 3½ hours, not 2½;
    01:00–04:00 in New York on the night they spring forward lasts 2 hours, not 3."""
    prague = events(calendar(out / "en/summit/prague-dst/prague-dst.ics"))["prague-dst"]
    assert prague["DTSTART"].dt.utcoffset() == timedelta(hours=2)
    assert prague["DTEND"].dt.utcoffset() == timedelta(hours=1)
    assert length(prague) == timedelta(hours=3, minutes=30)
    new_york = events(calendar(out / "en/summit/new-york-dst/new-york-dst.ics"))["new-york-dst"]
    assert length(new_york) == timedelta(hours=2)


def test_summit_calendar_has_every_session_and_each_zone_once(out):
    cal = calendar(out / "en/summit/summit.ics")
    found = events(cal)
    assert set(found) == set(SESSIONS)
    for slug in SESSIONS:
        start, end, _ = aware(slug)
        assert (found[slug]["DTSTART"].dt, found[slug]["DTEND"].dt) == (start, end)
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert sorted(zones) == sorted(set(zones)) == \
        sorted({"America/New_York", "Europe/Prague", "Asia/Taipei"})
    # Every TZID an event uses has its VTIMEZONE in the file.
    for event in found.values():
        assert event["DTSTART"].params["TZID"] in zones


def test_calendar_links_the_livestream_and_falls_back_to_the_page(out):
    found = events(calendar(out / "en/summit/summit.ics"))
    for slug, stream in LIVESTREAMS.items():
        assert str(found[slug]["URL"]) == stream
        assert str(found[slug]["LOCATION"]) == stream
    assert str(found["taipei"]["URL"]) == "https://example.org/en/summit/taipei/"


def test_uids_are_stable_across_builds_and_files(tmp_path):
    site = SiteBuilder(tmp_path, SITE)
    root = site.root
    site.build()
    first = {k: str(e["UID"]) for k, e in events(calendar(root / "output/en/summit/summit.ics"))
             .items()}
    site.edit("content/summit/taipei.md", "Body of", "Edited body of").build()
    second = {k: str(e["UID"]) for k, e in events(calendar(root / "output/en/summit/summit.ics"))
              .items()}
    assert first == second
    assert len(set(first.values())) == len(SESSIONS)
    own = calendar(root / "output/en/summit/americas/americas.ics").walk("VEVENT")[0]
    assert str(own["UID"]) == first["americas"]
    translated = calendar(root / "output/zh-tw/summit/summit.ics")
    assert {str(e["UID"]) for e in translated.walk("VEVENT")} == set(first.values())


def test_pages_link_their_calendars(out):
    page = html(out / "en/summit/americas/index.html")
    assert page.find("a", href="/en/summit/americas/americas.ics")
    schedule = html(out / "en/summit/index.html")
    assert schedule.find("a", href="/en/summit/summit.ics")
    for slug in SESSIONS:
        assert schedule.find("a", href=f"/en/summit/{slug}/{slug}.ics")
        assert (out / f"en/summit/{slug}/{slug}.ics").is_file()


# ---------------------------------------------------------------- JSON-LD


@pytest.mark.parametrize("slug", ["americas", "prague-dst", "new-york-dst"])
def test_session_jsonld_is_an_online_event_at_the_front_matter_instants(out, slug):
    start, end, _ = aware(slug)
    data = jsonld(out / f"en/summit/{slug}/index.html")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == f"Session {slug}"
    for key, expected in (("startDate", start), ("endDate", end)):
        written = datetime.fromisoformat(data[key])
        assert written.tzinfo is not None, f"{key} without an offset"
        assert written == expected
        assert written.utcoffset() == expected.utcoffset()
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"
    assert data["location"]["url"] == LIVESTREAMS[slug]
    assert [p["name"] for p in data["performer"]] == ["Zdeněk Hřib", "Jane Doe"]
    assert all(p["@type"] == "Person" for p in data["performer"])
    assert data["performer"][0]["affiliation"]["url"] == "https://example.org/en/cities/prague/"
    assert data["organizer"]["@type"] == "Organization"
    assert data["organizer"]["name"] == "Test Expo"
    assert data["url"] == f"https://example.org/en/summit/{slug}/"


def test_prague_dst_jsonld_offsets_change_within_the_session(out):
    data = jsonld(out / "en/summit/prague-dst/index.html")
    assert data["startDate"].endswith("+02:00") and data["endDate"].endswith("+01:00")


def test_translated_session_jsonld_keeps_the_instants(out):
    start, end, _ = aware("americas")
    data = jsonld(out / "zh-tw/summit/americas/index.html")
    assert data["name"] == "美洲場"
    assert data["inLanguage"] == "zh-Hant-TW"
    assert datetime.fromisoformat(data["startDate"]) == start
    assert datetime.fromisoformat(data["endDate"]) == end


# ---------------------------------------------------------------- schedule page


def schedule_days(path: Path) -> dict[str, list]:
    page = html(path)
    return {day.find("h2").find("time")["datetime"]: day.select(".slot")
            for day in page.select("section.schedule-day")}


def slot_of(days: dict, slug: str):
    for slots in days.values():
        for slot in slots:
            if slot.select_one(".slot__title a")["href"] == f"/en/summit/{slug}/":
                return slot
    raise AssertionError(f"{slug} not on the schedule")


def test_schedule_groups_sessions_by_their_own_day_in_time_order(out):
    days = schedule_days(out / "en/summit/index.html")
    assert list(days) == ["2020-03-08", "2020-08-18", "2020-10-25"]
    titles = {day: [text(s.select_one(".slot__title")) for s in slots]
              for day, slots in days.items()}
    # Taipei 10:00 on 18 August comes before New York 20:00 on the same (own) day.
    assert titles["2020-08-18"] == ["Session taipei", "Session americas"]
    assert html(out / "en/summit/index.html").select_one(
        "#day-2020-08-18 time").get_text() == "18 August 2020"


def test_schedule_shows_taipei_time_with_the_next_day_for_a_session_crossing_midnight(out):
    slot = slot_of(schedule_days(out / "en/summit/index.html"), "americas")
    own, taipei = slot.select("p.slot__time:not([data-local-time])")
    assert text(own) == "20:00 – 21:30 (America/New_York)"
    assert text(taipei) == "19 August 2020 08:00 – 09:30 (Asia/Taipei)"
    assert [t["datetime"] for t in taipei.find_all("time")] == \
        ["2020-08-19T08:00:00+08:00", "2020-08-19T09:30:00+08:00"]
    zh = html(out / "zh-tw/summit/index.html")
    zh_slot = zh.find("a", href="/zh-tw/summit/americas/").find_parent("li")
    assert "2020年8月19日 08:00 – 09:30 (Asia/Taipei)" in text(zh_slot)


def test_schedule_times_across_dst_changes(out):
    days = schedule_days(out / "en/summit/index.html")
    prague = slot_of(days, "prague-dst").select("p.slot__time:not([data-local-time])")
    # 01:30 CEST = 23:30 UTC; 04:00 CET = 03:00 UTC.
    assert [text(p) for p in prague] == ["01:30 – 04:00 (Europe/Prague)",
                                         "07:30 – 11:00 (Asia/Taipei)"]
    new_york = slot_of(days, "new-york-dst").select("p.slot__time:not([data-local-time])")
    # 01:00 EST = 06:00 UTC; 04:00 EDT = 08:00 UTC.
    assert [text(p) for p in new_york] == ["01:00 – 04:00 (America/New_York)",
                                           "14:00 – 16:00 (Asia/Taipei)"]


def test_a_session_in_the_site_zone_shows_one_time(out):
    slot = slot_of(schedule_days(out / "en/summit/index.html"), "taipei")
    assert [text(p) for p in slot.select("p.slot__time:not([data-local-time])")] == \
        ["10:00 – 11:00 (Asia/Taipei)"]


def test_schedule_leaves_local_time_and_status_to_javascript(out):
    """Without JavaScript nothing claims the visitor's time or a status it cannot know."""
    page = html(out / "en/summit/index.html")
    slot = slot_of(schedule_days(out / "en/summit/index.html"), "americas")
    local = slot.select_one("[data-local-time]")
    assert local.has_attr("hidden") and text(local) == ""
    start, end, _ = aware("americas")
    assert datetime.fromisoformat(local["data-start"]) == start
    assert datetime.fromisoformat(local["data-end"]) == end
    assert local["data-day"] == "2020-08-18"
    assert all(text(s) == "" for s in page.select("[data-status]"))
    assert text(slot.select_one(".slot__region")) == "Americas"
    assert "summit" in dict(scripts(page))


def test_schedule_lists_untranslated_sessions_in_the_other_language(out):
    zh = html(out / "zh-tw/summit/index.html")
    links = {a["href"] for a in zh.select(".slot__title a")}
    assert links == {"/zh-tw/summit/americas/", "/en/summit/prague-dst/",
                     "/en/summit/new-york-dst/", "/en/summit/taipei/"}
    fallback = zh.find("a", href="/en/summit/taipei/")
    assert fallback["hreflang"] == "en"
    assert fallback.find_parent("li").select_one(".badge")


# ---------------------------------------------------------------- session page


def test_session_page_shows_topic_host_speakers_times_and_questions(out):
    page = html(out / "en/summit/americas/index.html")
    facts = {text(f.find("dt")): f.find("dd") for f in page.select(".fact")}
    assert text(facts["Topic"]) == "Recovery after COVID-19"
    assert text(facts["Host"]) == "Huang Shan-shan"
    assert facts["Questions"].find("a")["href"] == "mailto:summit-questions@example.org"
    assert page.find("a", href="mailto:summit-questions@example.org", class_="button")
    speakers = page.select(".speaker")
    assert [text(s.select_one(".speaker__name")) for s in speakers] == ["Zdeněk Hřib", "Jane Doe"]
    assert speakers[0].select_one(".speaker__city a")["href"] == "/en/cities/prague/"
    slots = [text(p) for p in page.select(".when__slot:not([data-local-time])")]
    assert slots == ["18 August 2020 20:00 – 21:30 (America/New_York)",
                     "19 August 2020 08:00 – 09:30 (Asia/Taipei)"]
    assert page.select_one("[data-local-time]").has_attr("hidden")
    status = page.select_one("[data-status='page']")
    assert status.select_one("[aria-live='polite']") is not None
    assert text(status) == ""  # no status claimed without JavaScript
    zh = html(out / "zh-tw/summit/americas/index.html")
    assert zh.select_one(".speaker__city a")["href"] == "/zh-tw/cities/prague/"
    assert zh.find("a", href="/en/cities/springfield/", hreflang="en")


def test_questions_may_be_a_web_address(out):
    page = html(out / "en/summit/prague-dst/index.html")
    assert page.find("a", class_="button", href="https://forms.example.org/ask")


# ---------------------------------------------------------------- click-to-load player


def assert_nothing_loads_from_a_video_host(page) -> None:
    assert page.find("iframe") is None
    for tag in page.find_all(True):
        for attr in ("src", "srcset", "poster", "data-src"):
            assert not VIDEO_HOSTS.search(tag.get(attr) or ""), (tag.name, attr)
        if tag.name == "link":
            assert not VIDEO_HOSTS.search(tag.get("href") or ""), tag
    assert not page.find(style=True), "inline style attribute"
    scripts(page)  # only local files, deferred


def test_youtube_livestream_is_a_click_to_load_player(out):
    page = html(out / "en/summit/americas/index.html")
    assert_nothing_loads_from_a_video_host(page)
    player = page.select_one("figure.player[data-player]")
    assert player["data-embed"] == "https://www.youtube-nocookie.com/embed/SAMPLE00002?autoplay=1"
    button = player.find("button")
    assert button["type"] == "button"
    assert "Play video" in text(button) and "Session americas" in text(button)
    assert player.select_one(".player__poster--drawn") is not None  # no image of the host
    assert "YouTube" in text(player.find("figcaption"))
    assert player.find("a", href=LIVESTREAMS["americas"])
    assert "player" in dict(scripts(page))


def test_vimeo_video_of_a_session_and_a_solution(out):
    for path, video_id in (("en/summit/prague-dst/index.html", "123456789"),
                           ("en/solutions/vimeo-demo/index.html", "76979871")):
        page = html(out / path)
        assert_nothing_loads_from_a_video_host(page)
        player = page.select_one("[data-player]")
        assert player["data-embed"] == f"https://player.vimeo.com/video/{video_id}?autoplay=1&dnt=1"
        assert "Vimeo" in text(player.find("figcaption"))


def test_tour_video_is_a_click_to_load_player(out):
    page = html(out / "en/tours/walk/index.html")
    assert_nothing_loads_from_a_video_host(page)
    player = page.select_one("[data-player]")
    assert player["data-embed"].startswith("https://www.youtube-nocookie.com/embed/SAMPLE00021")
    assert player.find("a", href="https://youtu.be/SAMPLE00021")


@pytest.mark.parametrize("path, address", [
    ("en/summit/new-york-dst/index.html", "https://stream.example.org/live/ny"),
    ("en/solutions/other-video/index.html", "https://media.example.org/v.mp4"),
])
def test_other_video_addresses_are_plain_links(out, path, address):
    page = html(out / path)
    assert page.select_one("[data-player]") is None
    assert page.select_one(".media").find("button") is None  # no player
    assert page.select_one(".media").find("a", href=address)
    assert "player" not in dict(scripts(page))
    assert page.find("iframe") is None


def test_session_without_livestream_has_no_player(out):
    page = html(out / "en/summit/taipei/index.html")
    assert page.select_one(".media") is None
    assert "player" not in dict(scripts(page))


def test_poster_is_the_pages_own_image(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    site = SiteBuilder(tmp_path, {"content/solutions/pic/index.md": (
        "---\ntitle: Pic\ncompany: Co\ncategory: smart-health\nimage: cover.png\n"
        "image_alt: A street\nvideo: https://www.youtube.com/watch?v=SAMPLE00011\n---\nText.\n")})
    Image.new("RGB", (64, 36), "teal").save(site.root / "content/solutions/pic/cover.png")
    site.build()
    page = site.html("en/solutions/pic/index.html")
    assert_nothing_loads_from_a_video_host(page)
    poster = page.select_one("[data-player] .player__poster")
    assert poster is not None and poster.name in ("img", "picture")
    for img in [poster, *poster.find_all(["img", "source"])]:
        for address in [img.get("src", ""), *(img.get("srcset") or "").split(",")]:
            assert not address.strip() or address.strip().startswith("/"), address
    assert (poster if poster.name == "img" else poster.find("img"))["alt"] == ""  # decorative


def test_vtimezone_onsets_are_local_times_before_each_change(tmp_path):
    """RFC 5545 §3.6.5: an onset's DTSTART is the wall-clock time in the offset before it."""
    site = SiteBuilder(tmp_path, {"content/summit/ny.md": """
        ---
        title: New York
        start: 2020-08-18 20:00
        end: 2020-08-18 21:30
        timezone: America/New_York
        region: americas
        ---
        """})
    site.build()
    cal = icalendar.Calendar.from_ical((site.root / "output/en/summit/ny/ny.ics").read_bytes())
    names = [c.name for c in cal.subcomponents]
    assert names.index("VTIMEZONE") < names.index("VEVENT")
    onsets = {(c.name, c["DTSTART"].dt.isoformat()) for c in cal.walk()
              if c.name in ("STANDARD", "DAYLIGHT")}
    assert ("DAYLIGHT", "2020-03-08T02:00:00") in onsets
    assert ("STANDARD", "2020-11-01T02:00:00") in onsets
