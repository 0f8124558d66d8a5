"""Request -> named S3 operation -> handler, in one table (like garage's `Endpoint`).

Subresources decide the operation; a subresource aisnode does not implement answers
NotImplemented (or the "no such configuration" error S3 gives for an empty one), so an unknown
`?thing` never acts as a plain GET or PUT.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from ...errors import AisError, NotSupported
from . import auth, buckets, listing, multipart, objects
from .request import S3Request, parse

Handler = Callable[[S3Request], Awaitable[web.StreamResponse]]

# bucket-level subresources whose GET answers "not configured" (S3's own 404 codes)
_EMPTY_CONFIG = {
    "policy": ("NoSuchBucketPolicy", "The bucket policy does not exist"),
    "cors": ("NoSuchCORSConfiguration", "The CORS configuration does not exist"),
    "lifecycle": ("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
    "website": ("NoSuchWebsiteConfiguration", "The specified bucket does not have a website "
                "configuration"),
    "tagging": ("NoSuchTagSet", "The TagSet does not exist"),
    "encryption": ("ServerSideEncryptionConfigurationNotFoundError",
                   "The server side encryption configuration was not found"),
    "replication": ("ReplicationConfigurationNotFoundError",
                    "The replication configuration was not found"),
}
_UNSUPPORTED = {"acl", "policy", "cors", "lifecycle", "website", "tagging", "encryption",
                "replication", "logging", "notification", "requestPayment", "accelerate",
                "analytics", "inventory", "metrics", "intelligent-tiering", "object-lock",
                "ownershipControls", "publicAccessBlock", "retention", "legal-hold", "torrent",
                "restore", "select", "attributes", "policyStatus"}
# query parameters that are arguments, not subresources
_ARGS = {"prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type",
         "continuation-token", "start-after", "fetch-owner", "x-id", "versionId", "partNumber",
         "uploadId", "key-marker", "version-id-marker", "upload-id-marker", "max-uploads",
         "max-parts", "part-number-marker", "response-content-type",
         "response-content-language", "response-expires", "response-cache-control",
         "response-content-disposition", "response-content-encoding", "AWSAccessKeyId",
         "Signature", "Expires", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
         "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
         "X-Amz-Content-Sha256", "x-amz-checksum-mode", "optional-object-attributes"}


class NoSuchConfiguration(AisError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.s3_code = code


def _sub(q: dict[str, str], *names: str) -> bool:
    return any(n in q for n in names)


def resolve(r: S3Request) -> Handler:
    """The operation for this request (raises NotSupported for unsupported subresources)."""
    m, q = r.http.method, r.query
    unknown = [k for k in q if k not in _ARGS and k not in (
        "location", "versioning", "versions", "uploads", "delete") and k not in _UNSUPPORTED]
    if unknown:
        raise NotSupported(f"unsupported S3 query parameter(s): {', '.join(sorted(unknown))}")
    if not r.bucket_name:
        if m in ("GET", "HEAD"):
            return buckets.list_buckets
        raise _method(m)
    if not r.key:
        return _bucket_op(r, m, q)
    return _object_op(r, m, q)


def _bucket_op(r: S3Request, m: str, q: dict[str, str]) -> Handler:
    sub = [k for k in q if k in _UNSUPPORTED]
    if m == "GET":
        if sub:
            if sub[0] == "acl":
                return buckets.get_bucket_acl
            if sub[0] in _EMPTY_CONFIG:
                return _empty_config(sub[0])
            raise NotSupported(f"GET ?{sub[0]} is not implemented")
        if "location" in q:
            return buckets.get_bucket_location
        if "versioning" in q:
            return buckets.get_bucket_versioning
        if "versions" in q:
            return listing.list_object_versions
        if "uploads" in q:
            return multipart.list_multipart_uploads
        if q.get("list-type") == "2":
            return listing.list_objects_v2
        return listing.list_objects
    if m == "HEAD":
        return buckets.head_bucket
    if m == "PUT":
        if sub:
            raise NotSupported(f"PUT ?{sub[0]} is not implemented")
        if "versioning" in q:
            return buckets.put_bucket_versioning
        return buckets.create_bucket
    if m == "DELETE":
        if sub:
            raise NotSupported(f"DELETE ?{sub[0]} is not implemented")
        return buckets.delete_bucket
    if m == "POST" and "delete" in q:
        return objects.delete_objects
    raise _method(m)


def _object_op(r: S3Request, m: str, q: dict[str, str]) -> Handler:
    sub = [k for k in q if k in _UNSUPPORTED]
    if m == "GET":
        if sub == ["acl"]:
            return objects.get_object_acl
        if sub:
            raise NotSupported(f"GET ?{sub[0]} on an object is not implemented")
        if "uploadId" in q:
            return multipart.list_parts
        return objects.get_object
    if sub:
        raise NotSupported(f"{m} ?{sub[0]} on an object is not implemented")
    if m == "HEAD":
        return objects.head_object
    if m == "PUT":
        if "uploadId" in q or "partNumber" in q:
            if "x-amz-copy-source" in r.http.headers:
                return multipart.upload_part_copy
            return multipart.upload_part
        if "x-amz-copy-source" in r.http.headers:
            return objects.copy_object
        return objects.put_object
    if m == "DELETE":
        if "uploadId" in q:
            return multipart.abort_multipart_upload
        return objects.delete_object
    if m == "POST":
        if "uploads" in q:
            return multipart.create_multipart_upload
        if "uploadId" in q:
            return multipart.complete_multipart_upload
    raise _method(m)


def _empty_config(name: str) -> Handler:
    code, msg = _EMPTY_CONFIG[name]

    async def handler(r: S3Request) -> web.StreamResponse:
        r.bucket and buckets.props_of(r)
        raise NoSuchConfiguration(code, msg)

    return handler


def _method(m: str) -> Exception:
    return MethodNotAllowed(m)


class MethodNotAllowed(AisError):
    def __init__(self, method: str) -> None:
        super().__init__(f"The specified method {method} is not allowed against this resource.")
        self.s3_code = "MethodNotAllowed"


def make_handler(prefix: str, vhost_domain: str = "") -> Callable[[web.Request],
                                                                   Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        request["s3"] = True
        r = parse(request, prefix, vhost_domain)
        await auth.authenticate(r)
        return await resolve(r)(r)

    return handle


from ..errors import register as _register  # noqa: E402

_register(NoSuchConfiguration, 404, "NoSuchConfiguration")
_register(MethodNotAllowed, 405, "MethodNotAllowed")
