"""Calendars everywhere and the visitor's agenda, as built: Google Calendar and Outlook links
parsed back to the front matter's instants, the whole-summit calendar behind the page's
webcal:// link, the fields calendar programs read (icalendar), the star buttons and the agenda
page in both languages and under a sub-path, and the slug the agenda takes.

The sessions are sitekit.SUMMIT_SESSIONS: one crossing midnight between its zone and Taipei,
two on daylight-saving change days.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sitekit import ROOT, SUMMIT_SESSIONS, SiteBuilder, html, make_site

from generator.build import Builder, Options

STREAMS = {"americas": "https://www.youtube.com/watch?v=SAMPLE00002",
           "prague-dst": "https://stream.example.org/live/prague"}


def session_file(slug: str) -> str:
    start, end, zone = SUMMIT_SESSIONS[slug]
    stream = f"livestream: {STREAMS[slug]}\n" if slug in STREAMS else ""
    return (f"---\ntitle: Session {slug}\nsummary: About {slug}.\nstart: {start}\nend: {end}\n"
            f"timezone: {zone}\nregion: europe\n{stream}---\nBody of {slug}.\n")


SITE = {f"content/summit/{slug}.md": session_file(slug) for slug in SUMMIT_SESSIONS}
SITE["content/summit/americas.zh-tw.md"] = "---\ntitle: 美洲場\n---\n美洲場內容。\n"


def instants(slug: str) -> tuple[datetime, datetime]:
    """The front matter's wall-clock times in the session's zone, as UTC instants."""
    start, end, zone = SUMMIT_SESSIONS[slug]
    return tuple(datetime.fromisoformat(t).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
                 for t in (start, end))


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = SiteBuilder(tmp_path_factory.mktemp("calendars"), SITE, no_search=True)
    site.build()
    return site.root / "output"


def scripts(page, base: str = "/") -> list[str]:
    """The names of the page's script files, in order: /static/js/zone.<hash>.js → zone."""
    pattern = re.compile(re.escape(base) + r"static/js/([a-z-]+)\.[0-9a-f]+\.js")
    return [pattern.fullmatch(s["src"])[1] for s in page.select("script[src]")]


def query(link) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link["href"]).query).items()}


def web_calendar_links(node) -> dict[str, dict[str, str]]:
    """{google, outlook, office}: the query of each link in `node` that opens that calendar
    (office: Outlook for work or school accounts)."""
    found = {}
    for link in node.select("a[href]"):
        address = urlsplit(link["href"])
        if address.netloc == "calendar.google.com":
            assert address.path == "/calendar/render"
            found["google"] = query(link)
        elif address.netloc in ("outlook.live.com", "outlook.office.com"):
            assert address.path == "/calendar/0/deeplink/compose"
            found["outlook" if address.netloc == "outlook.live.com" else "office"] = query(link)
    return found


def assert_opens_the_session(links: dict, slug: str, lang: str = "en") -> None:
    start, end = instants(slug)
    page_url = f"https://example.org/{lang}/summit/{slug}/"
    google, outlook = links["google"], links["outlook"]
    assert links["office"] == outlook  # the same event, for a work or school account
    assert google["action"] == "TEMPLATE"
    first, last = google["dates"].split("/")
    assert [datetime.strptime(t, "%Y%m%dT%H%M%S%z") for t in (first, last)] == [start, end]
    assert outlook["rru"] == "addevent"
    assert [datetime.fromisoformat(outlook[k]) for k in ("startdt", "enddt")] == [start, end]
    title = "美洲場" if lang == "zh-tw" else f"Session {slug}"
    assert google["text"] == outlook["subject"] == title
    for details in (google["details"], outlook["body"]):
        assert page_url in details.splitlines()
        assert STREAMS.get(slug, page_url) in details.splitlines()
    assert google["location"] == outlook["location"] == STREAMS.get(slug, page_url)


# ---------------------------------------------------------------- Google Calendar and Outlook

@pytest.mark.parametrize("slug", list(SUMMIT_SESSIONS))
def test_session_page_links_google_and_outlook_at_the_front_matter_instants(out, slug):
    actions = html(out / f"en/summit/{slug}/index.html").select_one(".actions")
    assert actions.find("a", href=f"/en/summit/{slug}/{slug}.ics")  # beside the .ics
    assert_opens_the_session(web_calendar_links(actions), slug)


def test_each_schedule_row_links_google_and_outlook(out):
    for lang in ("en", "zh-tw"):
        rows = html(out / f"{lang}/summit/index.html").select(".slot")
        assert len(rows) == len(SUMMIT_SESSIONS)
        for row in rows:
            slug = row.select_one(".slot__title a")["href"].split("/")[-2]
            links = web_calendar_links(row)
            assert_opens_the_session(links, slug, lang if slug == "americas" else "en")
            # a link in a list of sessions says which session it adds
            for link in row.select("a[data-calendar]"):
                assert link.select_one(".visually-hidden").get_text().endswith(
                    row.select_one(".slot__title a").get_text())


# ---------------------------------------------------------------- calendar files

def calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def test_webcal_link_subscribes_to_the_whole_summit_calendar(out):
    for lang in ("en", "zh-tw"):
        links = [a["href"] for a in html(out / f"{lang}/summit/index.html").select("a[href]")
                 if a["href"].startswith("webcal://")]
        assert links == [f"webcal://example.org/{lang}/summit/summit.ics"]
        path = out / urlsplit(links[0]).path.lstrip("/")
        cal = calendar(path)
        assert len(cal.walk("VEVENT")) == len(SUMMIT_SESSIONS)
        assert str(cal["SOURCE"]) == "https" + links[0].removeprefix("webcal")


def test_whole_summit_calendar_has_its_name_and_refresh_interval(out):
    cal = calendar(out / "zh-tw/summit/summit.ics")
    assert str(cal["NAME"]) == "測試展"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(hours=12)
    own = calendar(out / "en/summit/taipei/taipei.ics")  # one session's file: not a feed
    assert "REFRESH-INTERVAL" not in own and "NAME" not in own


@pytest.mark.parametrize("file", ["en/summit/summit.ics", "en/summit/americas/americas.ics",
                                  "en/summit/prague-dst/prague-dst.ics"])
def test_events_carry_stamp_stream_conference_and_a_15_minute_alarm(out, file):
    for event in calendar(out / file).walk("VEVENT"):
        slug = str(event["SUMMARY"]).removeprefix("Session ")
        assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert event["UID"] == f"summit-{slug}@example.org"
        stream = STREAMS.get(slug)
        assert str(event["URL"]) == (stream or f"https://example.org/en/summit/{slug}/")
        if stream:
            assert str(event["CONFERENCE"]) == stream
            assert event["CONFERENCE"].params["VALUE"] == "URI"
            assert event["CONFERENCE"].params["FEATURE"] == "VIDEO"
        else:
            assert "CONFERENCE" not in event
        (alarm,) = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])


# ---------------------------------------------------------------- the star and the agenda

def test_every_session_has_a_star_toggle_hidden_until_its_script_runs(out):
    for lang in ("en", "zh-tw"):
        page = html(out / f"{lang}/summit/americas/index.html")
        (star,) = page.select("button.star")
        assert star["type"] == "button" and star["aria-pressed"] == "false"
        assert star.has_attr("hidden") and star["data-star"] == "summit/americas"
        assert page.find("a", href=f"/{lang}/summit/agenda/")
        # zone.js keeps the zone summit.js writes times in, live.js the clock it reads: they
        # run first (deferred scripts run in the order of the page)
        order = scripts(page)
        assert order.index("live") < order.index("zone") < order.index("agenda") < \
            order.index("summit")
        schedule = html(out / f"{lang}/summit/index.html")
        stars = schedule.select(".slot button.star")
        assert sorted(s["data-star"] for s in stars) == sorted(
            f"summit/{slug}" for slug in SUMMIT_SESSIONS)
        for star in stars:  # which session, for screen readers
            title = star.find_parent(class_="slot").select_one(".slot__title a").get_text()
            assert star.get_text().endswith(": " + title)
    assert html(out / "zh-tw/summit/americas/index.html").select_one("button.star").get_text() \
        == "加入我的議程"


def test_zone_picker_is_labelled_and_hidden_without_javascript(out):
    for path in ("en/summit/index.html", "zh-tw/summit/americas/index.html",
                 "en/summit/agenda/index.html"):
        page = html(out / path)
        (picker,) = page.select("[data-zone-picker]")
        assert picker.has_attr("hidden")
        select = picker.select_one("select")
        assert picker.find("label", attrs={"for": select["id"]}).get_text(strip=True)
    assert html(out / "zh-tw/summit/index.html").select_one(
        "[data-zone-picker] label").get_text() == "您的時間顯示於"


def test_session_cards_leave_room_for_the_visitors_time(out):
    """Home and city pages show sessions' cards: their "Your time", written by summit.js
    in the zone zone.js keeps, is there hidden until then."""
    for path in ("en/index.html", "zh-tw/index.html"):
        page = html(out / path)
        cards = page.select(".card--session")
        assert len(cards) == len(SUMMIT_SESSIONS)
        for card in cards:
            (local,) = card.select("li[data-local-time]")
            slug = card.select_one(".card__title a")["href"].split("/")[-2]
            assert local.has_attr("hidden")
            assert [datetime.fromisoformat(local[f"data-{k}"]) for k in ("start", "end")] \
                == list(instants(slug))
        assert scripts(page) == ["zone", "summit"]


def test_agenda_page_says_what_it_is_for_and_holds_every_session(out):
    for lang, words in (("en", "Save to my agenda"), ("zh-tw", "加入我的議程")):
        page = html(out / f"{lang}/summit/agenda/index.html")
        assert page.select_one("h1").get_text() == ("My agenda" if lang == "en" else "我的議程")
        intro = page.select_one(".page-header .lead")
        assert words in intro.get_text() and not intro.find_parent(attrs={"hidden": True})
        assert page.select_one("[data-agenda-no-js]").get_text(strip=True)
        assert page.select_one("main").find("a", href=f"/{lang}/summit/")
        items = page.select("[data-agenda-item]")
        assert sorted(i["data-agenda-item"] for i in items) == sorted(
            f"summit/{slug}" for slug in SUMMIT_SESSIONS)
        for item in items:
            slug = item["data-agenda-item"].removeprefix("summit/")
            assert item.has_attr("hidden")
            assert [datetime.fromisoformat(item[f"data-{k}"]) for k in ("start", "end")] \
                == list(instants(slug))
            assert item["data-uid"] == f"summit-{slug}@example.org"
            assert item.get("data-stream") == STREAMS.get(slug)
        # each visitor's own page: for no search engine, in no sitemap
        assert page.select_one("meta[name=robots]")["content"] == "noindex"
    sitemap = (out / "sitemap.xml").read_text()
    assert "/summit/" in sitemap and "/summit/agenda/" not in sitemap


def test_agenda_page_is_there_while_the_summit_has_sessions(tmp_path):
    site = SiteBuilder(tmp_path, {"content/summit/taipei.md": session_file("taipei")},
                       no_search=True)
    site.build()
    assert (tmp_path / "output/en/summit/agenda/index.html").is_file()
    (tmp_path / "content/summit/taipei.md").unlink()
    site.write({"content/about.md": "---\ntitle: About\n---\nText.\n"}).build()
    assert not (tmp_path / "output/en/summit").exists()


def test_agenda_and_calendar_links_under_a_sub_path(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    site.build(base_url="https://host.example/expo/")
    schedule = site.html("en/summit/index.html")
    assert schedule.find("a", href="/expo/en/summit/agenda/")
    assert schedule.find("a", href="webcal://host.example/expo/en/summit/summit.ics")
    agenda = site.html("en/summit/agenda/index.html")
    assert scripts(agenda, "/expo/") == ["zone", "agenda", "summit"]
    item = agenda.select_one("[data-agenda-item='summit/taipei']")
    assert item.select_one(".slot__title a")["href"] == "/expo/en/summit/taipei/"
    assert "https://host.example/expo/en/summit/taipei/" in item["data-description"]
    google = web_calendar_links(site.html("en/summit/taipei/index.html"))["google"]
    assert "https://host.example/expo/en/summit/taipei/" in google["details"]


@pytest.mark.parametrize("name, front, line", [
    ("agenda.md", "", 1),
    ("meeting.md", "slug: agenda\n", 8),
])
def test_a_session_slug_agenda_is_an_error_at_its_line(tmp_path, name, front, line):
    text = session_file("taipei").replace("---\nBody", f"{front}---\nBody")
    site = SiteBuilder(tmp_path, {f"content/summit/{name}": text, **SITE}, no_search=True)
    built = site.fails()
    assert built.errors == [
        f"content/summit/{name}:{line}: error: the slug 'agenda' is the address of the "
        "visitors' agenda (/en/summit/agenda/): rename the file or set another 'slug:'"]


def test_one_session_and_the_whole_summit_stay_two_calendars_in_the_preview(tmp_path):
    """With one session the summit's calendar holds what that session's file holds, but it
    is the one to subscribe to: a preview rebuild keeps each file its own fields."""
    root = make_site(tmp_path, {"content/summit/taipei.md": session_file("taipei")})
    preview = Builder(Options(content=root / "content", templates=ROOT / "templates",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    preview.build()
    source = root / "content/summit/taipei.md"
    source.write_text(source.read_text().replace("Body of", "New body of"))
    preview.build({str(source)})
    own = calendar(root / "preview/en/summit/taipei/taipei.ics")
    whole = calendar(root / "preview/en/summit/summit.ics")
    assert "REFRESH-INTERVAL" not in own and "SOURCE" not in own
    assert whole["REFRESH-INTERVAL"].dt == timedelta(hours=12)
