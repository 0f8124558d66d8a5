"""Load configuration from defaults < JSON file < environment (AISNODE_*) < flags."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from .cluster import ClusterConfig
from .local import LocalConfig


@dataclass(frozen=True)
class Config:
    local: LocalConfig = field(default_factory=LocalConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)


def _typed(cls: type, key: str, raw: Any) -> Any:
    f = {f.name: f for f in dataclasses.fields(cls)}[key]
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise InvalidRequest(f'config "{key}": expected true or false, got "{raw}"')
        return s in ("1", "true", "yes", "on")
    if isinstance(default, float):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise InvalidRequest(f'config "{key}": expected a number, got "{raw}"') from None
    if isinstance(default, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise InvalidRequest(f'config "{key}": expected an integer, got "{raw}"') from None
    if isinstance(default, tuple):
        if isinstance(raw, str):
            return tuple(p for p in raw.split(",") if p)
        return tuple(raw)
    if isinstance(default, dict):
        return dict(json.loads(raw) if isinstance(raw, str) else raw)
    return str(raw)


def _section(cls: type, values: dict[str, Any], where: str) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    out = {}
    for k, v in values.items():
        if k not in names:
            raise InvalidRequest(f'{where}: unknown config key "{k}"')
        out[k] = _typed(cls, k, v)
    return out


def load_config(
    path: str | None = None,
    overrides: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Merge the layers. File shape: `{"local": {...}, "cluster": {...}}`. Env: `AISNODE_PORT`,
    `AISNODE_DATA_DIR`, `AISNODE_MOUNTPATHS` (comma-separated), `AISNODE_CHECKSUM_TYPE`, ..."""
    environ: Mapping[str, str] = os.environ if env is None else env
    local: dict[str, Any] = {}
    cluster: dict[str, Any] = {}
    if path:
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise InvalidRequest(f"cannot read config {path}: {e}") from e
        if not isinstance(doc, dict):
            raise InvalidRequest(f"{path}: expected a JSON object")
        unknown = set(doc) - {"local", "cluster"}
        if unknown:
            raise InvalidRequest(f'{path}: unknown config section(s): {", ".join(sorted(unknown))}'
                                 ' (expected "local" and "cluster")')
        local.update(_section(LocalConfig, doc.get("local", {}), path))
        cluster.update(_section(ClusterConfig, doc.get("cluster", {}), path))
    for cls, target in ((LocalConfig, local), (ClusterConfig, cluster)):
        for f in dataclasses.fields(cls):
            v = environ.get("AISNODE_" + f.name.upper())
            if v is not None and v != "":
                target[f.name] = _typed(cls, f.name, v)
    for k, v in (overrides or {}).items():
        if v is None:
            continue
        if k in {f.name for f in dataclasses.fields(LocalConfig)}:
            local[k] = _typed(LocalConfig, k, v)
        else:
            cluster.update(_section(ClusterConfig, {k: v}, "flags"))
    return Config(LocalConfig(**local), ClusterConfig(**cluster))
