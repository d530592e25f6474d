"""Replays and structured data on a built site: a session's `recording` (a video file with its
WebVTT `captions`, or a YouTube/Vimeo address), published and shown, marked in the schedule and
on cards; the files' errors at their lines; the summit's settings; the JSON-LD parsed back —
sessions as sub-events of the summit's Event, speakers affiliated with their city's
government, the recording as a VideoObject."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sitekit import PRAGUE, SITE_YAML, SPRINGFIELD, SiteBuilder

WEBM = b"\x1a\x45\xdf\xa3" + bytes(60)  # the first bytes of a WebM (EBML) file
VTT_EN = "WEBVTT\n\n00:00.000 --> 00:02.000\nHello from the summit\n"
VTT_ZH = "WEBVTT\n\n00:00.000 --> 00:02.000\n你好\n"
SUMMIT = """\
summit:
  title: {en: Online Mayors' Summit, zh-tw: 線上市長論壇}
  acronym: mayors_summit_2020
  organizer:
    - {name: {en: Taipei City Government, zh-tw: 臺北市政府}, url: https://www.gov.taipei/}
"""
SITE_YAML = SITE_YAML.replace("https://example.org/", "https://example.org/expo/")
TALK = """\
---
title: Talk
summary: A talk.
start: 2020-08-13 10:00
end: 2020-08-13 11:30
timezone: Europe/Prague
region: europe
host: Huang Shan-shan
speakers:
  - {name: Zdeněk Hřib, title: Mayor of Prague, city: prague}
  - {name: Jane Doe, title: Mayor, city: springfield}
livestream: https://www.youtube.com/watch?v=SAMPLE00001
recording: rec.webm
captions:
  - {lang: en, src: rec.en.vtt}
  - {lang: zh-Hant, src: /captions/rec.zh.vtt}
---
Body.
"""
FILES = {
    "content/site.yaml": SITE_YAML + SUMMIT,
    "content/cities/prague.md": PRAGUE.replace("---\n", "---\nwebsite: https://praha.eu/\n", 1),
    "content/cities/prague.zh-tw.md": "---\ntitle: 布拉格\n---\n",
    "content/cities/springfield.md": SPRINGFIELD,
    "content/summit/talk/index.md": TALK,
    "content/summit/talk/index.zh-tw.md": "---\ntitle: 講座\n---\n內容。\n",
    "content/summit/talk/rec.webm": WEBM,
    "content/summit/talk/rec.en.vtt": VTT_EN,
    "content/captions/rec.zh.vtt": VTT_ZH,
    "content/summit/later.md": "---\ntitle: Later\nstart: 2020-08-18 20:00\n"
                               "end: 2020-08-18 21:30\ntimezone: America/New_York\n"
                               "region: americas\nrecording: https://youtu.be/SAMPLE00009\n---\n",
    "content/summit/plain.md": "---\ntitle: Plain\nstart: 2020-08-14 10:00\n"
                               "end: 2020-08-14 11:00\ntimezone: Asia/Taipei\n"
                               "region: americas\n---\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SiteBuilder:
    site = SiteBuilder(tmp_path_factory.mktemp("replay"), FILES, no_search=True)
    site.build()
    return site


def jsonld(site: SiteBuilder, rel: str) -> dict:
    scripts = site.html(rel).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


# ---------------------------------------------------------------- the replay on the page


@pytest.mark.parametrize("lang, default", [("en", "en"), ("zh-tw", "zh-Hant")])
def test_a_video_file_plays_in_video_with_its_captions(built, lang, default):
    replay = built.html(f"{lang}/summit/talk/index.html").select_one("#replay")
    video = replay.select_one("video[controls]")
    source = video.select_one("source")
    assert (source["src"], source["type"]) == ("/expo/media/summit/talk/rec.webm", "video/webm")
    tracks = [(t["kind"], t["srclang"], t["src"], t["label"], t.has_attr("default"))
              for t in video.select("track")]
    assert tracks == [
        ("captions", "en", "/expo/media/summit/talk/rec.en.vtt", "English", default == "en"),
        ("captions", "zh-Hant", "/expo/media/captions/rec.zh.vtt", "繁體中文",
         default == "zh-Hant")]
    assert replay.select_one("a.player__link")["href"] == "/expo/media/summit/talk/rec.webm"
    assert (built.root / "output/media/summit/talk/rec.webm").read_bytes() == WEBM
    assert (built.root / "output/media/summit/talk/rec.en.vtt").read_text() == VTT_EN
    assert (built.root / "output/media/captions/rec.zh.vtt").read_text() == VTT_ZH


def test_a_youtube_recording_is_a_click_to_load_player(built):
    page = built.html("en/summit/later/index.html")
    player = page.select_one("#replay [data-player]")
    assert player["data-embed"] == "https://www.youtube-nocookie.com/embed/SAMPLE00009?autoplay=1"
    assert page.select_one("#replay h2").get_text() == "Replay"
    assert not page.select("#replay video, #replay iframe")
    assert page.find("script", src=lambda s: s and "/static/js/player." in s)


def test_session_pages_load_live_js_before_summit_js(built):
    scripts = [s["src"] for s in built.html("en/summit/plain/index.html").find_all(
        "script", src=True)]
    names = [s.rsplit("/", 1)[1].split(".")[0] for s in scripts]
    assert names.index("live") < names.index("summit")


def test_schedule_and_cards_mark_sessions_with_a_replay(built):
    for lang, mark in (("en", "Replay available"), ("zh-tw", "可觀看重播")):
        rows = built.html(f"{lang}/summit/index.html").select("li.slot")
        marked = {row.select_one(".slot__title a")["href"]: row.select_one(".slot__replay")
                  for row in rows}
        assert {url for url, link in marked.items() if link} == {
            f"/expo/{lang}/summit/talk/", "/expo/en/summit/later/"}
        link = marked[f"/expo/{lang}/summit/talk/"]
        assert link["href"] == f"/expo/{lang}/summit/talk/#replay"
        assert link.get_text().startswith(mark)
    cards = built.html("en/cities/prague/index.html").select(".card--session")
    assert [c.select_one(".card__replay").get_text() for c in cards] == ["Replay available"]


# ---------------------------------------------------------------- errors at the field's line


@pytest.mark.parametrize("field, files, message", [
    ("recording: missing.webm", {},
     "7: error: file 'missing.webm' not found (looked next to the page and in content/)"),
    ("recording: clip.avi", {"content/summit/s/clip.avi": WEBM},
     "7: error: 'clip.avi' is not an MP4 video or a WebM video: use .mp4, .webm"),
    ("recording: clip.webm", {"content/summit/s/clip.webm": b"<html>not a video</html>"},
     "7: error: 'clip.webm' is not a WebM video: its content is something else "
     "(export it again, or correct the file name)"),
    ("recording: clip.mp4", {"content/summit/s/clip.mp4": WEBM},
     "7: error: 'clip.mp4' is not an MP4 video: its content is something else "
     "(export it again, or correct the file name)"),
    ("recording: ok.webm\ncaptions:\n  - {lang: en, src: notes.vtt}",
     {"content/summit/s/notes.vtt": "Just notes.\n"},
     "9: error: 'notes.vtt' is not a WebVTT file: its content is something else "
     "(export it again, or correct the file name)"),
    ("recording: ok.webm\ncaptions:\n  - {lang: en, src: subs.srt}",
     {"content/summit/s/subs.srt": "1\n00:00:00,000 --> 00:00:01,000\nHi\n"},
     "9: error: 'subs.srt' is not a WebVTT file: use .vtt"),
    ("recording: ok.webm\ncaptions:\n  - {lang: English!, src: ok.vtt}", {},
     "9: error: 'lang' must be a language tag such as en or zh-Hant, not 'English!'"),
    ("recording: ok.webm\ncaptions:\n  - {lang: en}", {},
     "9: error: missing required field 'src': add 'src: ...' to captions item 1"),
])
def test_a_wrong_recording_or_captions_file_is_an_error_at_its_line(tmp_path, field, files,
                                                                    message):
    site = SiteBuilder(tmp_path, {
        "content/summit/s/index.md": "---\ntitle: S\nstart: 2020-08-13 10:00\n"
                                     "end: 2020-08-13 11:00\ntimezone: Europe/Prague\n"
                                     f"region: europe\n{field}\n---\n",
        "content/summit/s/ok.webm": WEBM, "content/summit/s/ok.vtt": VTT_EN, **files},
        no_search=True)
    built = site.fails()
    assert built.errors == [f"content/summit/s/index.md:{message}"]
    assert not (tmp_path / "output").exists()


def test_every_file_error_is_reported_in_one_run(tmp_path):
    site = SiteBuilder(tmp_path, {
        "content/summit/s.md": "---\ntitle: S\nstart: 2020-08-13 10:00\nend: 2020-08-13 11:00\n"
                               "timezone: Europe/Prague\nregion: europe\nrecording: gone.mp4\n"
                               "captions:\n  - {lang: en, src: gone.vtt}\n---\n"},
        no_search=True)
    assert [line.split(": error: ")[0] for line in site.fails().errors] == [
        "content/summit/s.md:7", "content/summit/s.md:9"]


def test_captions_of_a_video_hosts_recording_are_a_warning(tmp_path):
    site = SiteBuilder(tmp_path, {
        "content/summit/s.md": "---\ntitle: S\nstart: 2020-08-13 10:00\nend: 2020-08-13 11:00\n"
                               "timezone: Europe/Prague\nregion: europe\n"
                               "recording: https://vimeo.com/123456789\n"
                               "captions:\n  - {lang: en, src: c.vtt}\n---\n",
        "content/summit/c.vtt": VTT_EN}, no_search=True)
    assert site.build().warnings == [
        "content/summit/s.md:8: warning: 'captions' are shown with a 'recording' that is a "
        "video file (.mp4 or .webm) only: the video host shows its own"]


# ---------------------------------------------------------------- JSON-LD, parsed back


def test_session_is_a_sub_event_of_the_summit_by_id(built):
    summit = jsonld(built, "en/summit/index.html")
    assert summit["@type"] == "Event"
    assert summit["@id"] == "https://example.org/expo/en/summit/#event"
    assert summit["name"] == "Online Mayors' Summit"
    assert summit["alternateName"] == "mayors_summit_2020"
    assert summit["organizer"] == {"@type": "Organization", "name": "Taipei City Government",
                                   "url": "https://www.gov.taipei/"}
    assert summit["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert summit["location"] == {"@type": "VirtualLocation",
                                  "url": "https://example.org/expo/en/summit/"}
    # the whole programme, in Taipei's time
    assert summit["startDate"] == "2020-08-13T16:00:00+08:00"
    assert summit["endDate"] == "2020-08-19T09:30:00+08:00"
    subs = {s["@id"] for s in summit["subEvent"]}
    for slug in ("talk", "later", "plain"):
        url = f"https://example.org/expo/en/summit/{slug}/"
        assert url + "#event" in subs
        session = jsonld(built, f"en/summit/{slug}/index.html")
        assert session["@id"] == url + "#event"
        assert session["superEvent"]["@id"] == summit["@id"]
        assert session["superEvent"]["name"] == summit["name"]


def test_session_event_for_googles_event_rules(built):
    data = jsonld(built, "en/summit/talk/index.html")
    start = datetime(2020, 8, 13, 10, tzinfo=ZoneInfo("Europe/Prague"))
    written = datetime.fromisoformat(data["startDate"])
    assert written == start and written.utcoffset() == start.utcoffset()
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"] == {"@type": "VirtualLocation",
                                "url": "https://www.youtube.com/watch?v=SAMPLE00001"}
    assert data["organizer"]["name"] == "Taipei City Government"
    assert data["organizer"]["member"] == {"@type": "Person", "name": "Huang Shan-shan"}
    hrib, doe = data["performer"]
    assert hrib["@type"] == "Person" and hrib["name"] == "Zdeněk Hřib"
    assert hrib["affiliation"] == {
        "@type": "GovernmentOrganization", "name": "Government of Prague",
        "url": "https://praha.eu/",
        "areaServed": {"@type": "City", "name": "Prague",
                       "url": "https://example.org/expo/en/cities/prague/"}}
    assert doe["affiliation"]["url"] == "https://example.org/expo/en/cities/springfield/"
    zh = jsonld(built, "zh-tw/summit/talk/index.html")
    assert zh["performer"][0]["affiliation"]["name"] == "布拉格政府"
    assert zh["superEvent"]["name"] == "線上市長論壇"
    assert zh["organizer"]["name"] == "臺北市政府"


def test_recording_is_a_video_object_recorded_in_the_event(built):
    video = jsonld(built, "en/summit/talk/index.html")["recordedIn"]
    assert video == {"@type": "VideoObject", "name": "Talk", "description": "A talk.",
                     "uploadDate": "2020-08-13T11:30:00+02:00",
                     "contentUrl": "https://example.org/expo/media/summit/talk/rec.webm",
                     "encodingFormat": "video/webm"}
    hosted = jsonld(built, "en/summit/later/index.html")["recordedIn"]
    assert hosted["embedUrl"] == "https://www.youtube-nocookie.com/embed/SAMPLE00009"
    assert hosted["url"] == "https://youtu.be/SAMPLE00009"
    assert hosted["thumbnailUrl"] == ["https://i.ytimg.com/vi/SAMPLE00009/hqdefault.jpg"]
    assert "recordedIn" not in jsonld(built, "en/summit/plain/index.html")


def test_summit_defaults_without_settings(tmp_path):
    site = SiteBuilder(tmp_path, {"content/summit/plain.md": FILES["content/summit/plain.md"]},
                       no_search=True)
    site.build()
    summit = jsonld(site, "en/summit/index.html")
    assert summit["name"] == "Mayors' Summit"  # the section's title
    assert summit["alternateName"] == "test_expo"  # from the site's title
    assert summit["organizer"] == {"@type": "Organization", "name": "Test Expo",
                                   "url": "https://example.org/"}
