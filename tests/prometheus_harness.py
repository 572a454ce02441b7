"""A real Prometheus for tests, and the PromQL that opskpi's dashboards and rules run.

    with serving_exposition(Path("tests/data/exposition_sample.prom")) as target:
        with running_prometheus([target]) as prom:
            problems = expression_problems(prom, dashboard_expressions(DASHBOARD_FILES))

`running_prometheus` starts /usr/bin/prometheus on 127.0.0.1 (free port, temporary TSDB),
scraping the given targets every second under job "opskpi" with grafana/prometheus/rules.yml
loaded, and returns once every target's first scrape is up. Point it at the real exporter
(`opskpi serve-metrics --port N` → "127.0.0.1:N") to run the same checks end to end.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
RULES_FILE = REPO / "grafana" / "prometheus" / "rules.yml"
DASHBOARD_FILES = tuple(sorted((REPO / "grafana" / "dashboards").glob("*.json")))
PROMETHEUS_BINARY = os.environ.get("PROMETHEUS_BINARY", "/usr/bin/prometheus")
JOB = "opskpi"

# Concrete values for the dashboards' template variables (Grafana's regex form for multi).
TEMPLATE_VALUES: Mapping[str, str] = {
    "severity": "sev1|sev2",
    "source": ".*",
    "window": "28d",
    "team": ".*",
    "service": ".*",
    "datasource": "opskpi-prometheus",
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
}

# Guards against a hung process, not assertions on speed.
STARTUP_TIMEOUT = 60.0
POLL_SECONDS = 0.2
HTTP_TIMEOUT = 10.0

Series = dict[str, Any]


class PrometheusError(RuntimeError):
    """Prometheus failed to start, or answered a query with an error."""


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it comes from."""

    source: str  # dashboard title, or rule group
    name: str  # panel title, or alert/record name
    expr: str


@dataclass
class Prometheus:
    """HTTP API client of a running Prometheus."""

    base_url: str
    session: requests.Session

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        response = self.session.get(f"{self.base_url}{path}", params=params, timeout=HTTP_TIMEOUT)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusError(f"GET {path} {dict(params or {})}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str, time: float | None = None) -> list[Series]:
        """Instant query; a scalar or string result comes back as one series without labels."""
        params = {"query": expr}
        if time is not None:
            params["time"] = f"{time:.3f}"
        data = self._get("/api/v1/query", params)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def label_values(self, label: str, match: str) -> list[str]:
        return list(self._get(f"/api/v1/label/{label}/values", {"match[]": match}))

    def targets(self) -> list[dict[str, Any]]:
        return list(self._get("/api/v1/targets", {"state": "active"})["activeTargets"])

    def rules(self) -> list[dict[str, Any]]:
        """Every loaded rule, with its `health` and `lastError` after evaluation."""
        groups = self._get("/api/v1/rules")["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def server_time(self) -> float:
        return float(self.query("time()")[0]["value"][1])

    def wait_for_rule_evaluations(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Poll until every rule group has been evaluated after this call (so on current data)."""
        since = self.server_time()
        deadline = time.monotonic() + timeout
        while True:
            groups = self._get("/api/v1/rules")["groups"]
            if all(_rfc3339(group["lastEvaluation"]) > since for group in groups):
                return
            if time.monotonic() > deadline:
                raise PrometheusError(f"rule groups not evaluated after {timeout:.0f} s")
            time.sleep(POLL_SECONDS)

    def wait_for(self, expr: str, timeout: float = STARTUP_TIMEOUT) -> list[Series]:
        """Poll until `expr` returns at least one series (e.g. after a second scrape)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if result:
                return result
            if time.monotonic() > deadline:
                raise PrometheusError(f"{expr!r} still empty after {timeout:.0f} s")
            time.sleep(POLL_SECONDS)


def _rfc3339(stamp: str) -> float:
    """Prometheus' RFC 3339 timestamps carry nanoseconds; Python parses microseconds."""
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", stamp).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed).timestamp()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prometheus_config(
    targets: Sequence[str], rule_files: Sequence[Path], job: str = JOB
) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(Path(path).resolve()) for path in rule_files],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": list(targets)}]}],
    }


def _log_tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_scraped(
    prom: Prometheus, process: subprocess.Popen[bytes], log: Path, expected: int
) -> None:
    """Until /-/ready answers, then until every target's first scrape is up."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    status = "not ready"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrometheusError(f"prometheus exited with {process.returncode}:\n{_log_tail(log)}")
        with contextlib.suppress(requests.ConnectionError):
            ready = prom.session.get(f"{prom.base_url}/-/ready", timeout=HTTP_TIMEOUT)
            if ready.status_code == 200:
                targets = prom.targets()
                status = ", ".join(
                    f"{t['scrapeUrl']}: {t['health']} {t.get('lastError', '')}".strip()
                    for t in targets
                )
                if len(targets) == expected and all(t["health"] == "up" for t in targets):
                    return
        time.sleep(POLL_SECONDS)
    raise PrometheusError(f"targets not up after {STARTUP_TIMEOUT:.0f} s ({status})")


@contextlib.contextmanager
def running_prometheus(
    targets: Sequence[str],
    rule_files: Sequence[Path] = (RULES_FILE,),
    job: str = JOB,
    binary: str = PROMETHEUS_BINARY,
) -> Iterator[Prometheus]:
    """A Prometheus scraping `targets` ("host:port") every second, stopped on exit."""
    if not shutil.which(binary):
        raise PrometheusError(f"{binary} not found (Debian package `prometheus`)")
    with tempfile.TemporaryDirectory(prefix="opskpi-prometheus-") as tmp:
        workdir = Path(tmp)
        config = workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(targets, rule_files, job)))
        log = workdir / "prometheus.log"
        address = f"127.0.0.1:{free_port()}"
        command = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address={address}",
            "--storage.tsdb.retention.time=1d",
        ]
        with log.open("wb") as log_file, requests.Session() as session:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                prom = Prometheus(f"http://{address}", session)
                _wait_until_scraped(prom, process, log, len(targets))
                yield prom
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def serving_exposition(path: Path) -> Iterator[str]:
    """Serve a fixed exposition text at http://127.0.0.1:PORT/metrics; yields "127.0.0.1:PORT"."""
    body = path.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="exposition", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


def substitute(expr: str, values: Mapping[str, str] = TEMPLATE_VALUES) -> str:
    """Replace Grafana template variables ($x, ${x}, ${x:fmt}, [[x]]); unknown ones raise."""

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name not in values:
            raise KeyError(f"no test value for template variable ${name} in {expr!r}")
        return values[name]

    return _VARIABLE.sub(value, expr)


def _panels(panels: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])


def _load_json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def dashboard_expressions(
    paths: Iterable[Path], values: Mapping[str, str] = TEMPLATE_VALUES
) -> list[Expression]:
    """Every PromQL `expr` of the dashboards, with template variables made concrete."""
    found = []
    for path in paths:
        board = _load_json(path)
        for panel in _panels(board.get("panels") or []):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    found.append(
                        Expression(
                            board["title"],
                            panel.get("title", ""),
                            substitute(target["expr"], values),
                        )
                    )
    return found


_LABEL_VALUES = re.compile(r"^label_values\((?P<match>.+),\s*(?P<label>\w+)\)$")


def dashboard_variable_queries(paths: Iterable[Path]) -> list[tuple[str, str, str]]:
    """(variable name, label, series selector) of every `label_values(...)` query variable."""
    found = []
    for path in paths:
        for variable in _load_json(path).get("templating", {}).get("list", []):
            query = variable.get("query")
            if variable.get("type") == "query" and isinstance(query, str):
                parsed = _LABEL_VALUES.match(query.strip())
                if parsed:
                    found.append((variable["name"], parsed["label"], parsed["match"]))
    return found


def rule_expressions(path: Path = RULES_FILE) -> list[Expression]:
    """Every recording and alerting rule expression of a Prometheus rule file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Expression(group["name"], rule.get("alert") or rule["record"], rule["expr"].strip())
        for group in document["groups"]
        for rule in group["rules"]
    ]


_COMPARISON = re.compile(r"==|!=|>=|<=|>|<")


def comparison_operand(expr: str) -> str:
    """The left operand of the top-level comparison (`x > 0` → `x`), or `expr` if none.

    An alert expression returns nothing while all is well; its operand shows whether the
    selectors match anything at all.
    """
    depth, quote, position = 0, "", None
    index = 0
    while index < len(expr):
        char = expr[index]
        if quote:
            quote = "" if char == quote and expr[index - 1] != "\\" else quote
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and (match := _COMPARISON.match(expr, index)):
            position = index
            index += len(match.group()) - 1
        index += 1
    return expr if position is None else expr[:position].strip()


def expression_problems(prom: Prometheus, expressions: Iterable[Expression]) -> list[str]:
    """One line per expression that fails or returns no series (empty list: all good)."""
    problems = []
    for item in expressions:
        try:
            if not prom.query(item.expr):
                problems.append(f"{item.source} / {item.name}: no data for {item.expr}")
        except PrometheusError as error:
            problems.append(f"{item.source} / {item.name}: {error}")
    return problems
