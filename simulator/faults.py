"""Fault injection: the next N requests matching a path regex misbehave on purpose."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from opskpi.simulator.routing import Response

FAULT_KINDS = ("rate_limit", "status", "delay", "drop", "malformed")
MALFORMED_KINDS = ("bad_date", "missing_id", "not_object")
_LIST_KEYS = (
    "incidents",
    "log_entries",
    "alerts",
    "priorities",
    "services",
    "teams",
    "items",
    "values",  # JSM Operations
)
_SINGLE_KEYS = ("incident", "log_entry", "alert", "service")
_DATE_KEYS = ("created_at", "createdAt", "eventTime", "deployedAt")
GARBLED = "<garbled record>"  # what a ``not_object`` fault puts in place of a page's record


@dataclass
class Fault:
    """What to do to the next ``count`` requests whose path matches ``path`` (``re.search``).

    kinds: ``rate_limit`` (429; PagerDuty gets ``ratelimit-*`` headers, the others
    ``Retry-After``), ``status`` (``status`` = 500/502/503...), ``delay`` (``delay`` seconds,
    then a normal answer), ``drop`` (connection closed without an answer), ``malformed``
    (a normal page in which record ``record`` gets ``created_at: "not-a-date"`` for
    ``malformed="bad_date"``, loses its ``id`` for ``"missing_id"``, or is replaced by a string,
    :data:`GARBLED`, for ``"not_object"``: a list item that is not a JSON object).

    ``every``: only every ``every``-th matching request misbehaves (``every=20``: 5 % of
    them, in the order they arrive); each of those uses one of ``count``.
    """

    path: str
    kind: str
    count: int = 1
    status: int = 500
    retry_after: float = 1.0
    delay: float = 0.0
    malformed: str = "bad_date"
    record: int = 0
    method: str | None = None
    headers: bool = True  # rate_limit: False sends a bare 429 (no headers, no body)
    every: int = 1
    matched: int = field(default=0, repr=False)  # matching requests seen so far

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.malformed not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {self.malformed!r}")
        if self.count < 1:
            raise ValueError("count must be >= 1")
        if self.every < 1:
            raise ValueError("every must be >= 1")
        re.compile(self.path)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in fields(cls)} - {"matched"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("matched")
        return data


class FaultInjector:
    """Thread-safe queue of pending faults; each matching request consumes one count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.served: Counter[str] = Counter()  # faults served, by kind

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method.upper() != method:
                    continue
                if re.search(fault.path, path):
                    fault.matched += 1
                    if fault.matched % fault.every:
                        continue
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.served[fault.kind] += 1
                    return fault
        return None


def corrupt(body: Any, mode: str, record: int = 0) -> bool:
    """Break one record of a JSON page in place; False if the page has no such record."""
    if mode == "not_object":
        items = _items(body)
        if items is None or not 0 <= record < len(items):
            return False
        items[record] = GARBLED
        return True
    target = _target(body, record)
    if target is None:
        return False
    if mode == "missing_id":
        return target.pop("id", None) is not None
    for key in _DATE_KEYS:
        if key in target:
            target[key] = "not-a-date"
            return True
    return False


def _items(body: Any) -> list[Any] | None:
    """The list of records of a JSON page, if it is one."""
    if not isinstance(body, dict):
        return None
    for key in _LIST_KEYS:
        if isinstance(body.get(key), list):
            items: list[Any] = body[key]
            return items
    data = body.get("data")
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("entries"), list):
        entries: list[Any] = data["entries"]
        return entries
    return None


def _target(body: Any, record: int) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    items = _items(body)
    data = body.get("data")
    if items is None:
        for key in _SINGLE_KEYS:
            single = body.get(key)
            if isinstance(single, dict):
                return single
        if isinstance(data, dict):
            return data
        last = body.get("status", {}).get("history", [None])[-1] if "status" in body else None
        return last if isinstance(last, dict) else None
    if not 0 <= record < len(items) or not isinstance(items[record], dict):
        return None
    item = items[record]
    history = (
        item.get("status", {}).get("history") if isinstance(item.get("status"), dict) else None
    )
    if history and isinstance(history[-1], dict):
        return history[-1]
    return item if isinstance(item, dict) else None


def fault_response(api: str, fault: Fault) -> Response:
    """The canned answer of a ``rate_limit`` or ``status`` fault, in the API's own style."""
    if fault.kind == "rate_limit":
        if not fault.headers:
            return Response(429, None)
        wait = f"{fault.retry_after:g}"
        if api == "pagerduty":
            headers = {
                "ratelimit-limit": "960",
                "ratelimit-remaining": "0",
                "ratelimit-reset": wait,
            }
            return Response(
                429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, headers
            )
        body: dict[str, Any] = {
            "message": "You are making too many requests! To avoid errors, limit requests.",
            "took": 0.001,
            "requestId": "sim-rate-limit",
        }
        if api == "argocd":
            body = {"error": "too many requests", "code": 8, "message": "too many requests"}
        if api == "jsm":
            body = {"code": 429, "message": "Rate limit exceeded"}
        return Response(429, body, {"Retry-After": wait})
    if fault.status in (502, 503, 504):
        text = f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>"
        return Response(fault.status, text, {}, "text/html; charset=utf-8")
    if api == "pagerduty":
        return Response(fault.status, {"error": {"message": "Internal Server Error", "code": 2000}})
    if api == "jsm":
        return Response(fault.status, {"errors": [{"title": "Internal error", "code": "500"}]})
    if api == "opsgenie":
        return Response(
            fault.status,
            {"message": "Internal Server Error", "took": 0.001, "requestId": "sim-fault"},
        )
    return Response(
        fault.status, {"error": "internal error", "code": 13, "message": "internal error"}
    )
