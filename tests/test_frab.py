"""The summit programme for conference apps: /<lang>/summit/schedule.xml and schedule.json in
the frab schedule format, checked against the rules of its two schemas (schedule_rules.py,
written from voc/schedule's XSD and JSON schema) and against the front matter the editors
wrote: every session, its instants in the site's zone, its texts, speakers and links."""

from __future__ import annotations

import copy
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from schedule_rules import json_problems, xml_problems
from sitekit import SITE_YAML, SiteBuilder, fails, make_site
from test_summit import SESSIONS, SITE

TAIPEI = ZoneInfo("Asia/Taipei")
LANGS = ("en", "zh-tw")
# Which version of each session a language's programme shows (zh-tw: the translation where
# there is one, else the English page).
SHOWN = {"en": {s: "en" for s in SESSIONS},
         "zh-tw": {**{s: "en" for s in SESSIONS}, "americas": "zh-tw"}}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SiteBuilder:
    site = SiteBuilder(tmp_path_factory.mktemp("frab"), SITE, no_search=True)
    site.build()
    return site


def programme(site: SiteBuilder, lang: str) -> tuple[ET.Element, dict]:
    return (ET.fromstring(site.text(f"{lang}/summit/schedule.xml").encode()),
            json.loads(site.text(f"{lang}/summit/schedule.json")))


def xml_events(root: ET.Element) -> dict[str, ET.Element]:
    return {e.findtext("url"): e for e in root.iter("event")}


def json_events(data: dict) -> dict[str, dict]:
    return {e["url"]: e for day in data["schedule"]["conference"]["days"]
            for events in day["rooms"].values() for e in events}


def page_url(lang: str, slug: str) -> str:
    return f"https://example.org/{SHOWN[lang][slug]}/summit/{slug}/"


@pytest.mark.parametrize("lang", LANGS)
def test_both_files_keep_every_rule_of_their_schema(built, lang):
    root, data = programme(built, lang)
    assert xml_problems(root) == []
    assert json_problems(data) == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_session_is_in_both_files_once(built, lang):
    root, data = programme(built, lang)
    expected = {page_url(lang, slug) for slug in SESSIONS}
    assert len(list(root.iter("event"))) == len(SESSIONS)
    assert set(xml_events(root)) == expected
    assert set(json_events(data)) == expected
    assert data["schedule"]["conference"]["daysCount"] == int(root.findtext("conference/days"))


@pytest.mark.parametrize("lang", LANGS)
def test_times_are_the_front_matter_instants_in_the_site_zone(built, lang):
    root, data = programme(built, lang)
    xml, js = xml_events(root), json_events(data)
    for slug, (start, end, zone) in SESSIONS.items():
        begins = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone))
        ends = datetime.fromisoformat(end).replace(tzinfo=ZoneInfo(zone))
        local = begins.astimezone(TAIPEI)
        utc = ZoneInfo("UTC")  # elapsed time (same-zone datetimes subtract by wall clock)
        minutes = int((ends.astimezone(utc) - begins.astimezone(utc)).total_seconds() // 60)
        for event in (js[page_url(lang, slug)], {c.tag: c.text for c in
                                                xml[page_url(lang, slug)]}):
            assert datetime.fromisoformat(event["date"]) == begins
            assert event["date"].endswith("+08:00")
            assert event["start"] == local.strftime("%H:%M")
            assert event["duration"] == f"{minutes // 60:02d}:{minutes % 60:02d}"
        assert datetime.fromisoformat(js[page_url(lang, slug)]["end"]) == ends
    # a day is a date in the site's zone: 20:00 in New York on 18 August is the 19th in Taipei
    days = {day.get("date"): {e.findtext("url") for e in day.iter("event")}
            for day in root.iter("day")}
    assert page_url(lang, "americas") in days["2020-08-19"]
    assert page_url(lang, "taipei") in days["2020-08-18"]
    assert [d["date"] for d in data["schedule"]["conference"]["days"]] == list(days)
    assert root.findtext("conference/time_zone_name") == "Asia/Taipei"
    assert data["schedule"]["conference"]["time_zone_name"] == "Asia/Taipei"


def test_an_event_says_what_its_page_says(built):
    root, data = programme(built, "zh-tw")
    americas = page_url("zh-tw", "americas")
    event, xml = json_events(data)[americas], xml_events(root)[americas]
    assert event["title"] == xml.findtext("title") == "美洲場"  # the translation's title
    assert event["subtitle"] == xml.findtext("subtitle") == "Recovery after COVID-19"
    assert event["type"] == xml.findtext("type") == "panel"
    assert event["language"] == xml.findtext("language") == "zh-Hant-TW"
    assert event["abstract"] == xml.findtext("abstract") == "About americas."  # inherited
    assert event["description"] == xml.findtext("description") == "美洲場內容。"
    assert event["room"] == event["track"] == xml.findtext("room") == xml.findtext("track") \
        == "美洲"
    names = ["Zdeněk Hřib", "Jane Doe"]
    assert [p["name"] for p in event["persons"]] == names
    assert [p.text for p in xml.iter("person")] == names
    links = [(link["url"], link["type"]) for link in event["links"]]
    assert links == [(href.get("href"), href.get("type")) for href in xml.iter("link")]
    assert links == [("https://www.youtube.com/watch?v=SAMPLE00002", "media"),
                     ("mailto:summit-questions@example.org", "web")]
    untranslated = json_events(data)[page_url("zh-tw", "taipei")]
    assert untranslated["language"] == "en" and untranslated["title"] == "Session taipei"
    assert untranslated["links"] == []


def test_identifiers_come_from_the_page_address_and_stay_across_builds(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    site.build()
    first = json_events(programme(site, "en")[1])
    for url, event in first.items():
        assert event["guid"] == str(uuid.uuid5(uuid.NAMESPACE_URL, url))
    assert len({e["id"] for e in first.values()}) == len(first)
    site.write({"content/summit/added.md": SITE["content/summit/taipei.md"].replace(
        "Session taipei", "Added")})
    site.build()
    root, data = programme(site, "en")
    again = json_events(data)
    assert {url: (e["guid"], e["id"]) for url, e in again.items() if url in first} == {
        url: (e["guid"], e["id"]) for url, e in first.items()}
    assert {url: (e.get("guid"), int(e.get("id"))) for url, e in xml_events(root).items()} == {
        url: (e["guid"], e["id"]) for url, e in again.items()}


def test_conference_title_and_acronym_come_from_site_yaml(tmp_path):
    settings = SITE_YAML + "summit:\n  title: {en: Mayors' Summit 2020, zh-tw: 市長論壇}\n" \
                           "  acronym: mayors_summit\n"
    site = SiteBuilder(tmp_path, {**SITE, "content/site.yaml": settings}, no_search=True)
    site.build()
    for lang, title in (("en", "Mayors' Summit 2020"), ("zh-tw", "市長論壇")):
        root, data = programme(site, lang)
        conference = data["schedule"]["conference"]
        assert (conference["title"], conference["acronym"]) == (title, "mayors_summit")
        assert (root.findtext("conference/title"), root.findtext("conference/acronym")) == (
            title, "mayors_summit")
        assert all(e["slug"].startswith("mayors_summit-") for e in json_events(data).values())


def test_without_settings_the_title_is_the_summit_pages_and_the_acronym_the_sites(built):
    for lang, title in (("en", "Mayors' Summit"), ("zh-tw", "城市首長論壇")):
        conference = programme(built, lang)[1]["schedule"]["conference"]
        assert conference["title"] == title  # the theme's name of the section
        assert conference["acronym"] == "test_expo"  # from "Test Expo"


def test_an_acronym_is_given_to_apps_in_the_form_their_schema_accepts(tmp_path):
    settings = SITE_YAML + "summit:\n  acronym: Mayors-Summit 2020\n"  # SPEC §5 writes '-'
    site = SiteBuilder(tmp_path, {**SITE, "content/site.yaml": settings}, no_search=True)
    site.build()
    root, data = programme(site, "en")
    assert data["schedule"]["conference"]["acronym"] == "mayors_summit_2020"
    assert root.findtext("conference/acronym") == "mayors_summit_2020"


def test_an_acronym_apps_refuse_is_an_error_at_its_line(tmp_path):
    make_site(tmp_path, {**SITE, "content/site.yaml": SITE_YAML + "summit:\n"
                         "  acronym: 市長-x\n"})
    run = fails(tmp_path)
    assert "content/site.yaml:8: error: summit 'acronym' '市長-x' is too short for " \
           "conference apps" in run.stderr
    assert not (tmp_path / "output").exists()


def test_every_bad_summit_setting_is_reported_at_its_line(tmp_path):
    make_site(tmp_path, {**SITE, "content/site.yaml": SITE_YAML + "summit:\n"
                         "  title: 12\n  acronym: ab\n  organizer: [{url: https://x.org/}]\n"
                         "  organiser: Taipei\n"})
    lines = fails(tmp_path).lines
    assert [line.split(": ", 2)[:2] for line in lines if "summit" in line or "organi" in line
            ] == [["content/site.yaml:8", "error"], ["content/site.yaml:9", "error"],
                  ["content/site.yaml:10", "error"], ["content/site.yaml:11", "warning"]]


@pytest.mark.parametrize("lang", LANGS)
def test_the_summit_page_links_both_files(built, lang):
    page = built.html(f"{lang}/summit/index.html")
    links = {a["href"]: a.get("type") for a in page.select(".schedule-files a")}
    assert links == {f"/{lang}/summit/schedule.xml": "application/xml",
                     f"/{lang}/summit/schedule.json": "application/json"}
    for href in links:
        assert (built.root / "output" / href.lstrip("/")).is_file()


def test_a_changed_session_changes_the_programme(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    site.build()
    before = programme(site, "en")[1]["schedule"]["version"]
    site.edit("content/summit/taipei.md", "title: Session taipei", "title: Renamed")
    site.build()
    data = programme(site, "en")[1]
    assert json_events(data)[page_url("en", "taipei")]["title"] == "Renamed"
    assert data["schedule"]["version"] != before


def test_no_sessions_no_programme(tmp_path):
    site = SiteBuilder(tmp_path, {"content/index.md": "---\ntitle: Home\n---\n"},
                       no_search=True)
    site.build()
    assert not (tmp_path / "output/en/summit").exists()


# The checks themselves: each rule they say they check fails a programme that breaks it.
BREAKAGES_XML = {
    "no title": lambda r: r.find(".//event").remove(r.find(".//event/title")),
    "start with a date": lambda r: setattr(r.find(".//event/start"), "text", "2020-08-18"),
    "date without zone": lambda r: setattr(r.find(".//event/date"), "text",
                                           "2020-08-18T10:00:00"),
    "guid twice": lambda r: [e.set("guid", r.find(".//event").get("guid"))
                             for e in r.iter("event")],
    "bad acronym": lambda r: setattr(r.find("conference/acronym"), "text", "A B"),
    "no day index": lambda r: r.find("day").attrib.pop("index"),
    "end in event": lambda r: ET.SubElement(r.find(".//event"), "end"),
}
BREAKAGES_JSON = {
    "no subtitle": lambda d: _first(d).pop("subtitle"),
    "start as date-time": lambda d: _first(d).update(start="2020-08-18T10:00:00+08:00"),
    "acronym with dash": lambda d: d["schedule"]["conference"].update(acronym="mayors-summit"),
    "frab and pretalx person": lambda d: _first(d)["persons"].append(
        {"name": "A", "public_name": "A", "id": 1}),
    "unknown link type": lambda d: _first(d)["links"].append({"url": "https://x.org/",
                                                              "type": "stream"}),
    "no daysCount": lambda d: d["schedule"]["conference"].pop("daysCount"),
    "extra day field": lambda d: d["schedule"]["conference"]["days"][0].update(extra=1),
}


def _first(data: dict) -> dict:
    return next(iter(data["schedule"]["conference"]["days"][0]["rooms"].values()))[0]


@pytest.mark.parametrize("breakage", BREAKAGES_XML)
def test_the_xml_rules_catch(built, breakage):
    root = copy.deepcopy(programme(built, "en")[0])
    BREAKAGES_XML[breakage](root)
    assert xml_problems(root) != []


@pytest.mark.parametrize("breakage", BREAKAGES_JSON)
def test_the_json_rules_catch(built, breakage):
    data = copy.deepcopy(programme(built, "en")[1])
    BREAKAGES_JSON[breakage](data)
    assert json_problems(data) != []


def test_files_are_published_under_a_sub_path(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True, base_url="https://host.example/expo/")
    site.build()
    page = site.html("en/summit/index.html")
    assert {a["href"] for a in page.select(".schedule-files a")} == {
        "/expo/en/summit/schedule.xml", "/expo/en/summit/schedule.json"}
    root, data = programme(site, "en")
    assert root.findtext("url") == "https://host.example/expo/en/summit/schedule.xml"
    assert all(url.startswith("https://host.example/expo/en/summit/")
               for url in json_events(data))
    assert xml_problems(root) == [] and json_problems(data) == []



def test_the_bundled_programme_has_its_three_sessions_by_region(bundled):
    for lang in LANGS:
        root = ET.parse(bundled / lang / "summit/schedule.xml").getroot()
        data = json.loads((bundled / lang / "summit/schedule.json").read_text(encoding="utf-8"))
        assert xml_problems(root) == [] and json_problems(data) == []
        regions = {event.findtext("url").split("/")[-2]: event.findtext("room")
                   for event in root.iter("event")}
        assert regions == {
            "2020-08-13-europe": {"en": "Europe", "zh-tw": "歐洲"}[lang],
            "2020-08-18-americas": {"en": "Americas", "zh-tw": "美洲"}[lang],
            "2020-08-25-asia": {"en": "Asia-Pacific", "zh-tw": "亞太"}[lang]}
        assert data["schedule"]["conference"]["acronym"] == "mayors_summit_2020"
        # the invented session's old address leads to the Asia session
        old = (bundled / lang / "summit/2020-08-25-middle-east-africa/index.html").read_text()
        assert f'url=/{lang}/summit/2020-08-25-asia/"' in old
