"""Where the rest of a capped list is (docs/kpis.md §9: nothing is cut silently).

A capped table says "showing N of M" and points at the full list: the app's page with the
review's view in its URL (when the app is reachable: its own page, or ``[app] url``), and/or a
CSV written beside the report (``opskpi report --output``; attached to the e-mail).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from opskpi.metrics.period import Filters

# the app's pages that hold full lists, by URL path (app/web/main.py PAGES: the paths stay the
# same in every language, so links keep working)
PAGE_PATHS: Mapping[str, str] = {
    "incidents": "incidentes",
    "actions": "acoes-corretivas",
    "weekly": "revisao-semanal",
}
FILTER_PARAMS = (("severity", "severities"), ("service", "services"), ("team", "teams"))


@dataclass(frozen=True)
class ListLinks:
    """``app_url``: the app's base URL (``""``: links relative to the app's own pages; None: no
    app to link to). ``csv_prefix``: file-name stem of the CSVs written beside the report (None:
    no CSV)."""

    app_url: str | None = None
    csv_prefix: str | None = None

    def app_link(
        self,
        page: str,
        week: str,
        filters: Filters,
        as_of: datetime,
        extra: Mapping[str, str | Sequence[str]] | None = None,
    ) -> str | None:
        """The URL of ``page`` showing ISO ``week`` with the review's filters and instant."""
        if self.app_url is None:
            return None
        params: dict[str, str | Sequence[str]] = {"period": "week", "week": week}
        for name, attribute in (*FILTER_PARAMS, ("source", "sources")):
            values = getattr(filters, attribute)
            if values:
                params[name] = list(values)
        params["as_of"] = as_of.isoformat()
        params.update(extra or {})
        base = self.app_url.rstrip("/")
        path = PAGE_PATHS[page]
        return (
            f"{base}/{path}?{urlencode(params, doseq=True)}"
            if base
            else (f"{path}?{urlencode(params, doseq=True)}")
        )

    def csv_name(self, name: str) -> str | None:
        return f"{self.csv_prefix}-{name}.csv" if self.csv_prefix else None
