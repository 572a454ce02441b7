"""The configuration schema: one TOML file, validated with pydantic (unknown keys are errors).

The policy numbers are defaults here, taken from the organisation's incident-management policy
(docs/kpis.md); they live in config, never as constants in the SQL or the code that uses them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from opskpi.config.clock import ClockRange, parse_clock_range
from opskpi.config.durations import Duration, parse_duration
from opskpi.config.sizes import parse_size
from opskpi.config.vocabulary import (
    DEFAULT_TAXONOMY_LABELS,
    POLICY_SEVERITIES,
    TAXONOMY_KEYS,
    Severity,
)


def _duration(allow_bd: bool) -> BeforeValidator:
    def parse(value: object) -> Duration:
        if isinstance(value, Duration):
            return value
        return parse_duration(value, allow_business_days=allow_bd)  # type: ignore[arg-type]

    return BeforeValidator(parse)


WallDuration = Annotated[Duration, _duration(False)]
PolicyDuration = Annotated[Duration, _duration(True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class WarehouseSettings(Strict):
    path: Path = Path("data/opskpi.duckdb")
    memory_limit: str = "1GB"


class SeverityPolicy(Strict):
    ack_target: WallDuration | None = None
    resolve_target: WallDuration | None = None
    postmortem_window: PolicyDuration | None = None


def _sev(ack: str | None, resolve: str | None, pm: str | None) -> SeverityPolicy:
    return SeverityPolicy(
        ack_target=parse_duration(ack) if ack else None,
        resolve_target=parse_duration(resolve) if resolve else None,
        postmortem_window=parse_duration(pm, allow_business_days=True) if pm else None,
    )


class PolicySettings(Strict):
    sev1: SeverityPolicy = Field(default_factory=lambda: _sev("5m", "60m", "48h"))
    sev2: SeverityPolicy = Field(default_factory=lambda: _sev("15m", "4h", "3bd"))
    sev3: SeverityPolicy = Field(default_factory=lambda: _sev("60m", "24h", "5bd"))
    sev4: SeverityPolicy = Field(default_factory=lambda: _sev(None, None, None))
    paging_escalation_timeout: WallDuration = Field(default_factory=lambda: parse_duration("5m"))
    release_window: WallDuration = Field(default_factory=lambda: parse_duration("60m"))

    def for_severity(self, severity: str) -> SeverityPolicy:
        policy: SeverityPolicy = getattr(self, severity)
        return policy


# One [policy.sevN] table per severity of the vocabulary: a severity added there needs its field.
_missing_policies = set(POLICY_SEVERITIES) - set(PolicySettings.model_fields)
if _missing_policies:
    raise RuntimeError(f"PolicySettings has no field for severity {sorted(_missing_policies)}")


class SeverityMapping(Strict):
    """Source value → severity. Given keys override (or add to) the defaults."""

    priority: dict[str, Severity] = Field(default_factory=dict)
    urgency: dict[str, Severity] = Field(default_factory=dict)


DEFAULT_PRIORITY_MAP: dict[str, str] = {
    "P1": "sev1",
    "P2": "sev2",
    "P3": "sev3",
    "P4": "sev4",
    "P5": "sev4",
}
DEFAULT_URGENCY_MAP: dict[str, str] = {"high": "sev2", "low": "sev3"}


class SecretRef(Strict):
    """Exactly one of ``*_env`` / ``*_file`` is set; secrets never sit in the TOML itself."""

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("token", "api_key", "password"):
                if key in data:
                    raise ValueError(
                        f"'{key}' must not be written in the config file: "
                        f"use '{key}_env' (an environment variable) or '{key}_file'"
                    )
        return data


# -- requests in flight (issue 14): how many at once, and how many a minute --------------------
CONCURRENCY = 8  # a source's per-object detail requests in flight at once
PAGERDUTY_PER_MINUTE = 960  # PagerDuty's REST API limit per API key (docs/configuration.md)


class RequestPace(Strict):
    """``concurrency``: a source's per-object detail requests (PagerDuty alerts and custom
    fields, Opsgenie and JSM alert details and logs) in flight at once, 1 for one after
    another; ``max_requests_per_minute``: at most this many requests (every attempt) start in
    any minute, 0 or unset for no cap (a 429 still holds every worker of the source: the
    credential's budget is spent). See etl/http/throttle.py."""

    concurrency: int = Field(default=CONCURRENCY, ge=1, le=64)
    max_requests_per_minute: int | None = Field(default=None, ge=0)


class PagerDutySettings(SecretRef, RequestPace):
    base_url: str = "https://api.pagerduty.com"
    token_env: str | None = None
    token_file: str | None = None
    severity: SeverityMapping = Field(default_factory=SeverityMapping)
    service_ids: list[str] = Field(default_factory=list)
    team_ids: list[str] = Field(default_factory=list)
    analytics: bool = False
    fetch_alerts: bool = True
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("30s"))
    max_requests_per_minute: int | None = Field(default=PAGERDUTY_PER_MINUTE, ge=0)

    @model_validator(mode="after")
    def _one_secret(self) -> PagerDutySettings:
        _exactly_one(self.token_env, self.token_file, "token_env", "token_file")
        return self


class OpsgenieSettings(SecretRef, RequestPace):
    base_url: str = "https://api.opsgenie.com"
    api_key_env: str | None = None
    api_key_file: str | None = None
    mode: Literal["alerts", "incidents"] = "alerts"
    query: str | None = None
    web_url: str | None = None  # e.g. https://acme.app.opsgenie.com, for links back
    severity: SeverityMapping = Field(default_factory=SeverityMapping)
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("30s"))

    @model_validator(mode="after")
    def _one_secret(self) -> OpsgenieSettings:
        _exactly_one(self.api_key_env, self.api_key_file, "api_key_env", "api_key_file")
        return self


class ArgoCDSettings(SecretRef, RequestPace):
    base_url: str
    token_env: str | None = None
    token_file: str | None = None
    projects: list[str] = Field(default_factory=list)
    selector: str | None = None
    ca_bundle: str | None = None
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("30s"))

    @model_validator(mode="after")
    def _one_secret(self) -> ArgoCDSettings:
        _exactly_one(self.token_env, self.token_file, "token_env", "token_file")
        return self


class JsmSettings(RequestPace):
    """``[sources.jsm]``: Jira Service Management Operations, Opsgenie's successor
    (docs/migration-opsgenie-to-jsm.md). Basic auth with the account e-mail and an Atlassian API
    token, both read from ``*_env``/``*_file`` (never written in the file: the e-mail too, since
    the config is stored with every build)."""

    base_url: str = "https://api.atlassian.com"  # the Ops API lives under /jsm/ops/api/{cloud_id}
    site: str | None = None  # https://acme.atlassian.net: cloud_id from <site>/_edge/tenant_info
    cloud_id: str | None = None
    email_env: str | None = None
    email_file: str | None = None
    api_token_env: str | None = None
    api_token_file: str | None = None
    # Opsgenie alerts created before it, JSM alerts from it on; a date is midnight in the
    # reporting time zone ([report] timezone)
    cutover: date | datetime | None = None
    # an Opsgenie and a JSM alert with the same alias are one alert when created this close
    pair_window: WallDuration = Field(default_factory=lambda: parse_duration("10m"))
    query: str | None = None  # extra alert search clause, e.g. "tag:prod"
    comms: bool = True  # stakeholder-comms incidents, when the token's scope allows
    severity: SeverityMapping = Field(default_factory=SeverityMapping)
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("30s"))

    @model_validator(mode="before")
    @classmethod
    def _no_inline_credentials(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("email", "api_token", "token", "password"):
                if key in data:
                    raise ValueError(
                        f"'{key}' must not be written in the config file: use 'email_env' / "
                        "'api_token_env' (environment variables) or 'email_file' / "
                        "'api_token_file'"
                    )
        return data

    @field_validator("cloud_id")
    @classmethod
    def _cloud_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9-]+", value):
            raise ValueError(f"expected letters, digits and hyphens (a UUID), got {value!r}")
        return value

    @field_validator("cutover", mode="before")
    @classmethod
    def _cutover(cls, value: object) -> object:
        """A TOML date or date-time, or the same written as a string."""
        if isinstance(value, str):
            text = value.strip()
            try:
                return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"expected a date (2026-11-01) or a date-time with an offset, got {value!r}"
                ) from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> JsmSettings:
        _exactly_one(self.email_env, self.email_file, "email_env", "email_file")
        _exactly_one(self.api_token_env, self.api_token_file, "api_token_env", "api_token_file")
        if not self.site and not self.cloud_id:
            raise ValueError(
                "set 'cloud_id', or 'site' (https://<name>.atlassian.net) to read it from "
                "<site>/_edge/tenant_info"
            )
        if isinstance(self.cutover, datetime) and self.cutover.tzinfo is None:
            raise ValueError("cutover: a date, or a date-time with an offset (…T00:00:00-03:00)")
        return self

    def cutover_at(self, timezone: str) -> datetime | None:
        """The cutover instant: a date is its midnight in ``timezone`` (the reporting zone)."""
        if self.cutover is None or isinstance(self.cutover, datetime):
            return self.cutover
        return datetime.combine(self.cutover, time(0), tzinfo=ZoneInfo(timezone))


def _exactly_one(env: str | None, file: str | None, env_key: str, file_key: str) -> None:
    if bool(env) == bool(file):
        raise ValueError(f"set exactly one of '{env_key}' or '{file_key}'")


class SourcesSettings(Strict):
    pagerduty: PagerDutySettings | None = None
    opsgenie: OpsgenieSettings | None = None
    jsm: JsmSettings | None = None
    argocd: ArgoCDSettings | None = None


# A postmortem is a few KB of Markdown; a file far beyond that is a mistake or an attack, and
# would cost the sync and the marts build its whole size in memory (docs/postmortems.md).
DEFAULT_MAX_FILE_SIZE = 4_000_000
MAX_FILE_SIZE_CAP = 1_000_000_000


def _file_size(value: object) -> int:
    return parse_size(value, minimum=1_000, maximum=MAX_FILE_SIZE_CAP)


class PostmortemSettings(Strict):
    path: Path = Path("postmortems")
    actions_csv: Path | None = None
    # bytes (or "4MB", "512KB", "4MiB"): a larger postmortem or actions CSV is rejected unread
    max_file_size: Annotated[int, BeforeValidator(_file_size)] = DEFAULT_MAX_FILE_SIZE
    # where people read the postmortem files (e.g. the repository's web view): the weekly review
    # links each postmortem as <web_url>/<file>
    web_url: str | None = None


class SyncSettings(Strict):
    initial_lookback: WallDuration = Field(default_factory=lambda: parse_duration("365d"))
    lookback: WallDuration = Field(default_factory=lambda: parse_duration("7d"))
    # a source whose last success is older than this is shown as stale (docs/operations.md)
    stale_after: WallDuration = Field(default_factory=lambda: parse_duration("26h"))
    # runs that read a rejected record's window again before it is quarantined for good
    reject_retries: int = Field(default=3, ge=0, le=50)


class TaxonomySettings(Strict):
    # opt-in: reading an incident's custom fields costs one request per incident
    pagerduty_field: str | None = None
    opsgenie_tag_prefix: str | None = "cause:"
    labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TAXONOMY_LABELS))

    @field_validator("labels")
    @classmethod
    def _known_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(TAXONOMY_KEYS))
        if unknown:
            raise ValueError(
                f"unknown taxonomy key(s) {unknown}: expected keys among {list(TAXONOMY_KEYS)}"
            )
        return {**DEFAULT_TAXONOMY_LABELS, **value}


class ReleaseSettings(Strict):
    """Where an incident names the deploy that caused it (docs/kpis.md §5, explicit link)."""

    pagerduty_field: str | None = None  # opt-in, as [taxonomy] pagerduty_field
    opsgenie_tag_prefix: str | None = "release:"


def _clock_range(value: object) -> ClockRange:
    return value if isinstance(value, ClockRange) else parse_clock_range(value)


ClockHours = Annotated[ClockRange, BeforeValidator(_clock_range)]


class OncallSettings(Strict):
    """The interruption classes by local time (docs/kpis.md §10), and the share of sleep-hour
    interruptions above which the alert rule fires (the exporter serves it)."""

    business_hours: ClockHours = Field(default_factory=lambda: parse_clock_range("08:00-18:00"))
    sleep_hours: ClockHours = Field(default_factory=lambda: parse_clock_range("22:00-08:00"))
    sleep_hours_share_threshold: float = Field(default=0.25, gt=0, le=1)

    @field_validator("business_hours")
    @classmethod
    def _same_day(cls, value: ClockRange) -> ClockRange:
        if value.wraps:
            raise ValueError(f"business hours must start and end on the same day, got '{value}'")
        return value

    @model_validator(mode="after")
    def _apart(self) -> OncallSettings:
        if self.business_hours.overlaps(self.sleep_hours):
            raise ValueError(
                f"business_hours '{self.business_hours}' and sleep_hours '{self.sleep_hours}' "
                "overlap: an interruption must fall in one class"
            )
        return self


class NoiseSettings(Strict):
    """Alert noise (docs/kpis.md §11): resolved this soon after creation, never acked = flapping."""

    flap_window: WallDuration = Field(default_factory=lambda: parse_duration("5m"))


class ServiceSettings(Strict):
    argocd_apps: list[str] = Field(default_factory=list)
    runbook_url: str | None = None
    team: str | None = None


class AppSettings(Strict):
    port: int = 8501
    url: str | None = None


class ExporterSettings(Strict):
    port: int = 9464
    bind: str = "127.0.0.1"
    refresh: WallDuration = Field(default_factory=lambda: parse_duration("60s"))


# -- the weekly review: briefing thresholds and delivery (docs/weekly-review.md) -----------------

# The headline shares the briefing holds to a target (``[report.targets]``), with the defaults:
# "at least" for the ones where more is better, "at most" for the rates (app/catalogue.py says
# which way is better for each).
DEFAULT_REVIEW_TARGETS: dict[str, float] = {
    "ack_sla": 0.9,
    "resolve_sla": 0.9,
    "postmortems_on_time": 0.8,
    "rca_adherence": 0.8,
    "runbook_coverage": 0.8,
    "change_failure_rate": 0.15,
}
REVIEW_TARGET_KEYS = (
    "ack_sla",
    "resolve_sla",
    "postmortems_on_time",
    "rca_adherence",
    "runbook_coverage",
    "change_failure_rate",
    "release_caused",
    "paging_window",
    "escalation_rate",
)
_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str | None) -> bool:
    """A host on this machine (plain http and unencrypted SMTP are allowed only there)."""
    return (host or "").strip("[]").lower() in _LOOPBACK_HOSTS or (host or "").startswith("127.")


class WebhookSettings(Strict):
    """A chat incoming webhook. Its URL carries the credential: it comes from ``url_env`` or
    ``url_file``, never the TOML, and is never logged."""

    kind: Literal["slack", "mattermost", "teams"] = "slack"
    url_env: str | None = None
    url_file: str | None = None
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("15s"))

    @model_validator(mode="before")
    @classmethod
    def _no_inline_url(cls, data: object) -> object:
        if isinstance(data, dict) and "url" in data:
            raise ValueError(
                "'url' must not be written in the config file (a webhook URL is a secret): "
                "use 'url_env' (an environment variable) or 'url_file'"
            )
        return data

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookSettings:
        _exactly_one(self.url_env, self.url_file, "url_env", "url_file")
        return self


class EmailSettings(SecretRef):
    """SMTP delivery of the HTML review. ``security``: ``starttls`` (port 587), ``tls``
    (implicit TLS, port 465) or ``none`` (only to a server on this machine)."""

    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    sender: str
    to: list[str] = Field(min_length=1)
    subject: str | None = None  # default: the review's title
    ca_bundle: str | None = None  # a private CA for the server's certificate
    attach_csv: bool = True  # the full lists behind every "showing N of M"
    timeout: WallDuration = Field(default_factory=lambda: parse_duration("30s"))

    @model_validator(mode="after")
    def _auth_and_security(self) -> EmailSettings:
        if self.password_env and self.password_file:
            raise ValueError("set at most one of 'password_env' or 'password_file'")
        if (self.password_env or self.password_file) and not self.username:
            raise ValueError("'username' is required with a password")
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security = 'none' sends mail and password in clear: only allowed to a server "
                f"on this machine, not {self.host!r} (use 'starttls' or 'tls')"
            )
        return self


class DeliverySettings(Strict):
    """Where ``opskpi report --send`` writes the file first, and where it sends it."""

    output_dir: Path = Path("reports")
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None


class ReportSettings(Strict):
    timezone: str = "America/Sao_Paulo"
    holidays: str = "BR"
    language: Literal["pt-BR", "en"] = "pt-BR"
    # the weekly review (docs/kpis.md §9): list caps and what the briefing flags
    list_limit: int = Field(default=200, ge=1)  # rows of a detail list
    briefing_limit: int = Field(default=15, ge=1)  # rows of a briefing list
    change_pp: float = Field(default=10.0, gt=0)
    change_ratio: float = Field(default=0.5, gt=0)
    change_min_n: int = Field(default=5, ge=0)
    targets: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_REVIEW_TARGETS))
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(REVIEW_TARGET_KEYS))
        if unknown:
            raise ValueError(
                f"unknown KPI(s) {unknown}: expected keys among {list(REVIEW_TARGET_KEYS)}"
            )
        outside = sorted(k for k, v in value.items() if not 0 <= v <= 1)
        if outside:
            raise ValueError(f"targets are shares between 0 and 1 (0.9 = 90 %): {outside}")
        return {**DEFAULT_REVIEW_TARGETS, **value}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone such as 'America/Sao_Paulo', got {value!r}"
            ) from None
        return value

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(
                f"expected a country code known to the holidays package, got {value!r}"
            )
        return value


class SettingsModel(Strict):
    report: ReportSettings = Field(default_factory=ReportSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    postmortems: PostmortemSettings | None = None
    sync: SyncSettings = Field(default_factory=SyncSettings)
    taxonomy: TaxonomySettings = Field(default_factory=TaxonomySettings)
    releases: ReleaseSettings = Field(default_factory=ReleaseSettings)
    services: dict[str, ServiceSettings] = Field(default_factory=dict)
    oncall: OncallSettings = Field(default_factory=OncallSettings)
    noise: NoiseSettings = Field(default_factory=NoiseSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    exporter: ExporterSettings = Field(default_factory=ExporterSettings)
