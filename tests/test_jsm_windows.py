"""The JSM connector's pure parts: windows under the 20,000 offset cap, next links, which listed
alerts need their detail, log keys. Hand-worked numbers; the fake ``fetch`` is a list of alert
creation times paged the way the spec describes (``offset + size`` must stay below the cap)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opskpi.etl.errors import DataError
from opskpi.etl.sources.jsm.connector import log_key, needs_detail
from opskpi.etl.sources.jsm.links import next_link, resolve
from opskpi.etl.sources.jsm.windows import Window, iter_pages, parts_for, reachable

ROOT = "https://api.atlassian.com/jsm/ops/api/c0ffee"


def test_how_many_alerts_one_window_can_page() -> None:
    # pages of 100 while offset + 100 < 20,000: offsets 0 … 19,800, so 199 pages, 19,900 alerts
    assert reachable(100) == 19_900
    # pages of 25: offsets 0 … 19,950 (19,950 + 25 = 19,975 < 20,000): 799 pages
    assert reachable(25) == 19_975
    assert reachable(100, cap=1_000) == 900
    assert parts_for(19_900, 100) == 1
    # 19,901 alerts: split into ceil(19,901 / (0.8 × 19,900 = 15,920)) = 2
    assert parts_for(19_901, 100) == 2
    # 40,000: ceil(40,000 / 15,920) = 3
    assert parts_for(40_000, 100) == 3


def test_a_window_splits_into_equal_millisecond_spans() -> None:
    window = Window(1_000, 1_010)
    assert window.split(3) == [Window(1_000, 1_003), Window(1_003, 1_006), Window(1_006, 1_010)]
    assert Window(5, 7).split(10) == [Window(5, 6), Window(6, 7)]
    assert window.query() == "createdAt>=1000 AND createdAt<1010"


class FakeApi:
    """Alerts created at the given epoch-ms times, searched by ``createdAt`` and paged like
    the spec: a 400 (here an AssertionError) when offset + size reaches the cap."""

    def __init__(self, times: list[int], cap: int, *, count: bool = True) -> None:
        self.times = sorted(times)
        self.cap = cap
        self.count = count
        self.requests: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
        self.requests.append(params)
        assert params["offset"] + params["size"] < self.cap, "HTTP 400"
        low, high = (int(re.split(r"[<=>]+", part)[-1]) for part in params["query"].split(" AND "))
        chosen = [t for t in self.times if low <= t < high]
        offset, size = params["offset"], params["size"]
        body: dict[str, Any] = {"values": [{"id": str(t)} for t in chosen[offset : offset + size]]}
        body["links"] = {"next": "/v1/alerts?…"} if offset + size < len(chosen) else {}
        if self.count:
            body["count"] = len(chosen)
        return body, f"GET {params['query']}"


def ids(pages: list[Any]) -> list[str]:
    return [item["id"] for page in pages for item in page.items]


def test_a_crowded_window_is_split_by_its_count() -> None:
    # cap 100, pages of 10: one window pages 90 alerts. 120 alerts over [0, 1200), one every
    # 10 ms: the first request counts 120 > 90, so ceil(120 / 72) = 2 halves of 60 alerts,
    # each 6 pages: 1 + 6 + 6 = 13 requests
    api = FakeApi(list(range(0, 1_200, 10)), cap=100)
    got = ids(list(iter_pages(api, [Window(0, 1_200)], size=10, cap=100)))
    assert got == [str(t) for t in range(0, 1_200, 10)]
    assert len(api.requests) == 13


def test_without_a_count_a_window_is_paged_to_the_cap_then_halved() -> None:
    # no count: pages of 10 at offsets 0 … 80 (80 + 10 < 100), 9 pages = 90 alerts, then
    # offset 90 would reach the cap: halves [0, 600) and [600, 1200), 60 alerts each = 6 pages
    # each. The first 90 come again (landing is an idempotent upsert): 90 + 120 = 210 ids
    api = FakeApi(list(range(0, 1_200, 10)), cap=100, count=False)
    got = ids(list(iter_pages(api, [Window(0, 1_200)], size=10, cap=100)))
    assert len(got) == 210 and sorted(set(got), key=int) == [str(t) for t in range(0, 1_200, 10)]
    assert len(api.requests) == 9 + 6 + 6
    assert all(r["offset"] + r["size"] < 100 for r in api.requests)


def test_too_many_alerts_in_one_millisecond_is_an_error() -> None:
    api = FakeApi([7] * 95, cap=100)
    with pytest.raises(DataError, match="95 alerts created in the one millisecond"):
        list(iter_pages(api, [Window(7, 8)], size=10, cap=100))


def test_an_extra_query_is_anded_and_the_listing_is_oldest_first() -> None:
    seen: list[dict[str, Any]] = []

    def fetch(params: dict[str, Any]) -> tuple[dict[str, Any], str]:
        seen.append(params)
        return {"values": [], "count": 0, "links": {}}, "x"

    list(iter_pages(fetch, [Window(10, 20)], extra_query="tag:prod", size=100))
    assert seen == [
        {
            "query": "createdAt>=10 AND createdAt<20 AND tag:prod",
            "sort": "createdAt",
            "order": "asc",
            "offset": 0,
            "size": 100,
        }
    ]


def test_a_page_without_values_is_an_error() -> None:
    with pytest.raises(DataError, match="no 'values' list"):
        list(iter_pages(lambda p: ({"data": []}, "GET /v1/alerts"), [Window(0, 5)]))


@pytest.mark.parametrize(
    ("link", "page", "expected"),
    [
        # the spec's examples: relative to the API root, not to the host
        (
            "/v1/alerts/4513/logs?after=1492000072838_1492",
            f"{ROOT}/v1/alerts/4513/logs?size=100",
            f"{ROOT}/v1/alerts/4513/logs?after=1492000072838_1492",
        ),
        ("/v1/alerts?offset=10&size=5", f"{ROOT}/v1/alerts", f"{ROOT}/v1/alerts?offset=10&size=5"),
        # absolute links are kept; a bare query is relative to the page
        (f"{ROOT}/v1/alerts?offset=10", f"{ROOT}/v1/alerts", f"{ROOT}/v1/alerts?offset=10"),
        ("?after=9", f"{ROOT}/v1/alerts/1/logs?size=2", f"{ROOT}/v1/alerts/1/logs?after=9"),
    ],
)
def test_next_links_resolve_against_the_api_root(link: str, page: str, expected: str) -> None:
    assert resolve(link, ROOT, page) == expected


def test_a_missing_or_null_next_link_is_the_last_page() -> None:
    assert next_link({"values": []}, "x") is None
    assert next_link({"values": [], "links": {}}, "x") is None
    assert next_link({"values": [], "links": {"next": None}}, "x") is None
    assert next_link({"values": [], "links": {"next": ""}}, "x") is None
    assert next_link({"links": {"next": "/v1/x"}}, "x") == "/v1/x"
    with pytest.raises(DataError, match="not a URL"):
        next_link({"links": {"next": 5}}, "GET /logs")


def test_the_detail_is_read_only_when_the_list_lacks_a_kpi_field() -> None:
    full = {"id": "a", "description": "d", "entity": "e", "extraProperties": {}}
    assert not needs_detail(full)
    assert not needs_detail(
        {**{k: v for k, v in full.items() if k != "extraProperties"}, "details": {}}
    )
    for missing in ("description", "entity", "extraProperties"):
        assert needs_detail({k: v for k, v in full.items() if k != missing})


def test_log_keys_are_stable_and_tell_lines_apart() -> None:
    line = {"logTime": "2026-01-05T07:06:47.958Z", "logType": "system", "log": "x", "owner": "s"}
    assert log_key("A1", line) == log_key("A1", dict(reversed(list(line.items()))))
    assert log_key("A1", line).startswith("A1/2026-01-05T07:06:47.958Z/")
    assert log_key("A1", line) != log_key("A1", {**line, "log": "y"})
    old = {"createdAt": "2026-01-05T07:06:47.958Z", "type": "system", "log": "x", "owner": "s"}
    assert log_key("A1", old).startswith("A1/2026-01-05T07:06:47.958Z/")
