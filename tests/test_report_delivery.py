"""``opskpi report --send`` (docs/weekly-review.md) against real local servers: an SMTP server
(aiosmtpd) that offers STARTTLS with a certificate made for the test and requires a login, and an
HTTP receiver standing in for a Slack/Mattermost/Teams incoming webhook, both on 127.0.0.1.
The file is always written first; a failed delivery is one line on stderr and exit 1; no secret
(the password, the webhook URL's path) ever reaches the output.
"""

from __future__ import annotations

import email
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email import policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import app_fixture as fx
import pytest

from opskpi.app.cli.main import main
from opskpi.app.review.chat import webhook_payload
from opskpi.app.review.document import Document, Link, Section, Table

pytestmark = pytest.mark.integration

HOOK_PATH = "/services/T0001/B0002/s3cr3tWebh00kToken"
PASSWORD = "correct-horse-battery"
RUN = ["--week", fx.WEEK, "--as-of", fx.AS_OF_PARAM]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("delivery"))
    fx.build_fixture(directory)
    return directory


def config_with(warehouse: Path, tmp_path: Path, delivery: str) -> Path:
    """The fixture's config (its warehouse) plus a [report.delivery] block, in ``tmp_path``."""
    text = fx.CONFIG.format(language="pt-BR").replace(
        'path = "warehouse/opskpi.duckdb"', f'path = "{warehouse / "warehouse" / "opskpi.duckdb"}"'
    )
    path = tmp_path / "opskpi.toml"
    path.write_text(text + "\n" + delivery, encoding="utf-8")
    return path


# -- a local webhook receiver ----------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), json.loads(body)))
                reply = b"ok" if receiver.status == 200 else b"no_service"
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{HOOK_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


def test_webhook_gets_the_briefing(warehouse: Path, tmp_path: Path, receiver, capsys) -> None:
    (tmp_path / "hook.url").write_text(receiver.url + "\n")
    config = config_with(
        warehouse, tmp_path, '[report.delivery.webhook]\nkind = "slack"\nurl_file = "hook.url"\n'
    )
    output = tmp_path / "out" / "review.html"
    code = main(["report", "--config", str(config), *RUN, "--send", "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    ((path, headers, body),) = receiver.requests
    assert path == HOOK_PATH
    assert headers["Content-Type"] == "application/json"
    text = body["text"]
    assert text.splitlines()[0] == "*Revisão operacional semanal — 2026-W10*"
    assert "*Sev1 e sev2 da semana*" in text
    assert (
        "• <https://acme.pagerduty.com/incidents/PW10D|pagerduty:PW10D> · obras-api is failing "
        "· sev1 · obras-api · 05/03 12:00 · 10 min ✗ · aberto há 4 d 21 h ✗ · "
        "Não classificado · incidente aberto"
    ) in text.splitlines()
    assert "posted the briefing to webhook (slack, 127.0.0.1)" in err
    assert "s3cr3t" not in err


def test_webhook_refused_exits_1_with_the_file_written(
    warehouse: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    port = _free_port()  # nothing listens there
    monkeypatch.setenv("OPSKPI_TEST_HOOK", f"http://127.0.0.1:{port}{HOOK_PATH}")
    config = config_with(
        warehouse, tmp_path, '[report.delivery.webhook]\nurl_env = "OPSKPI_TEST_HOOK"\n'
    )
    code = main(["report", "--config", str(config), *RUN, "--send"])
    err = capsys.readouterr().err
    written = tmp_path / "reports" / "opskpi-review-2026-W10.html"  # [report.delivery] output_dir
    assert code == 1
    assert written.is_file()
    failures = [line for line in err.splitlines() if "delivery failed" in line]
    assert failures == [
        "opskpi report: delivery failed: webhook (slack, 127.0.0.1): connection refused "
        f"(the report is in {written})"
    ]
    assert "s3cr3t" not in err and "Traceback" not in err


def test_webhook_http_error_is_one_line(warehouse: Path, tmp_path: Path, receiver, capsys) -> None:
    receiver.status = 404
    (tmp_path / "hook.url").write_text(receiver.url)
    config = config_with(
        warehouse,
        tmp_path,
        '[report.delivery.webhook]\nkind = "mattermost"\nurl_file = "hook.url"\n',
    )
    assert main(["report", "--config", str(config), *RUN, "--send"]) == 1
    err = capsys.readouterr().err
    assert "delivery failed: webhook (mattermost, 127.0.0.1): HTTP 404 Not Found: no_service" in err


def test_plain_http_is_refused_off_this_machine(
    warehouse: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("OPSKPI_TEST_HOOK", "http://hooks.example.com/services/T/B/s3cr3t")
    config = config_with(
        warehouse, tmp_path, '[report.delivery.webhook]\nurl_env = "OPSKPI_TEST_HOOK"\n'
    )
    assert main(["report", "--config", str(config), *RUN, "--send"]) == 1
    err = capsys.readouterr().err
    assert (
        "webhook URL ($OPSKPI_TEST_HOOK) must be https (plain http only to this machine), got "
        "http to hooks.example.com"
    ) in err
    assert "s3cr3t" not in err
    assert (tmp_path / "reports" / "opskpi-review-2026-W10.html").is_file()


def test_a_webhook_url_in_the_config_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "opskpi.toml"
    path.write_text('[report.delivery.webhook]\nurl = "https://hooks.slack.com/services/x"\n')
    assert main(["report", "--config", str(path), "--send"]) == 1
    err = capsys.readouterr().err
    assert "'url' must not be written in the config file (a webhook URL is a secret)" in err
    assert "hooks.slack.com/services/x" not in err


def test_send_without_delivery_config_says_what_to_set(warehouse: Path, tmp_path: Path, capsys):
    config = config_with(warehouse, tmp_path, "")
    assert main(["report", "--config", str(config), *RUN, "--send"]) == 1
    assert "--send: nothing to send to: configure [report.delivery.webhook]" in (
        capsys.readouterr().err
    )


def test_teams_and_mattermost_payloads_escape_source_text() -> None:
    doc = Document(
        "Revisão — 2026-W10",
        (),
        (),
        briefing_title="O que pede decisão",
        briefing_lead="Semana: 1 sev1",
        briefing=(
            Section(
                "Sev1",
                (
                    Table(
                        ("Incidente", "Título"),
                        ((Link("pd:A", "https://pd.example/A"), "*urgent* <!channel> [x](y)"),),
                    ),
                ),
            ),
        ),
    )
    mattermost = webhook_payload(doc, "mattermost")["text"]
    assert (
        "- [pd:A](https://pd.example/A) · \\*urgent\\* \\<\\!channel\\> \\[x\\]\\(y\\)"
        in mattermost
    )
    slack = webhook_payload(doc, "slack")["text"]
    assert "• <https://pd.example/A|pd:A> · *urgent* &lt;!channel&gt; [x](y)" in slack
    teams = webhook_payload(doc, "teams")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in card["content"]["body"]]
    assert texts[0] == "**Revisão — 2026-W10**" and "Semana: 1 sev1" in texts


# -- a local SMTP server with STARTTLS and login ---------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _certificate(directory: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (it makes the test server's certificate)")
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Inbox, Path]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"opskpi"
            and auth_data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield port, inbox, cert
    finally:
        controller.stop()


def _email_block(port: int, cert: Path) -> str:
    return (
        "[report.delivery.email]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "starttls"\n'
        'username = "opskpi"\n'
        'password_env = "OPSKPI_TEST_SMTP_PASSWORD"\n'
        'sender = "opskpi@example.com"\n'
        'to = ["ops-leads@example.com", "sre@example.com"]\n'
        f'ca_bundle = "{cert}"\n'
    )


def test_email_is_delivered_over_starttls_with_login(
    warehouse: Path, tmp_path: Path, smtp_server, capsys, monkeypatch
) -> None:
    port, inbox, cert = smtp_server
    monkeypatch.setenv("OPSKPI_TEST_SMTP_PASSWORD", PASSWORD)
    # a list cap of 1 row: the week's incidents (7) and the others come as CSV attachments
    config = config_with(warehouse, tmp_path, _email_block(port, cert))
    config.write_text(config.read_text().replace("[report]\n", "[report]\nlist_limit = 1\n", 1))
    code = main(["report", "--config", str(config), *RUN, "--send"])
    err = capsys.readouterr().err
    assert code == 0, err
    ((sender, recipients, message),) = inbox.messages
    assert sender == "opskpi@example.com"
    assert recipients == ["ops-leads@example.com", "sre@example.com"]
    assert message["Subject"] == "Revisão operacional semanal — 2026-W10"
    parts = {part.get_content_type(): part for part in message.walk()}
    html = parts["text/html"].get_payload(decode=True).decode()
    plain = parts["text/plain"].get_payload(decode=True).decode()
    assert "<h2>O que pede decisão nesta semana</h2>" in html
    assert plain.startswith("# Revisão operacional semanal — 2026-W10")
    attachments = {
        part.get_filename(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_filename()
    }
    incidents_csv = attachments["opskpi-review-2026-W10-incidents.csv"]
    assert len(incidents_csv.splitlines()) == 1 + 7  # the 7 incidents of W10, header first
    # in the mail the CSV is an attachment: its name is text, not a link to a missing file
    assert "CSV: opskpi-review-2026-W10-incidents.csv" in html
    assert 'href="opskpi-review-2026-W10-incidents.csv"' not in html
    written = tmp_path / "reports" / "opskpi-review-2026-W10.html"
    assert 'href="opskpi-review-2026-W10-incidents.csv"' in written.read_text(encoding="utf-8")
    assert "mailed the review to ops-leads@example.com, sre@example.com" in err
    assert PASSWORD not in err


def test_email_wrong_password_exits_1_with_the_file_written(
    warehouse: Path, tmp_path: Path, smtp_server, capsys, monkeypatch
) -> None:
    port, inbox, cert = smtp_server
    monkeypatch.setenv("OPSKPI_TEST_SMTP_PASSWORD", "wrong-" + PASSWORD)
    config = config_with(warehouse, tmp_path, _email_block(port, cert))
    assert main(["report", "--config", str(config), *RUN, "--send"]) == 1
    err = capsys.readouterr().err
    assert f"delivery failed: email via 127.0.0.1:{port}: authentication failed (535)" in err
    assert PASSWORD not in err
    assert inbox.messages == []
    assert (tmp_path / "reports" / "opskpi-review-2026-W10.html").is_file()


def test_email_untrusted_certificate_is_refused(
    warehouse: Path, tmp_path: Path, smtp_server, capsys, monkeypatch
) -> None:
    port, inbox, cert = smtp_server
    monkeypatch.setenv("OPSKPI_TEST_SMTP_PASSWORD", PASSWORD)
    block = _email_block(port, cert).replace(f'ca_bundle = "{cert}"\n', "")
    config = config_with(warehouse, tmp_path, block)
    assert main(["report", "--config", str(config), *RUN, "--send"]) == 1
    err = capsys.readouterr().err
    assert f"email via 127.0.0.1:{port}: TLS certificate not trusted" in err
    assert inbox.messages == []


def test_email_refused_connection_exits_1_with_the_file_written(
    warehouse: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    port = _free_port()
    monkeypatch.setenv("OPSKPI_TEST_SMTP_PASSWORD", PASSWORD)
    config = config_with(warehouse, tmp_path, _email_block(port, tmp_path / "none.pem"))
    output = tmp_path / "review.md"
    code = main(["report", "--config", str(config), *RUN, "--send", "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert output.read_text(encoding="utf-8").startswith("# Revisão operacional semanal")
    assert [line for line in err.splitlines() if "delivery failed" in line] == [
        f"opskpi report: delivery failed: email via 127.0.0.1:{port}: connection refused "
        f"(the report is in {output})"
    ]


def test_unencrypted_smtp_only_to_this_machine(tmp_path: Path, capsys) -> None:
    path = tmp_path / "opskpi.toml"
    path.write_text(
        '[report.delivery.email]\nhost = "smtp.example.com"\nsecurity = "none"\n'
        'sender = "a@example.com"\nto = ["b@example.com"]\n'
    )
    assert main(["report", "--config", str(path), "--send"]) == 1
    assert "security = 'none' sends mail and password in clear" in capsys.readouterr().err
