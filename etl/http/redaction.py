"""Make URLs and messages safe to log or raise (after dlt's ``redaction.sanitize_url``).

Two rules: query values whose name looks like a credential are masked, and any occurrence of a
known secret is replaced by its last four characters (``Secret.last4``), wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from opskpi.config.secrets import Secret

MASK = "***"
SENSITIVE_PARAMS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "authorization",
        "client_secret",
        "code",
        "geniekey",
        "key",
        "password",
        "refresh_token",
        "secret",
        "session",
        "sig",
        "signature",
        "token",
    }
)


# the same rule inside free text (exception messages quote URLs): name=value after ? or &
_PARAM_IN_TEXT = re.compile(r"([?&;]([A-Za-z0-9_.-]+)=)([^&#\s'\")]+)")


def _sensitive(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    return lowered in SENSITIVE_PARAMS or lowered.endswith(("_token", "_key", "_secret"))


def _mask_pair(pair: str) -> str:
    """``name=value`` with the value masked if the name looks like a credential; the rest of
    the query keeps its original encoding."""
    name, sep, value = pair.partition("=")
    return f"{name}={MASK}" if sep and value and _sensitive(unquote_plus(name)) else pair


def sanitize_text(text: str) -> str:
    """``text`` with credential-like query values of any URL in it masked."""

    def mask(match: re.Match[str]) -> str:
        return match.group(1) + MASK if _sensitive(match.group(2)) else match.group(0)

    return _PARAM_IN_TEXT.sub(mask, text)


def sanitize_url(url: str) -> str:
    """``url`` with credential-like query values and any ``user:password@`` masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(_mask_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class Redactor:
    """Replaces known secrets (and their URL-encoded forms) with their last four characters."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        self._pairs: list[tuple[str, str]] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: Secret) -> None:
        value = secret.reveal()
        if not value:
            return
        for form in {value, quote(value, safe=""), quote_plus(value)}:
            self._pairs.append((form, secret.last4))
        self._pairs.sort(key=lambda pair: -len(pair[0]))  # longest first

    def __call__(self, text: str) -> str:
        for value, replacement in self._pairs:
            if value in text:
                text = text.replace(value, replacement)
        return sanitize_text(text)

    def url(self, url: str) -> str:
        """A URL fit for a message: sanitised, then with known secrets replaced."""
        return self(sanitize_url(url))


def truncate(text: str, limit: int = 300) -> str:
    """One line, at most ``limit`` characters (error bodies can be whole HTML pages)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
