"""Reading request bodies: streaming object data, bounded control messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..errors import EntityTooLarge, IncompleteBody, InvalidRequest

MAX_CONTROL_BODY = 1 << 20
READ_CHUNK = 1 << 20


async def stream(request: web.Request) -> AsyncIterator[bytes]:
    """Yield the body as it arrives; a connection closed early raises IncompleteBody."""
    content = request.content
    got = 0
    try:
        while True:
            chunk = await content.readany()
            if not chunk:
                break
            got += len(chunk)
            yield chunk
    except (ConnectionResetError, web.HTTPException, OSError) as e:
        raise IncompleteBody(request.content_length or -1, got) from e
    except Exception as e:  # aiohttp raises ClientPayloadError-like errors on truncation
        if type(e).__name__ in ("ClientPayloadError", "PayloadEncodingError",
                                "ContentLengthError"):
            raise IncompleteBody(request.content_length or -1, got) from e
        raise


async def read_bounded(request: web.Request, limit: int = MAX_CONTROL_BODY) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise EntityTooLarge("request body", limit)
    buf = bytearray()
    async for chunk in stream(request):
        buf += chunk
        if len(buf) > limit:
            raise EntityTooLarge("request body", limit)
    return bytes(buf)


def lower_keys(d: Any) -> Any:
    """Go decodes JSON keys case-insensitively; the SDK relies on it (`"ID"` for `id`)."""
    if isinstance(d, dict):
        return {str(k).lower(): v for k, v in d.items()}
    return d


async def read_json(request: web.Request) -> Any:
    raw = await read_bounded(request)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidRequest(f"malformed JSON body: {e}") from None


async def read_action(request: web.Request) -> tuple[str, str, Any]:
    """(action, name, value) of an ActMsg body; ("", "", None) when there is none."""
    doc = await read_json(request)
    if doc is None:
        return "", "", None
    if not isinstance(doc, dict):
        raise InvalidRequest("expected an action message (JSON object)")
    doc = lower_keys(doc)
    action = doc.get("action") or ""
    if not isinstance(action, str):
        raise InvalidRequest('"action" must be a string')
    return action, str(doc.get("name") or ""), doc.get("value")
