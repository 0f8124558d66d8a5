"""Request -> named S3 operation -> handler, in one table (like garage's `Endpoint`).

Subresources decide the operation; a subresource aisnode does not implement answers
NotImplemented (or the "no such configuration" error S3 gives for an empty one), a known one on
the wrong resource or method MethodNotAllowed, so an unknown `?thing` never acts as a plain GET
or PUT. Query parameters that are arguments (`_ARGS`, presigned-URL and `x-amz-*` parameters)
never select an operation.

Where S3 is served: path style under `/s3` (`make_handler("/s3")`), optionally path style at `/`
(`cluster.s3_at_root`, a catch-all after the native routes), and virtual-hosted style for
`Host: <bucket>.<s3_domain>` (`host_middleware`, ahead of all routes, since there the whole path
is the key, `/v1/...` included); `Host: <s3_domain>` is path style at `/`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from ...errors import AisError, NotSupported
from ..keys import SERVICES
from . import auth, buckets, listing, multipart, objects, presigned
from . import xml as X
from .request import S3Request, parse
from .responses import xml

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
         "X-Amz-Content-Sha256", "x-amz-checksum-mode", "optional-object-attributes",
         "max-buckets", "bucket-region"}
# subresources aisnode implements (on some resource, with some method)
_KNOWN = {"location", "versioning", "versions", "uploads", "delete"}


class NoSuchConfiguration(AisError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.s3_code = code


class MethodNotAllowed(AisError):
    def __init__(self, method: str) -> None:
        super().__init__(f"The specified method {method} is not allowed against this resource.")
        self.s3_code = "MethodNotAllowed"


def _is_arg(name: str) -> bool:
    lower = name.lower()
    return name in _ARGS or lower.startswith("x-amz-") or lower in ("content-type",
                                                                    "content-md5")


def subresources(q: dict[str, str]) -> list[str]:
    """The query parameters that name a subresource (everything that is not an argument)."""
    return [k for k in q if not _is_arg(k)]


def resolve(r: S3Request) -> Handler:
    """The operation for this request.

    Raises NotSupported (501) for unknown or unimplemented subresources and MethodNotAllowed
    (405) for a method or subresource that does not apply to the resource.
    """
    m, q = r.http.method, r.query
    subs = subresources(q)
    unknown = sorted(k for k in subs if k not in _KNOWN and k not in _UNSUPPORTED)
    if unknown:
        raise NotSupported(f"unsupported S3 query parameter(s): {', '.join(unknown)}")
    if len(subs) > 1:
        raise NotSupported(f"the combination of subresources {', '.join(sorted(subs))} is not"
                           " supported")
    sub = subs[0] if subs else None
    if not r.bucket_name:
        handler = _service_op(m, sub)
    elif not r.key:
        handler = _bucket_op(m, q, sub)
    else:
        handler = _object_op(r, m, q, sub)
    if handler is not None:
        return handler
    if sub in _UNSUPPORTED:
        raise NotSupported(f"{m} ?{sub} is not implemented")
    raise MethodNotAllowed(m)


def _service_op(m: str, sub: str | None) -> Handler | None:
    if sub is None and m in ("GET", "HEAD"):
        return buckets.list_buckets
    return None


def _bucket_op(m: str, q: dict[str, str], sub: str | None) -> Handler | None:
    if m == "GET":
        if sub is None:
            return listing.list_objects_v2 if q.get("list-type") == "2" else listing.list_objects
        return {
            "location": buckets.get_bucket_location,
            "versioning": buckets.get_bucket_versioning,
            "versions": listing.list_object_versions,
            "uploads": multipart.list_multipart_uploads,
            "acl": buckets.get_bucket_acl,
        }.get(sub) or (_empty_config(sub) if sub in _EMPTY_CONFIG else None)
    if m == "HEAD":
        return buckets.head_bucket if sub is None else None
    if m == "PUT":
        if sub is None:
            return buckets.create_bucket
        return buckets.put_bucket_versioning if sub == "versioning" else None
    if m == "DELETE":
        return buckets.delete_bucket if sub is None else None
    if m == "POST":
        if sub is None:
            raise NotSupported("browser-based POST uploads (POST on a bucket) are not"
                               " implemented")
        return objects.delete_objects if sub == "delete" else None
    return None


def _object_op(r: S3Request, m: str, q: dict[str, str], sub: str | None) -> Handler | None:
    copy = "x-amz-copy-source" in r.http.headers
    if m == "GET":
        if sub is None:
            return multipart.list_parts if "uploadId" in q else objects.get_object
        return {"acl": objects.get_object_acl, "tagging": get_object_tagging}.get(sub)
    if m == "HEAD":
        return objects.head_object if sub is None else None
    if m == "PUT":
        if sub is not None:
            return None
        if "uploadId" in q or "partNumber" in q:
            return multipart.upload_part_copy if copy else multipart.upload_part
        return objects.copy_object if copy else objects.put_object
    if m == "DELETE":
        if sub is not None:
            return None
        return multipart.abort_multipart_upload if "uploadId" in q else objects.delete_object
    if m == "POST":
        if sub == "uploads":
            return multipart.create_multipart_upload
        if sub is None and "uploadId" in q:
            return multipart.complete_multipart_upload
    return None


def _empty_config(name: str) -> Handler:
    code, msg = _EMPTY_CONFIG[name]

    async def handler(r: S3Request) -> web.StreamResponse:
        buckets.props_of(r)
        raise NoSuchConfiguration(code, msg)

    return handler


async def get_object_tagging(r: S3Request) -> web.StreamResponse:
    """Objects carry no tags: an empty TagSet (what S3 answers for an untagged object)."""
    r.http.app[SERVICES].objects.stat(r.bucket, r.key)
    return xml(X.render_empty_tagging())


# --- mounting -------------------------------------------------------------------------------
Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]
_NATIVE_OR_S3 = re.compile(r"/(?:v1|s3)(?:/|$)")
ROOT_PATTERN = r"/{tail:(?!v1(?:/|$))[\s\S]*}"
"""The catch-all route for S3 at `/`: every path but the native `/v1[/...]`."""


def normalize_domain(domain: str) -> str:
    """`S3.Example.com.:8080` -> `s3.example.com` (a host name to compare Host headers with)."""
    return domain.strip().lower().split(":", 1)[0].strip(".")


def request_host(request: web.Request) -> str:
    """The Host header's name, lower-case, without port or trailing dot."""
    host = (request.headers.get("Host") or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def vhost_bucket(host: str, domain: str) -> str:
    """The bucket a virtual-hosted-style Host names ("" when it names none)."""
    if domain and host.endswith("." + domain):
        return host[: -len(domain) - 1]
    return ""


async def serve(request: web.Request, prefix: str, vhost_domain: str = "") -> web.StreamResponse:
    """Answer one S3 request; `prefix` the mount point, `vhost_domain` for a virtual-hosted one."""
    request["s3"] = True  # from here on errors render as S3 XML
    r = parse(request, prefix, vhost_domain)
    cfg = request.app[SERVICES].cfg.cluster
    if (presigned.FEATURE in cfg.features and r.bucket_name and r.key
            and presigned.applies(r)):
        return await presigned.handle(r)  # S3 checks the client's own signature
    await auth.authenticate(r, prefix, r.bucket_name if vhost_domain else "")
    return await resolve(r)(r)


def make_handler(prefix: str, vhost_domain: str = "") -> Endpoint:
    """The handler for path-style S3 mounted at `prefix` (`/s3`, or "" at the root).

    `vhost_domain` given, a request whose Host names a bucket under it is virtual-hosted style.
    """
    domain = normalize_domain(vhost_domain)

    async def handle(request: web.Request) -> web.StreamResponse:
        if domain and vhost_bucket(request_host(request), domain):
            return await serve(request, "", domain)
        return await serve(request, prefix)

    return handle


def host_middleware(domain: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Send `Host: <bucket>.<domain>` (any path) and `Host: <domain>` (paths outside `/v1` and
    `/s3`) to S3 before the native routes see them."""
    domain = normalize_domain(domain)

    @web.middleware
    async def middleware(request: web.Request, handler: Endpoint) -> web.StreamResponse:
        host = request_host(request)
        if vhost_bucket(host, domain):
            return await serve(request, "", domain)
        if host == domain and not _NATIVE_OR_S3.match(request.raw_path.partition("?")[0]):
            return await serve(request, "")
        return await handler(request)

    return middleware


from ..errors import register as _register  # noqa: E402

_register(NoSuchConfiguration, 404, "NoSuchConfiguration")
_register(MethodNotAllowed, 405, "MethodNotAllowed")
