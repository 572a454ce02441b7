"""JSM Operations' next links: ``links.next`` may be absolute, or relative to the API root
(``/v1/alerts/{id}/logs?after=…`` means ``…/jsm/ops/api/{cloudId}/v1/alerts/{id}/logs``, not
``https://api.atlassian.com/v1/…``), or relative to the page it came from."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from opskpi.etl.errors import DataError


def next_link(body: Any, where: str) -> str | None:
    """``links.next`` of a page; None (absent, null or empty) on the last page."""
    links = body.get("links") if isinstance(body, dict) else None
    if links is None:
        return None
    if not isinstance(links, dict):
        raise DataError(f"{where}: 'links' is not an object")
    link = links.get("next")
    if link in (None, ""):
        return None
    if not isinstance(link, str):
        raise DataError(f"{where}: 'links.next' is not a URL")
    return link


def resolve(link: str, api_root: str, page_url: str) -> str:
    """The absolute URL of ``link`` given on the page at ``page_url``.

    ``api_root`` is ``<base_url>/jsm/ops/api/<cloudId>``; a link starting with ``/v1/`` is
    under it (the spec's examples), any other ``/…`` or ``?…`` is read as a browser would.
    """
    if link.startswith(("http://", "https://")):
        return link
    if link.startswith("/v1/") or link == "/v1":
        return api_root.rstrip("/") + link
    return urljoin(page_url, link)
