"""Where credentials may travel: every API base URL is ``https://``, except on the loopback
interface (the simulator, a local proxy), where plain ``http://`` stays allowed. Checked when a
client is made, before any connection: a token is never sent in clear text to another host."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from opskpi.etl.errors import ConfigurationError

LOOPBACK_NAMES = frozenset({"localhost"})
_SHOWN = 80


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``."""
    if not host:
        return False
    if host.lower().rstrip(".") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str, key: str) -> str:
    """``url`` if it may carry a credential; else ConfigurationError naming the config ``key``
    (``sources.opsgenie.base_url``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))
    )
    if parts is not None and parts.netloc and host and secure:
        return url
    shown = url if len(url) <= _SHOWN else url[: _SHOWN - 1] + "…"
    raise ConfigurationError(
        f"{key}: expected an https:// URL (http:// only on 127.0.0.1/localhost), got {shown!r}; "
        "credentials are never sent over plain http to another host"
    )
