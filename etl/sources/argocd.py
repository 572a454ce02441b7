"""Argo CD: applications and their sync history (deploys), from ``GET /api/v1/applications``.

Each application lands whole as ``application`` (its ``operationState`` shows failed or running
syncs, which never reach the history), and each ``status.history[]`` entry lands on its own as
``history_entry`` keyed ``{app}/{id}``. Argo CD keeps only ``revisionHistoryLimit`` entries:
entries landed once stay after they leave the API, and ``argocd_history_gaps`` shows the ids
never seen. Upserting by key makes every run idempotent; there is no cursor to keep.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from opskpi.config import Settings
from opskpi.config.model import ArgoCDSettings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.http import HttpClient, RetryPolicy, SinglePagePaginator
from opskpi.etl.http.factory import source_client
from opskpi.etl.warehouse.landing import Reject

log = logging.getLogger(__name__)

APPLICATIONS = "/api/v1/applications"


def app_name(app: dict[str, Any]) -> str | None:
    metadata = app.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) and name else None


class ArgoCDConnector:
    name = "argocd"

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        session: Any = None,
    ) -> None:
        config = settings.model.sources.argocd
        if config is None:
            raise ConfigurationError(f"{settings.origin}: [sources.argocd] is not configured")
        self.settings = settings
        self.config: ArgoCDSettings = config
        self.retry = retry
        self.session = session
        self.stats: dict[str, int] = {}  # requests per endpoint of the last sync

    def client(self, ctx: SyncContext) -> HttpClient:
        base = self.config.base_url.rstrip("/")
        return source_client(
            self.settings,
            "argocd",
            ctx,
            auth_scheme="Bearer",
            ca_bundle=self.config.ca_bundle,
            retry=self.retry,
            session=self.session,
            status_hints={
                401: f"Argo CD at {base} did not accept the token (expired? create one with "
                "`argocd account generate-token` for an account with the apiKey capability)",
                403: "the token's account may not read these applications (check its RBAC)",
            },
        )

    def sync(self, ctx: SyncContext) -> None:
        params: dict[str, Any] = {}
        if self.config.projects:
            params["projects"] = list(self.config.projects)  # repeated: projects=a&projects=b
        if self.config.selector:
            params["selector"] = self.config.selector
        with self.client(ctx) as client:
            try:
                for page in client.paginate(
                    APPLICATIONS,
                    params=params,
                    paginator=SinglePagePaginator(),
                    data_selector="items",
                    allow_null=True,  # Go renders an empty list as "items": null
                    endpoint=f"GET {APPLICATIONS}",
                ):
                    self._land(ctx, page.items, page.reply.safe_url)
            finally:
                self.stats = dict(client.stats)

    def _land(self, ctx: SyncContext, items: list[Any], location: str) -> None:
        apps: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        keys: dict[int, tuple[str, str]] = {}  # id(entry) → (key, app)
        rejects: dict[str, list[Reject]] = {"application": [], "history_entry": []}
        for item in items:
            name = app_name(item) if isinstance(item, dict) else None
            if name is None:
                rejects["application"].append(
                    _reject(item, "application", "metadata.name", location)
                )
                continue
            apps.append(item)
            status = item.get("status")
            history = status.get("history") if isinstance(status, dict) else None
            for entry in history if isinstance(history, list) else []:
                entry_id = entry.get("id") if isinstance(entry, dict) else None
                if entry_id is None or isinstance(entry_id, bool):
                    where = f"{location} (application {name})"
                    rejects["history_entry"].append(_reject(entry, "history_entry", "id", where))
                    continue
                entries.append(entry)
                keys[id(entry)] = (f"{name}/{entry_id}", name)
        for object_type, bad in rejects.items():
            if bad:
                ctx.reject(object_type, bad)
        # history first: a run stopped in between re-lands the same entries next time
        ctx.land(
            "history_entry",
            entries,
            key=lambda e: keys[id(e)][0],
            parent_id=lambda e: keys[id(e)][1],
            location=location,
        )
        # the list is the complete current set: an application gone upstream is marked deleted
        # (its history entries stay: those deploys happened). An empty list is more likely a
        # token that lost its RBAC grants (Argo CD then lists nothing, without an error).
        snapshot = bool(apps) or not ctx.has_landed("application")
        if not snapshot:
            log.warning("argocd: the API listed no applications; keeping the landed ones")
        ctx.land("application", apps, key=app_name, location=location, snapshot=snapshot)
        log.info("argocd: %d applications, %d history entries", len(apps), len(entries))


def _reject(record: Any, object_type: str, field: str, location: str) -> Reject:
    body = json.dumps(record, ensure_ascii=False, default=str)
    kind = type(record).__name__
    reason = (
        f"{object_type} without {field}"
        if isinstance(record, dict)
        else f"{object_type} is not a JSON object: {kind}"
    )
    return Reject(body, reason, location)
