"""A tiny request/response model and regex router shared by the three fake APIs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opskpi.simulator.world import World


@dataclass
class Request:
    method: str
    path: str  # inside the API prefix, e.g. "/incidents" for "/pagerduty/incidents"
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    now: datetime
    world: World
    prefix: str = ""  # e.g. "/pagerduty"
    params: dict[str, str] = field(default_factory=dict)  # path parameters

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Repeated query values, accepting both ``name[]`` and ``name``."""
        return [*self.query.get(f"{name}[]", []), *self.query.get(name, [])]

    def json(self) -> Any:
        if not self.body:
            return {}
        return json.loads(self.body)

    @property
    def url(self) -> str:
        return f"{self.world.base_url}{self.prefix}{self.path}"


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able; bytes/str are sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


class HttpError(Exception):
    """Raised by handlers to answer with an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


Handler = Callable[[Request], Response]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(f"^{pattern}$"), handler))
            return handler

        return register

    def dispatch(self, request: Request) -> Response | None:
        """The handler's response; None when no route matches (the caller answers 404)."""
        path_matched = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            path_matched = True
            if method != request.method:
                continue
            request.params = match.groupdict()
            return handler(request)
        if path_matched:
            return Response(405, {"message": "Method Not Allowed"})
        return None


def int_arg(request: Request, name: str, default: int, error: Callable[[str], HttpError]) -> int:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise error(f"{name} must be an integer") from None
