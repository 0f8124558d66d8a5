"""The one place where errors become HTTP responses.

`TABLE` maps domain error classes to (HTTP status, S3 code); lookups walk the class's MRO so a
subclass inherits its family's entry. The middleware renders native-API errors as AIS JSON
(HEAD: in the `Hdr-Error` header) and S3 errors as S3 XML; anything unexpected is a logged 500.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from xml.sax.saxutils import escape

from aiohttp import web

from .. import errors as e
from ..wire import headers as H

log = logging.getLogger("aisnode.api")

TABLE: dict[type[BaseException], tuple[int, str]] = {
    e.BucketNotFound: (404, "NoSuchBucket"),
    e.ObjectNotFound: (404, "NoSuchKey"),
    e.UploadNotFound: (404, "NoSuchUpload"),
    e.JobNotFound: (404, "NotFound"),
    e.NotFound: (404, "NotFound"),
    e.BucketAlreadyExists: (409, "BucketAlreadyOwnedByYou"),
    e.AlreadyExists: (409, "AlreadyExists"),
    e.BucketNotEmpty: (409, "BucketNotEmpty"),
    e.NameConflict: (409, "InvalidArgument"),
    e.Conflict: (409, "OperationAborted"),
    e.InvalidAccessKeyId: (403, "InvalidAccessKeyId"),
    e.SignatureDoesNotMatch: (403, "SignatureDoesNotMatch"),
    e.RequestTimeTooSkewed: (403, "RequestTimeTooSkewed"),
    e.AuthorizationHeaderMalformed: (400, "AuthorizationHeaderMalformed"),
    e.AuthorizationQueryParametersError: (400, "AuthorizationQueryParametersError"),
    e.InvalidArgument: (400, "InvalidArgument"),
    e.MalformedXML: (400, "MalformedXML"),
    e.InvalidDigest: (400, "InvalidDigest"),
    e.InvalidChecksumValue: (400, "InvalidRequest"),
    e.InvalidChunkedBody: (400, "InvalidRequest"),
    e.ContentSha256Mismatch: (400, "XAmzContentSHA256Mismatch"),
    e.InvalidBucketName: (400, "InvalidBucketName"),
    e.InvalidObjectName: (400, "InvalidArgument"),
    e.InvalidProps: (400, "InvalidArgument"),
    e.EntityTooLarge: (400, "EntityTooLarge"),
    e.EntityTooSmall: (400, "EntityTooSmall"),
    e.InvalidPart: (400, "InvalidPart"),
    e.InvalidPartOrder: (400, "InvalidPartOrder"),
    e.IncompleteBody: (400, "IncompleteBody"),
    e.InvalidRequest: (400, "InvalidArgument"),
    e.RangeNotSatisfiable: (416, "InvalidRange"),
    e.PreconditionFailed: (412, "PreconditionFailed"),
    e.NotModified: (304, "NotModified"),
    e.ChecksumMismatch: (400, "BadDigest"),
    e.InsufficientStorage: (507, "InsufficientStorage"),
    e.AccessDenied: (403, "AccessDenied"),
    e.NotSupported: (501, "NotImplemented"),
    e.Unavailable: (503, "ServiceUnavailable"),
    e.BackendError: (502, "BadGateway"),
    e.AisError: (400, "InvalidRequest"),
}


def lookup(exc: BaseException) -> tuple[int, str]:
    """(HTTP status, S3 code) for a domain error."""
    for cls in type(exc).__mro__:
        if cls in TABLE:
            status, code = TABLE[cls]
            if isinstance(exc, e.BackendError) and exc.status:
                status = exc.status
            return status, getattr(exc, "s3_code", "") or code
    return 500, "InternalError"


def register(cls: type[BaseException], status: int, code: str) -> None:
    """Add an entry (used by front ends that define their own error classes)."""
    TABLE[cls] = (status, code)


Renderer = Callable[[web.Request, BaseException, int, str, str], web.StreamResponse]


def render_native(req: web.Request, exc: BaseException, status: int, code: str,
                  message: str) -> web.StreamResponse:
    body = {
        "message": message, "method": req.method, "url_path": req.path,
        "remote_addr": req.remote or "", "caller": "", "node": req.app.get(NODE_NAME, ""),
        "status": status, "type": type(exc).__name__,
    }
    text = json.dumps(body)
    if status == 304:
        return web.Response(status=304)
    if req.method == "HEAD":
        return web.Response(status=status, headers={H.ERROR: text})
    return web.Response(status=status, text=text, content_type="application/json")


def render_s3(req: web.Request, exc: BaseException, status: int, code: str,
              message: str) -> web.StreamResponse:
    rid = secrets.token_hex(8).upper()
    if status == 304:
        return web.Response(status=304)
    hdrs = {"x-amz-request-id": rid}
    if req.method == "HEAD":
        return web.Response(status=status, headers=hdrs)
    resource = req.path[3:] if req.path == "/s3" or req.path.startswith("/s3/") else req.path
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource or '/')}</Resource><RequestId>{rid}</RequestId></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml", headers=hdrs)


NODE_NAME: web.AppKey[str] = web.AppKey("node_name", str)


def pick_renderer(req: web.Request) -> Renderer:
    p = req.path
    if p == "/s3" or p.startswith("/s3/") or req.get("s3"):
        return render_s3
    return render_native


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except e.AisError as exc:
        status, code = lookup(exc)
        if status >= 500:
            log.warning("%s %s -> %d %s", request.method, request.path, status, exc.message)
        resp = pick_renderer(request)(request, exc, status, code, exc.message)
        if isinstance(exc, e.RangeNotSatisfiable):
            resp.headers["Content-Range"] = f"bytes */{exc.size}"
        return resp
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "NoSuchKey", 405: "MethodNotAllowed", 413: "EntityTooLarge"}.get(
            exc.status, "InvalidRequest")
        return pick_renderer(request)(request, exc, exc.status, code, exc.reason)
    except (ConnectionResetError, ConnectionError) as exc:
        log.info("%s %s: connection lost: %s", request.method, request.path, exc)
        raise
    except Exception as exc:
        log.exception("%s %s: internal error", request.method, request.path)
        return pick_renderer(request)(request, exc, 500, "InternalError",
                                      f"internal error: {type(exc).__name__}: {exc}")
