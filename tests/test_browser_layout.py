"""Every page as an analyst sees it, in a real headless Chromium at 1400 px and at 390 px.

One app (a fresh KB_HOME, so the demo corpus) is walked page by page at both widths: each page is
screenshotted (test-artifacts/screenshots/layout/), nothing on it needs a horizontal scroll of the
page, the key columns of each table lie inside the viewport (the headers of kb/ui/tables.py's
tables at 1400 px; at 390 px their rows are cards within the screen; a data grid's box inside the
viewport with its key columns' set widths inside the grid), and no request leaves the app's origin.
Then: a page turn scrolls back to the results, a reload keeps the timeline's tab and page, a bad
link shows its notes, and an unknown path says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.ui.pages import PAGES
from tests.test_browser import ARTIFACTS, MISSING, REQUIRED, shots, sync_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(900),
    pytest.mark.skipif(bool(MISSING) and not REQUIRED, reason=MISSING),
]

LAYOUT = ARTIFACTS / "layout"
WIDTHS = {"wide": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}
# Extra views beyond each menu page's own address: (name, path and query, a text it shows once drawn).
VIEWS = [
    ("search-h20", "/?q=H20", "results"),
    ("timeline-as-of", "/timeline?tab=as_of&as_of=2025-03-01", "Upcoming deadlines"),
    ("entity-nvidia", "/entities?id=nvidia", "Named together with"),
    ("entity-china", "/entities?id=china", "Availability history"),
    ("entity-typo", "/entities?id=nvdia", "Did you mean"),
]


def menu_views() -> list[tuple[str, str, str | None]]:
    return [(path, "/" + path, None) for _file, _title, _icon, path in PAGES if path != "document"]


@pytest.fixture(scope="module")
def app_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("layout") / "kbhome"


def no_page_scroll(page) -> None:
    sizes = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
        return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; }"""
    )
    assert sizes[0] <= sizes[1] + 1 and sizes[2] <= sizes[3] + 1, f"the page scrolls sideways: {sizes}"


def inside(box: dict, width: int, what: str) -> None:
    assert box is not None, f"{what} is not drawn"
    assert box["x"] >= -1 and box["x"] + box["width"] <= width + 1, f"{what} leaves the viewport: {box}"


def check_tables(page, width: int, where: str) -> int:
    """The HTML tables' key columns (wide) or cards (phone) inside the viewport; grids inside it too."""
    checked = 0
    for table in page.locator("table.kb-table").all():
        if not table.is_visible():
            continue  # in a closed tab or expander
        heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        cards = "kb-cards" in (table.get_attribute("class") or "")
        if width > 640 and not cards:
            wrap = table.locator("xpath=..").bounding_box()
            for i, name in enumerate(heads):  # fixed layout: every column, key ones first, fits
                box = table.locator("thead th").nth(i).bounding_box()
                inside(box, width, f"{where}: {name}")
                assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1, f"{where}: {name} is clipped"
        else:
            for name, card in (("a card", table.locator("tbody tr").first), ("its box", table)):
                inside(card.bounding_box(), width, f"{where}: {name}")
        checked += 1
    for grid in page.locator('[data-testid="stDataFrame"]').all():
        if grid.is_visible():
            inside(grid.bounding_box(), width, f"{where}: a data grid")
            toolbar_clear(page, grid, where)
            checked += 1
    return checked


def toolbar_clear(page, grid, where: str) -> None:
    """The grid's toolbar, shown on hover, covers nothing of the element above the grid."""
    grid.scroll_into_view_if_needed()
    grid.hover()
    toolbar = grid.locator('[data-testid="stElementToolbar"]')
    toolbar.wait_for(state="visible", timeout=5_000)
    above = grid.locator("xpath=ancestor::div[@data-testid='stElementContainer'][1]/preceding-sibling::div[1]")
    bar, prev = toolbar.bounding_box(), above.bounding_box() if above.count() else None
    if prev and prev["height"] > 0:
        assert bar["y"] >= prev["y"] + prev["height"] - 1, (
            f"{where}: the grid's toolbar covers {above.inner_text()[:60]!r}"
        )
    page.mouse.move(0, 0)


def walk(page, base: str, name: str, size: dict) -> list[str]:
    """Every page at one width; the names of the views with a table checked."""
    page.set_viewport_size(size)
    with_tables = []
    for view, path, text in menu_views() + VIEWS:
        page.goto(base + path)
        shots.settle(page, text)
        no_page_scroll(page)
        if check_tables(page, size["width"], f"{view} at {size['width']} px"):
            with_tables.append(view)
        shots.shoot(page, LAYOUT / f"{name}-{view}.png")
    page.goto(base + "/?q=H20")
    shots.settle(page, "results")
    page.locator('[data-testid="stPageLink"] a[href*="document"]').first.click()
    page.wait_for_url("**/document?id=*")
    shots.settle(page, "Text")
    no_page_scroll(page)
    check_tables(page, size["width"], f"document at {size['width']} px")
    shots.shoot(page, LAYOUT / f"{name}-document.png")
    return with_tables


def test_every_page_fits_at_1400_and_390_px_and_asks_no_other_host(app_home, tmp_path):
    with sync_api.sync_playwright() as playwright:
        browser = shots.launch(playwright)
        page = browser.new_page(viewport=WIDTHS["wide"])
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        with shots.serve(app_home, log=tmp_path / "streamlit.log") as base:
            page.goto(base + "/sources")
            shots.settle(page, "due for a check", timeout=300_000)  # the first start loads the demo corpus
            wide = walk(page, base, "wide", WIDTHS["wide"])
            assert {"timeline-as-of", "entity-china", "sources"} <= set(wide), wide
            phone = walk(page, base, "phone", WIDTHS["phone"])
            assert {"timeline-as-of", "entity-china"} <= set(phone), phone
        browser.close()
    strangers = sorted({url for url in requests if not url.startswith(base + "/") and not url.startswith("data:")})
    assert not strangers, f"requests to other hosts: {strangers}"
    assert any("/media/" in url for url in requests), "the page icon is served by the app itself"
    assert not errors, errors


def test_state_survives_a_reload_and_bad_links_say_so(app_home, tmp_path):
    with sync_api.sync_playwright() as playwright:
        browser = shots.launch(playwright)
        page = browser.new_page(viewport=WIDTHS["wide"])
        with shots.serve(app_home, log=tmp_path / "streamlit.log") as base:
            page.goto(base + "/?q=china")
            shots.settle(page, "results", timeout=300_000)
            page.locator('[data-testid="stPaginationPage"]').filter(has_text="2").first.click()
            page.wait_for_url("**page=2**")
            shots.settle(page, "page 2 of")
            page.wait_for_timeout(500)
            top = page.get_by_text("page 2 of").first.bounding_box()
            assert top is not None and 0 <= top["y"] < WIDTHS["wide"]["height"], f"not scrolled to the results: {top}"
            shots.shoot(page, LAYOUT / "page-two.png", full_page=False)
            page.reload()
            shots.settle(page, "page 2 of")

            page.goto(base + "/timeline")
            shots.settle(page, "events")
            page.get_by_role("tab", name="As of a date").click()
            page.wait_for_url("**tab=as_of**")
            page.reload()
            shots.settle(page, "Upcoming deadlines")
            selected = page.get_by_role("tab", name="As of a date").get_attribute("aria-selected")
            assert selected == "true", "the reload opens the as-of tab again"

            page.goto(base + "/timeline?since=2026-99-01&page=90")
            shots.settle(page, "cannot show")
            text = page.locator('[data-testid="stAlert"]').first.inner_text()
            assert "is not a date" in text and "past the last page" in text, text
            page.goto(base + "/?q=(H20 OR")
            shots.settle(page, "is not closed")
            shots.shoot(page, LAYOUT / "bad-query.png", full_page=False)
            page.goto(base + "/no-such-page")
            shots.settle(page)
            page.get_by_text("Page not found").first.wait_for(timeout=10_000)
        browser.close()
