"""Secrets are read from an environment variable or a file named in the config, never from the TOML.

A :class:`Secret` never shows its value in ``repr``/``str``, logs, errors or the UI: only its last
four characters, as the official PagerDuty client does.
"""

from __future__ import annotations

import os
from pathlib import Path


class SecretError(ValueError):
    """A secret could not be read; the message names where it was looked for, never the value."""


class Secret:
    __slots__ = ("_origin", "_value")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self._origin = origin

    def reveal(self) -> str:
        """The value, for the one place that needs it: the HTTP Authorization header."""
        return self._value

    @property
    def last4(self) -> str:
        return "*" + self._value[-4:] if len(self._value) >= 8 else "****"

    @property
    def origin(self) -> str:
        return self._origin

    def __repr__(self) -> str:
        return f"Secret({self.last4} from {self._origin})"

    __str__ = __repr__


def read_secret(*, env: str | None, file: str | None, base_dir: Path, what: str) -> Secret:
    """Read a secret from ``$env`` or ``file`` (relative to ``base_dir``)."""
    if env:
        value = os.environ.get(env)
        if value is None or not value.strip():
            raise SecretError(f"{what}: environment variable {env} is not set")
        return Secret(value.strip(), f"${env}")
    if file:
        path = Path(file)
        if not path.is_absolute():
            path = base_dir / path
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretError(f"{what}: cannot read secret file {path}: {exc.strerror}") from None
        if not value:
            raise SecretError(f"{what}: secret file {path} is empty")
        return Secret(value, str(path))
    raise SecretError(f"{what}: no secret configured (set *_env or *_file)")
