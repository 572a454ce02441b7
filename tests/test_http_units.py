"""The HTTP layer's pure parts: URL/message redaction, the retry policy's decisions and the
error messages."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from opskpi.config.secrets import Secret
from opskpi.etl.errors import HttpError, RateLimitedError, ServerHttpError
from opskpi.etl.http.messages import (
    http_error,
    http_error_message,
    not_json_message,
    transport_error_message,
)
from opskpi.etl.http.policy import RetryPolicy, classify, rate_limit_wait
from opskpi.etl.http.redaction import Redactor, sanitize_text, sanitize_url, truncate

KEY = "f00dcafe-1234-5678-9abc-deadbeef4242"


def test_sanitize_url_masks_credential_params_and_userinfo() -> None:
    url = "https://u:p@api.example.com/v2/alerts?query=a%3Db&api_key=s3cret&limit=10&token=x"
    clean = sanitize_url(url)
    assert "s3cret" not in clean
    assert "u:p" not in clean
    assert "api_key=***" in clean
    assert "token=***" in clean
    assert "limit=10" in clean
    assert "query=a%3Db" in clean


@pytest.mark.parametrize("name", ["key", "api_key", "access_token", "GenieKey", "x-auth-token"])
def test_sensitive_names(name: str) -> None:
    assert sanitize_url(f"https://h/p?{name}=abc") == f"https://h/p?{name}=***"


def test_sanitize_text_masks_urls_inside_messages() -> None:
    text = "Max retries exceeded with url: /v2/alerts?offset=1&token=abc123 (Caused by X)"
    assert sanitize_text(text) == (
        "Max retries exceeded with url: /v2/alerts?offset=1&token=*** (Caused by X)"
    )


def test_redactor_replaces_a_known_secret_everywhere() -> None:
    secret = Secret(KEY, "test")
    redact = Redactor([secret])
    text = f"header GenieKey {KEY}; encoded {KEY.replace('-', '%2D')}; body {{'k': '{KEY}'}}"
    out = redact(text)
    assert KEY not in out
    assert out.count(secret.last4) == 2
    assert redact.url(f"https://h/x?q={KEY}") == f"https://h/x?q={secret.last4}"


def test_truncate_is_one_short_line() -> None:
    assert truncate("a\n  b\tc") == "a b c"
    assert len(truncate("x" * 1000, 50)) == 50


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, "rate_limit"),
        (500, "server"),
        (502, "server"),
        (503, "server"),
        (504, "server"),
        (501, None),
        (400, None),
        (401, None),
        (404, None),
        (200, None),
    ],
)
def test_classify(status: int, kind: str | None) -> None:
    assert classify(status) == kind


def test_rate_limit_headers() -> None:
    now = 1_700_000_000.0
    assert rate_limit_wait({"Retry-After": "7"}, now) == 7
    assert rate_limit_wait({"ratelimit-reset": "12"}, now) == 12
    assert rate_limit_wait({"X-RateLimit-Period-In-Sec": "3"}, now) == 3
    assert rate_limit_wait({"X-RateLimit-Reset": str(int(now) + 9)}, now) == 9
    assert rate_limit_wait({"X-RateLimit-Reset": str(int(now + 4) * 1000)}, now) == 4
    http_date = format_datetime(datetime.fromtimestamp(now, UTC) + timedelta(seconds=30), True)
    assert rate_limit_wait({"retry-after": http_date}, now) == pytest.approx(30)
    assert rate_limit_wait({"Retry-After": "soon"}, now) is None
    assert rate_limit_wait({}, now) is None
    # Retry-After wins over the others
    assert rate_limit_wait({"ratelimit-reset": "60", "Retry-After": "2"}, now) == 2


def test_delays_are_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8, max_rate_limit_wait=20, rng=random.Random(1))
    backoffs = [policy.backoff(n) for n in range(1, 8)]
    assert all(
        0.75 * min(8, 2 ** (n - 1)) <= d <= 1.25 * min(8, 2 ** (n - 1))
        for n, d in zip(range(1, 8), backoffs, strict=True)
    )
    assert max(backoffs) <= 10
    assert 20 <= policy.delay("rate_limit", 1, {"ratelimit-reset": "3600"}) <= 21
    assert 5 <= policy.delay("rate_limit", 1, {"Retry-After": "5"}) <= 6
    # a 5xx ignores the rate-limit headers that ride on every response, but honours Retry-After
    assert policy.delay("server", 1, {"ratelimit-reset": "60"}) <= 1.25
    assert 4 <= policy.delay("server", 1, {"Retry-After": "4"}) <= 5


# -- the shared policy: the one table both HTTP stacks follow ------------------------------------
class _Highest(random.Random):
    """Jitter at its top: ``uniform(a, b)`` is ``b``."""

    def uniform(self, a: float, b: float) -> float:
        return b


class _Lowest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def test_the_default_table() -> None:
    policy = RetryPolicy()
    assert [policy.retries_for(k) for k in ("rate_limit", "server", "transport")] == [5, 4, 4]


def test_backoff_doubles_from_one_second_and_jitter_only_adds() -> None:
    # nominal 1, 2, 4, 8, 16, then the 30 s cap; jitter adds 0 .. 25 % of the nominal delay
    top, bottom = RetryPolicy(rng=_Highest()), RetryPolicy(rng=_Lowest())
    assert [bottom.backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert [top.backoff(n) for n in range(1, 8)] == [1.25, 2.5, 5, 10, 20, 37.5, 37.5]


def test_a_wait_the_server_names_is_used_as_given_and_capped() -> None:
    policy = RetryPolicy(rng=_Highest())  # no jitter is added to a named wait, even at the top
    assert policy.delay("rate_limit", 3, {"ratelimit-reset": "7"}) == 7
    assert policy.delay("rate_limit", 1, {"Retry-After": "600"}) == 120  # max_rate_limit_wait
    assert policy.delay("rate_limit", 2, {}) == 2.5  # nothing named: backoff(2) = 2 + 25 %
    assert policy.delay("transport", 1, {"Retry-After": "9"}) == 1.25  # no answer, no header


def test_retries_count_each_kind_against_its_own_limit() -> None:
    slept: list[float] = []
    policy = RetryPolicy(rate_limit_retries=2, transport_retries=1, sleep=slept.append)
    retries = policy.start()
    reset = {"ratelimit-reset": "3"}
    assert retries.again("rate_limit", "x: GET u", "status 429", reset)
    assert retries.again("transport", "x: GET u", "ReadTimeout")
    assert retries.again("rate_limit", "x: GET u", "status 429", reset)
    assert not retries.again("rate_limit", "x: GET u", "status 429", reset)  # 2 spent
    assert not retries.again("transport", "x: GET u", "ReadTimeout")  # 1 spent
    assert retries.made == {"rate_limit": 2, "transport": 1}
    assert slept[0] == slept[2] == 3 and 1 <= slept[1] <= 1.25  # no wait when refused
    assert len(slept) == 3
    assert policy.start().made == {}  # a new request starts from zero


# -- the one error-message builder --------------------------------------------------------------
def test_http_error_message_is_one_safe_line() -> None:
    secret = Secret(KEY, "test")
    redact = Redactor([secret])
    message = http_error_message(
        redact,
        "opsgenie",
        "get",
        f"https://h/v2/alerts?apiKey={KEY}&limit=5",
        503,
        f"<html>\n  bad key {KEY}\n</html>",
        reason="Service Unavailable",
        retries=4,
        hint="check the region",
    )
    assert message == (
        "opsgenie: GET https://h/v2/alerts?apiKey=***&limit=5: status 503: server error "
        "(HTTP 503 Service Unavailable) after 4 retries: <html> bad key *4242 </html>. "
        "check the region"
    )
    assert http_error_message(redact, "argocd", "GET", "https://h/x", 404, "", retries=1) == (
        "argocd: GET https://h/x: status 404: client error (HTTP 404) after 1 retry: (empty body)"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [(429, RateLimitedError), (500, ServerHttpError), (501, ServerHttpError), (404, HttpError)],
)
def test_http_error_picks_the_class_by_status(status: int, cls: type[HttpError]) -> None:
    error = http_error(Redactor(), "s", "GET", "https://h/x", status, "{}", response="r")
    assert type(error) is cls
    assert (error.status, error.response) == (status, "r")
    assert str(error) == http_error_message(Redactor(), "s", "GET", "https://h/x", status, "{}")


def test_transport_and_not_json_messages() -> None:
    redact = Redactor([Secret(KEY, "test")])
    url = f"https://h/x?token={KEY}"
    failure = ConnectionError(f"refused for {url}")
    assert transport_error_message(redact, "pagerduty", "GET", url, failure, 2) == (
        "pagerduty: GET https://h/x?token=***: ConnectionError after 2 retries: "
        "refused for https://h/x?token=***"
    )
    assert transport_error_message(redact, "pagerduty", "GET", url, failure, 1).endswith(
        "ConnectionError after 1 retry: refused for https://h/x?token=***"
    )
    assert not_json_message(redact, "s", "GET", "https://h/x", 200, "<html>login</html>") == (
        "s: GET https://h/x: status 200: the body is not JSON: <html>login</html>"
    )
