"""Colours shared by the app's figures and the review's charts, so a severity looks the same in
both."""

from __future__ import annotations

from typing import Final

from opskpi.config.vocabulary import POOLED

SEVERITY_COLORS: Final[dict[str, str]] = {
    "sev1": "#c62828",
    "sev2": "#ef6c00",
    "sev3": "#1565c0",
    "sev4": "#757575",
    "unknown": "#9e9d24",
    POOLED: "#263238",
}
ACK_COLOR: Final = "#00897b"
RESOLVE_COLOR: Final = "#5e35b1"
RELEASE_COLOR: Final = "#6a1b9a"
TARGET_COLOR: Final = "#111111"
