"""Find and load the config: ``--config FILE``, else ``$OPSKPI_CONFIG``, else ``./opskpi.toml``,
else the built-in defaults with the demo warehouse (``data/demo``)."""

from __future__ import annotations

import base64
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from opskpi.config.model import DEFAULT_PRIORITY_MAP, DEFAULT_URGENCY_MAP, SettingsModel
from opskpi.config.secrets import Secret, read_secret
from opskpi.config.vocabulary import API_SOURCES, POLICY_SEVERITIES, POSTMORTEMS

DEMO_DIR = Path("data/demo")
DEMO_CONFIG = DEMO_DIR / "opskpi.toml"
DEMO_WAREHOUSE = DEMO_DIR / "opskpi.duckdb"


class ConfigError(ValueError):
    """A config problem, already phrased for a person: file, key, what was expected."""


@dataclass(frozen=True)
class Settings:
    """Validated settings and their origin; relative paths resolve against ``base_dir``."""

    model: SettingsModel
    base_dir: Path
    origin: str

    # -- paths -------------------------------------------------------------------------------
    def resolve(self, path: Path | str) -> Path:
        path = Path(path)
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def warehouse_path(self) -> Path:
        """The writer's DuckDB file (raw landing + models); only ``sync`` and ``db`` open it."""
        return self.resolve(self.model.warehouse.path)

    @property
    def serving_path(self) -> Path:
        """The published read-only snapshot that the CLI, the app and the exporter read."""
        wh = self.warehouse_path
        return wh.with_name(wh.stem + ".serving" + wh.suffix)

    # -- policy helpers ----------------------------------------------------------------------
    def severity_map(self, source: str, field: str) -> dict[str, str]:
        """Source value → severity: the defaults, overridden by ``[sources.X.severity]``."""
        defaults = DEFAULT_PRIORITY_MAP if field == "priority" else DEFAULT_URGENCY_MAP
        src = getattr(self.model.sources, source, None)
        overrides = getattr(src.severity, field) if src is not None else {}
        if source in ("opsgenie", "jsm") and field == "urgency":
            return {}
        return {**defaults, **overrides}

    def policy_rows(self) -> list[dict[str, Any]]:
        rows = []
        for sev in POLICY_SEVERITIES:
            pol = self.model.policy.for_severity(sev)
            window = pol.postmortem_window
            rows.append(
                {
                    "severity": sev,
                    "ack_target_seconds": pol.ack_target.seconds if pol.ack_target else None,
                    "resolve_target_seconds": (
                        pol.resolve_target.seconds if pol.resolve_target else None
                    ),
                    "postmortem_window_seconds": window.seconds if window else None,
                    "postmortem_window_business_days": window.business_days if window else None,
                }
            )
        return rows

    # -- secrets -----------------------------------------------------------------------------
    def secret(self, source: str) -> Secret:
        """The credential a source's requests carry (JSM: the Basic ``e-mail:token`` pair)."""
        src = getattr(self.model.sources, source)
        if source == "jsm":
            return self.secrets("jsm")[0]
        if source == "opsgenie":
            return read_secret(
                env=src.api_key_env,
                file=src.api_key_file,
                base_dir=self.base_dir,
                what=f"sources.{source}",
            )
        return read_secret(
            env=src.token_env, file=src.token_file, base_dir=self.base_dir, what=f"sources.{source}"
        )

    def secrets(self, source: str) -> list[Secret]:
        """Every secret of a source, to be kept out of messages: for JSM the Basic credential,
        the e-mail and the API token; for the others their one secret."""
        if source != "jsm":
            return [self.secret(source)]
        src = self.model.sources.jsm
        assert src is not None
        where = "sources.jsm"
        email = read_secret(
            env=src.email_env, file=src.email_file, base_dir=self.base_dir, what=f"{where} e-mail"
        )
        token = read_secret(
            env=src.api_token_env,
            file=src.api_token_file,
            base_dir=self.base_dir,
            what=f"{where} API token",
        )
        pair = base64.b64encode(f"{email.reveal()}:{token.reveal()}".encode()).decode()
        return [Secret(pair, f"{email.origin} + {token.origin}"), email, token]

    @property
    def configured_sources(self) -> list[str]:
        names = [name for name in API_SOURCES if getattr(self.model.sources, name, None)]
        if self.model.postmortems is not None:
            names.append(POSTMORTEMS)
        return names


def _format_errors(origin: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            parts.append(f"{key}: unknown key")
        elif err["type"] == "missing":
            parts.append(f"{key}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{key}: {msg}")
    return f"{origin}: " + "; ".join(parts)


def settings_from_dict(data: dict[str, Any], *, base_dir: Path, origin: str) -> Settings:
    """Validate an already-parsed TOML document."""
    try:
        model = SettingsModel.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(origin, exc)) from None
    return Settings(model=model, base_dir=base_dir, origin=origin)


def load_settings(path: str | Path | None = None, *, cwd: Path | None = None) -> Settings:
    """Load the config the way every command does (see the module docstring)."""
    cwd = cwd or Path.cwd()
    if path is None and os.environ.get("OPSKPI_CONFIG"):
        path = os.environ["OPSKPI_CONFIG"]
    if path is None:
        for candidate in (cwd / "opskpi.toml", cwd / DEMO_CONFIG):
            if candidate.is_file():
                path = candidate
                break
    if path is None:
        model = SettingsModel.model_validate({"warehouse": {"path": str(DEMO_WAREHOUSE)}})
        return Settings(model=model, base_dir=cwd, origin="built-in defaults (demo warehouse)")
    file = Path(path)
    if not file.is_absolute():
        file = cwd / file
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {str(exc)[:200]}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise ConfigError(f"{file}: not valid TOML: nested too deeply") from None
    return settings_from_dict(data, base_dir=file.parent, origin=str(file))
