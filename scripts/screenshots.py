"""Take screenshots of the real app: `python scripts/screenshots.py [--out docs/screenshots] [--full-page]`.

Starts `streamlit run app.py` on a free loopback port with a fresh KB_HOME
(so the first start loads the demo corpus), drives Debian's Chromium with
Playwright and saves one PNG per page: search, document, entities, entity
(followed first, so that the Watches page has a watch), timeline, providers,
watches, sources, then `DETAILS` (one feature each, two of them at 390 px). By default each shot is the 1400x1000
viewport (what a README needs, and small files); `--full-page` takes whole
pages. `tests/test_browser.py` reuses the helpers below.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
ENTITY = "nvidia"  # the entity page shown in the README
# (file name, path and query, a text the page shows once drawn), after search and document
PAGES = [
    ("entities", "/entities", "named in documents"),
    ("entity", f"/entities?id={ENTITY}", "Named together with"),
    ("timeline", "/timeline", "As of a date"),
    ("providers", "/providers", "Providers"),
    ("watches", "/watches", "timeline filters you follow"),
    ("sources", "/sources", "due for a check"),
]


# Views that show one feature each, for the README's list of what the app does:
# (file name, path and query, a text the page shows once drawn, a text to scroll to or None, viewport).
PHONE = {"width": 390, "height": 844}
DETAILS = [
    ("timeline-as-of", "/timeline?tab=as_of&as_of=2025-03-01", "Upcoming deadlines", "rules as of", VIEWPORT),
    ("source-panel", "/sources?source=1", "due for a check", "One source", VIEWPORT),
    ("bad-link", "/timeline?since=2026-99-01&page=90", "cannot show", None, VIEWPORT),
    ("unbalanced-query", "/?q=(H20 OR", "is not closed", None, VIEWPORT),
    ("entity-typo", "/entities?id=nvdia", "Did you mean", None, VIEWPORT),
    ("phone-search", "/?q=H20", "results", None, PHONE),
    ("phone-timeline-as-of", "/timeline?tab=as_of&as_of=2025-03-01", "Upcoming deadlines", "rules as of", PHONE),
    ("phone-entity-china", "/entities?id=china", "Availability history", "Availability history", PHONE),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not become healthy at {base} within {timeout:g}s")


@contextmanager
def serve(home: Path, *, port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """Run `streamlit run app.py` with KB_HOME=`home`; yield its base URL; stop it afterwards."""
    port = port or free_port()
    env = dict(os.environ, KB_HOME=str(home), PYTHONUNBUFFERED="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    for name in ("KB_DATABASE_URL", "KB_INDEX_DIR"):
        env.pop(name, None)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115  (closed in the finally below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "minimal",
        ],  # no "Deploy" button in the screenshots
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def settle(page, text: str | None = None, timeout: float = 30_000) -> None:
    """Wait until the app has drawn `text` and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    if text:
        page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    # Elements not drawn yet show as grey skeletons (page links, buttons, charts): wait them out.
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)
    page.wait_for_timeout(600)  # let fonts, icons and data grids land


def shoot(page, path: Path, full_page: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no hover effect or tooltip in the picture
    page.screenshot(path=str(path), full_page=full_page)
    return path


def follow(page, url: str, text: str | None = None) -> None:
    """Press Follow on the page at `url`, once it shows `text` (the Watches page then lists it)."""
    page.goto(url)
    settle(page, text)
    page.get_by_role("button").filter(has_text="Follow").first.click()
    settle(page, "Following")


def capture(page, base: str, out: Path, full_page: bool = False) -> list[Path]:
    """Screenshots of every page: Search (for H20), a Document from its results, then `PAGES`."""
    shots = []
    page.goto(f"{base}/?q=H20")
    settle(page, "results", timeout=240_000)  # the first start loads the demo corpus: slow on a busy machine
    shots.append(shoot(page, out / "search.png", full_page))
    page.locator('[data-testid="stPageLink"] a[href*="document"]').first.click()
    settle(page, "Text")
    shots.append(shoot(page, out / "document.png", full_page))
    events = page.get_by_text("Events it supports")
    if events.count():  # the same document further down: its events, linked to the timeline
        events.first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)
        shots.append(shoot(page, out / "document-events.png", full_page))
    follow(page, f"{base}/entities?id={ENTITY}", "Named together with")
    for name, path, text in PAGES:
        page.goto(base + path)
        settle(page, text)
        shots.append(shoot(page, out / f"{name}.png", full_page))
    for name, path, text, scroll_to, viewport in DETAILS:
        page.set_viewport_size(viewport)
        page.goto(base + path)
        settle(page, text)
        if scroll_to:
            page.get_by_text(scroll_to).first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(400)
        shots.append(shoot(page, out / f"{name}.png", full_page))
    page.set_viewport_size(VIEWPORT)
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where to write the PNGs")
    parser.add_argument("--full-page", action="store_true", help="whole pages instead of the first screen")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="kb-screenshots-") as tmp,
        serve(Path(tmp) / "kbhome", log=Path(tmp) / "streamlit.log") as base,
        sync_playwright() as pw,
    ):
        browser = launch(pw)
        page = browser.new_page(viewport=VIEWPORT)
        for path in capture(page, base, args.out, full_page=args.full_page):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
