"""The load generator: asyncio + aiohttp on uvloop, one keep-alive connection pool per workload.

It owns how requests reach a server: URL shapes of the three APIs (native AIS `/v1`, S3 path
style, plain HTTP files), SigV4 signing (botocore's signer, `UNSIGNED-PAYLOAD` so a 1 GiB body
costs nothing to sign), streaming bodies made of one shared random block (no object is ever held
whole), and timing (wall clock, per-request latency, this process's CPU). What to send, and what
the numbers mean, is left to `workloads.py`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

BLOCK = os.urandom(8 << 20)
"""Bodies are this block repeated (and cut) to the wanted size."""


class HttpError(Exception):
    """A request got a status >= 300 or a body of the wrong size."""

    def __init__(self, method: str, url: str, status: int, detail: str) -> None:
        self.status = status
        super().__init__(f"{method} {url} -> {status}: {detail[:300]}")


class Signer:
    """AWS SigV4 (S3 flavour) through botocore, payload marked `UNSIGNED-PAYLOAD`."""

    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1") -> None:
        from botocore.auth import S3SigV4Auth
        from botocore.credentials import Credentials

        class _UnsignedPayload(S3SigV4Auth):
            def _should_sha256_sign_payload(self, request: Any) -> bool:
                return False

        self._auth = _UnsignedPayload(Credentials(access_key, secret_key), "s3", region)

    def headers(self, method: str, url: str) -> dict[str, str]:
        """Authorization, X-Amz-Date and X-Amz-Content-SHA256 for this request."""
        from botocore.awsrequest import AWSRequest

        req = AWSRequest(method=method, url=url, data=b"")
        self._auth.add_auth(req)
        return {k: v for k, v in req.headers.items()}


@dataclass
class Api:
    """One way of addressing objects on one server, e.g. "aisnode /v1" or "moto (S3)"."""

    kind: str
    """"ais" (native), "s3" (path style) or "http" (files, WebDAV PUT)."""
    base: str
    """Scheme, host, port and, for S3 behind a prefix, the prefix (`.../s3`)."""
    signer: Signer | None = None

    def bucket_url(self, bucket: str, query: str = "") -> str:
        if self.kind == "ais":
            return f"{self.base}/v1/buckets/{bucket}?provider=ais" + (f"&{query}" if query else "")
        return f"{self.base}/{bucket}" + (f"?{query}" if query else "")

    def object_url(self, bucket: str, key: str, query: str = "") -> str:
        if self.kind == "ais":
            return (f"{self.base}/v1/objects/{bucket}/{key}?provider=ais"
                    + (f"&{query}" if query else ""))
        return f"{self.base}/{bucket}/{key}" + (f"?{query}" if query else "")

    def headers(self, method: str, url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = dict(extra or {})
        if self.signer is not None:
            h.update(self.signer.headers(method, url))
        return h


@dataclass
class Request:
    method: str
    url: str
    body: bytes | int | None = None
    """Bytes as is, or an int: that many bytes streamed from `BLOCK`."""
    headers: dict[str, str] = field(default_factory=dict)
    expect_size: int | None = None
    """For GET: the body must be this long."""


@dataclass
class Response:
    status: int
    headers: CIMultiDict[str]
    body: bytes


@dataclass
class Timing:
    """What one batch of requests took."""

    count: int
    nbytes: int
    seconds: float
    latencies: list[float]
    client_cpu: float
    """This process's CPU time over the wall time (1.0 = one core busy)."""

    def percentile_ms(self, q: float) -> float:
        lat = sorted(self.latencies)
        if not lat:
            return 0.0
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000


async def _stream(size: int) -> AsyncIterator[memoryview]:
    block = memoryview(BLOCK)
    left = size
    while left > 0:
        n = min(left, len(block))
        yield block[:n]
        left -= n


class Load:
    """A connection pool to one server and the ways to push requests through it."""

    def __init__(self, api: Api, connections: int) -> None:
        self.api = api
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Load:
        conn = aiohttp.TCPConnector(limit=self.connections, limit_per_host=self.connections,
                                    ttl_dns_cache=None, use_dns_cache=True)
        # No cookie jar and no per-read timer: together they cost aiohttp about a third of
        # its small-request rate (9k -> 14k GET/s against nginx on the 2-core machine).
        self._session = aiohttp.ClientSession(
            connector=conn, auto_decompress=False, read_bufsize=1 << 20,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            skip_auto_headers=("User-Agent", "Accept-Encoding"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, req: Request, keep: bool = True, ok: Sequence[int] = ()) -> Response:
        """Send one request, signing it when the API signs. Body kept, or read and dropped."""
        assert self._session is not None
        headers = self.api.headers(req.method, req.url, req.headers)
        data: Any = req.body
        if isinstance(req.body, int):
            headers["Content-Length"] = str(req.body)
            headers.setdefault("Content-Type", "application/octet-stream")
            data = _stream(req.body)
        elif isinstance(req.body, bytes):
            headers.setdefault("Content-Type", "application/octet-stream")
        async with self._session.request(req.method, URL(req.url, encoded=True), data=data,
                                         headers=headers) as resp:
            if keep or resp.status >= 300:
                body = await resp.read()
                n = len(body)
            else:
                body = b""
                n = 0
                async for chunk in resp.content.iter_any():
                    n += len(chunk)
            if resp.status >= 300 and resp.status not in ok:
                raise HttpError(req.method, req.url, resp.status,
                                body.decode("utf-8", "replace"))
            if req.expect_size is not None and n != req.expect_size:
                raise HttpError(req.method, req.url, resp.status,
                                f"got {n} bytes, expected {req.expect_size}")
            return Response(resp.status, CIMultiDict(resp.headers), body)

    async def batch(self, reqs: Sequence[Request], concurrency: int) -> Timing:
        """All requests, `concurrency` at a time; timed as a whole and one by one."""
        latencies: list[float] = []
        nbytes = 0
        it = iter(reqs)

        async def worker() -> None:
            nonlocal nbytes
            for req in it:
                t0 = time.perf_counter()
                await self.call(req, keep=False)
                latencies.append(time.perf_counter() - t0)
                if isinstance(req.body, int):
                    nbytes += req.body
                elif isinstance(req.body, bytes):
                    nbytes += len(req.body)
                elif req.expect_size is not None:
                    nbytes += req.expect_size

        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(reqs)))))
        wall = time.perf_counter() - t0
        return Timing(len(reqs), nbytes, wall, latencies, (time.process_time() - cpu0) / wall)
