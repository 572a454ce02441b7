"""Source and URL values inside Markdown the app renders (warnings, notes): shown as typed,
never as markup. The rule lives with the others in ``app/escaping.py``."""

from __future__ import annotations

from opskpi.app.escaping import markdown_code as as_text

__all__ = ["as_text"]
