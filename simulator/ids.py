"""Deterministic identifiers in the shapes the real APIs use."""

from __future__ import annotations

import random

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 36)
        chars.append(_B36[rem])
    return "".join(reversed(chars))


def pd_object_id(rng: random.Random) -> str:
    """A PagerDuty object id such as ``PIJ90N7`` (services, teams, users, priorities)."""
    return "P" + base36(rng.getrandbits(40), 6)


def pd_incident_id(rng: random.Random) -> str:
    """A PagerDuty incident id such as ``Q02JTSNZWHSEKV``."""
    return "Q" + base36(rng.getrandbits(72), 13)


def pd_log_entry_id(incident_id: str, index: int) -> str:
    """A log entry id (``R`` + 25 characters), unique per incident and position."""
    return "R" + incident_id[1:] + base36(index, 3) + "0" * 9


def pd_alert_id(incident_id: str, index: int) -> str:
    """The ``index``-th alert of an incident (``A`` + the incident's 13 characters, + 2)."""
    return "A" + incident_id[1:] + (base36(index, 2) if index else "")


def uuid_from(rng: random.Random) -> str:
    raw = f"{rng.getrandbits(128):032x}"
    return (
        f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{'89ab'[int(raw[16], 16) % 4]}{raw[17:20]}-{raw[20:]}"
    )


def revision(rng: random.Random) -> str:
    """A 40-hex Git SHA."""
    return f"{rng.getrandbits(160):040x}"
