"""A small ``requests.Session`` wrapper: base URL, auth header from a ``Secret``, a timeout on
every request, TLS verification (a CA bundle path, never ``verify=False``), the shared retry
policy (``etl.http.policy``), and errors built by ``etl.http.messages``, whose messages never
contain a credential.

One client serves every worker of a source (``etl.http.inflight``): each thread sends through
a session of its own (``requests.Session`` is not made to be shared between threads), set up
alike, and the counts are kept under a lock."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from opskpi.config.secrets import Secret
from opskpi.etl.errors import ConfigurationError, DataError, HttpError, TransportError
from opskpi.etl.http.messages import http_error, not_json_message, transport_error_message, where
from opskpi.etl.http.policy import RetryPolicy, classify
from opskpi.etl.http.redaction import Redactor
from opskpi.etl.http.transport import require_https

if TYPE_CHECKING:
    from opskpi.etl.http.paginators import BasePaginator, DataSelector, Page

USER_AGENT = "opskpi/0.1 (+https://github.com/opskpi)"
# worth retrying: the connection dropped, was refused or timed out. TLS failures are not
# (a bad certificate will not get better in a second), so SSLError is handled apart.
_RETRYABLE_TRANSPORT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass
class Reply:
    """A successful (2xx) response with its JSON body parsed."""

    method: str
    url: str  # as requested, query included; sanitise before showing it
    status: int
    headers: Mapping[str, str]
    body: Any
    response: requests.Response
    safe_url: str = ""  # the URL for messages: sanitised, secrets replaced
    source: str = "http"

    def where(self) -> str:
        """``source: METHOD safe-url``, the start of every message about this reply."""
        return where(self.source, self.method, self.safe_url)


class HttpClient:
    """Sends requests to one API.

    Args:
        base_url: scheme, host and optional path prefix (``https://host/opsgenie``).
        secret: sent as ``Authorization: <auth_scheme> <secret>``; redacted from every message.
        auth_scheme: ``GenieKey``, ``Bearer``, ``Token token=`` (then no space is added).
        timeout: seconds, for connect and for each read.
        ca_bundle: a PEM file of CAs to trust instead of the system store.
        retry: the retry policy (default ``RetryPolicy()``, the one table; inject ``sleep``
            in tests).
        on_request: called with the endpoint label before every attempt (request counting).
        status_hints: extra text for an error status, e.g. what a 401 means for this API.
        name: the source, first word of every error message.
        redact_also: more secrets kept out of every message (JSM: the e-mail and the token
            that make up its Basic credential).
    """

    def __init__(
        self,
        base_url: str,
        *,
        secret: Secret | None = None,
        auth_scheme: str = "Bearer",
        timeout: float = 30.0,
        ca_bundle: str | Path | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        on_request: Callable[[str], None] | None = None,
        headers: Mapping[str, str] | None = None,
        status_hints: Mapping[int, str] | None = None,
        name: str = "http",
        redact_also: Iterable[Secret] = (),
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"{name}: base_url must be an http(s) URL, got {base_url!r}")
        require_https(base_url, f"sources.{name}.base_url" if name != "http" else "base_url")
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}".lower()
        self.name = name
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self.status_hints = dict(status_hints or {})
        self.redact = Redactor([*([secret] if secret is not None else []), *redact_also])
        self.stats: Counter[str] = Counter()  # requests sent (retries included) per endpoint
        self._lock = threading.Lock()
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if secret is not None:
            sep = "" if auth_scheme.endswith("=") else " "
            self._headers["Authorization"] = f"{auth_scheme}{sep}{secret.reveal()}"
        self._verify_with = self._verify(ca_bundle)
        self._given = session is not None  # a session given (tests) serves every thread
        self.session = self._set_up(session or requests.Session())
        self._sessions = [self.session]
        self._local = threading.local()
        self._local.session = self.session

    def _set_up(self, session: requests.Session) -> requests.Session:
        session.headers.update(self._headers)
        session.verify = self._verify_with
        return session

    def _thread_session(self) -> requests.Session:
        """The calling thread's session (the first one for the thread that made the client)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self.session if self._given else self._set_up(requests.Session())
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _verify(self, ca_bundle: str | Path | None) -> str | bool:
        if ca_bundle is None or str(ca_bundle) == "":
            return True
        path = Path(ca_bundle)
        if not path.is_file():
            raise ConfigurationError(f"{self.name}: ca_bundle {path} is not a readable file")
        return str(path)

    # -- URLs -------------------------------------------------------------------------------
    def url_for(self, path_or_url: str) -> str:
        """An absolute URL under the base URL; links to another host are refused, since the
        credential would go with them."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if f"{parts.scheme}://{parts.netloc}".lower() != self.origin:
                raise DataError(
                    f"{self.name}: refusing to follow a link to another host "
                    f"({self.redact.url(path_or_url)}; the base URL is {self.base_url})"
                )
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    # -- requests ---------------------------------------------------------------------------
    def get(
        self,
        path_or_url: str,
        params: Mapping[str, Any] | None = None,
        *,
        endpoint: str | None = None,
    ) -> Reply:
        return self.request("GET", path_or_url, params=params, endpoint=endpoint)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        endpoint: str | None = None,
    ) -> Reply:
        """One logical request: retried per the policy, then a parsed 2xx reply or an error."""
        url = self.url_for(path_or_url)
        label = endpoint or f"{method} {urlsplit(url).path}"
        retries = self.retry.start()
        session = self._thread_session()
        while True:
            self.retry.pace()  # the source's budget, shared by its workers
            with self._lock:
                self.stats[label] += 1
            if self.on_request is not None:
                self.on_request(label)
            try:
                response = session.request(
                    method, url, params=params, json=json_body, timeout=self.timeout
                )
            except requests.exceptions.SSLError as exc:
                raise TransportError(self._transport_message(method, url, params, exc)) from None
            except _RETRYABLE_TRANSPORT as exc:
                full = self.redact.url(self._full_url(method, url, params))
                if retries.again("transport", where(self.name, method, full), type(exc).__name__):
                    continue
                made = retries.made["transport"]
                raise TransportError(
                    self._transport_message(method, url, params, exc, made)
                ) from None
            kind = classify(response.status_code)
            if kind is not None and retries.again(
                kind,
                where(self.name, method, self.redact.url(response.url)),
                f"status {response.status_code}",
                response.headers,
            ):
                continue
            if response.status_code >= 400 or response.status_code < 200:
                raise self._http_error(method, response, retries.made[kind] if kind else 0)
            return Reply(
                method,
                response.url,
                response.status_code,
                response.headers,
                self._json(method, response),
                response,
                safe_url=self.redact.url(response.url),
                source=self.name,
            )

    def _json(self, method: str, response: requests.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            raise DataError(
                not_json_message(
                    self.redact,
                    self.name,
                    method,
                    response.url,
                    response.status_code,
                    response.text,
                )
            ) from None

    def _http_error(self, method: str, response: requests.Response, retries: int) -> HttpError:
        status = response.status_code
        return http_error(
            self.redact,
            self.name,
            method,
            response.url,
            status,
            response.text,
            reason=response.reason or "",
            retries=retries,
            hint=self.status_hints.get(status),
            response=response,
        )

    @staticmethod
    def _full_url(method: str, url: str, params: Mapping[str, Any] | None) -> str:
        """The URL with its query, as it was sent (for messages about unanswered requests)."""
        return requests.Request(method, url, params=params).prepare().url or url

    def _transport_message(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        exc: Exception,
        retries: int = 0,
    ) -> str:
        full = self._full_url(method, url, params)
        return transport_error_message(self.redact, self.name, method, full, exc, retries)

    # -- pagination -------------------------------------------------------------------------
    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        paginator: BasePaginator | None = None,
        data_selector: DataSelector = "data",
        allow_null: bool = False,
        endpoint: str | None = None,
    ) -> Iterator[Page]:
        """Pages of ``path`` (see ``etl.http.paginators.paginate``)."""
        from opskpi.etl.http.paginators import paginate

        return paginate(
            self,
            path,
            params=params,
            paginator=paginator,
            data_selector=data_selector,
            allow_null=allow_null,
            endpoint=endpoint,
        )

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions if not self._given else sessions[:1]:
            session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
