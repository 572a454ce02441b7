"""Source and URL values inside Markdown the app renders (warnings, notes): shown as typed,
never as markup."""

from __future__ import annotations


def as_text(value: str) -> str:
    """``value`` as a Markdown code span, so it shows as typed: nothing inside a code span is
    markup (links, images, HTML, Streamlit's ``:icon:`` and ``:color[…]``). The fence is one
    backtick longer than any run of backticks in the value (CommonMark)."""
    flat = " ".join(value.split()) or " "
    longest, run = 0, 0
    for char in flat:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
