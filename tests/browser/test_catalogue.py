"""The solution catalogue in real Chromium: the filter form (with and without JavaScript, by
mouse and by keyboard). Its pages on a 375 px phone: test_site.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitekit import html

VISIBLE = "[data-filter-items] > li:not([hidden])"


def cards(bundled: Path, path: str) -> list[dict[str, str]]:
    """The catalogue's cards as the built HTML gives them: link and filter values."""
    page = html(bundled / path / "index.html")
    return [{"href": li.select_one(".card__title a")["href"], "category": li["data-category"],
             "pavilion": li["data-pavilion"], "cities": li["data-cities"].split()}
            for li in page.select("[data-filter-items] > li")]


def choice(bundled: Path) -> tuple[str, str, list[str], list[str]]:
    """A category with several solutions, a city where one of them is deployed, and the links
    expected after choosing the category, then the city too (computed from the built HTML)."""
    items = cards(bundled, "en/solutions")
    categories = [item["category"] for item in items]
    category = max(categories, key=categories.count)
    in_category = [item for item in items if item["category"] == category]
    city = next(c for item in in_category for c in item["cities"])
    both = [item["href"] for item in in_category if city in item["cities"]]
    return category, city, [item["href"] for item in in_category], both


def shown(page) -> list[str]:
    return page.locator(f"{VISIBLE} .card__title a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


def status_text(bundled: Path, path: str, shown: int, total: int) -> str:
    form = html(bundled / path / "index.html").select_one("form[data-filter]")
    key = "data-status-all" if shown == total else "data-status-some"
    return form[key].replace("{shown}", str(shown)).replace("{total}", str(total))


def test_filter_by_category_then_city_and_reset(page_in, bundled_url, bundled):
    category, city, in_category, both = choice(bundled)
    total = len(cards(bundled, "en/solutions"))
    assert 1 < len(in_category) < total and 1 <= len(both) < len(in_category)
    page = page_in()
    page.goto(f"{bundled_url}/en/solutions/")
    form = page.locator("form[data-filter]")
    assert form.is_visible()
    status = form.locator("[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.text_content() == status_text(bundled, "en/solutions", total, total)
    assert page.locator(VISIBLE).count() == total
    assert page.locator("[data-filter-reset]").is_hidden()

    page.select_option("#filter-category", category)
    assert shown(page) == in_category
    assert status.text_content() == status_text(bundled, "en/solutions",
                                                len(in_category), total)
    assert page.url.endswith(f"/en/solutions/?category={category}")

    page.select_option("#filter-city", city)
    assert shown(page) == both
    assert page.locator(VISIBLE).count() == len(both)
    assert status.text_content() == status_text(bundled, "en/solutions", len(both), total)
    assert f"city={city}" in page.url and page.locator("[data-filter-empty]").is_hidden()

    page.locator("[data-filter-reset]").click()
    assert page.locator(VISIBLE).count() == total
    assert status.text_content() == status_text(bundled, "en/solutions", total, total)
    assert page.url.endswith("/en/solutions/")
    assert page.locator("#filter-category").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "filter-category"
    assert page.console_errors == [] and page.page_errors == []


def test_a_shared_filter_address_opens_filtered(page_in, bundled_url, bundled):
    category, city, _, both = choice(bundled)
    page = page_in()
    page.goto(f"{bundled_url}/en/solutions/?category={category}&city={city}")
    assert shown(page) == both
    assert page.locator("#filter-category").input_value() == category
    assert page.locator("#filter-city").input_value() == city
    # A value that is no option is ignored rather than hiding everything.
    page.goto(f"{bundled_url}/en/solutions/?category=no-such-thing")
    assert page.locator(VISIBLE).count() == len(cards(bundled, "en/solutions"))
    assert page.console_errors == [] and page.page_errors == []


def test_a_filter_with_no_match_says_so(page_in, bundled_url, bundled):
    items = cards(bundled, "en/solutions")
    # A city and a category that never meet, if the bundled site has such a pair.
    pairs = [(c, city) for c in {i["category"] for i in items}
             for city in {x for i in items for x in i["cities"]}
             if not any(i["category"] == c and city in i["cities"] for i in items)]
    category, city = sorted(pairs)[0]
    page = page_in()
    page.goto(f"{bundled_url}/en/solutions/")
    page.select_option("#filter-category", category)
    page.select_option("#filter-city", city)
    assert page.locator(VISIBLE).count() == 0
    empty = html(bundled / "en/solutions/index.html").select_one("form[data-filter]")
    assert page.locator("[role=status]").text_content() == empty["data-status-none"]
    assert page.locator("[data-filter-empty]").is_visible()


def test_filter_in_chinese_and_on_a_category_page(page_in, bundled_url, bundled):
    page = page_in()
    page.goto(f"{bundled_url}/zh-tw/solutions/")
    total = len(cards(bundled, "zh-tw/solutions"))
    assert page.locator("[role=status]").text_content() == f"顯示全部 {total} 項解決方案"
    page.select_option("#filter-category", "smart-transportation")
    expected = [c["href"] for c in cards(bundled, "zh-tw/solutions")
                if c["category"] == "smart-transportation"]
    assert shown(page) == expected
    assert page.locator("[role=status]").text_content() == \
        f"顯示 {len(expected)} 項解決方案（共 {total} 項）"
    # A category page filters its own cards by city; it has no category select.
    page.goto(f"{bundled_url}/en/solutions/category/smart-transportation/")
    assert page.locator("form[data-filter]").is_visible()
    assert page.locator("#filter-category").count() == 0
    items = cards(bundled, "en/solutions/category/smart-transportation")
    city = items[0]["cities"][0]
    page.select_option("#filter-city", city)
    assert shown(page) == [i["href"] for i in items if city in i["cities"]]
    assert page.console_errors == [] and page.page_errors == []


def test_filter_works_with_the_keyboard_alone(page_in, bundled_url, bundled):
    page = page_in()
    page.goto(f"{bundled_url}/en/solutions/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "filter-category":
            break
    else:
        pytest.fail("Tab never reaches the category select")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("ArrowDown")  # the first category
    category = page.locator("#filter-category").input_value()
    assert category
    expected = [c["href"] for c in cards(bundled, "en/solutions")
                if c["category"] == category]
    assert shown(page) == expected
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filter-pavilion"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filter-city"
    page.keyboard.press("Tab")  # the reset button, shown now that a filter is set
    assert page.evaluate("document.activeElement.hasAttribute('data-filter-reset')")
    page.keyboard.press("Enter")
    assert page.locator(VISIBLE).count() == len(cards(bundled, "en/solutions"))
    assert page.evaluate("document.activeElement.id") == "filter-category"
    assert page.console_errors == [] and page.page_errors == []


def test_without_javascript_the_form_stays_hidden_and_category_links_work(page_in, bundled_url,
                                                                           bundled):
    page = page_in(java_script_enabled=False)
    page.goto(f"{bundled_url}/en/solutions/")
    assert page.locator("form[data-filter]").count() == 1
    assert page.locator("form[data-filter]").is_hidden()
    total = len(cards(bundled, "en/solutions"))
    assert page.locator(VISIBLE).count() == total
    link = page.locator("nav.filters a[href$='/category/smart-transportation/']")
    count = int(link.locator(".count").text_content())
    link.click()
    page.wait_for_url("**/en/solutions/category/smart-transportation/")
    assert page.locator("[data-filter-items] > li").count() == count
    assert page.locator("nav.filters a[aria-current=page]").get_attribute("href") \
        == "/en/solutions/category/smart-transportation/"
    assert page.locator("form[data-filter]").is_hidden()
    page.locator("nav.filters a", has_text="All").click()
    page.wait_for_url("**/en/solutions/")
    assert page.locator("[data-filter-items] > li").count() == total
