"""The bundled site in a real browser: switcher, no errors, no sideways scrolling."""

from __future__ import annotations

import pytest
from sitekit import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = ["en/", "zh-tw/", "en/solutions/", "zh-tw/summit/", "en/cities/prague/",
         "zh-tw/solutions/adaptive-traffic-signals/", "en/summit/2020-08-13-europe/",
         "en/pavilions/taipei/", "en/tours/", "404.html", "",
         # the catalogue, its pavilion and cities pages
         "zh-tw/solutions/", "en/solutions/category/smart-transportation/",
         "en/solutions/adaptive-traffic-signals/", "zh-tw/pavilions/taipei/", "en/cities/",
         "zh-tw/cities/", "zh-tw/cities/prague/"]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_console_errors_and_no_horizontal_scroll(page_in, bundled_url, path):
    page = page_in(viewport={"width": 375, "height": 800})
    page.goto(f"{bundled_url}/{path}")
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    assert page.console_errors == [] and page.page_errors == []


def test_language_switcher_goes_to_the_translation(page_in, bundled_url):
    page = page_in()
    page.goto(f"{bundled_url}/en/cities/prague/")
    page.locator("a[hreflang='zh-Hant-TW']").first.click()
    page.wait_for_url("**/zh-tw/cities/prague/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    page.locator("a[hreflang='en']").first.click()
    page.wait_for_url("**/en/cities/prague/")


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("path", ["en/", "en/summit/", "en/solutions/",
                                  "zh-tw/solutions/adaptive-traffic-signals/"])
def test_screenshots(page_in, bundled_url, path, width):
    """Screenshots for people to look at (tests/artifacts/, git-ignored)."""
    page = page_in(viewport={"width": width, "height": 900})
    page.goto(f"{bundled_url}/{path}")
    ARTIFACTS.mkdir(exist_ok=True)
    name = path.strip("/").replace("/", "_") or "entry"
    shot = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
