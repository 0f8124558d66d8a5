"""Small helpers to build S3 responses."""

from __future__ import annotations

import secrets

from aiohttp import web


def request_id() -> str:
    return secrets.token_hex(8).upper()


def xml(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None
        ) -> web.Response:
    h = {"x-amz-request-id": request_id(), **(headers or {})}
    data = body.encode() if isinstance(body, str) else body
    return web.Response(status=status, body=data, content_type="application/xml", headers=h)


def empty(status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, headers={"x-amz-request-id": request_id(),
                                                **(headers or {})})
