"""Bucket properties [AIS Bprops]: defaults, validation, dotted-key and partial-JSON updates.

Props are kept as a nested JSON-shaped dict with AIS's key names so they can be sent verbatim in
`Ais-Bucket-Props`. Every update goes through `apply_updates`, which accepts only keys that exist
in the defaults and coerces values to the default's type.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from ...errors import InvalidProps
from ...wire.bucket import AIS, Bucket, Namespace, normalize_provider, parse_uri

CHECKSUM_TYPES = ("none", "xxhash", "xxhash2", "md5", "sha256", "sha512", "crc32c")
DEFAULT_CHECKSUM = "xxhash2"

# access bits (AIS api/apc/access.go order)
ACE_GET, ACE_OBJ_HEAD, ACE_PUT, ACE_APPEND, ACE_OBJ_DELETE, ACE_OBJ_MOVE = (1 << i for i in range(6))
ACE_BCK_HEAD, ACE_OBJ_LIST = 1 << 8, 1 << 9
ACCESS_RO = ACE_GET | ACE_OBJ_HEAD | ACE_BCK_HEAD | ACE_OBJ_LIST
ACCESS_ALL = (1 << 24) - 1
ACCESS_RW = ACCESS_ALL
_ACCESS_NAMES = {"ro": ACCESS_RO, "rw": ACCESS_RW, "su": ACCESS_ALL}

FEATURE_FSYNC_PUT = 1 << 0
FEATURES = {"Fsync-PUT": FEATURE_FSYNC_PUT}


def defaults(provider: str = AIS, checksum_type: str = DEFAULT_CHECKSUM) -> dict[str, Any]:
    """A fresh props tree with AIS's defaults for a bucket of `provider`."""
    return {
        "provider": provider,
        "backend_bck": {"name": "", "provider": "", "namespace": {"uuid": "", "name": ""}},
        "write_policy": {"data": "", "md": ""},
        "checksum": {
            "type": checksum_type,
            "validate_cold_get": False,
            "validate_warm_get": False,
            "validate_obj_move": False,
            "enable_read_range": False,
        },
        "versioning": {"enabled": True, "validate_warm_get": False, "synchronize": False},
        "mirror": {"copies": 2, "burst_buffer": 128, "enabled": False},
        "ec": {
            "objsize_limit": 262144, "compression": "never", "bundle_multiplier": 2,
            "data_slices": 2, "parity_slices": 2, "enabled": False, "disk_only": False,
        },
        "lru": {"dont_evict_time": "2h", "capacity_upd_time": "10m", "enabled": provider != AIS},
        "chunks": {
            "objsize_limit": 0, "chunk_size": 1 << 30, "max_monolithic_size": 1 << 40,
            "checkpoint_every": 0,
        },
        "extra": {
            "aws": {"cloud_region": "", "endpoint": "", "profile": "", "max_pagesize": 0,
                    "multipart_size": 0},
            "gcp": {"application_creds": ""},
            "http": {"original_url": ""},
        },
        "access": str(ACCESS_ALL),
        "features": "0",
        "bid": "0",
        "created": str(time.time_ns()),
    }


# keys that may not be changed by a client
_READ_ONLY = {"provider", "bid", "created"}


def _coerce(key: str, value: Any, like: Any) -> Any:
    if isinstance(like, bool):
        if isinstance(value, bool):
            return value
        s = str(value).strip().lower()
        if s in ("true", "1", "yes", "on"):
            return True
        if s in ("false", "0", "no", "off"):
            return False
        raise InvalidProps(f'invalid value "{value}" for "{key}": expected true or false')
    if isinstance(like, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidProps(f'invalid value "{value}" for "{key}": expected an integer') from None
    if isinstance(like, str):
        if isinstance(value, (dict, list)):
            raise InvalidProps(f'invalid value for "{key}": expected a string')
        return str(value)
    raise InvalidProps(f'"{key}" cannot be set directly')


def _set_special(props: dict[str, Any], key: str, value: Any) -> bool:
    """Keys whose values are not plain scalars; returns True when handled."""
    if key == "checksum.type":
        v = str(value).strip().lower()
        if v not in CHECKSUM_TYPES:
            raise InvalidProps(
                f'invalid checksum type "{value}" (expected one of: {", ".join(CHECKSUM_TYPES)})'
            )
        props["checksum"]["type"] = v
        return True
    if key == "access":
        v = str(value).strip().lower()
        props["access"] = str(_ACCESS_NAMES[v]) if v in _ACCESS_NAMES else str(_coerce(key, v, 0))
        return True
    if key == "features":
        if isinstance(value, str) and not value.strip().isdigit():
            bits = 0
            for name in value.replace(",", " ").split():
                if name not in FEATURES and name.lower() != "none":
                    raise InvalidProps(f'unknown bucket feature "{name}"')
                bits |= FEATURES.get(name, 0)
            props["features"] = str(bits)
        else:
            props["features"] = str(_coerce(key, value, 0))
        return True
    if key == "backend_bck":
        if isinstance(value, dict):
            ns = value.get("namespace") or {}
            if not isinstance(ns, dict):
                raise InvalidProps('backend_bck.namespace must be {"uuid": ..., "name": ...}')
            b = Bucket(
                str(value.get("name", "")), normalize_provider(value.get("provider") or "ais"),
                Namespace(str(ns.get("uuid") or ""), str(ns.get("name") or "")),
            )
            props["backend_bck"] = b.to_json() if b.name else defaults()["backend_bck"]
            return True
        v = str(value).strip()
        if v.lower() in ("", "none"):
            props["backend_bck"] = defaults()["backend_bck"]
        else:
            b, obj = parse_uri(v)
            if not b.name or obj:
                raise InvalidProps(f'invalid backend bucket "{value}"')
            props["backend_bck"] = b.to_json()
        return True
    return False


def apply_updates(props: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `props` with `updates` applied.

    `updates` may be flat dotted keys (`{"checksum.type": "md5"}`), a nested partial tree
    (`{"checksum": {"type": "md5"}}`) or a mix. Unknown keys raise InvalidProps.
    """
    out = copy.deepcopy(props)
    for key, value in _flatten(updates):
        if key in _READ_ONLY:
            raise InvalidProps(f'bucket property "{key}" is read-only')
        if _set_special(out, key, value):
            continue
        node: Any = out
        parts = key.split(".")
        for p in parts[:-1]:
            if not isinstance(node, dict) or p not in node:
                raise InvalidProps(f'unknown bucket property "{key}"')
            node = node[p]
        leaf = parts[-1]
        if not isinstance(node, dict) or leaf not in node:
            raise InvalidProps(f'unknown bucket property "{key}"')
        node[leaf] = _coerce(key, value, node[leaf])
    return out


def _flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    if not isinstance(d, dict):
        raise InvalidProps("bucket properties must be a JSON object")
    for k, v in d.items():
        key = f"{prefix}{k}"
        if key in ("backend_bck",) or not isinstance(v, dict):
            items.append((key, v))
        else:
            items.extend(_flatten(v, key + "."))
    return items


def parse_kv_args(args: list[str]) -> dict[str, Any]:
    """CLI form `k=v k2=v2` (also `k v` pairs, as `ais bucket props set` accepts)."""
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if "=" in a:
            k, _, v = a.partition("=")
            out[k] = v
            i += 1
        elif i + 1 < len(args):
            out[a] = args[i + 1]
            i += 2
        else:
            raise InvalidProps(f'missing value for "{a}"')
    return out


def get_path(props: dict[str, Any], key: str) -> Any:
    node: Any = props
    for p in key.split("."):
        node = node[p]
    return node
