"""The HTTP layer every API connector uses: client, the retry policy, error messages,
paginators, redaction."""

from opskpi.etl.http.client import HttpClient, Reply
from opskpi.etl.http.paginators import (
    BasePaginator,
    CursorPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    Page,
    PageRequest,
    SinglePagePaginator,
    paginate,
    select,
)
from opskpi.etl.http.policy import Retries, RetryPolicy, classify, rate_limit_wait
from opskpi.etl.http.redaction import Redactor, sanitize_text, sanitize_url, truncate

__all__ = [
    "BasePaginator",
    "CursorPaginator",
    "HttpClient",
    "NextLinkPaginator",
    "OffsetPaginator",
    "Page",
    "PageRequest",
    "Redactor",
    "Reply",
    "Retries",
    "RetryPolicy",
    "SinglePagePaginator",
    "classify",
    "paginate",
    "rate_limit_wait",
    "sanitize_text",
    "sanitize_url",
    "select",
    "truncate",
]
