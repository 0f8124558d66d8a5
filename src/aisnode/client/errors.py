"""Turning a failed HTTP reply into an `aisnode.errors` exception on the client side.

The server renders every error as JSON `{"message", "status", "type", ...}` (in the body, or in
the `Hdr-Error` header for HEAD). The client raises a `ClientError` that is also an instance of
the domain class named by `type` (so `except BucketNotFound` works against aisnode). Servers that
send no `type` (upstream AIS) are classified by status and by the `ais://bucket[/object]` name in
the message, the way the official SDK does it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import errors
from ..errors import AisError

_NAME_RE = re.compile(r"(ais|aws|azure|gcp|oci|gs|s3|az|oc)://[A-Za-z0-9@#._-]+(/)?")

_BY_STATUS: dict[int, type[AisError]] = {
    400: errors.InvalidRequest,
    401: errors.AccessDenied,
    403: errors.AccessDenied,
    404: errors.NotFound,
    409: errors.Conflict,
    412: errors.PreconditionFailed,
    416: errors.RangeNotSatisfiable,
    501: errors.NotSupported,
    503: errors.Unavailable,
    507: errors.InsufficientStorage,
}


class ClientError(AisError):
    """An error reply from the server: HTTP status plus the server's message."""

    def __init__(self, status: int, message: str, type_name: str = "") -> None:
        AisError.__init__(self, message)
        self.status = status
        self.remote_type = type_name

    def __str__(self) -> str:
        return self.message


_mixed: dict[type[AisError], type[ClientError]] = {}


def _client_class(domain: type[AisError]) -> type[ClientError]:
    """A ClientError subclass that also derives from `domain` (built once per class)."""
    if domain is AisError:
        return ClientError
    cls = _mixed.get(domain)
    if cls is None:
        cls = type(domain.__name__, (ClientError, domain), {"__module__": __name__})
        _mixed[domain] = cls
    return cls


def _classify(status: int, message: str, type_name: str) -> type[AisError]:
    named = getattr(errors, type_name, None) if type_name else None
    if isinstance(named, type) and issubclass(named, AisError):
        return named
    m = _NAME_RE.search(message)
    if status == 404 and m:
        return errors.ObjectNotFound if m.group(2) else errors.BucketNotFound
    if status == 409 and m and not m.group(2) and "already exists" in message:
        return errors.BucketAlreadyExists
    return _BY_STATUS.get(status, AisError)


def parse_error_payload(text: str) -> tuple[str, str]:
    """(message, type) from a JSON error payload, or the text itself when it is not JSON."""
    text = text.strip()
    if text.startswith("{"):
        try:
            doc: Any = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            msg = doc.get("message") or doc.get("Message") or ""
            return str(msg or text), str(doc.get("type") or "")
    return text, ""


def make_error(status: int, body: str, reason: str = "") -> ClientError:
    """Build the exception for a non-2xx reply from its status and JSON body (or header)."""
    message, type_name = parse_error_payload(body)
    if not message:
        message = f"{status} {reason}".strip()
    cls = _client_class(_classify(status, message, type_name))
    return cls(status, message, type_name)
