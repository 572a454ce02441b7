"""Shared fixtures: where the peers' reference material lives, and fresh warehouses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from opskpi.etl.warehouse.connect import open_memory

REPO = Path(__file__).resolve().parents[1]


def _reference_dir() -> Path:
    configured = os.environ.get("OPSKPI_SHARED_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The official specs and the peers' fixtures, read in place (never copied into the repo)."""
    path = _reference_dir()
    if not path.is_dir():
        pytest.skip(
            f"reference material not found at {path}: these tests read ../shared/reference "
            "in place (set OPSKPI_SHARED_REFERENCE to point elsewhere)"
        )
    return path


@pytest.fixture(scope="session")
def peers_dir(reference_dir: Path) -> Path:
    return reference_dir / "peers"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory warehouse with the real migrations, closed after the test."""
    connection = open_memory()
    yield connection
    connection.close()


@pytest.fixture
def slept() -> list[float]:
    """Collects the waits a retry policy asked for, so retry tests never sleep."""
    return []
