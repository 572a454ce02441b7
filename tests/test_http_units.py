"""The HTTP layer's pure parts: URL/message redaction and the retry policy's decisions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from opskpi.config.secrets import Secret
from opskpi.etl.http.redaction import Redactor, sanitize_text, sanitize_url, truncate
from opskpi.etl.http.retry import RetryPolicy, classify, rate_limit_wait

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
