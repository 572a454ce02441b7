"""Requests in flight (docs/architecture.md, "Requests in flight"): several at once, results in
the order asked, within the source's per-minute budget, and a 429 holding every worker.

The throttle's window runs on a fake clock that its fake sleep advances, so nothing waits;
where threads meet, they are synchronised by events and barriers, never by timing (a guard
timeout only turns a hang into a failure)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from opskpi.config import ConfigError, Settings, settings_from_dict
from opskpi.config.model import JsmSettings, OpsgenieSettings, PagerDutySettings
from opskpi.etl.http.factory import source_http
from opskpi.etl.http.inflight import in_flight
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.http.throttle import Throttle

GUARD = 30.0  # seconds: only so that a bug hangs no test run; never what is asserted


class FakeClock:
    """A clock that only its own sleep moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds (the guard turns a hang into a failure)."""
    done = threading.Event()
    for _ in range(int(GUARD / 0.001)):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("condition not reached within the guard time")


# -- the per-minute budget ---------------------------------------------------------------------
def test_at_most_per_minute_requests_start_in_any_minute() -> None:
    clock = FakeClock()
    throttle = Throttle(3, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(7):
        throttle.acquire()
        starts.append(clock.now)
    # a burst of 3 at 0 s; then each start waits for the start 3 before it to be 60 s old
    assert starts == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    assert clock.slept == [60.0, 60.0]
    assert throttle.started == 7
    assert throttle.waited["window"] == 120.0


def test_starts_spread_over_the_minute_free_their_places_one_by_one() -> None:
    clock = FakeClock()
    throttle = Throttle(2, clock=clock, sleep=clock.sleep)
    throttle.acquire()  # at 0
    clock.now = 10.0
    throttle.acquire()  # at 10
    clock.now = 30.0
    throttle.acquire()  # waits for the start at 0 to be a minute old: 60
    assert clock.now == 60.0
    throttle.acquire()  # waits for the start at 10: 70
    assert clock.now == 70.0
    assert clock.slept == [30.0, 10.0]


def test_no_cap_never_waits() -> None:
    clock = FakeClock()
    throttle = Throttle(None, clock=clock, sleep=clock.sleep)
    for _ in range(10_000):
        throttle.acquire()
    assert clock.slept == [] and throttle.started == 10_000


def test_a_budget_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        Throttle(0)


# -- a 429 holds every worker ------------------------------------------------------------------
def test_while_one_worker_waits_out_a_429_no_other_starts_a_request() -> None:
    throttle = Throttle(None)
    holding, release = threading.Event(), threading.Event()
    started: list[str] = []

    def holder() -> None:
        with throttle.holding():
            holding.set()
            release.wait(GUARD)

    def worker() -> None:
        throttle.acquire()
        started.append("worker")

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(GUARD)
    second = threading.Thread(target=worker)
    second.start()
    wait_until(lambda: throttle.waiting == 1)  # the worker is blocked in acquire
    assert started == [] and throttle.started == 0
    release.set()
    first.join(GUARD)
    second.join(GUARD)
    assert started == ["worker"] and throttle.started == 1
    assert throttle.holds == 1


def test_a_429_retried_through_the_policy_holds_the_other_workers_for_its_wait() -> None:
    """The shared policy: the worker that got the 429 waits ``ratelimit-reset`` through the
    policy's sleep; meanwhile another worker's next attempt (``pace``) waits for it."""
    waits: list[float] = []
    in_wait, release = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:  # the policy's sleep: blocks until the test lets go
        waits.append(seconds)
        in_wait.set()
        release.wait(GUARD)

    policy = RetryPolicy(sleep=sleep, throttle=Throttle(None))
    paced: list[str] = []

    def got_429() -> None:
        reset = {"ratelimit-reset": "7"}
        assert policy.start().again("rate_limit", "x: GET u", "status 429", reset)

    def next_attempt() -> None:
        policy.pace()
        paced.append("next")

    first = threading.Thread(target=got_429)
    first.start()
    assert in_wait.wait(GUARD)
    second = threading.Thread(target=next_attempt)
    second.start()
    assert policy.throttle is not None
    wait_until(lambda: policy.throttle is not None and policy.throttle.waiting == 1)
    assert paced == []
    release.set()
    first.join(GUARD)
    second.join(GUARD)
    assert paced == ["next"]
    assert waits == [7.0]  # the 429's wait, once: the held worker does not sleep it again


def test_a_server_error_waits_alone() -> None:
    """A 5xx says nothing about the credential's budget: only its worker backs off."""
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, throttle=Throttle(None))
    assert policy.start().again("server", "x: GET u", "status 503", {"Retry-After": "2"})
    assert waits == [2.0]
    assert policy.throttle is not None and policy.throttle.holds == 0


# -- in flight, in order -----------------------------------------------------------------------
def test_requests_run_at_once_up_to_the_workers_and_come_back_in_order() -> None:
    workers = 4
    together = threading.Barrier(workers, timeout=GUARD)  # passes only with 4 in flight at once

    def fetch(n: int) -> int:
        if n < workers:
            together.wait()
        return n * n

    assert list(in_flight(fetch, range(40), workers=workers)) == [n * n for n in range(40)]


def test_one_worker_is_one_after_the_other_on_the_calling_thread() -> None:
    threads: set[int] = set()

    def fetch(n: int) -> int:
        threads.add(threading.get_ident())
        return n

    assert list(in_flight(fetch, range(5), workers=1)) == [0, 1, 2, 3, 4]
    assert threads == {threading.get_ident()}


def test_the_first_failure_in_order_is_raised_and_nothing_starts_after_it() -> None:
    asked: list[int] = []
    lock = threading.Lock()

    def fetch(n: int) -> int:
        with lock:
            asked.append(n)
        if n == 3:
            raise RuntimeError("item 3 failed")
        return n

    results = in_flight(fetch, range(1000), workers=2)
    got = [next(results), next(results), next(results)]
    with pytest.raises(RuntimeError, match="item 3 failed"):
        next(results)
    assert got == [0, 1, 2]
    # at most the results kept ahead (AHEAD × workers) were asked, not the 1,000
    assert len(asked) < 20


# -- configuration --------------------------------------------------------------------------
def settings_for(tmp_path: Path, **source: object) -> Settings:
    data = {"sources": {"pagerduty": {"token_env": "PD_TOKEN", **source}}}
    return settings_from_dict(data, base_dir=tmp_path, origin="opskpi.toml")


def test_the_defaults_are_8_in_flight_and_pagerdutys_960_a_minute() -> None:
    assert PagerDutySettings(token_env="X").concurrency == 8
    assert PagerDutySettings(token_env="X").max_requests_per_minute == 960
    assert OpsgenieSettings(api_key_env="X").max_requests_per_minute is None  # none published
    assert JsmSettings(cloud_id="c", email_env="E", api_token_env="T").concurrency == 8


def test_the_policy_of_a_source_carries_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PD_TOKEN", "pd-token-123456")
    settings = settings_for(tmp_path, max_requests_per_minute=120, concurrency=3)
    http = source_http(settings, "pagerduty")
    assert http.concurrency == 3
    assert http.policy.throttle is not None and http.policy.throttle.per_minute == 120
    lifted = settings_for(tmp_path, max_requests_per_minute=0)
    throttle = source_http(lifted, "pagerduty").policy.throttle
    assert throttle is not None and throttle.per_minute is None  # 0: no cap


@pytest.mark.parametrize(
    ("key", "value"),
    [("concurrency", 0), ("concurrency", 65), ("max_requests_per_minute", -1)],
)
def test_out_of_range_values_are_errors_naming_the_key(
    tmp_path: Path, key: str, value: int
) -> None:
    with pytest.raises(ConfigError, match=rf"opskpi\.toml: sources\.pagerduty\.{key}: "):
        settings_for(tmp_path, **{key: value})
