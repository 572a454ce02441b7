"""``opskpi report --send``: the review delivered per ``[report.delivery]`` (docs/weekly-review.md),
after the file is written.

- **webhook**: the briefing posted to a Slack, Mattermost or Teams incoming webhook
  (``app/review/chat.py``). The URL is the credential: it is read from ``url_env`` or
  ``url_file`` (``config/secrets.py``), must be https unless the host is this machine, and is
  never printed: errors name the kind and the host only.
- **email**: the HTML review as the body (Markdown as the plain-text part), the full lists as CSV
  attachments, over SMTP with STARTTLS (or implicit TLS) and the server's certificate verified;
  the password from ``password_env`` or ``password_file``.

Each failure is a ``DeliveryError`` with a one-line message saying which delivery failed and why.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

import requests

from opskpi.app.review.chat import webhook_payload
from opskpi.app.review.document import Document, to_html, to_markdown
from opskpi.config.model import EmailSettings, WebhookSettings, is_loopback
from opskpi.config.secrets import Secret, SecretError, read_secret


class DeliveryError(Exception):
    """A delivery failed; the message is one line and carries no secret."""


@dataclass(frozen=True)
class Attached:
    name: str
    data: bytes
    mime: str  # "text/csv"


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in words, without the URL (it may hold the secret)."""
    for current in _chain(exc):
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "host name not found"
        if isinstance(current, TimeoutError | socket.timeout | requests.Timeout):
            return "timed out"
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted ({current.verify_message})"
        if isinstance(current, ssl.SSLError):
            return f"TLS failed ({current.reason or type(current).__name__})"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        inner = current.args[0] if current.args else None
        nested = getattr(inner, "reason", None)
        current = (
            current.__cause__
            or current.__context__
            or (nested if isinstance(nested, BaseException) else None)
            or (inner if isinstance(inner, BaseException) else None)
        )
    return seen


# -- webhook --------------------------------------------------------------------------------------


def webhook_url(settings: WebhookSettings, base_dir: Path) -> Secret:
    what = "report.delivery.webhook"
    try:
        url = read_secret(
            env=settings.url_env, file=settings.url_file, base_dir=base_dir, what=what
        )
    except SecretError as exc:
        raise DeliveryError(str(exc)) from None
    parts = urlsplit(url.reveal())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DeliveryError(f"{what}: the webhook URL ({url.origin}) is not an http(s) URL")
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        raise DeliveryError(
            f"{what}: the webhook URL ({url.origin}) must be https (plain http only to this "
            f"machine), got http to {parts.hostname}"
        )
    return url


def post_webhook(
    settings: WebhookSettings, base_dir: Path, doc: Document, report_link: str | None
) -> str:
    """Post the briefing; returns what was done, for the log line."""
    url = webhook_url(settings, base_dir)
    host = urlsplit(url.reveal()).hostname
    where = f"webhook ({settings.kind}, {host})"
    try:
        response = requests.post(
            url.reveal(),
            json=webhook_payload(doc, settings.kind, report_link),
            timeout=settings.timeout.seconds or 15.0,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"{where}: {_reason(exc)}") from None
    if not 200 <= response.status_code < 300:
        body = response.text[:200].replace("\n", " ").replace(url.reveal(), url.last4)
        raise DeliveryError(f"{where}: HTTP {response.status_code} {response.reason}: {body}")
    return f"posted the briefing to {where}"


# -- e-mail ---------------------------------------------------------------------------------------


def email_message(
    settings: EmailSettings, doc: Document, attachments: Sequence[Attached]
) -> EmailMessage:
    """The review as a MIME message: plain text (the Markdown) and HTML, then the CSVs."""
    message = EmailMessage()
    message["Subject"] = settings.subject or doc.title
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(to_markdown(doc))
    message.add_alternative(to_html(doc, local_files=False), subtype="html")
    for item in attachments:
        maintype, _, subtype = item.mime.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.name)
    return message


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """One AUTH attempt (PLAIN, else LOGIN): ``SMTP.login`` would try each mechanism in turn,
    and a wrong password would count against the account once per mechanism."""
    advertised = client.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in advertised), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError("the server offers neither AUTH PLAIN nor LOGIN")
    client.user, client.password = username, password
    client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))


def _tls_context(settings: EmailSettings, base_dir: Path, where: str) -> ssl.SSLContext:
    """The system's trusted CAs, or ``ca_bundle``'s; the certificate and host name verified."""
    if not settings.ca_bundle:
        return ssl.create_default_context()
    path = Path(settings.ca_bundle)
    path = path if path.is_absolute() else base_dir / path
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeliveryError(f"{where}: cannot read ca_bundle {path}: {reason}") from None


def send_email(
    settings: EmailSettings, base_dir: Path, doc: Document, attachments: Sequence[Attached]
) -> str:
    where = f"email via {settings.host}:{settings.port}"
    password = None
    if settings.password_env or settings.password_file:
        try:
            password = read_secret(
                env=settings.password_env,
                file=settings.password_file,
                base_dir=base_dir,
                what="report.delivery.email",
            )
        except SecretError as exc:
            raise DeliveryError(str(exc)) from None
    message = email_message(settings, doc, attachments if settings.attach_csv else ())
    timeout = settings.timeout.seconds or 30.0
    try:
        client: smtplib.SMTP
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=timeout,
                context=_tls_context(settings, base_dir, where),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server does not offer STARTTLS (security = 'starttls')"
                    )
                client.starttls(context=_tls_context(settings, base_dir, where))
                client.ehlo()
            if settings.username and password is not None:
                _login(client, settings.username, password.reveal())
            refused = client.send_message(message)
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{where}: {exc}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{where}: authentication failed ({exc.smtp_code})") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"{where}: every recipient refused ({', '.join(sorted(exc.recipients))})"
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise DeliveryError(f"{where}: {exc.smtp_code} {text[:160]}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{where}: {_reason(exc)}") from None
    if refused:
        raise DeliveryError(f"{where}: recipients refused: {', '.join(sorted(refused))}")
    return f"mailed the review to {', '.join(settings.to)} ({where})"
