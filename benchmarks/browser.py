"""Browser figures: the app as people use it, in a real headless Chromium (selenium and Debian's
chromium/chromedriver, as tests/test_browser.py drives them), not AppTest.

For each run a new Chromium (a fresh profile: nothing in its cache, a first visit) opens the
overview, then switches to every other page through the sidebar, then back to the overview and
changes a filter (severity sev1). Each step is timed from the action to the page being
**stable**: the script finished (``data-test-script-state = notRunning``), no element stale or
still a skeleton, every Plotly chart in view drawn (its SVG present) and every table in view
drawn (its canvas; one in a closed expander or another tab is not drawn until opened),
the page's title shown, and nothing changing for ``QUIET`` seconds (the time reported is when
the final state first appeared, not the end of the quiet period).

Run 0 is the first visit after the server started (Python imports and every cache cold). The
later runs each pin a different ``as_of`` (a minute apart), so the server's caches miss as they
do for the first visitor of a new minute, with the process warm: their median is "first page".
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1366,900",
)
QUIET = 0.5  # seconds without any change: the page is stable
POLL = 0.03
LIMIT = 60.0  # give up on a step after this long (reported as such, not a figure)
# (sidebar link text in pt-BR, the page's title): every page after the overview, in order
PAGES = (
    ("Times", "Times"),
    ("Tempos de resposta", "Tempos de resposta"),
    ("Carga de plantão", "Carga de plantão"),
    ("Causas-raiz", "Causas-raiz"),
    ("Releases", "Releases"),
    ("Ações corretivas", "Ações corretivas"),
    ("Incidentes", "Incidentes"),
    ("Revisão semanal", "Revisão semanal"),
    ("Saúde dos dados", "Saúde dos dados"),
    ("Visão geral", "Visão geral"),
)

_STATE = """
const app = document.querySelector('.stApp');
const shown = e => {  // not in a closed expander nor in a hidden tab
  const details = e.closest('details');
  if (details && !details.open) return false;
  const tab = e.closest('[role="tabpanel"]');
  if (tab && (tab.hidden || tab.offsetParent === null)) return false;
  return e.getClientRects().length > 0;
};
const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(shown);
const frames = [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(shown);
const h1 = document.querySelector('h1');
return [
  app ? app.getAttribute('data-test-script-state') : null,
  document.querySelectorAll('[data-stale="true"]').length,
  document.querySelectorAll('[data-testid="stSkeleton"]').length,
  charts.length,
  charts.filter(c => c.querySelector('.main-svg')).length,
  frames.length,
  frames.filter(f => f.querySelector('canvas')).length,
  h1 ? h1.innerText : null,
  document.body.innerText.length,
  location.href,
  document.querySelectorAll('[data-testid="stException"]').length,
];
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def app_server(config_file: Path, log: Path) -> Iterator[str]:
    """``opskpi app`` on a free loopback port, in its own session (stopped as a group)."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "opskpi.app.cli", "app"),
                *("--port", str(port), "--config", str(config_file)),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            started = time.monotonic()
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() - started > 90:
                    raise RuntimeError(f"opskpi app did not start: see {log}")
                time.sleep(0.2)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    with tempfile.TemporaryDirectory(prefix="opskpi-bench-chromium-") as profile:
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def wait_stable(driver: Any, title: str, started: float, url_has: str = "") -> float:
    """Seconds from ``started`` until the page titled ``title`` is stable (see the module)."""
    last: list[Any] | None = None
    since = started
    while True:
        now = time.monotonic()
        if now - started > LIMIT:
            raise TimeoutError(f"{title!r} not stable after {LIMIT:.0f} s (last state {last})")
        state = driver.execute_script(_STATE)
        if state != last:
            last, since = state, now
        script, stale, skeleton, charts, drawn, frames, framed, h1, _, href, errors = state
        if errors:
            raise RuntimeError(f"{title!r} shows an exception: see the app's log")
        ready = (
            script == "notRunning"
            and stale == 0
            and skeleton == 0
            and charts == drawn
            and frames == framed
            and h1 == title
            and url_has in href
        )
        if ready and now - since >= QUIET:
            return since - started
        time.sleep(POLL)


def _click_page(driver: Any, label: str) -> None:
    from selenium.webdriver.common.by import By

    for link in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a'):
        if link.text.strip().splitlines()[-1].strip() == label:  # after the icon's name
            link.click()
            return
    raise LookupError(f"no sidebar link {label!r}")


def _pick_severity(driver: Any, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(
        By.XPATH, '//div[@data-testid="stMultiSelect"][.//*[text()="Severidade"]]//input'
    )
    box.click()
    box.send_keys(value)
    box.send_keys(Keys.ENTER)
    box.send_keys(Keys.ESCAPE)


def one_run(url: str, as_of: datetime) -> dict[str, Any]:
    """A first visit, every page switch, a filter change: seconds to stable for each."""
    out: dict[str, Any] = {"as_of": as_of.isoformat()}
    with chromium() as driver:
        started = time.monotonic()
        driver.get(f"{url}/?as_of={quote(as_of.isoformat())}")
        out["first_page"] = wait_stable(driver, "Visão geral", started)
        switches = {}
        for label, title in PAGES:
            started = time.monotonic()
            _click_page(driver, label)
            switches[label] = wait_stable(driver, title, started)
        out["page_switch"] = switches
        started = time.monotonic()
        _pick_severity(driver, "sev1")
        out["filter_change"] = wait_stable(driver, "Visão geral", started, "severity=sev1")
    return out


def measure(config_file: Path, as_of: datetime, runs: int, log: Path) -> dict[str, Any]:
    """Run 0 on a fresh server (cold), then ``runs`` runs each at a new ``as_of``."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return {"skipped": "chromium and chromedriver are not installed"}
    try:
        import selenium  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"selenium is not installed: {exc}"}
    load_before = list(os.getloadavg())
    with app_server(config_file, log) as url:
        cold = one_run(url, as_of)
        warm = [one_run(url, as_of - timedelta(minutes=i + 1)) for i in range(max(1, runs))]
    pages = [label for label, _ in PAGES]
    return {
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "cold": cold,
        "runs": warm,
        "first_page": statistics.median(r["first_page"] for r in warm),
        "page_switch": {p: statistics.median(r["page_switch"][p] for r in warm) for p in pages},
        "page_switch_max": max(max(r["page_switch"].values()) for r in warm),
        "page_switch_median": statistics.median(v for r in warm for v in r["page_switch"].values()),
        "filter_change": statistics.median(r["filter_change"] for r in warm),
    }


def build_demo(folder: Path, end: datetime, months: int = 12, seed: int = 42) -> dict[str, int]:
    """The demo's warehouse (``opskpi demo``'s organisation: the simulator served on loopback,
    synced through the real connectors) in ``folder``, at a fixed ``end``; when already landed,
    only its models are rebuilt (with this code's SQL). Returns the counts of what it holds."""
    from opskpi.app.cli.demo import prepare_folder
    from opskpi.config import load_settings
    from opskpi.etl.sync import run_sync
    from opskpi.etl.warehouse.build import build_and_publish
    from opskpi.etl.warehouse.connect import open_writer
    from opskpi.metrics.snapshot import open_settings_snapshot
    from opskpi.simulator import SimulatorServer, generate

    config = folder / "opskpi.toml"
    if (folder / "opskpi.serving.duckdb").is_file():  # landed before: rebuild the models only
        settings = load_settings(config)
        con = open_writer(settings.warehouse_path)
        try:
            build_and_publish(settings, con)
        finally:
            con.close()
    else:
        org = generate(seed, end, months=months)
        sim = SimulatorServer(org, port=_free_port()).start()
        try:
            config = prepare_folder(folder, sim, org, 0, 0)
            settings = load_settings(config)
            con = open_writer(settings.warehouse_path)
            try:
                run_sync(settings, con=con, now=lambda: sim.now)
                build_and_publish(settings, con)
            finally:
                con.close()
        finally:
            sim.stop()
    con = open_settings_snapshot(load_settings(config))
    try:
        counts = {
            name: int(con.execute(f"select count(*) from {name}").fetchone()[0])
            for name in ("incidents", "deploys", "postmortems", "corrective_actions")
        }
    finally:
        con.close()
    return counts


def line(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"browser: skipped: {r['skipped']}"
    switches = ", ".join(f"{p} {v:.2f}" for p, v in r["page_switch"].items())
    return (
        f"browser (Chromium, {len(r['runs'])} run(s); load {r['load_average_before'][0]:.2f} → "
        f"{r['load_average_after'][0]:.2f}): first page {r['first_page']:.2f} s "
        f"(cold server {r['cold']['first_page']:.2f} s); page switch median "
        f"{r['page_switch_median']:.2f} s, max {r['page_switch_max']:.2f} s ({switches}); "
        f"filter change {r['filter_change']:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.browser --config FILE [--as-of TIME] [--runs N]``: the browser
    figures on any warehouse (the demo's: ``data/demo/opskpi.toml``), printed."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--as-of", help="ISO instant (default: now, to the minute)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    as_of = (
        datetime.fromisoformat(args.as_of)
        if args.as_of
        else datetime.now().astimezone().replace(second=0, microsecond=0)
    )
    with tempfile.TemporaryDirectory() as folder:
        result = measure(args.config.resolve(), as_of, args.runs, Path(folder) / "app.log")
    print(line(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
