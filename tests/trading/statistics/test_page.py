"""The statistics page in real headless Chromium (/usr/bin/chromium): the charts drawn with
ECharts from the API, and a table's CSV downloaded from the page equal to the API's rows."""

from __future__ import annotations

import csv
import io

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

PUBLIC_WITH_ROWS = ("projects", "transactions", "remote_opening", "security")


def points(page, name: str) -> list:
    """The values of every series the chart of ``name`` draws, as ECharts holds them."""
    return page.evaluate(
        """(name) => {
            const node = document.querySelector(`[data-chart="${name}"]`);
            const chart = window.echarts.getInstanceByDom(node);
            return chart ? chart.getOption().series.flatMap((s) => s.data) : [];
        }""",
        name,
    )


def test_the_public_page_draws_each_chart_and_its_csv_matches_the_api(contracted, open_page):
    from playwright.sync_api import expect

    page = open_page()
    page.goto("/statistics")

    expect(page.get_by_test_id("statistics")).to_have_attribute("data-drawn", "yes")
    for name in PUBLIC_WITH_ROWS:
        expect(page.get_by_test_id(f"chart-{name}").locator("canvas")).to_have_count(1)
        assert any(value for value in points(page, name)), name
    expect(page.get_by_test_id("section-refunds")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_test_id("csv-transactions").click()
    text = download.value.path().read_text(encoding="utf-8")
    api = page.request.get("/api/statistics").json()["tables"]["transactions"]
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == api["columns"]
    assert rows == [
        ["" if row[c] is None else str(row[c]) for c in api["columns"]] for row in api["rows"]
    ]
    assert rows[0][api["columns"].index("savings_rate")] == "13.22"
    save_screenshot(page, "statistics")


def test_a_supervisor_sees_the_centres_refunds_charted(contracted, open_page, make_user):
    from playwright.sync_api import expect

    page = open_page()
    sign_in(page, make_user("supervisor"))
    page.goto("/statistics")

    expect(page.get_by_test_id("statistics")).to_have_attribute("data-drawn", "yes")
    expect(page.get_by_test_id("chart-refunds").locator("canvas")).to_have_count(1)
    assert points(page, "refunds") == [1]
    expect(page.get_by_test_id("row-refunds")).to_have_count(1)
