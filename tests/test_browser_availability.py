"""In a real headless Chromium: the Providers page and the OpenAI and China entity pages show
who serves whom, served or not, with the source of each state (the demo corpus, which the app
loads on its first start). Same requirements and marks as tests/test_browser.py."""

from __future__ import annotations

from tests.test_browser import ARTIFACTS, browser, pytestmark, shots, sync_api, watched  # noqa: F401  (fixtures, marks)


def table_text(page, waiting_for: str) -> str:
    """The text of the page's static tables, once `waiting_for` shows in one (a busy machine draws late)."""
    tables = page.locator('[data-testid="stTable"]')
    sync_api.expect(tables.filter(has_text=waiting_for).first).to_be_visible(timeout=60_000)
    return "\n".join(t.inner_text() for t in tables.all())


def test_the_providers_and_entity_pages_show_states_with_their_sources(tmp_path, watched):  # noqa: F811
    page = watched
    home = tmp_path / "kbhome"
    with shots.serve(home, log=tmp_path / "streamlit.log") as base:
        page.goto(base + "/providers?on=2024-07-10&q=China")
        # The first view waits for the app's writer to load the demo corpus: allow for a busy machine.
        shots.settle(page, "Asia (1)", timeout=240_000)
        cells = table_text(page, "OpenAI API page as read on 2024-07-10")
        assert "not served" in cells, cells
        assert "2024-07-09: OpenAI starts blocking API access" in cells, "the news rides along"
        assert "served" in cells.replace("not served", "") and "Baidu" in cells, "ERNIE, from the news"
        source = page.locator('[data-testid="stTable"] a[href="https://platform.openai.com/docs/supported-countries"]')
        assert source.count() >= 1, "each page-made state links its page"
        shots.shoot(page, ARTIFACTS / "providers-china.png")

        page.goto(base + "/entities?id=openai")
        shots.settle(page, "Where it is offered now")
        offered = page.get_by_text("offered in 188 countries and territories")
        assert offered.count() == 2, "the OpenAI API and ChatGPT, each from its own page"
        shots.shoot(page, ARTIFACTS / "entity-openai-availability.png")

        page.goto(base + "/entities?id=china")
        shots.settle(page, "Who serves it now")
        cells = table_text(page, "Claude.ai page as read on")
        assert "not served" in cells and "Gemini API" in cells, cells
        assert "Baidu opens ERNIE Bot to the general public in China" in cells, "a state from the news"
        shots.shoot(page, ARTIFACTS / "entity-china-availability.png")
    assert not page.errors and not page.dialogs
