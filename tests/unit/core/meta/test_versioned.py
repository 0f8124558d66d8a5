"""Versioned, checksummed JSON documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisnode.core.meta import versioned
from aisnode.core.meta.versioned import CorruptMetadata


def test_round_trip_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "doc.json"
    assert versioned.load(p) is None
    body = {"b": [1, 2, {"x": "ü"}], "a": None}
    versioned.save(p, 7, body)
    assert versioned.load(p) == (7, body)
    versioned.save(p, 8, {"a": 1})
    assert versioned.load(p) == (8, {"a": 1})
    assert sorted(x.name for x in p.parent.iterdir()) == ["doc.json"]  # no tmp left behind


def test_tampered_body_detected(tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    versioned.save(p, 1, {"buckets": ["a"]})
    doc = json.loads(p.read_text())
    doc["body"]["buckets"].append("evil")
    p.write_text(json.dumps(doc))
    with pytest.raises(CorruptMetadata, match="checksum"):
        versioned.load(p)


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe garbage", b"[]", b'{"body": {}}',
                                 b'{"version": "x", "checksum": "0", "body": {}}'])
def test_garbage_detected(tmp_path: Path, raw: bytes) -> None:
    p = tmp_path / "doc.json"
    p.write_bytes(raw)
    with pytest.raises(CorruptMetadata):
        versioned.load(p)


def test_truncated_file_detected(tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    versioned.save(p, 3, {"k": "v" * 100})
    p.write_bytes(p.read_bytes()[:-20])
    with pytest.raises(CorruptMetadata):
        versioned.load(p)
