"""The one way an HTTP failure becomes an :mod:`etl.errors` exception, for both HTTP stacks.

After python-pagerduty's ``http_error_message`` and dlt's ``_dlt_raise_for_status``: every
message starts with ``source: METHOD url`` (the URL sanitised, known secrets replaced by their
last four characters), then the status and the start of the body::

    opsgenie: GET https://api.opsgenie.com/v2/alerts?limit=100: status 503: server error
    (HTTP 503 Service Unavailable) after 4 retries: <html>…

Each builder takes the source's :class:`Redactor` and the raw URL and body, so a message
cannot be built without redacting them.
"""

from __future__ import annotations

from typing import Any

from opskpi.etl.errors import HttpError, RateLimitedError, ServerHttpError
from opskpi.etl.http.redaction import Redactor, truncate

BODY_CHARS = 300  # an error body can be a whole HTML page
DETAIL_CHARS = 200


def where(source: str, method: str, safe_url: str) -> str:
    """``source: METHOD safe-url``, the start of every message about one request; ``safe_url``
    comes from ``Redactor.url``."""
    return f"{source}: {method.upper()} {safe_url}"


def _status_kind(status: int) -> str:
    if 300 <= status < 400:
        return "redirect"
    if 400 <= status < 500:
        return "client error"
    if 500 <= status < 600:
        return "server error"
    return "unexpected status"


def _retried(retries: int) -> str:
    return f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""


def http_error_message(
    redact: Redactor,
    source: str,
    method: str,
    url: str,
    status: int,
    body: str,
    *,
    reason: str = "",
    retries: int = 0,
    hint: str | None = None,
) -> str:
    """``source: METHOD url: status N: client error (HTTP N Reason) after R retries: body.
    hint`` (the retries and the hint only when there are some)."""
    phrase = f"HTTP {status} {reason}".rstrip()
    text = truncate(redact(body), BODY_CHARS) or "(empty body)"
    message = (
        f"{where(source, method, redact.url(url))}: status {status}: {_status_kind(status)} "
        f"({phrase}){_retried(retries)}: {text}"
    )
    if hint:
        message += f". {redact(hint)}"
    return message


def error_class(status: int) -> type[HttpError]:
    """429 → :class:`RateLimitedError`, 5xx → :class:`ServerHttpError`, else :class:`HttpError`."""
    if status == 429:
        return RateLimitedError
    if 500 <= status < 600:
        return ServerHttpError
    return HttpError


def http_error(
    redact: Redactor,
    source: str,
    method: str,
    url: str,
    status: int,
    body: str,
    *,
    reason: str = "",
    retries: int = 0,
    hint: str | None = None,
    response: Any = None,
) -> HttpError:
    """The typed error for an error status, its message from :func:`http_error_message`."""
    message = http_error_message(
        redact, source, method, url, status, body, reason=reason, retries=retries, hint=hint
    )
    return error_class(status)(message, status=status, response=response)


def transport_error_message(
    redact: Redactor, source: str, method: str, url: str, exc: BaseException, retries: int = 0
) -> str:
    """``source: METHOD url: ReadTimeout after R retries: detail`` for a request that got no
    answer (refused, dropped, timed out, TLS)."""
    detail = truncate(redact(str(exc)), DETAIL_CHARS)
    message = f"{where(source, method, redact.url(url))}: {type(exc).__name__}{_retried(retries)}"
    return f"{message}: {detail}" if detail else message


def not_json_message(
    redact: Redactor, source: str, method: str, url: str, status: int, body: str
) -> str:
    """``source: METHOD url: status N: the body is not JSON: start of the body``."""
    return (
        f"{where(source, method, redact.url(url))}: status {status}: the body is not JSON: "
        f"{truncate(redact(body), DETAIL_CHARS)}"
    )
