"""S3 requests presigned for AWS, replayed against S3 and cached here (cluster feature
`S3-Presigned-Request`) [AIS ais/s3/presigned.go, ais/backend/aws.go].

The client keeps its AWS-signed URL (or headers) and only swaps the host for aisnode's `/s3`.
The bucket becomes `s3://<bucket>` in the bucket map without a lookup (aisnode may have no AWS
credentials of its own; the client's signature is the authority). A whole-object GET is
streamed to the client and cached; a PUT is stored in a work file, replayed to S3, and published
locally only if S3 accepted it; HEAD, DELETE and ranged GETs are relayed (a successful DELETE
also drops the cached copy). S3's own answers, errors included, reach the client unchanged.
"""

from __future__ import annotations

from aiohttp import web

from ...backends import aws_presigned as P
from ...core.storage.local_object import ObjectMeta
from ...errors import BackendError, NotFound, NotSupported
from ...services.target.objects import PutOptions
from ...services.target.remote import StreamedObject, remote_custom
from ...wire.bucket import Bucket
from ..keys import SERVICES
from ..request_body import stream
from .objects import _stream
from .request import S3Request

FEATURE = "S3-Presigned-Request"
_RELAY = ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Content-Range",
          "x-amz-version-id", "x-amz-request-id", "Accept-Ranges", "Cache-Control",
          "Content-Encoding", "Content-Disposition")


def applies(r: S3Request) -> bool:
    return P.is_presigned(r.query, r.headers)


def _target(r: S3Request) -> tuple[str, str | None]:
    raw_query = r.http.raw_path.partition("?")[2]
    region = P.region_of(r.query, r.headers)
    style = r.headers.get(P.STYLE_HEADER, "").strip().lower()
    return P.target(r.bucket_name, r.key, raw_query, region, style)


async def _relay(rep: P.Replayed) -> web.Response:
    try:
        body = await rep.read()
    finally:
        await rep.close()
    hdrs = {k: v for k, v in rep.headers.items() if k in _RELAY and k != "Content-Length"}
    return web.Response(status=rep.status, body=body, headers=hdrs)


async def handle(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    bck = Bucket(r.bucket_name, "aws").validate()
    props = await svc.buckets.ensure(bck, lookup=False)
    url, host = _target(r)
    method = r.http.method
    timeout = svc.cfg.cluster.backend_timeout_s
    if method == "GET" and "Range" not in r.headers:
        rep = await P.replay("GET", url, host, r.headers, timeout_s=timeout)
        if rep.status != 200:
            return await _relay(rep)
        got: StreamedObject = await svc.remote.cache_stream(bck, r.key, rep)
        return await _stream(r, got, props["versioning"]["enabled"])
    if method == "PUT":
        return await _put(r, bck, url, host, timeout)
    if method in ("GET", "HEAD", "DELETE"):
        rep = await P.replay(method, url, host, r.headers, timeout_s=timeout)
        if method == "DELETE" and rep.status in (200, 204):
            try:
                await svc.objects.delete(bck, r.key)
            except NotFound:
                pass
        return await _relay(rep)
    raise NotSupported(f"presigned {method} requests are not supported")


async def _put(r: S3Request, bck: Bucket, url: str, host: str | None,
               timeout: float) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    answer: dict[str, web.Response] = {}

    async def forward(work_path: str, meta: ObjectMeta) -> dict[str, str]:
        hdrs = dict(r.headers)
        hdrs["Content-Length"] = str(meta.size)
        with open(work_path, "rb") as f:
            rep = await P.replay("PUT", url, host, hdrs, body=f, timeout_s=timeout)
            if rep.status not in (200, 201):
                resp = await _relay(rep)
                text = resp.body.decode(errors="replace") if isinstance(resp.body, bytes) else ""
                raise BackendError("aws", f"S3 refused the presigned PUT ({rep.status}): "
                                   f"{text[:500]}",
                                   status=rep.status if rep.status >= 500 else 502)
            answer["resp"] = await _relay(rep)
        return remote_custom("aws", P.attrs_of(rep.headers)) | {"ETag": rep.attrs.etag}

    size = r.http.content_length
    await svc.objects.put(bck, r.key, stream(r.http), PutOptions(
        size=size, before_commit=forward,
        custom={"Content-Type": r.headers.get("Content-Type", "binary/octet-stream")}))
    return answer.get("resp") or web.Response(status=200)

