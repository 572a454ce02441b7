"""The ETL's error tree (after python-pagerduty's ``errors.py``): small, and every message safe
to print — URLs are sanitised and tokens appear as their last four characters at most."""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """A source could not be synced. The message names the source and what went wrong."""


class ConfigurationError(ConnectorError):
    """The source's settings cannot work (bad URL, missing secret, bad CA bundle)."""


class HttpError(ConnectorError):
    """The API answered with an error status. Always carries the response (status, body)."""

    def __init__(self, message: str, *, status: int, response: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.response = response


class ServerHttpError(HttpError):
    """A 5xx that persisted through the retries."""


class RateLimitedError(HttpError):
    """429s that persisted through the capped retries."""


class TransportError(ConnectorError):
    """Connection refused, reset, timed out, or TLS failure, after retries."""


class DataError(ConnectorError):
    """The API answered 2xx with something that is not the documented shape at all."""
