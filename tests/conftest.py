"""Shared fixtures: a real aisnode process per test session (`node`), and fresh ones on demand."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import NodeProcess


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One single-node store shared by the session's tests (each test uses its own buckets)."""
    n = NodeProcess(tmp_path_factory.mktemp("node") / "data").start()
    yield n
    n.stop()


@pytest.fixture
def fresh_node(tmp_path: Path) -> Iterator[NodeProcess]:
    """A node of the test's own (for restart/kill scenarios)."""
    n = NodeProcess(tmp_path / "data")
    yield n
    n.stop()


@pytest.fixture
def bucket_name() -> str:
    return "test-bck-" + secrets.token_hex(4)
