"""The HTTP client and the paginators against a tiny scripted HTTP server on 127.0.0.1.

The server is the HTTP edge (a real socket, real status codes, dropped connections, slow
answers); nothing in the client is mocked. Sleeps are injected so retries do not wait.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from opskpi.config.secrets import Secret
from opskpi.etl.errors import (
    ConfigurationError,
    DataError,
    HttpError,
    RateLimitedError,
    ServerHttpError,
    TransportError,
)
from opskpi.etl.http import (
    CursorPaginator,
    HttpClient,
    NextLinkPaginator,
    OffsetPaginator,
    RetryPolicy,
    SinglePagePaginator,
)

KEY = "0pskpi-test-key-7f3a9c1e5b2d4a68"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # answer late (the client's timeout is shorter)


class Stub:
    """Routes by path; each route answers from a script, repeating its last answer."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Any]] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []  # method, path?query, headers
        self.url = ""

    def on(self, path: str, *answers: Any) -> None:
        self.routes[path] = list(answers)

    def next_answer(self, path: str, query: dict[str, list[str]]) -> Answer:
        script = self.routes.get(path)
        if not script:
            return Answer(404, {"message": "no route"})
        answer = script.pop(0) if len(script) > 1 else script[0]
        return answer(query) if callable(answer) else answer

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.seen]


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append(("GET", self.path, dict(self.headers)))
            parts = urlsplit(self.path)
            answer = state.next_answer(parts.path, parse_qs(parts.query))
            if answer.drop:
                self.close_connection = True
                return
            if answer.delay:
                time.sleep(answer.delay)
            raw = (
                answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            )
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def client_for(stub: Stub, slept: list[float], **kwargs: Any) -> HttpClient:
    retry = kwargs.pop("retry", None) or RetryPolicy(sleep=slept.append)
    return HttpClient(
        stub.url + "/api",
        secret=Secret(KEY, "test"),
        auth_scheme="GenieKey",
        timeout=kwargs.pop("timeout", 2.0),
        retry=retry,
        name="opsgenie",
        **kwargs,
    )


# -- basics ------------------------------------------------------------------------------------
def test_get_sends_auth_and_counts_requests(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/v2/teams", Answer(200, {"data": [{"id": "t1"}]}))
    counted: list[str] = []
    client = client_for(stub, slept, on_request=counted.append)
    reply = client.get("/v2/teams", {"limit": 5}, endpoint="teams")
    assert reply.body == {"data": [{"id": "t1"}]}
    assert stub.seen[0][1] == "/api/v2/teams?limit=5"
    assert stub.seen[0][2]["Authorization"] == f"GenieKey {KEY}"
    assert counted == ["teams"]
    assert client.stats == {"teams": 1}


def test_ca_bundle_is_checked_and_used(tmp_path: Path, stub: Stub, slept: list[float]) -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle"):
        client_for(stub, slept, ca_bundle=tmp_path / "missing.pem")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert client_for(stub, slept, ca_bundle=bundle).session.verify == str(bundle)
    assert client_for(stub, slept).session.verify is True


def test_links_to_another_host_are_refused(stub: Stub, slept: list[float]) -> None:
    client = client_for(stub, slept)
    with pytest.raises(DataError, match="another host"):
        client.get("https://evil.example.com/v2/alerts")


# -- errors and retries ------------------------------------------------------------------------
def test_429_is_retried_honouring_reset_headers(stub: Stub, slept: list[float]) -> None:
    stub.on(
        "/api/v2/alerts",
        Answer(429, {"message": "slow down"}, {"Retry-After": "3"}),
        Answer(429, {"message": "slow down"}, {"X-RateLimit-Period-In-Sec": "2"}),
        Answer(200, {"data": []}),
    )
    client = client_for(stub, slept)
    assert client.get("/v2/alerts").body == {"data": []}
    assert len(stub.seen) == 3
    assert 3 <= slept[0] <= 3.5 and 2 <= slept[1] <= 2.5


def test_429_retries_are_capped(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/v2/alerts", Answer(429, {"message": "Rate limit"}, {"ratelimit-reset": "1"}))
    client = client_for(stub, slept, retry=RetryPolicy(rate_limit_retries=2, sleep=slept.append))
    with pytest.raises(RateLimitedError) as info:
        client.get("/v2/alerts")
    assert info.value.status == 429
    assert len(stub.seen) == 3
    assert str(info.value).startswith("opsgenie: GET http://127.0.0.1:")
    assert "status 429" in str(info.value)


def test_5xx_backs_off_then_succeeds(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/x", Answer(500, {"m": "boom"}), Answer(503, {"m": "later"}), Answer(200, {}))
    client = client_for(stub, slept)
    assert client.get("/x").body == {}
    assert len(slept) == 2
    assert slept[1] > slept[0] * 0.9  # exponential (with ±25% jitter)


def test_persistent_5xx_is_a_server_error_with_status_and_body(
    stub: Stub, slept: list[float]
) -> None:
    stub.on("/api/x", Answer(502, {"message": "bad gateway"}))
    client = client_for(stub, slept)
    with pytest.raises(ServerHttpError) as info:
        client.get("/x", {"query": "status:open"})
    message = str(info.value)
    assert info.value.status == 502
    assert info.value.response is not None
    assert len(stub.seen) == 1 + client.retry.server_retries
    assert message.startswith("opsgenie: GET ")
    assert "/api/x?query=status%3Aopen: status 502: " in message
    assert "bad gateway" in message


def test_501_and_4xx_are_not_retried(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/a", Answer(501, {"message": "not implemented"}))
    stub.on("/api/b", Answer(400, {"message": "query is invalid"}))
    client = client_for(stub, slept)
    with pytest.raises(ServerHttpError):
        client.get("/a")
    with pytest.raises(HttpError) as info:
        client.get("/b")
    assert not isinstance(info.value, ServerHttpError)
    assert info.value.status == 400
    assert "query is invalid" in str(info.value)
    assert len(stub.seen) == 2
    assert slept == []


def test_status_hints_are_appended(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/a", Answer(401, {"message": "Could not authenticate"}))
    client = client_for(stub, slept, status_hints={401: "check the region"})
    with pytest.raises(HttpError, match=r"status 401: .*Could not authenticate.*check the region"):
        client.get("/a")


def test_dropped_and_slow_connections_are_retried(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/x", Answer(drop=True), Answer(delay=1.0, body={}), Answer(200, {"ok": 1}))
    client = client_for(stub, slept, timeout=0.2)
    assert client.get("/x").body == {"ok": 1}
    assert len(stub.seen) == 3
    assert len(slept) == 2


def test_persistent_transport_failure(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/x", Answer(drop=True))
    client = client_for(stub, slept)
    with pytest.raises(TransportError, match=r"opsgenie: GET .*/api/x.*after 4 retries"):
        client.get("/x")
    assert len(stub.seen) == 5


def test_refused_connection_is_a_transport_error(slept: list[float]) -> None:
    client = HttpClient(
        "http://127.0.0.1:9/api",
        secret=Secret(KEY, "t"),
        retry=RetryPolicy(transport_retries=1, sleep=slept.append),
    )
    with pytest.raises(TransportError) as info:
        client.get("/x", {"token": KEY})
    assert KEY not in str(info.value)


def test_non_json_2xx_is_a_data_error(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/x", Answer(200, b"<html>login</html>"))
    with pytest.raises(DataError, match=r"GET .*/api/x: status 200: the body is not JSON"):
        client_for(stub, slept).get("/x")


def test_the_secret_never_leaks(
    stub: Stub, slept: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    """An error body echoing the key, retries logged at every level: only last4 shows."""
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"bad key GenieKey {KEY}"}
    stub.on("/api/x", Answer(500, echo), Answer(403, echo))
    client = client_for(stub, slept)
    with pytest.raises(HttpError) as info:
        client.get("/x")
    text = f"{info.value} {info.value!r} {caplog.text}"
    assert KEY not in text
    assert Secret(KEY, "t").last4 in str(info.value)


def test_a_secret_in_the_query_is_masked_in_errors(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/x", Answer(404, {"message": "no"}))
    with pytest.raises(HttpError) as info:
        client_for(stub, slept).get("/x", {"apiKey": KEY, "note": KEY, "token": "other"})
    assert KEY not in str(info.value)
    assert "other" not in str(info.value)
    assert "token=***" in str(info.value)


# -- pagination --------------------------------------------------------------------------------
def test_offset_paginator_advances_by_items_received(stub: Stub, slept: list[float]) -> None:
    rows = [{"id": i} for i in range(7)]

    def page(query: dict[str, list[str]]) -> Answer:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        limit = min(limit, 3)  # the server caps limit below what was asked
        chunk = rows[offset : offset + limit]
        return Answer(200, {"incidents": chunk, "more": offset + limit < len(rows)})

    stub.on("/api/incidents", page)
    client = client_for(stub, slept)
    pages = list(
        client.paginate(
            "/incidents", paginator=OffsetPaginator(limit=100), data_selector="incidents"
        )
    )
    assert [r["id"] for p in pages for r in p.items] == list(range(7))
    assert [urlsplit(p).query for p in stub.paths()] == [
        "offset=0&limit=100",
        "offset=3&limit=100",
        "offset=6&limit=100",
    ]


def test_offset_paginator_rejects_a_body_without_more(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/incidents", Answer(200, {"incidents": []}))
    with pytest.raises(DataError, match="no boolean 'more'"):
        list(
            client_for(stub, slept).paginate(
                "/incidents", paginator=OffsetPaginator(), data_selector="incidents"
            )
        )


def test_next_link_paginator_follows_paging_next(stub: Stub, slept: list[float]) -> None:
    def page(query: dict[str, list[str]]) -> Answer:
        offset = int(query.get("offset", ["0"])[0])
        body: dict[str, Any] = {"data": [{"id": offset}, {"id": offset + 1}], "paging": {}}
        if offset < 4:
            body["paging"]["next"] = f"{stub.url}/api/v2/alerts?offset={offset + 2}&limit=2"
        return Answer(200, body)

    stub.on("/api/v2/alerts", page)
    pages = list(
        client_for(stub, slept).paginate(
            "/v2/alerts", params={"limit": 2}, paginator=NextLinkPaginator()
        )
    )
    assert [r["id"] for p in pages for r in p.items] == [0, 1, 2, 3, 4, 5]
    assert stub.paths()[1] == "/api/v2/alerts?offset=2&limit=2"


def test_next_link_paginator_stops_on_an_empty_page(stub: Stub, slept: list[float]) -> None:
    """Opsgenie alert logs offer a next link after the last entry."""
    stub.on(
        "/api/logs",
        Answer(200, {"data": [{"offset": "1"}], "paging": {"next": f"{stub.url}/api/logs?o=1"}}),
        Answer(200, {"data": [], "paging": {"next": f"{stub.url}/api/logs?o=2"}}),
    )
    pages = list(client_for(stub, slept).paginate("/logs", paginator=NextLinkPaginator()))
    assert [len(p.items) for p in pages] == [1, 0]


def test_next_link_loop_is_an_error(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/loop", Answer(200, {"data": [1], "paging": {"next": f"{stub.url}/api/loop"}}))
    with pytest.raises(DataError, match="points back"):
        list(client_for(stub, slept).paginate("/loop", paginator=NextLinkPaginator()))


def test_next_link_header_is_a_fallback(stub: Stub, slept: list[float]) -> None:
    stub.on(
        "/api/h",
        Answer(200, {"data": [1]}, {"X-Paging-Next": "/api/h2"}),
    )
    stub.on("/api/h2", Answer(200, {"data": [2]}))
    pages = list(client_for(stub, slept).paginate("/h", paginator=NextLinkPaginator()))
    assert [p.items for p in pages] == [[1], [2]]


def test_single_page_and_envelope_checks(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/apps", Answer(200, {"metadata": {}, "items": None}))
    stub.on("/api/bad", Answer(200, {"metadata": {}, "items": {"a": 1}}))
    stub.on("/api/list", Answer(200, [1, 2]))
    client = client_for(stub, slept)
    pages = list(
        client.paginate(
            "/apps", paginator=SinglePagePaginator(), data_selector="items", allow_null=True
        )
    )
    assert [p.items for p in pages] == [[]]
    with pytest.raises(DataError, match=r"GET .*/api/bad: 'items' is dict, not a list"):
        list(client.paginate("/bad", data_selector="items"))
    with pytest.raises(DataError, match=r"GET .*/api/list: expected a JSON object with 'data'"):
        list(client.paginate("/list"))


def test_a_400_mid_pagination_is_an_error_not_the_end(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/p", Answer(200, {"data": [1], "paging": {"next": f"{stub.url}/api/p2"}}))
    stub.on("/api/p2", Answer(400, {"message": "offset too large"}))
    pages = client_for(stub, slept).paginate("/p", paginator=NextLinkPaginator())
    assert next(pages).items == [1]
    with pytest.raises(HttpError, match="status 400"):
        next(pages)


def test_offset_paginator_with_a_total_count(stub: Stub, slept: list[float]) -> None:
    """Opsgenie services: offset/limit in, ``totalCount`` out, no paging links."""
    rows = [{"id": i} for i in range(5)]

    def page(query: dict[str, list[str]]) -> Answer:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        return Answer(200, {"data": rows[offset : offset + limit], "totalCount": len(rows)})

    stub.on("/api/v1/services", page)
    client = client_for(stub, slept)
    pages = list(
        client.paginate("/v1/services", paginator=OffsetPaginator(2, total_key="totalCount"))
    )
    assert [len(p.items) for p in pages] == [2, 2, 1]
    stub.on("/api/v1/bad", Answer(200, {"data": [1]}))
    with pytest.raises(DataError, match="no integer 'totalCount'"):
        list(client.paginate("/v1/bad", paginator=OffsetPaginator(2, total_key="totalCount")))


def test_cursor_paginator_sends_the_body_cursor_back(stub: Stub, slept: list[float]) -> None:
    """Opsgenie incident timelines: ``data.nextOffset`` until the last page."""
    entries = [{"id": f"e{i}"} for i in range(5)]

    def page(query: dict[str, list[str]]) -> Answer:
        offset = int(query.get("offset", ["0"])[0])
        data: dict[str, Any] = {"entries": entries[offset : offset + 2]}
        if offset + 2 < len(entries):
            data["nextOffset"] = str(offset + 2)
        return Answer(200, {"data": data})

    stub.on("/api/entries", page)
    pages = list(
        client_for(stub, slept).paginate(
            "/entries",
            params={"limit": 2},
            paginator=CursorPaginator(("data", "nextOffset"), "offset"),
            data_selector="data.entries",
        )
    )
    assert [e["id"] for p in pages for e in p.items] == [f"e{i}" for i in range(5)]
    assert stub.paths()[1:] == ["/api/entries?limit=2&offset=2", "/api/entries?limit=2&offset=4"]


def test_cursor_that_repeats_is_an_error(stub: Stub, slept: list[float]) -> None:
    stub.on("/api/entries", Answer(200, {"data": {"entries": [1], "nextOffset": "7"}}))
    with pytest.raises(DataError, match="repeats"):
        list(
            client_for(stub, slept).paginate(
                "/entries",
                paginator=CursorPaginator(("data", "nextOffset"), "offset"),
                data_selector="data.entries",
            )
        )


def test_next_link_paginator_stops_on_a_short_page(stub: Stub, slept: list[float]) -> None:
    stub.on(
        "/api/logs",
        Answer(200, {"data": [1, 2], "paging": {"next": f"{stub.url}/api/logs?o=2"}}),
        Answer(200, {"data": [3], "paging": {"next": f"{stub.url}/api/logs?o=3"}}),
    )
    client = client_for(stub, slept)
    pages = list(client.paginate("/logs", paginator=NextLinkPaginator(page_size=2)))
    assert [p.items for p in pages] == [[1, 2], [3]]
    assert len(stub.seen) == 2
