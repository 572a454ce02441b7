"""The review's briefing as a chat message (Slack, Mattermost, Microsoft Teams incoming webhooks):
the title, the one-line lead, and each briefing section as a short list, one line per row of its
table, at most ``CHAT_ROWS`` lines a section ("showing N of M" past that, as everywhere).

Source text (titles, services, owners) is escaped for each flavour: it cannot become markup, a
mention or a link.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.document import Document, Link, Section, Table, text_of

Flavor = Literal["slack", "mattermost", "teams"]
CHAT_ROWS = 10


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn: only &, < and > need escaping (docs: "Escaping text")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# the characters that are markup inside a line (a line of ours never starts with source text)
_MATTERMOST_SPECIAL = re.compile(r"([\\`*_\[\]()<>!|~@])")
# Teams' Adaptive Card TextBlock knows only emphasis, lists and links
_TEAMS_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _escape(text: str, flavor: Flavor) -> str:
    text = text.replace("\n", " ")
    if flavor == "slack":
        return _slack_escape(text)
    pattern = _TEAMS_SPECIAL if flavor == "teams" else _MATTERMOST_SPECIAL
    return pattern.sub(r"\\\1", text)


def _link(cell: Link, flavor: Flavor) -> str:
    text = _escape(cell.text, flavor)
    if not cell.url:
        return text
    if flavor == "slack":
        return f"<{cell.url.replace('|', '%7C').replace('>', '%3E')}|{text}>"
    return f"[{text}]({cell.url.replace(')', '%29').replace(' ', '%20')})"


def _bold(text: str, flavor: Flavor) -> str:
    return f"*{text}*" if flavor == "slack" else f"**{text}**"


def _section_lines(section: Section, flavor: Flavor, tr: Translator) -> list[str]:
    lines = [_bold(_escape(section.title, flavor), flavor)]
    for block in section.blocks:
        if isinstance(block, Table):
            total = block.total or len(block.rows)
            for row in block.rows[:CHAT_ROWS]:
                cells = [
                    _link(cell, flavor) if isinstance(cell, Link) else _escape(cell, flavor)
                    for cell in row
                    if text_of(cell) not in ("", "—")
                ]
                bullet = "•" if flavor == "slack" else "-"
                lines.append(f"{bullet} " + " · ".join(cells))
            if total > CHAT_ROWS:
                lines.append(_escape(tr("showing_n_of_m", n=CHAT_ROWS, m=tr.num(total)), flavor))
        elif isinstance(block, str):
            lines.append(_escape(block, flavor))
    return lines


def briefing_text(doc: Document, flavor: Flavor, report_link: str | None = None) -> str:
    """The briefing as one message in ``flavor``'s markup."""
    tr = Translator(doc.language)
    lines = [_bold(_escape(doc.title, flavor), flavor)]
    if doc.briefing_lead:
        lines.append(_escape(doc.briefing_lead, flavor))
    for section in doc.briefing:
        lines.append("")
        lines += _section_lines(section, flavor, tr)
    if report_link:
        lines += ["", _link(Link(tr("full_report"), report_link), flavor)]
    return "\n".join(lines)


def webhook_payload(
    doc: Document, flavor: Flavor, report_link: str | None = None
) -> dict[str, Any]:
    """The JSON body of an incoming webhook: Slack and Mattermost take ``text``; Teams (a
    Workflows webhook) an Adaptive Card."""
    text = briefing_text(doc, flavor, report_link)
    if flavor != "teams":
        return {"text": text}
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": line or " ", "wrap": True}
                        for line in text.split("\n")
                    ],
                },
            }
        ],
    }
