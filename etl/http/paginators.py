"""Paginators with dlt's four-member contract, and the one loop that drives them.

``init_request`` prepares the first request, ``update_state(reply, data)`` reads a page,
``has_next_page`` says whether to go on, ``update_request`` turns the request into the next
one. Connectors only declare the path, the paginator and where the records sit in the body.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from opskpi.etl.errors import DataError
from opskpi.etl.http.client import HttpClient, Reply
from opskpi.etl.http.messages import where

# a dotted path into the body ("data", "data.entries"), or a function of the body
DataSelector = str | Callable[[Any], Any]
MAX_PAGES = 100_000  # a runaway loop is an error, never a silent stop


@dataclass
class PageRequest:
    url: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    items: list[Any]
    reply: Reply

    @property
    def url(self) -> str:
        """The URL of this page as requested (sanitise before showing it)."""
        return self.reply.url


class BasePaginator(ABC):
    def __init__(self) -> None:
        self._has_next_page = True

    @property
    def has_next_page(self) -> bool:
        return self._has_next_page

    def init_request(self, request: PageRequest) -> None:  # noqa: B027 - optional hook
        """Set the first page's parameters."""

    @abstractmethod
    def update_state(self, reply: Reply, data: list[Any]) -> None:
        """Read what the page says about the next one."""

    @abstractmethod
    def update_request(self, request: PageRequest) -> None:
        """Turn ``request`` into the request for the next page."""


class SinglePagePaginator(BasePaginator):
    """The whole collection in one response (Argo CD ``ApplicationList``, Opsgenie teams)."""

    def update_state(self, reply: Reply, data: list[Any]) -> None:
        self._has_next_page = False

    def update_request(self, request: PageRequest) -> None:
        return None


class OffsetPaginator(BasePaginator):
    """Offset/limit in the query; the body says whether more remain (``more``) or how many
    there are (``total_key``, e.g. Opsgenie services' ``totalCount``).

    Example response (PagerDuty)::

        {"incidents": [...], "limit": 100, "offset": 0, "more": true, "total": null}

    The offset advances by the number of items received, not by the echoed ``limit`` (as
    python-pagerduty's ``iter_all``), so a server that caps ``limit`` loses nothing.
    """

    def __init__(
        self,
        limit: int = 100,
        *,
        offset: int = 0,
        offset_param: str = "offset",
        limit_param: str = "limit",
        more_key: str | None = "more",
        total_key: str | None = None,
    ) -> None:
        super().__init__()
        self.limit = limit
        self.offset = offset
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.more_key = None if total_key else more_key
        self.total_key = total_key

    def init_request(self, request: PageRequest) -> None:
        request.params[self.offset_param] = self.offset
        request.params[self.limit_param] = self.limit

    def update_state(self, reply: Reply, data: list[Any]) -> None:
        body = reply.body if isinstance(reply.body, dict) else {}
        self.offset += len(data)
        if self.total_key:
            total = body.get(self.total_key)
            if not isinstance(total, int) or isinstance(total, bool):
                raise DataError(f"{reply.where()}: no integer '{self.total_key}'")
            self._has_next_page = bool(data) and self.offset < total
            return
        more = body.get(self.more_key or "")
        if not isinstance(more, bool):
            raise DataError(f"{reply.where()}: no boolean '{self.more_key}'")
        if more and not data:
            raise DataError(f"{reply.where()}: '{self.more_key}' is true on an empty page")
        self._has_next_page = more

    def update_request(self, request: PageRequest) -> None:
        request.params[self.offset_param] = self.offset


class CursorPaginator(BasePaginator):
    """A cursor in the body, sent back as a query parameter; absent on the last page.

    Example response (Opsgenie incident timeline)::

        {"data": {"entries": [...], "nextOffset": "20"}}
    """

    def __init__(self, cursor_path: Sequence[str], cursor_param: str) -> None:
        super().__init__()
        self.cursor_path = tuple(cursor_path)
        self.cursor_param = cursor_param
        self._cursor: Any = None
        self._seen: set[str] = set()

    def update_state(self, reply: Reply, data: list[Any]) -> None:
        cursor = _dig(reply.body, self.cursor_path)
        if cursor is not None and not isinstance(cursor, str | int):
            raise DataError(f"{reply.where()}: '{'.'.join(self.cursor_path)}' is not a cursor")
        self._cursor = cursor
        self._has_next_page = cursor not in (None, "") and bool(data)
        if self._has_next_page and str(cursor) in self._seen:
            raise DataError(f"{reply.where()}: the cursor {cursor!r} repeats")
        self._seen.add(str(cursor))

    def update_request(self, request: PageRequest) -> None:
        request.params[self.cursor_param] = self._cursor


class NextLinkPaginator(BasePaginator):
    """Follows a next-page URL from the body (Opsgenie ``paging.next``), else a header.

    Example response::

        {"data": [...], "paging": {"first": "...", "next": "https://api/v2/alerts?offset=100&..."}}

    Stops when the link is absent or the page is empty: Opsgenie alert logs keep offering a
    ``next`` link after the last entry. With ``page_size`` (the ``limit`` asked for), a shorter
    page is the last one too, which saves the empty request at the end of every log.
    """

    def __init__(
        self,
        next_path: Sequence[str] = ("paging", "next"),
        *,
        header: str | None = "X-Paging-Next",
        stop_on_empty: bool = True,
        page_size: int | None = None,
    ) -> None:
        super().__init__()
        self.next_path = tuple(next_path)
        self.header = header
        self.stop_on_empty = stop_on_empty
        self.page_size = page_size
        self._next: str | None = None
        self._seen: set[str] = set()

    def update_state(self, reply: Reply, data: list[Any]) -> None:
        self._seen.add(reply.url)
        link = _dig(reply.body, self.next_path)
        if not link and self.header:
            link = reply.headers.get(self.header)
        if link is not None and not isinstance(link, str):
            raise DataError(f"{reply.where()}: '{'.'.join(self.next_path)}' is not a URL")
        self._next = urljoin(reply.url, link) if link else None
        short = self.page_size is not None and len(data) < self.page_size
        self._has_next_page = (
            bool(self._next) and not (self.stop_on_empty and not data) and not short
        )
        if self._has_next_page and self._next in self._seen:
            raise DataError(f"{reply.where()}: the next link points back to a seen page")

    def update_request(self, request: PageRequest) -> None:
        assert self._next is not None
        request.url = self._next
        request.params = {}  # the link carries the whole query


def select(reply: Reply, selector: DataSelector, *, allow_null: bool = False) -> list[Any]:
    """The page's records: a list, where the selector says. Anything else is a ``DataError``."""
    if callable(selector):
        value = selector(reply.body)
        where = getattr(selector, "__name__", "the selector")
    else:
        if not isinstance(reply.body, dict):
            raise DataError(
                f"{reply.where()}: expected a JSON object with '{selector}', "
                f"got {type(reply.body).__name__}"
            )
        value = _dig(reply.body, tuple(selector.split(".")), missing=_MISSING)
        where = f"'{selector}'"
        if value is _MISSING:
            raise DataError(f"{reply.where()}: the body has no {where}")
    if value is None and allow_null:
        return []
    if not isinstance(value, list):
        raise DataError(f"{reply.where()}: {where} is {type(value).__name__}, not a list")
    return value


def paginate(
    client: HttpClient,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    paginator: BasePaginator | None = None,
    data_selector: DataSelector = "data",
    allow_null: bool = False,
    endpoint: str | None = None,
) -> Iterator[Page]:
    """Yield every page of ``path``: send, select the records, update the paginator."""
    paginator = paginator or SinglePagePaginator()
    request = PageRequest(client.url_for(path), dict(params or {}))
    paginator.init_request(request)
    for _ in range(MAX_PAGES):
        reply = client.get(request.url, request.params, endpoint=endpoint)
        items = select(reply, data_selector, allow_null=allow_null)
        paginator.update_state(reply, items)
        yield Page(items, reply)
        if not paginator.has_next_page:
            return
        paginator.update_request(request)
    what = where(client.name, "GET", client.redact.url(request.url))
    raise DataError(f"{what}: over {MAX_PAGES} pages")


_MISSING: Any = object()


def _dig(body: Any, path: tuple[str, ...], missing: Any = None) -> Any:
    for key in path:
        if not isinstance(body, dict) or key not in body:
            return missing
        body = body[key]
    return body
