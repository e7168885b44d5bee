"""The HTML board in a real headless Chromium: a click on a column header sorts the table (DOM and
screenshot), a click on a model opens its protocol, and a phone-width page does not scroll sideways.

Chromium comes from Debian's packages (`.ci/run` installs it); without it the test skips.
"""
from __future__ import annotations

import pytest

from bench.leaderboard import Board
from bench.leaderboard.build import build_pages
from bench.leaderboard.site import write_site
from bench.results import metrics_frame
from bench.tables.sources import load_paper
from tests.leaderboard.browser import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (apt-get install chromium, or set "
                                                          "BENCH_CHROMIUM): the browser test needs one")
ROWS = "Array.from(document.querySelectorAll('#table-quality tbody tr'))"


@pytest.fixture(scope="module")
def page_url(lb_dataset, archive, tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    board = Board.init(root / "board", lb_dataset, "kfold", folds=2, seed=0)
    board.add(archive)
    paper = metrics_frame([r for r in load_paper()[0] if not r.get("ablation")])
    write_site(board, build_pages(board, paper=paper, n_boot=200), "html", root / "site", plots=False)
    return (root / "site" / "quick" / "index.html").as_uri()


def column_values(browser, column: int) -> list:
    return browser.evaluate(f"{ROWS}.map(r => r.cells[{column}].getAttribute('data-value'))")


def test_click_sorts_the_table(page_url, tmp_path):
    with Browser(CHROMIUM) as browser:
        browser.open(page_url)
        before_png = browser.screenshot()
        krcc = 4  # Rank, Model, SRCC, PLCC, KRCC
        assert browser.evaluate("document.querySelector('#table-quality th:nth-child(5)').textContent") == "KRCC ↑"
        browser.click("#table-quality th:nth-child(1)")  # by rank group, ascending: not the KRCC order
        browser.click("#table-quality th:nth-child(5)")
        values = [float(v) for v in column_values(browser, krcc) if v]
        assert values == sorted(values, reverse=True) and len(values) > 10  # best first for a higher-is-better column
        assert browser.evaluate("document.querySelector('#table-quality th:nth-child(5)')"
                                ".getAttribute('aria-sort')") == "descending"
        first = browser.evaluate(f"{ROWS}[0].getAttribute('data-key')")
        after_png = browser.screenshot()
        browser.click("#table-quality th:nth-child(5)")  # again: ascending, empty cells last
        again = [v for v in column_values(browser, krcc)]
        numbers = [float(v) for v in again if v]
        assert numbers == sorted(numbers) and all(v for v in again[:len(numbers)])
        dom = browser.dom()
    for name, png in (("before.png", before_png), ("after.png", after_png)):
        assert png.startswith(b"\x89PNG") and len(png) > 20_000
        (tmp_path / name).write_bytes(png)
    assert before_png != after_png
    assert 'aria-sort="ascending"' in dom and first in dom


def test_protocol_is_one_click_away(page_url):
    with Browser(CHROMIUM) as browser:
        browser.open(page_url)
        summary = "#table-quality tr.verified details summary"
        assert browser.evaluate(f"document.querySelector('{summary}').parentNode.open") is False
        browser.click(summary)
        assert browser.evaluate(f"document.querySelector('{summary}').parentNode.open") is True
        text = browser.evaluate(f"document.querySelector('{summary}').parentNode.innerText")
        for word in ("profile", "quick", "split", "kfold-2-seed0", "weights", "submission", "lab A"):
            assert word in text


def test_readable_on_a_phone(page_url):
    with Browser(CHROMIUM, width=390, height=844) as browser:
        browser.open(page_url)
        # the page itself never scrolls sideways; wide tables scroll inside their own box
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert browser.evaluate("getComputedStyle(document.querySelector('.scroll')).overflowX") == "auto"
        browser.click("#show-reference")
        assert browser.evaluate(f"{ROWS}.filter(r => r.offsetParent !== null).every(r => r.classList.contains('verified'))")
