"""Replaying an S3 request that the client presigned for AWS [AIS ais/s3/presigned.go].

With the cluster feature `S3-Presigned-Request`, a request that reaches `/s3/<bucket>/<key>`
carrying an AWS SigV4 signature (query `X-Amz-Signature`, or an `AWS4-HMAC-SHA256`
Authorization header) is sent on to S3 as it came: same method, query string and signed
headers, so S3 itself checks the client's signature. The URL is rebuilt virtual-hosted style,
`https://<bucket>.s3.<region>.amazonaws.com/<key>`, or path style,
`https://s3.<region>.amazonaws.com/<bucket>/<key>`, when the client sends
`Ais-S3-Signed-Request-Style: path`. The region comes from the signature's credential scope.
With `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` set (a local S3 server), requests go there
instead, virtual-hosted requests carrying `Host: <bucket>.<endpoint host>`.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Mapping
from email.utils import parsedate_to_datetime
from typing import BinaryIO
from urllib.parse import quote, urlsplit

import aiohttp

from ..errors import BackendError, InvalidRequest
from .base import RemoteAttrs

STYLE_HEADER = "Ais-S3-Signed-Request-Style"
_CRED = re.compile(r"^[^/]+/\d{8}/([^/]+)/s3/aws4_request$")
# headers of the client's request that are never forwarded (hop-by-hop or ours)
_DROP = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
         "proxy-connection", STYLE_HEADER.lower(), "content-length", "expect"}


def is_presigned(query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
    return "X-Amz-Signature" in query or headers.get("Authorization", "").startswith(
        "AWS4-HMAC-SHA256")


def region_of(query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    cred = query.get("X-Amz-Credential", "")
    if not cred:
        m = re.search(r"Credential=([^,\s]+)", headers.get("Authorization", ""))
        cred = m.group(1) if m else ""
    m = _CRED.match(cred)
    if not m:
        raise InvalidRequest("presigned request: cannot read the region from the credential")
    return m.group(1)


def target(bucket: str, key: str, raw_query: str, region: str, style: str
           ) -> tuple[str, str | None]:
    """(URL, Host header override) for the replayed request."""
    if style not in ("", "virtual-hosted", "path"):
        raise InvalidRequest(f'{STYLE_HEADER} must be "virtual-hosted" or "path"')
    qs = f"?{raw_query}" if raw_query else ""
    path_key = quote(key, safe="/~")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        ep = urlsplit(endpoint)
        base = f"{ep.scheme}://{ep.netloc}"
        if style == "path":
            return f"{base}/{bucket}/{path_key}{qs}", None
        return f"{base}/{path_key}{qs}", f"{bucket}.{ep.netloc}"
    if style == "path":
        return f"https://s3.{region}.amazonaws.com/{bucket}/{path_key}{qs}", None
    return f"https://{bucket}.s3.{region}.amazonaws.com/{path_key}{qs}", None


def attrs_of(headers: Mapping[str, str]) -> RemoteAttrs:
    lm = headers.get("Last-Modified", "")
    try:
        lm_ns = int(parsedate_to_datetime(lm).timestamp() * 1e9) if lm else 0
    except (TypeError, ValueError):
        lm_ns = 0
    et = headers.get("ETag", "").strip('"')
    size = int(headers.get("Content-Length", "0") or 0)
    cr = headers.get("Content-Range", "")
    if "/" in cr and cr.rsplit("/", 1)[1].isdigit():
        size = int(cr.rsplit("/", 1)[1])
    vid = headers.get("x-amz-version-id", "")
    return RemoteAttrs(size=size, etag=et, version="" if vid == "null" else vid,
                       last_modified_ns=lm_ns,
                       md5=et if len(et) == 32 and "-" not in et else "",
                       content_type=headers.get("Content-Type", ""))


class Replayed:
    """The backend's answer: status, headers, and the body as a stream (RemoteReader)."""

    def __init__(self, session: aiohttp.ClientSession, resp: aiohttp.ClientResponse) -> None:
        self._session = session
        self.resp = resp
        self.status = resp.status
        self.headers = resp.headers
        self.attrs = attrs_of(resp.headers)

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for c in self.resp.content.iter_chunked(1 << 20):
                yield c
        except aiohttp.ClientError as e:
            raise BackendError("aws", f"presigned download failed: {e}", 502) from e

    async def read(self) -> bytes:
        return await self.resp.read()

    async def close(self) -> None:
        self.resp.release()
        await self._session.close()


async def replay(method: str, url: str, host: str | None, headers: Mapping[str, str],
                 body: bytes | BinaryIO | AsyncIterator[bytes] | None = None,
                 timeout_s: float = 60.0) -> Replayed:
    fwd = {k: v for k, v in headers.items() if k.lower() not in _DROP}
    if host:
        fwd["Host"] = host
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
        total=None, sock_connect=min(10.0, timeout_s), sock_read=timeout_s),
        auto_decompress=False)
    try:
        resp = await session.request(method, url, headers=fwd, data=body, allow_redirects=False)
    except (aiohttp.ClientError, OSError, TimeoutError) as e:
        await session.close()
        raise BackendError("aws", f"presigned request to S3 failed: {e}", 503,
                           "Unavailable") from e
    return Replayed(session, resp)
