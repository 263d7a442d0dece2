"""The dashboard in a real browser (headless Chromium) against a real TLS server.

Every number on screen is compared with the server's own answer to the same request, formatted
with tests/dashboard/formats.py. Views whose method this server does not have yet must show a
message saying so (and nothing broken); once the method is there, its numbers are checked.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from acdstats.config import Settings
from acdstats.web.app import create_app
from tests.authkit import token
from tests.dashboard.formats import avg_or_none, count, duration, percent, percent_of
from tests.dashboard.kit import (
    BIG_OPERATORS,
    PERIOD,
    Deployment,
    cells,
    go,
    open_signed_in,
    wait_loaded,
    wait_text,
)
from tests.webkit import running_server

pytestmark = pytest.mark.browser

CALL_ITEMS = "AC;UAC;SA;TT;ACW;HT"
STATUSES = ("READY", "IN_SERVICE", "AFTER_SERVICE", "DND")


def status_object(record: dict[str, Any]) -> dict[str, Any]:
    detail = record["acd_status"]
    return dict(detail[0] if isinstance(detail, list) else detail)


def expected_operator_rows(d: Deployment, window: dict[str, str]) -> dict[str, dict[str, str]]:
    """What the Operators table must show, from the server's answers."""
    stats = d.result(
        "GetACDOperatorStatistics",
        {**window, "user_id": "all", "report": CALL_ITEMS, "percentiles": "90"},
    )
    rows: dict[str, dict[str, str]] = {}
    dash = "—"
    for group in stats:
        s = group["statistics"][0]
        sa = s["SA"]
        rows[str(group["user_id"])] = {
            "id": str(group["user_id"]),
            "AC": count(s["AC"]),
            "UAC": count(s["UAC"]),
            "SA_avg": duration(avg_or_none(sa)),
            "SA_p90": duration(sa["p90"]) if sa["count"] and "p90" in sa else dash,
            "TT_avg": duration(avg_or_none(s["TT"])),
            "ACW_avg": duration(avg_or_none(s["ACW"])),
            "HT_avg": duration(avg_or_none(s["HT"])),
            **{name: dash for name in STATUSES},
        }
    if d.has_method("GetACDOperatorStatusStatistics"):
        status = d.result(
            "GetACDOperatorStatusStatistics",
            {**window, "user_id": "all", "acd_status": ";".join(STATUSES)},
        )
        empty = {"AC": "0", "UAC": "0", "SA_avg": dash, "SA_p90": dash, "TT_avg": dash,
                 "ACW_avg": dash, "HT_avg": dash}  # fmt: skip
        for group in status:
            user = str(group["user_id"])
            row = rows.setdefault(user, {"id": user, **empty})
            detail = status_object(group["statistics"][0])
            for name in STATUSES:
                row[name] = duration(detail[name]["sum"] if name in detail else 0)
    return rows


def test_sign_in_with_credentials_file_and_operators_equal_the_api(
    page: Any, deployment: Deployment
) -> None:
    open_signed_in(page, deployment, f"/operators?{PERIOD}")
    assert "account 1" in page.inner_text("#who")
    expected = expected_operator_rows(deployment, deployment.window())
    assert len(expected) == 12
    shown = cells(page, "operators-table")
    assert [row["id"] for row in shown] == sorted(expected, key=int)  # sorted by id
    assert {row["id"]: row for row in shown} == expected
    assert "12 operators, 2026-03-01 – 2026-03-07 (UTC)" in page.inner_text("#operators-table")
    if not deployment.has_method("GetACDOperatorStatusStatistics"):
        assert "need GetACDOperatorStatusStatistics" in page.inner_text("main")


def test_sorting_by_a_column_orders_every_row(page: Any, deployment: Deployment) -> None:
    open_signed_in(page, deployment, f"/operators?{PERIOD}")
    expected = expected_operator_rows(deployment, deployment.window())
    page.click("#operators-table button.sort:has-text('AHT')")  # first click: longest first
    seconds = {
        user: int(r["HT_avg"].split(":")[0]) * 60 + int(r["HT_avg"].split(":")[1])
        for user, r in expected.items()
    }
    order = sorted(expected, key=lambda u: (-seconds[u], int(u)))
    assert [row["id"] for row in cells(page, "operators-table")] == order
    assert "sort=HT_avg" in page.url and "dir=desc" in page.url
    page.click("#operators-table button.sort:has-text('AHT')")
    assert [row["id"] for row in cells(page, "operators-table")] == sorted(
        expected, key=lambda u: (seconds[u], int(u))
    )
    # The sort is in the URL: a reload (and signing in again) shows the same order.
    page.reload()
    page.set_input_files("#credentials-file", str(deployment.credentials["Supervisor"]))
    wait_loaded(page)
    assert [row["id"] for row in cells(page, "operators-table")] == sorted(
        expected, key=lambda u: (seconds[u], int(u))
    )


def test_one_operator_days_equal_the_api(page: Any, deployment: Deployment) -> None:
    window = deployment.window()
    everyone = deployment.result("GetACDOperatorStatistics", {**window, "user_id": "all"})
    busiest = max(everyone, key=lambda g: g["statistics"][0]["AC"] + g["statistics"][0]["UAC"])
    user = str(busiest["user_id"])  # more offers than one page of them
    open_signed_in(page, deployment, f"/operators?{PERIOD}")
    page.click(f"#operators-table a:text-is('{user}')")
    wait_text(page, "main h1", f"Operator {user}")
    wait_loaded(page)
    params = {**window, "user_id": user, "report": CALL_ITEMS, "percentiles": "90"}
    total = deployment.result("GetACDOperatorStatistics", params)[0]["statistics"][0]
    assert page.inner_text("[data-tile=AC] .tile-value") == count(total["AC"])
    assert page.inner_text("[data-tile=AC] .tile-note") == f"{count(total['UAC'])} unanswered"
    assert page.inner_text("[data-tile=SA] .tile-value") == duration(avg_or_none(total["SA"]))
    if "p90" in total["SA"]:
        assert page.inner_text("[data-tile=SA] .tile-note") == f"p90 {duration(total['SA']['p90'])}"
    assert page.inner_text("[data-tile=TT] .tile-value") == duration(total["TT"]["sum"])
    assert page.inner_text("[data-tile=HT] .tile-value") == duration(avg_or_none(total["HT"]))
    days = deployment.result("GetACDOperatorStatistics", {**params, "aggregation": "day"})
    shown = cells(page, "operator-days")
    assert [r["id"] for r in shown] == [b["date"] for b in days[0]["statistics"]]
    for row, bucket in zip(shown, days[0]["statistics"], strict=True):
        assert row["AC"] == count(bucket["AC"]) and row["UAC"] == count(bucket["UAC"])
        assert row["SA_avg"] == duration(avg_or_none(bucket["SA"]))
        if "p90" in bucket["SA"]:
            assert row["SA_p90"] == duration(bucket["SA"]["p90"] if bucket["SA"]["count"] else None)
        assert row["TT_sum"] == duration(bucket["TT"]["sum"])
        assert row["HT_avg"] == duration(avg_or_none(bucket["HT"]))
    assert page.locator("#main .chart canvas").count() >= 1  # uPlot drew the trend
    for method, section in (("GetACDOperatorStatusStatistics", "Status time"),
                            ("GetACDOffers", "Offers")):  # fmt: skip
        if not deployment.has_method(method):
            text = page.inner_text(f"section:has(h2:text-is('{section}'))")
            assert f"This server has no {method} yet" in text
    if deployment.has_method("GetACDOperatorStatusStatistics"):
        status = deployment.result(
            "GetACDOperatorStatusStatistics", {**window, "user_id": user, "aggregation": "day"}
        )[0]["statistics"]
        totals = status_object(
            deployment.result("GetACDOperatorStatusStatistics", {**window, "user_id": user})[0][
                "statistics"
            ][0]
        )
        for name in STATUSES:
            tile = page.inner_text(f"[data-tile={name}] .tile-value")
            assert tile == duration(totals[name]["sum"] if name in totals else 0)
        shown = cells(page, "operator-status")
        assert [r["id"] for r in shown] == [b["date"] for b in status]
        for row, bucket in zip(shown, status, strict=True):
            detail = status_object(bucket)
            for name, text in row.items():
                if name != "id":
                    assert text == duration(detail[name]["sum"] if name in detail else 0)
        assert set(shown[0]) - {"id"} == {n for b in status for n in status_object(b)}
    if deployment.has_method("GetACDOffers"):
        offers = {**window, "user_id": user, "count": "25"}
        first = deployment.api("GetACDOffers", offers).json()
        assert f"{count(first['total_count'])} in all" in page.inner_text("main")
        assert_offers(cells(page, "operator-offers"), first["result"])
        page.click("a:text('Next →')")
        page.wait_for_function("() => document.body.dataset.shown.includes('offset=25')")
        second = deployment.api("GetACDOffers", offers | {"offset": "25"}).json()
        assert_offers(cells(page, "operator-offers"), second["result"])
        assert f"Rows 26–50 of {count(second['total_count'])}" in page.inner_text("main")


def assert_offers(shown: list[dict[str, str]], rows: list[dict[str, Any]]) -> None:
    assert len(shown) == len(rows) and rows
    for cell, row in zip(shown, rows, strict=True):
        for name in ("offered_at", "request_id", "answered_at", "ended_at"):
            assert cell[name] == ("—" if row[name] is None else str(row[name]))
        assert cell["acd_queue_id"] == str(row["acd_queue_id"])
        for name in ("SA", "TT", "ACW", "HT"):
            assert cell[name] == duration(row[name])


def test_failed_sign_in_is_a_message(page: Any, deployment: Deployment, tmp_path: Any) -> None:
    page.goto(deployment.base_url + "/")
    page.wait_for_selector("body[data-ready]")
    page.set_input_files("#credentials-file", str(deployment.credentials["Deleted"]))
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    assert "Sign-in failed" in error.inner_text() and "(error 100)" in error.inner_text()
    assert page.locator("#app").is_hidden()
    not_json = tmp_path / "notes.json"
    not_json.write_text("hello")
    page.set_input_files("#credentials-file", str(not_json))
    wait_text(page, "#signin-error", "This file is not JSON")
    page.click("summary:text('Or paste a token')")
    page.fill("#token-text", "not.a-token")
    page.click("button:text('Use this token')")
    wait_text(page, "#signin-error", "not a JWT")
    assert page.locator("#app").is_hidden()


def test_a_key_without_a_statistics_role_gets_the_104_message(
    page: Any, deployment: Deployment
) -> None:
    page.goto(deployment.base_url + "/")
    page.wait_for_selector("body[data-ready]")
    page.set_input_files("#credentials-file", str(deployment.credentials["Support"]))
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "This key may not read statistics" in text and "(error 104)" in text
    assert "Support" in text  # the server's message names the key's roles
    assert page.locator("#app").is_hidden()


def test_a_pasted_token_signs_in(page: Any, deployment: Deployment) -> None:
    page.goto(f"{deployment.base_url}/#/operators?{PERIOD}")
    page.wait_for_selector("body[data-ready]")
    page.click("summary:text('Or paste a token')")
    page.fill("#token-text", token(deployment.key("Supervisor"), ttl=600))
    page.click("button:text('Use this token')")
    wait_loaded(page)
    assert "(pasted token)" in page.inner_text("#who")
    assert len(cells(page, "operators-table")) == 12


def test_an_empty_period_says_so(page: Any, deployment: Deployment) -> None:
    open_signed_in(page, deployment, "/operators?period=custom&from=2025-01-01&to=2025-01-31")
    assert cells(page, "operators-table") == []
    assert "No operator had calls or status changes in this period." in page.inner_text("main")
    go(page, "#/overview?period=custom&from=2025-01-01&to=2025-01-31")
    text = page.inner_text("main")
    if deployment.has_method("GetACDQueueStatistics"):
        assert "No calls in this period" in text
        assert page.inner_text("[data-tile=calls] .tile-value") == "0"
    else:
        assert "This server has no GetACDQueueStatistics yet" in text


def test_the_private_key_never_leaves_the_tab_and_sign_out_forgets_it(
    page: Any, deployment: Deployment
) -> None:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url + "\n" + (r.post_data or "") + "\n"
                                             + "\n".join(r.headers.values())))  # fmt: skip
    open_signed_in(page, deployment, f"/operators?{PERIOD}")
    go(page, f"#/operators/1001?{PERIOD}")
    pem_body = "".join(deployment.key("Supervisor")["private_key"].splitlines()[1:-1])
    assert sent and not any(pem_body[:40] in s or "PRIVATE KEY" in s for s in sent)
    tokens = [re.search(r"Bearer (\S+)", s) for s in sent]
    assert any(tokens)
    page.click("#signout")
    assert page.locator("#signin").is_visible() and page.locator("#app").is_hidden()
    assert page.inner_text("#main") == ""
    before = len(sent)
    page.evaluate("location.hash = '#/operators'")
    page.evaluate("new Promise(done => setTimeout(done, 0))")  # the hashchange has run
    assert len(sent) == before  # no key, no calls
    # Signing in again needs the file again.
    assert page.input_value("#credentials-file") == ""


def test_overview_and_queues(page: Any, deployment: Deployment) -> None:
    open_signed_in(page, deployment, f"/overview?{PERIOD}")
    # Occupancy: in service + after service over every status but OFFLINE, all operators.
    status = deployment.result(
        "GetACDOperatorStatusStatistics",
        {**deployment.window(), "user_id": "all", "group": "aggregation"},
    )
    sums: dict[str, int] = {}
    for record in status[0]["statistics"]:
        for name, item in status_object(record).items():
            sums[name] = sums.get(name, 0) + item["sum"]
    busy = sums.get("IN_SERVICE", 0) + sums.get("AFTER_SERVICE", 0)
    logged_in = sum(v for name, v in sums.items() if name != "OFFLINE")
    assert 0 < busy < logged_in
    assert page.inner_text("[data-tile=occupancy] .tile-value") == percent(
        percent_of(busy, logged_in)
    )
    note = f"{duration(busy)} busy of {duration(logged_in)} logged in"
    assert page.inner_text("[data-tile=occupancy] .tile-note") == note
    if not deployment.has_method("GetACDQueueStatistics"):
        assert "This server has no GetACDQueueStatistics yet" in page.inner_text("main")
        go(page, f"#/queues?{PERIOD}")
        assert "This server has no GetACDQueueStatistics yet" in page.inner_text("main")
        return
    total = deployment.result("GetACDQueueStatistics", deployment.window())[0]
    tc = total["TC"]
    assert page.inner_text("[data-tile=calls] .tile-value") == count(tc)
    sl = total["SL"][0]
    assert page.inner_text("[data-tile=service-level] .tile-value") == percent(sl["service_level"])
    assert page.inner_text("[data-tile=asa] .tile-value") == duration(avg_or_none(total["SA"]))
    assert page.inner_text("[data-tile=wait] .tile-value") == duration(total["WT"]["avg"])
    assert page.inner_text("[data-tile=abandon] .tile-value") == percent(
        percent_of(total["AT"]["count"], tc)
    )
    assert page.inner_text("[data-tile=aht] .tile-value") == duration(avg_or_none(total["HT"]))
    days = deployment.result("GetACDQueueStatistics", {**deployment.window(), "aggregation": "day"})
    assert cells(page, "trend-table") == [
        {
            "id": b["date"],
            "TC": count(b["TC"]),
            "AC": count(b["AC"][0]["count"]),
            "SL": percent(b["SL"][0]["service_level"]),
            "SA": duration(avg_or_none(b["SA"])),
            "WT": duration(b["WT"]["avg"]),
        }
        for b in days
    ]
    assert len(days) == 3
    hours = deployment.result(
        "GetACDQueueStatistics", {**deployment.window(), "aggregation": "hour"}
    )
    grid: dict[tuple[str, int], int] = {}
    for bucket in hours:
        day = datetime.fromisoformat(bucket["date"]).strftime("%a")
        grid[day, bucket["hour"]] = grid.get((day, bucket["hour"]), 0) + bucket["TC"]
    for (day, hour), n in grid.items():
        cell = page.locator(f"#heat-map tr[data-day={day}] td[data-hour='{hour}']")
        assert cell.inner_text() == count(n)
    assert sum(grid.values()) == tc
    go(page, f"#/queues?{PERIOD}")
    by_queue = deployment.result(
        "GetACDQueueStatistics", {**deployment.window(), "by_queue": "true"}
    )
    shown = cells(page, "queues-table")
    if by_queue and "acd_queue_id" in by_queue[0]:
        assert [r["id"] for r in shown] == [str(q["acd_queue_id"]) for q in by_queue]
        for row, q in zip(shown, by_queue, strict=True):
            assert row == {
                "id": str(q["acd_queue_id"]),
                "TC": count(q["TC"]),
                "AC": count(q["AC"][0]["count"]),
                "UAC": count(q["UAC"][0]["count"]),
                "RC": count(q["RC"][0]["count"]),
                "SL": percent(q["SL"][0]["service_level"]),
                "SA": duration(avg_or_none(q["SA"])),
                "WT": duration(q["WT"]["avg"]),
                "WT_max": duration(q["WT"]["max"]),
                "abandon": percent(percent_of(q["AT"]["count"], q["TC"])),
                "HT": duration(avg_or_none(q["HT"])),
                "QL": count(q["QL"]["max"]),
            }
        page.click(f"#queues-table a:text-is('{by_queue[0]['acd_queue_id']}')")
        wait_text(page, "main h1", f"Queue {by_queue[0]['acd_queue_id']}")
        wait_loaded(page)
        assert page.inner_text("[data-tile=calls] .tile-value") == count(by_queue[0]["TC"])
        queue = str(by_queue[0]["acd_queue_id"])
        if deployment.has_method("GetACDQueueCalls"):
            calls = deployment.api(
                "GetACDQueueCalls", {**deployment.window(), "acd_queue_id": queue, "count": "25"}
            ).json()
            assert f"{count(calls['total_count'])} in all" in page.inner_text("main")
            shown = cells(page, "queue-calls")
            assert len(shown) == len(calls["result"]) > 0
            for cell, row in zip(shown, calls["result"], strict=True):
                for name in ("entered_at", "outcome", "request_id", "wait_ended_at", "user_id"):
                    assert cell[name] == ("—" if row[name] is None else str(row[name]))
                for name in ("WT", "SA", "AT", "TT", "ACW", "HT"):
                    assert cell[name] == duration(row[name])
                assert cell["QL"] == count(row["QL"])
        else:
            text = page.inner_text("section:has(h2:text-is('Queue calls'))")
            assert "This server has no GetACDQueueCalls yet" in text
    else:
        assert "no per-queue split" in page.inner_text("main")


def test_2000_operators_are_paged_and_sorted_without_freezing(
    page: Any, deployment: Deployment
) -> None:
    started = time.monotonic()
    open_signed_in(page, deployment, f"/operators?{PERIOD}", key="Big")
    shown_s = time.monotonic() - started
    caption = page.inner_text("#operators-table caption")
    assert caption.startswith(f"{count(BIG_OPERATORS)} operators")
    assert len(cells(page, "operators-table")) == 50  # one page in the document, not 2,000
    assert "Rows 1–50 of 2,000 · page 1 of 40" in page.inner_text(".pager")
    expected = expected_operator_rows(deployment_for_big(deployment), deployment.window())
    started = time.monotonic()
    page.click("#operators-table button.sort:has-text('Answered')")  # most answered first
    sort_s = time.monotonic() - started
    order = sorted(expected, key=lambda u: (-int(expected[u]["AC"]), int(u)))
    assert [r["id"] for r in cells(page, "operators-table")] == order[:50]
    page.click("button:text('Next →')")
    assert [r["id"] for r in cells(page, "operators-table")] == order[50:100]
    assert "page=1" in page.url
    # The page answers at once after sorting 2,000 rows: a script round trip.
    assert page.evaluate("1 + 1") == 2
    print(f"\n2,000 operators: signed in and shown in {shown_s:.2f} s, sorted in {sort_s:.3f} s")


def deployment_for_big(d: Deployment) -> Deployment:
    return Deployment(d.db, d.base_url, d.ca, d.big_account, d.big_account,
                      {**d.credentials, "Supervisor": d.credentials["Big"]})  # fmt: skip


def expect_csv(page: Any, button: str, answer: Any, filename: str) -> None:
    """The button saves exactly the server's CSV answer, or says the server has no CSV."""
    from playwright.sync_api import expect

    row = page.locator(".csv-row", has=page.locator(f"button:text('{button}')"))
    if not answer.headers["content-type"].startswith("text/csv"):
        page.click(f"button:text('{button}')")
        expect(row.locator(".csv-status.csv-error")).to_contain_text("has no CSV export yet")
        return
    with page.expect_download() as info:
        page.click(f"button:text('{button}')")
    saved = info.value
    assert saved.suggested_filename == filename
    with open(saved.path(), "rb") as file:
        assert file.read() == answer.content
    expect(row.locator(".csv-status")).to_have_text(f"Saved {filename}")


def test_csv_downloads_are_the_apis_csv(page: Any, deployment: Deployment) -> None:
    open_signed_in(page, deployment, f"/operators?{PERIOD}")
    window = deployment.window()
    calls = {**window, "user_id": "all", "report": CALL_ITEMS, "percentiles": "90"}
    answer = deployment.api("GetACDOperatorStatistics", calls | {"format": "csv"})
    if answer.headers["content-type"].startswith("text/csv"):
        assert answer.content.startswith(b"user_id,AC,UAC,SA_min")
    expect_csv(page, "Download CSV: calls", answer, "operators-calls_2026-03-01_2026-03-07.csv")
    status = {**window, "user_id": "all", "acd_status": ";".join(STATUSES), "format": "csv"}
    expect_csv(
        page,
        "Download CSV: status time",
        deployment.api("GetACDOperatorStatusStatistics", status),
        "operators-status_2026-03-01_2026-03-07.csv",
    )
    go(page, f"#/operators/1002?{PERIOD}")
    offers = {**window, "user_id": "1002", "count": "25", "offset": "0", "format": "csv"}
    expect_csv(
        page,
        "Download CSV: this page",
        deployment.api("GetACDOffers", offers),
        "operator-1002_2026-03-01_2026-03-07_offers_0.csv",
    )


def test_today_mode_refreshes_every_30_seconds(page: Any, deployment: Deployment) -> None:
    """The browser's clock is set to 2026-03-10 12:00 UTC (a day after the simulated ones) and
    moved on by hand. Its tokens are then months old: the page follows the server's clock (the
    Date header of the 456 answer) and signs again, as it would on a machine whose clock is off."""
    page.clock.install(time=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    open_signed_in(page, deployment, "/operators?period=today")
    assert "Live: refreshes every 30 s" in page.inner_text("#updated")
    assert "2026-03-10 (UTC)" in page.inner_text("#operators-table caption")
    assert cells(page, "operators-table") == []
    renders = int(page.evaluate("document.body.dataset.renders"))
    at = "2026-03-10 11:59:30"
    record = {
        "type": "offer",
        "request_id": "live-1",
        "queue_id": 1,
        "user_id": 777,
        "offered_at": at,
        "answered_at": "2026-03-10 11:59:34",
        "ended_at": at[:-2] + "50",
    }
    deployment.post_events([record])  # fmt: skip
    page.clock.fast_forward(30_000)
    page.wait_for_function(f"() => Number(document.body.dataset.renders) > {renders}")
    rows = cells(page, "operators-table")
    assert [(r["id"], r["AC"], r["SA_avg"], r["TT_avg"]) for r in rows] == [
        ("777", "1", "0:04", "0:16")
    ]


# WCAG 2 contrast of every visible text against the background it is drawn on.
CONTRAST_JS = """() => {
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let color = [255, 255, 255, 1];
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const worst = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    const bg = background(el);
    const fg = over(rgba(style.color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    checked++;
    if (ratio < (large ? 3 : 4.5)) {
      worst.push([el.tagName, el.textContent.trim().slice(0, 40), ratio.toFixed(2)]);
    }
  }
  return {checked, worst};
}"""


def assert_readable(page: Any) -> int:
    report = page.evaluate(CONTRAST_JS)
    assert report["worst"] == [], report["worst"]
    checked: int = report["checked"]
    return checked


def test_every_view_has_readable_contrast(page: Any, deployment: Deployment) -> None:
    page.goto(deployment.base_url + "/")
    page.wait_for_selector("body[data-ready]")
    page.click("summary:text('Or paste a token')")
    assert assert_readable(page) > 5
    page.set_input_files("#credentials-file", str(deployment.credentials["Support"]))
    page.locator("#signin-error").wait_for(state="visible")
    assert_readable(page)  # the error message too
    page.set_input_files("#credentials-file", str(deployment.credentials["Supervisor"]))
    wait_loaded(page)
    for fragment in (f"#/overview?{PERIOD}", f"#/queues?{PERIOD}", f"#/operators?{PERIOD}",
                     f"#/operators/1002?{PERIOD}", f"#/queues/1?{PERIOD}"):  # fmt: skip
        go(page, fragment)
        assert assert_readable(page) > 10, fragment


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element that selector names has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_usable_with_the_keyboard_alone(page: Any, deployment: Deployment) -> None:
    # The file dialog is answered by a handler set up before the page opens (waiting for the
    # event only after the key press can miss it).
    key_file = str(deployment.credentials["Supervisor"])
    page.on("filechooser", lambda chooser: chooser.set_files(key_file))
    page.goto(f"{deployment.base_url}/#/overview?{PERIOD}")
    page.wait_for_selector("body[data-ready]")
    tab_to(page, "#credentials-file")
    page.keyboard.press("Space")
    wait_loaded(page)
    assert page.evaluate("document.activeElement.tagName") == "H1"  # focus moved to the view
    tab_to(page, "#nav a[data-view=operators]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.dataset.shown.startsWith('#/operators?')")
    tab_to(page, "#operators-table button.sort[data-focus-key=sort-AC]")
    page.keyboard.press("Enter")
    assert page.get_attribute("#operators-table th:has(button[data-focus-key=sort-AC])",
                              "aria-sort") == "descending"  # fmt: skip
    # The focus stays on the header that was used, so Enter again reverses the order.
    assert page.evaluate("document.activeElement.dataset.focusKey") == "sort-AC"
    page.keyboard.press("Enter")
    assert page.get_attribute("#operators-table th:has(button[data-focus-key=sort-AC])",
                              "aria-sort") == "ascending"  # fmt: skip
    first = cells(page, "operators-table")[0]["id"]
    tab_to(page, f'#operators-table tbody tr[data-id="{first}"] a')
    page.keyboard.press("Enter")
    wait_text(page, "main h1", f"Operator {first}")
    # The period is a control like any other: choose "Yesterday" with the keyboard.
    tab_to(page, "#period")
    page.keyboard.press("Home")  # 'Today (live)'
    page.keyboard.press("ArrowDown")  # 'Yesterday'
    page.wait_for_function("() => location.hash.includes('period=yesterday')")


def test_the_page_formats_numbers_as_these_tests_do(page: Any, deployment: Deployment) -> None:
    """static/js/format.js and tests/dashboard/formats.py agree (so the comparisons above hold)."""
    page.goto(deployment.base_url + "/")
    page.wait_for_selector("body[data-ready]")
    values = [0, 1, 9, 59, 60, 61, 599, 3599, 3600, 3661, 36000, 86399, 90061, 1234567, -5, -3700]
    got = page.evaluate(
        """async (values) => {
            const f = await import('/dashboard/js/format.js');
            return {duration: values.map(f.duration), count: values.map(f.count),
                    percent: values.filter(v => v >= 0).map(v => f.percentOf(v % 9, 8)),
                    none: [f.duration(null), f.count(null), f.percentOf(3, 0)]};
        }""",
        values,
    )
    assert got["duration"] == [duration(v) for v in values]
    assert got["count"] == [count(v) for v in values]
    assert got["percent"] == [percent_of(v % 9, 8) for v in values if v >= 0]
    assert got["none"] == ["—", "—", None]
    assert percent_of(1, 8) == 13  # SPEC 6.2's example


def test_the_time_zone_is_the_browsers_and_in_the_url(browser: Any, deployment: Deployment) -> None:
    if not deployment.has_timezone():
        pytest.skip("the server has no timezone extension yet")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Asia/Kolkata"
    )
    tab = context.new_page()
    try:
        one_day = "period=custom&from=2026-03-03&to=2026-03-03"
        open_signed_in(tab, deployment, f"/operators?{one_day}")
        assert tab.input_value("#zone") == "Asia/Kolkata"  # the browser's zone by default
        base = {"from_date": "2026-03-03 00:00:00", "to_date": "2026-03-04 00:00:00"}
        kolkata = deployment.window("Asia/Kolkata", base)
        expected = expected_operator_rows(deployment, kolkata)
        assert {r["id"]: r for r in cells(tab, "operators-table")} == expected
        assert expected != expected_operator_rows(deployment, deployment.window("UTC", base))
        assert "2026-03-03 (Asia/Kolkata)" in tab.inner_text("#operators-table caption")
        # One day is shown by local hour, each bucket with its UTC offset.
        user = next(iter(expected))
        go(tab, f"#/operators/{user}?{one_day}")
        hours = deployment.result(
            "GetACDOperatorStatistics",
            {**kolkata, "user_id": user, "aggregation": "hour", "report": CALL_ITEMS},
        )[0]["statistics"]
        labels = [f"{b['date']} {b['hour']:02d}:00 ({b['utc_offset']})" for b in hours]
        assert [r["id"] for r in cells(tab, "operator-days")] == labels
        assert labels[0].endswith("(+05:30)")
        # Another zone is chosen like any control, and lands in the URL.
        tab.select_option("#zone", "America/New_York")
        tab.wait_for_function("() => document.body.dataset.shown.includes('tz=America%2FNew_York')")
        new_york = deployment.window("America/New_York", base)
        rows = deployment.result(
            "GetACDOperatorStatistics",
            {**new_york, "user_id": user, "aggregation": "hour", "report": CALL_ITEMS},
        )[0]["statistics"]
        shown = [r["id"] for r in cells(tab, "operator-days")]
        assert shown == [f"{b['date']} {b['hour']:02d}:00 ({b['utc_offset']})" for b in rows]
    finally:
        context.close()


def test_plain_http_on_loopback_is_a_secure_context_too(page: Any, deployment: Deployment) -> None:
    """`acdstats serve` without TLS on 127.0.0.1: the browser still offers WebCrypto."""
    app = create_app(Settings(), deployment.db)
    with running_server(app) as port:
        http = dataclasses.replace(deployment, base_url=f"http://127.0.0.1:{port}")
        open_signed_in(page, http, f"/operators?{PERIOD}")
        assert page.evaluate("window.isSecureContext") is True
        assert len(cells(page, "operators-table")) == 12


EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "more-examples"


def example_answer(name: str) -> Any:
    return json.loads((EXAMPLES / name / "expected.json").read_text())["result"]


def test_queue_views_draw_spec_6s_worked_answers(page: Any, deployment: Deployment) -> None:
    """Overview and Queues on the exact answers of SPEC 6's worked examples (q01, q04), served
    in place of the server's: the tiles and rows follow from them by the rules of the page."""
    overall, by_queue = (
        example_answer("q01-answered-abandoned-rejected"),
        example_answer("q04-ties-and-moves"),
    )

    def answer(route: Any) -> None:
        params = parse_qs(route.request.post_data or "")
        if params.get("by_queue") == ["true"]:
            result = by_queue
        elif params.get("aggregation", ["none"]) == ["none"]:
            result = overall
        else:
            result = []
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"result": result}))  # fmt: skip

    page.route("**/platform_api/GetACDQueueStatistics", answer)
    open_signed_in(page, deployment, f"/overview?{PERIOD}")
    tile = {k: page.inner_text(f"[data-tile={k}] .tile-value")
            for k in ("calls", "service-level", "asa", "wait", "abandon", "aht")}  # fmt: skip
    # q01: 3 calls; SL at 10 s 0 of 3; SA 8 s; WT avg 12 s; 1 abandoned (AT count) of 3; HT 150 s.
    assert tile == {"calls": "3", "service-level": "0%", "asa": "0:08", "wait": "0:12",
                    "abandon": "33%", "aht": "2:30"}  # fmt: skip
    assert page.inner_text("[data-tile=service-level] .tile-label") == "Service level (10 s)"
    assert page.inner_text("[data-tile=abandon] .tile-note") == "1 caller gave up"
    go(page, f"#/queues?{PERIOD}")
    rows = cells(page, "queues-table")
    assert [r["id"] for r in rows] == ["5", "6"]
    assert {k: rows[0][k] for k in ("TC", "AC", "UAC", "RC", "SL", "SA", "WT", "WT_max")} == {
        "TC": "8", "AC": "0", "UAC": "7", "RC": "1", "SL": "0%", "SA": "—", "WT": "0:28",
        "WT_max": "0:40",
    }  # fmt: skip
    assert {k: rows[1][k] for k in ("TC", "AC", "SL", "SA", "WT", "abandon", "HT", "QL")} == {
        "TC": "1",
        "AC": "1",
        "SL": "100%",
        "SA": "0:12",
        "WT": "0:04",
        "abandon": "—",
        "HT": "—",
        "QL": "—",
    }  # fmt: skip  (q04 asks for no AT, HT or QL)
    page.click("#queues-table button.sort:has-text('Calls')")  # most calls first
    assert [r["id"] for r in cells(page, "queues-table")] == ["5", "6"]
    page.click("#queues-table button.sort:has-text('Calls')")
    assert [r["id"] for r in cells(page, "queues-table")] == ["6", "5"]
