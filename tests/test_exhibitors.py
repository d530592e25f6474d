"""Exhibitors' call to action: a solution's `meeting` is its page's main button and shows on its
card; its `brochure`, a PDF, is published and linked with its size in both languages; a
brochure that is not a PDF, or a meeting that is no address, is an error at the field's line."""

from __future__ import annotations

import contextlib

import pytest
from sitekit import ROOT, SiteBuilder, fails, html, make_site, markdown_file

from generator.build import Builder, Options
from generator.errors import BuildFailed


def pdf(size: int) -> bytes:
    """A file of `size` bytes that starts as every PDF does."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    return head + b"0" * (size - len(head))


KIOSK = markdown_file("A kiosk.", title="Care kiosk", company="Kiosk Co.",
                      category="smart-health", meeting="meet@kiosk.example",
                      brochure="brochure.pdf")
FILES = {
    "content/solutions/kiosk/index.md": KIOSK,
    "content/solutions/kiosk/brochure.pdf": pdf(2_100_000),
    "content/solutions/kiosk/index.zh-tw.md": markdown_file("照護站。", title="照護站"),
    "content/solutions/bus.md": markdown_file(
        "A bus.", title="Bus", company="Bus Co.", category="smart-transportation",
        meeting="https://bus.example/meet", brochure="/files/bus.pdf"),
    "content/files/bus.pdf": pdf(640_000),
    "content/solutions/lamp.md": markdown_file("A lamp.", title="Lamp", company="Lamp Co.",
                                               category="smart-health"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SiteBuilder:
    site = SiteBuilder(tmp_path_factory.mktemp("exhibitors"), FILES, no_search=True)
    site.build()
    return site


@pytest.mark.parametrize(("lang", "size"), [("en", "PDF, 2.1 MB"), ("zh-tw", "PDF，2.1 MB")])
def test_both_languages_pages_show_the_meeting_button_and_the_brochure(built, lang, size):
    page = built.html(f"{lang}/solutions/kiosk/index.html")
    buttons = page.select(".item__aside .actions a.button")
    meeting = buttons[0]  # the first, and the only primary one
    assert meeting["href"] == "mailto:meet@kiosk.example"
    assert "button--secondary" not in meeting["class"]
    assert meeting.get_text(strip=True) == {"en": "Request a meeting", "zh-tw": "預約洽談"}[lang]
    brochure = page.select_one(".actions a[type='application/pdf']")
    assert brochure["href"] == "/media/solutions/kiosk/brochure.pdf"
    assert brochure.select_one(".button__note").get_text(strip=True) == f"({size})"
    published = built.root / "output" / brochure["href"].lstrip("/")
    assert published.read_bytes() == (built.root / "content/solutions/kiosk/brochure.pdf"
                                      ).read_bytes()


def test_a_brochure_from_content_and_a_web_meeting_page(built):
    page = built.html("en/solutions/bus/index.html")
    assert page.select(".actions a.button")[0]["href"] == "https://bus.example/meet"
    brochure = page.select_one(".actions a[type='application/pdf']")
    assert brochure["href"] == "/media/files/bus.pdf"
    assert "(PDF, 640 kB)" in brochure.get_text(" ", strip=True)
    assert (built.root / "output/media/files/bus.pdf").is_file()


def test_a_solution_without_them_has_no_actions(built):
    page = built.html("en/solutions/lamp/index.html")
    assert page.select(".actions") == []
    # the related card of a solution that has one still offers its meeting
    assert [a["href"] for a in page.select(".card__meeting")] == ["mailto:meet@kiosk.example"]


@pytest.mark.parametrize("lang", ["en", "zh-tw"])
def test_cards_offer_the_meeting_where_there_is_one(built, lang):
    page = built.html(f"{lang}/solutions/index.html")
    cards = {card.select_one(".card__title a")["href"]: card for card in page.select(".card")}
    meeting = cards[f"/{lang}/solutions/kiosk/"].select_one("a.card__meeting")
    assert meeting["href"] == "mailto:meet@kiosk.example"
    assert meeting.select_one(".visually-hidden").get_text(strip=True).endswith(
        {"en": "Care kiosk", "zh-tw": "照護站"}[lang])
    assert cards["/en/solutions/bus/"].select_one("a.card__meeting")["href"] == \
        "https://bus.example/meet"
    assert cards["/en/solutions/lamp/"].select_one("a.card__meeting") is None


def test_a_brochure_that_is_not_a_pdf_is_an_error_at_its_line(tmp_path):
    make_site(tmp_path, {
        **FILES,
        "content/solutions/kiosk/brochure.pdf": b"\x89PNG\r\n\x1a\n" + b"0" * 64,
        "content/solutions/bus.md": FILES["content/solutions/bus.md"].replace(
            "/files/bus.pdf", "bus.docx"),
        "content/solutions/bus.docx": b"PK\x03\x04",
        "content/solutions/lamp.md": FILES["content/solutions/lamp.md"].replace(
            "---\nA lamp", "brochure: missing.pdf\nmeeting: call us\n---\nA lamp"),
    })
    run = fails(tmp_path)
    assert run.lines[:-1] == [
        "content/solutions/bus.md:6: error: 'bus.docx' is not a PDF file: use .pdf",
        "content/solutions/kiosk/index.md:6: error: 'solutions/kiosk/brochure.pdf' is not a "
        "PDF file (it does not begin with %PDF-): save or export the brochure as PDF",
        "content/solutions/lamp.md:5: error: file 'missing.pdf' not found (looked next to "
        "the page and in content/)",
        "content/solutions/lamp.md:6: error: 'meeting' must be a web address (https://...) "
        "or an e-mail address",
    ]
    assert not (tmp_path / "output").exists()


def test_the_preview_follows_a_brochure_changed_on_its_own(tmp_path):
    """The page's file is not touched: the brochure is checked and measured on every build."""
    root = make_site(tmp_path, FILES)
    preview = Builder(Options(content=root / "content", templates=ROOT / "templates",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    with contextlib.chdir(root):  # problems name paths as an editor in the site's folder sees
        run_preview(preview, root)


def run_preview(preview: Builder, root) -> None:
    preview.build()
    page = root / "preview/en/solutions/kiosk/index.html"
    assert "PDF, 2.1 MB" in page.read_text()
    brochure = root / "content/solutions/kiosk/brochure.pdf"
    brochure.write_bytes(pdf(3_500_000))
    preview.build({str(brochure)})
    assert "PDF, 3.5 MB" in page.read_text()
    assert (root / "preview/media/solutions/kiosk/brochure.pdf").stat().st_size == 3_500_000
    brochure.write_bytes(b"not a pdf")
    with pytest.raises(BuildFailed) as failed:
        preview.build({str(brochure)})
    assert [str(p) for p in failed.value.problems.sorted()] == [
        "content/solutions/kiosk/index.md:6: error: 'solutions/kiosk/brochure.pdf' is not a "
        "PDF file (it does not begin with %PDF-): save or export the brochure as PDF"]


def test_the_bundled_site_shows_a_sample_meeting_and_brochure(bundled):
    for lang in ("en", "zh-tw"):
        page = html(bundled / lang / "solutions/telehealth-care-kiosk/index.html")
        assert page.select(".actions a.button")[0]["href"] == "https://health.example.com/meet"
        brochure = page.select_one(".actions a[type='application/pdf']")
        assert (bundled / brochure["href"].lstrip("/")).read_bytes().startswith(b"%PDF-1.4")
        assert "1 kB" in brochure.get_text()
