"""The HTTP layer every API connector uses: client, retry policy, paginators, redaction."""

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
from opskpi.etl.http.redaction import Redactor, sanitize_text, sanitize_url, truncate
from opskpi.etl.http.retry import RetryPolicy, classify, rate_limit_wait

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
