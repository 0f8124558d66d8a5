"""A versioned, checksummed JSON document persisted atomically (tmp file, fsync, rename).

The bucket map and the node identity use it. On load the checksum is verified so a torn or
hand-edited file is reported instead of silently trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import xxhash

from ...errors import AisError


class CorruptMetadata(AisError):
    pass


def _digest(payload: bytes) -> str:
    return xxhash.xxh64_hexdigest(payload)


def save(path: Path, version: int, body: dict[str, Any]) -> None:
    """Write `{"version", "checksum", "body"}` atomically."""
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    doc = {"version": version, "checksum": _digest(payload), "body": body}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(json.dumps(doc, sort_keys=True, indent=1).encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def load(path: Path) -> tuple[int, dict[str, Any]] | None:
    """Return (version, body) or None when the file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(raw)
        body = doc["body"]
        payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        if doc["checksum"] != _digest(payload):
            raise CorruptMetadata(f"{path}: checksum mismatch")
        return int(doc["version"]), body
    except (ValueError, KeyError, TypeError) as e:
        raise CorruptMetadata(f"{path}: {e}") from e
