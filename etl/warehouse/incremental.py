"""Keeping the models up to date with what changed in ``raw_objects`` since the last build.

A full build materialises every model from the raw tables. An incremental build starts from
the rows landed, changed or marked deleted since the last build's raw high-water mark
(``etl/warehouse/build_state.py``) and walks the models in build order (docs/architecture.md,
"Incremental build"):

1. **Staging** tables kept by raw key (``model_graph.STAGING_KEYS``) delete the rows of the
   changed objects and parse only those objects again; each row's incident (and a PagerDuty
   incident's merge target) before and after the change is *affected*. Other staging tables
   are rebuilt when their object types changed.
2. **Tables** (deploys, postmortems, their links, the Opsgenie/JSM continuity, health, …) are
   rebuilt when something they read changed, and compared with their previous content: an
   unchanged table changes nothing downstream. The four that incidents read turn their
   differences into affected incidents: deploys (the incidents of a mapped service created
   within the release window after a changed deploy, and those naming its app explicitly),
   postmortems and their links (the incidents they name, before and after), continuity (both
   records of a pair).
3. **Keyed marts** (incidents, incident_events, interruptions) delete and re-insert the rows of
   the affected incidents, together with their Opsgenie/JSM twins, computed by the same SQL over
   staging views narrowed to those incidents. A change that no rule maps to incidents (a
   renamed team, a changed config table, a changed model) rebuilds the mart whole.

Everything runs inside the build's one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb

from opskpi.etl.warehouse.build_state import BuildState, RawMark
from opskpi.etl.warehouse.model_graph import (
    ALL_RAW,
    KEYED_MARTS,
    RUN_TABLES,
    STAGING_KEYS,
    Model,
    StagingKey,
    materialised_as,
)

log = logging.getLogger("opskpi.build")

# tables whose differences name the incidents they touch (see the rules in ``_affected_by``)
DIFF_RULES = ("deploys", "postmortems", "postmortem_incidents", "int_jsm__continuity")
OLD = "__before_build"  # suffix of a table's previous content while the build compares

# the raw rows new to this build: landed by a later run, fetched later, or deleted later
_DELTA = """
create or replace temp table build_delta_raw as
select * from raw_objects
where sync_run_id > $run or fetched_at > $fetched or deleted_at > $deleted
"""
_EPOCH = "0001-01-01 00:00:00+00"


@dataclass
class ModelChanges:
    """What a build did to each model, for the publish and the report."""

    full: bool
    replaced: set[str] = field(default_factory=set)  # rebuilt whole, and different
    keyed: set[str] = field(default_factory=set)  # rows of the changed incidents replaced
    delta_objects: int = 0  # raw objects new, changed or deleted since the last build
    changed_incidents: int = 0  # incidents whose rows the keyed marts replaced

    def status(self, table: str) -> str:
        """``replaced``, ``keyed`` or ``same`` (nothing to publish)."""
        if self.full or table in self.replaced:
            return "replaced"
        return "keyed" if table in self.keyed else "same"


def database_name(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("select current_database()").fetchall()[0][0])


def object_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """``table``, ``view`` or None: what ``name`` is in the warehouse's main schema."""
    rows = con.execute(
        """
        select 'table' from duckdb_tables()
        where table_name = $name and schema_name = 'main' and database_name = current_database()
        union all
        select 'view' from duckdb_views()
        where view_name = $name and schema_name = 'main' and database_name = current_database()
        """,
        {"name": name},
    ).fetchall()
    return str(rows[0][0]) if rows else None


def create_model(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """(Re)create a model whole, as a table or a view (replacing one of the other kind)."""
    kind = materialised_as(model)
    existing = object_kind(con, model.name)
    if existing is not None and existing != kind:
        con.execute(f"drop {existing} {model.name}")
    started = time.perf_counter()
    _run(con, model, f"create or replace {kind} {model.name} as\n{model.sql}")
    log.debug("%s %s built whole in %.3f s", kind, model.name, time.perf_counter() - started)


def _run(con: duckdb.DuckDBPyConnection, model: Model, statement: str) -> None:
    try:
        con.execute(statement)
    except duckdb.Error as exc:
        raise duckdb.Error(f"model sql/{model.layer}/{model.stem}.sql failed: {exc}") from exc


def _count(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> int:
    rows = con.execute(query, params).fetchall() if params else con.execute(query).fetchall()
    return int(rows[0][0]) if rows else 0


def _differs(con: duckdb.DuckDBPyConnection, new: str, old: str) -> bool:
    return bool(
        _count(
            con,
            f"select exists (select * from {new} except all select * from {old}) "
            f"or exists (select * from {old} except all select * from {new})",
        )
    )


@contextmanager
def _temp_views(con: duckdb.DuckDBPyConnection, views: dict[str, str]) -> Iterator[None]:
    """Temp views named like warehouse tables: they shadow them (the temp schema comes first
    in DuckDB's search path, also for the warehouse's own views) until the block ends."""
    try:
        for name, query in views.items():
            con.execute(f"create or replace temp view {name} as {query}")
        yield
    finally:
        for name in views:
            con.execute(f"drop view if exists temp.{name}")


class IncrementalBuild:
    """One incremental build of ``models`` after the state ``previous`` (see the module doc)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        models: tuple[Model, ...],
        previous: BuildState,
        changed_config: set[str],
    ) -> None:
        self.con = con
        self.models = models
        self.by_name = {m.name: m for m in models}
        self.previous = previous
        self.db = database_name(con)
        self.changes = ModelChanges(full=False, replaced=set(changed_config))
        self.changed: set[str] = set(RUN_TABLES) | changed_config  # names whose content changed
        self.whole: set[str] = set()  # rebuilt whole this build
        self.forced: set[str] = set()  # new or changed models (their previous content unknown)
        self.kept_old: list[str] = []  # previous contents kept for the diff rules
        self.keys_ready = False

    # -- the steps ------------------------------------------------------------------------------

    def run(self) -> ModelChanges:
        self._load_delta(self.previous.mark)
        self.con.execute("create or replace temp table build_affected (incident_key varchar)")
        try:
            for model in self.models:
                self._update(model)
        finally:
            for name in self.kept_old:
                self.con.execute(f"drop table if exists {name}{OLD}")
            for table in ("build_delta_raw", "build_affected", "build_scope"):
                self.con.execute(f"drop table if exists temp.{table}")
        return self.changes

    def _load_delta(self, mark: RawMark) -> None:
        self.con.execute(
            _DELTA,
            {
                "run": -1 if mark.run_id is None else mark.run_id,
                "fetched": mark.fetched_at or _EPOCH,
                "deleted": mark.deleted_at or _EPOCH,
            },
        )
        types = self.con.execute(
            "select source, object_type, count(*) from build_delta_raw group by all"
        ).fetchall()
        self.changes.delta_objects = sum(int(n) for _, _, n in types)
        self.changed |= {f"raw:{source}/{object_type}" for source, object_type, _ in types}
        if types:
            self.changed.add(ALL_RAW)

    def _update(self, model: Model) -> None:
        fingerprint = self.previous.fingerprints.get(f"model:{model.name}")
        exists = object_kind(self.con, model.name) == materialised_as(model)
        if fingerprint != model.fingerprint or not exists:
            # a new or changed model (or one that went missing): built whole
            create_model(self.con, model)
            self.forced.add(model.name)
            self._mark_whole(model)
            return
        if not model.reads & self.changed:
            return
        if model.kind == "staging":
            key = STAGING_KEYS.get(model.name)
            raw_only = all(name.startswith("raw:") for name in model.reads)
            if key is not None and raw_only and len(model.raw_types) == 1:
                if self._maintain_staging(model):
                    self.changed.add(model.name)
            elif self._rebuild_compared(model):
                self._mark_whole(model)
        elif model.kind == "scoped":
            self.changed.add(model.name)  # a view: it follows what it reads
        elif model.kind == "keyed":
            self._update_keyed(model)
        elif self._rebuild_compared(model, keep=model.name in DIFF_RULES):
            self._mark_whole(model)

    def _mark_whole(self, model: Model) -> None:
        self.changed.add(model.name)
        self.whole.add(model.name)
        if model.kind != "scoped":
            self.changes.replaced.add(model.name)

    # -- staging by raw key -----------------------------------------------------------------------

    def _maintain_staging(self, model: Model) -> bool:
        """Replace the rows of the model's changed raw objects; note their incidents."""
        ((source, object_type),) = model.raw_types
        key = STAGING_KEYS[model.name]
        delta = (
            f"select object_id from build_delta_raw "
            f"where source = '{source}' and object_type = '{object_type}'"
        )
        if not _count(self.con, f"select count(*) from ({delta})"):
            return False
        # the changed objects' new rows: the model's SQL over the delta rows alone
        with _temp_views(self.con, {"raw_objects": "select * from build_delta_raw"}):
            _run(self.con, model, f"create or replace temp table build_new as {model.sql}")
        try:
            old = f"select * from {model.name} where {key.key} in ({delta})"
            self._note_incidents(key, old)
            self.con.execute(f"delete from {model.name} where {key.key} in ({delta})")
            self._note_incidents(key, "select * from build_new")
            self.con.execute(f"insert into {model.name} by name select * from build_new")
        finally:
            self.con.execute("drop table if exists temp.build_new")
        return True

    def _note_incidents(self, key: StagingKey, rows: str) -> None:
        if key.source is None or key.incident is None:
            return
        columns = [key.incident, *key.also]
        selects = " union all ".join(
            f"select '{key.source}:' || {column} from rows where {column} is not null"
            for column in columns
        )
        self.con.execute(f"insert into build_affected with rows as ({rows}) {selects}")

    # -- tables rebuilt whole ----------------------------------------------------------------------

    def _rebuild_compared(self, model: Model, keep: bool = False) -> bool:
        """Rebuild a table whole; True when its content differs from before. ``keep``: keep the
        previous content (``<name>__before_build``) for the diff rules."""
        old = f"{model.name}{OLD}"
        self.con.execute(f"drop table if exists {old}")
        self.con.execute(f"alter table {model.name} rename to {old}")
        create_model(self.con, model)
        differs = _differs(self.con, model.name, old)
        if keep and differs:
            self.kept_old.append(model.name)
        else:
            self.con.execute(f"drop table {old}")
        return differs

    # -- keyed marts -------------------------------------------------------------------------------

    def _update_keyed(self, model: Model) -> None:
        if not self._by_incident(model):
            create_model(self.con, model)
            self._mark_whole(model)
            return
        if not self.keys_ready:
            self._settle_keys()
        key = KEYED_MARTS[model.name]
        keys = "select incident_key from build_changed_keys"
        with _temp_views(self.con, self._scoped_staging()):
            self.con.execute(f"delete from {model.name} where {key} in ({keys})")
            _run(
                self.con,
                model,
                f"insert into {model.name} by name select * from ({model.sql}) "
                f"where {key} in ({keys})",
            )
        self.changed.add(model.name)
        self.changes.keyed.add(model.name)

    def _reach(self, name: str) -> set[str]:
        """What a model reads, and what the scoped views it reads read, down to the tables."""
        out: set[str] = set()
        for read in self.by_name[name].reads:
            out.add(read)
            model = self.by_name.get(read)
            if model is not None and model.kind == "scoped":
                out |= self._reach(read)
        return out

    def _by_incident(self, model: Model) -> bool:
        """Whether every change the mart reads maps to affected incidents."""
        for name in self._reach(model.name) & self.changed:
            read = self.by_name.get(name)
            if name in self.forced or (name in self.whole and name not in DIFF_RULES):
                return False  # rebuilt whole: which incidents it touches is not known
            if read is not None and read.kind == "scoped":
                continue  # a view: what it reads is checked itself
            if name in DIFF_RULES or name in self.changes.keyed:
                continue
            staging = STAGING_KEYS.get(name)
            if staging is not None and staging.incident is not None:
                continue
            return False
        return True

    def _settle_keys(self) -> None:
        """The affected incidents: from staging (already noted), the diff rules, then both
        records of an Opsgenie/JSM pair for each; kept in ``build_changed_keys`` (the publish
        replaces these incidents' rows)."""
        for name in self.kept_old:
            self._affected_by(name)
        for _ in range(2):  # a record, its twin, and the twin's other record (none, but cheap)
            self._twins()
        self.con.execute(
            "create or replace table build_changed_keys as "
            "select distinct incident_key from build_affected where incident_key is not null"
        )
        self.con.execute(
            """
            create or replace temp table build_scope as
            select split_part(incident_key, ':', 1) as source,
                   substr(incident_key, length(split_part(incident_key, ':', 1)) + 2)
                       as source_id
            from build_changed_keys
            """
        )
        self.changes.changed_incidents = _count(self.con, "select count(*) from build_changed_keys")
        self.keys_ready = True

    def _scoped_staging(self) -> dict[str, str]:
        """Views narrowing each staging table that belongs to incidents to the affected ones."""
        views = {}
        for name, key in STAGING_KEYS.items():
            if key.source is None or key.incident is None or name not in self.by_name:
                continue
            views[name] = (
                f'select * from "{self.db}".main.{name} where {key.incident} in '
                f"(select source_id from build_scope where source = '{key.source}')"
            )
        return views

    def _changed_rows(self, name: str) -> str:
        new, old = name, f"{name}{OLD}"
        return (
            f"(select * from {new} except all select * from {old}) "
            f"union all (select * from {old} except all select * from {new})"
        )

    def _affected_by(self, name: str) -> None:
        """The incidents a table's changed rows touch (docs/architecture.md)."""
        changed = self._changed_rows(name)
        if name == "deploys":
            # a deploy counts for the incidents of its app's services created within the
            # release window after it, and for those naming its app (sql/marts/30_incidents.sql)
            self.con.execute(
                f"""
                insert into build_affected
                with changed as (select app, deployed_at from ({changed}))
                select incidents.incident_key
                from incidents
                inner join cfg_service_apps as service_apps
                    on service_apps.service = incidents.service
                inner join changed on changed.app = service_apps.app
                cross join cfg_settings as settings
                where incidents.created_at >= changed.deployed_at
                  and incidents.created_at
                      <= changed.deployed_at + to_seconds(settings.release_window_seconds)
                union
                select incidents.incident_key
                from incidents
                inner join changed on changed.app = split_part(incidents.release_ref, '@', 1)
                where incidents.created_at >= changed.deployed_at
                """
            )
        elif name == "postmortems":
            links = "postmortem_incidents"
            if "postmortem_incidents" in self.kept_old:
                links = (
                    f"(select * from postmortem_incidents union all "
                    f"select * from postmortem_incidents{OLD})"
                )
            self.con.execute(
                f"""
                insert into build_affected
                select links.incident_key from {links} as links
                where links.postmortem_id in (select postmortem_id from ({changed}))
                """
            )
        elif name == "postmortem_incidents":
            self.con.execute(f"insert into build_affected select incident_key from ({changed})")
        elif name == "int_jsm__continuity":
            self.con.execute(
                f"insert into build_affected select incident_key from ({changed}) "
                f"union all select kept_key from ({changed})"
            )

    def _twins(self) -> None:
        pairs = "int_jsm__continuity"
        if "int_jsm__continuity" in self.kept_old:
            pairs = (
                f"(select incident_key, kept_key from int_jsm__continuity union all "
                f"select incident_key, kept_key from int_jsm__continuity{OLD})"
            )
        if object_kind(self.con, "int_jsm__continuity") is None:
            return
        self.con.execute(
            f"""
            insert into build_affected
            select pairs.kept_key from {pairs} as pairs
            where pairs.incident_key in (select incident_key from build_affected)
            union
            select pairs.incident_key from {pairs} as pairs
            where pairs.kept_key in (select incident_key from build_affected)
            """
        )
