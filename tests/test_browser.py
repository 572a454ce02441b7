"""The app in a real headless Chromium: ``opskpi app`` on a free loopback port against the fixture
warehouse; load the overview, change a filter, open the weekly review. Screenshots go to
``test-artifacts/`` (gitignored). Skipped only when chromium or chromedriver is not installed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import app_fixture as fx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
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
    "--window-size=1500,1800",
)
STARTUP_LIMIT = 90.0  # how long to wait for the server before giving up (not an assertion)
WAIT = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "chromium and chromedriver are not installed "
            "(apt-get install -y chromium chromium-driver)"
        )
    directory = Path(tmp_path_factory.mktemp("browser"))
    fx.build_fixture(directory)
    port = _free_port()
    log = (directory / "app.log").open("w")
    opskpi = Path(sys.executable).with_name("opskpi")
    command = [str(opskpi)] if opskpi.exists() else [sys.executable, "-m", "opskpi.app.cli"]
    process = subprocess.Popen(
        [*command, "app", "--port", str(port), "--config", str(directory / "opskpi.toml")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=directory,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() - started > STARTUP_LIMIT:
                log.flush()
                pytest.fail("opskpi app did not start:\n" + (directory / "app.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the session started above, nothing else
            process.wait()
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for_text(driver, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text,
        message=f"{text!r} never appeared",
    )


def _metric(driver, label: str) -> str:
    from selenium.webdriver.common.by import By

    for card in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'):
        if card.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text == label:
            return card.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text
    raise AssertionError(f"no metric {label!r}")


def _metric_or_none(driver, label: str) -> str | None:
    """The card's value, or None while the page is still drawing (or redrawing) it."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return _metric(driver, label)
    except (AssertionError, StaleElementReferenceException):
        return None


def test_overview_filter_and_weekly_review(server: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(exist_ok=True)
    driver = browser
    driver.get(f"{server}/?period=week&week={fx.WEEK}&as_of={quote(fx.AS_OF_PARAM)}")
    _wait_for_text(driver, "13 min 48 s")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Visão geral"
    assert _metric(driver, "Incidentes") == "7"
    assert _metric(driver, "SLA de reconhecimento") == "60,0 %"
    driver.save_screenshot(str(ARTIFACTS / "browser-1-overview.png"))

    severity = driver.find_element(
        By.XPATH, '//div[@data-testid="stMultiSelect"][.//*[text()="Severidade"]]//input'
    )
    severity.click()
    severity.send_keys("sev1")
    severity.send_keys(Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: "severity=sev1" in d.current_url)
    WebDriverWait(driver, WAIT).until(lambda d: _metric(d, "Incidentes") == "2")
    assert _metric(driver, "MTTA") == "7 min"
    severity.send_keys(Keys.ESCAPE)
    driver.find_element(By.TAG_NAME, "h1").click()  # close the dropdown for the screenshot
    driver.save_screenshot(str(ARTIFACTS / "browser-2-overview-sev1.png"))

    driver.find_element(By.CSS_SELECTOR, 'a[href*="revisao-semanal"]').click()
    _wait_for_text(driver, "Revisão operacional semanal — 2026-W10")
    _wait_for_text(driver, "opskpi report --week 2026-W10")
    assert "severity=sev1" in driver.current_url  # the filters follow to the other page
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Filtros: Severidade: sev1" in body
    assert "Baixar Markdown" in body
    assert "--severity sev1" in body
    driver.save_screenshot(str(ARTIFACTS / "browser-3-weekly-review.png"))


def _first_screen(driver, selector: str) -> bool:
    """The element is on the first screen (its top inside the window), without scrolling."""
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, selector)
    top = driver.execute_script("return arguments[0].getBoundingClientRect().top", element)
    return 0 <= top < driver.execute_script("return window.innerHeight")


def test_weekly_review_page_and_html_report_open_on_the_briefing(
    server: str, browser, tmp_path: Path
) -> None:
    """The review's first screen is the briefing, on the page and in the HTML file; the file
    opens from disk with nothing fetched (no network, no fonts, no scripts)."""
    from selenium.webdriver.common.by import By

    from opskpi.app.i18n.translator import Translator
    from opskpi.app.review.build import weekly_review
    from opskpi.app.review.document import to_html

    ARTIFACTS.mkdir(exist_ok=True)
    driver = browser
    driver.set_window_size(1366, 900)
    driver.get(f"{server}/revisao-semanal?review_week={fx.WEEK}&as_of={quote(fx.AS_OF_PARAM)}")
    _wait_for_text(driver, "O que pede decisão nesta semana")
    _wait_for_text(driver, "Sev1 e sev2 da semana")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Semana: 2 sev1 · 2 sev2 · abertos acima do alvo agora, de qualquer semana: 1" in body
    driver.save_screenshot(str(ARTIFACTS / "browser-6-weekly-review-briefing.png"))

    # the HTML report of the same week, opened as a file
    from opskpi.metrics.snapshot import open_settings_snapshot

    settings = fx.build_fixture(tmp_path / "report")  # the same fixture as the server's
    con = open_settings_snapshot(settings)
    try:
        page = to_html(weekly_review(con, fx.WEEK, fx.AS_OF, Translator("pt-BR")))
    finally:
        con.close()
    report = ARTIFACTS / "review-2026-W10.html"
    report.write_text(page, encoding="utf-8")
    driver.get(report.as_uri())
    _wait_for_text(driver, "O que pede decisão nesta semana")
    assert _first_screen(driver, "section.briefing")
    assert _first_screen(driver, "p.lead")
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 4
    fetched = driver.execute_script("return performance.getEntriesByType('resource').length")
    assert fetched == 0  # self-contained: nothing loaded from anywhere
    driver.save_screenshot(str(ARTIFACTS / "browser-7-review-html.png"))


def test_oncall_page_and_team_table(server: str, browser) -> None:
    """Carga de plantão and Times render in Chromium with the fixture's hand-worked figures
    (tests/app_fixture.py: week 2026-W10)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(exist_ok=True)
    driver = browser
    view = f"period=week&week={fx.WEEK}&as_of={quote(fx.AS_OF_PARAM)}"
    driver.get(f"{server}/carga-de-plantao?{view}")
    _wait_for_text(driver, "Por pessoa (mais acordada primeiro)")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Carga de plantão"
    WebDriverWait(driver, WAIT).until(lambda d: _metric_or_none(d, "Interrupções") == "7")
    assert _metric(driver, "Interrupções no sono") == "14,3 %"
    WebDriverWait(driver, WAIT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stPlotlyChart"]')) >= 3
    )
    driver.save_screenshot(str(ARTIFACTS / "browser-4-oncall.png"))

    driver.get(f"{server}/times?{view}")
    _wait_for_text(driver, "Comparação de times")
    grid = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
    )
    # the grid draws on a canvas; its accessible table holds the cells' text
    WebDriverWait(driver, WAIT).until(
        lambda d: (
            "Obras" in grid.get_attribute("textContent")
            and "Plataforma" in grid.get_attribute("textContent")
        )
    )
    # its cells are links to the filtered pages, the shown text in their fragment (the columns
    # scrolled into view): Obras' 3 interruptions, its MTTA median 20 min (1200 s)
    text = grid.get_attribute("textContent")
    assert f"carga-de-plantao?{view.replace(':', '%3A').replace('+', '%2B')}&team=Obras#3" in text
    assert "team=Obras#" + quote("20 min", safe="") in text
    driver.save_screenshot(str(ARTIFACTS / "browser-5-teams.png"))
