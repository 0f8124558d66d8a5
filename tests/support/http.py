"""Raw HTTP against a node (for what the SDKs hide: status codes, headers, hostile input)."""

from __future__ import annotations

import http.client
import json
from typing import Any

from .server import NodeProcess


def raw(node: NodeProcess, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None, timeout: float = 60
        ) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, lower-cased headers) of one request on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", node.port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read(), {k.lower(): v for k, v in r.getheaders()}
    finally:
        c.close()


def set_props(node: NodeProcess, bucket: str, value: dict[str, Any], provider: str) -> None:
    """PATCH `set-bprops` on a bucket; asserts success."""
    st, body, _ = raw(node, "PATCH", f"/v1/buckets/{bucket}?provider={provider}", json.dumps(
        {"action": "set-bprops", "name": "", "value": value}).encode())
    assert st == 200, body


def req(node: NodeProcess, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Like `raw`, in (status, headers, body) order."""
    status, data, hdrs = raw(node, method, path, body, headers, timeout=10)
    return status, hdrs, data
