"""Incoming S3 object bodies: undo aws-chunked framing, verify what the client declared
(x-amz-checksum-*, trailers, x-amz-content-sha256, Content-MD5), and say what to store.

Verification happens as the last bytes arrive, before the object service commits, so a body
that fails a check is never published.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ...errors import ContentSha256Mismatch, InvalidRequest
from ..request_body import stream
from .checksums import FlexibleChecksum, decode_content_md5, requested_checksum
from .chunked import AwsChunkedDecoder
from .request import S3Request
from .sigv4 import PayloadMode, payload_mode


@dataclass
class IncomingBody:
    chunks: AsyncIterator[bytes]
    size: int | None
    content_md5: tuple[str, str] | None
    """("md5", hex) to validate, from Content-MD5."""
    checksums: dict[str, str] = field(default_factory=dict)
    """`x-amz-checksum-<alg>` -> base64 value, complete once `chunks` is exhausted."""

    def stored(self) -> dict[str, str]:
        return dict(self.checksums)


def _is_chunked(r: S3Request) -> bool:
    enc = r.headers.get("Content-Encoding", "").lower()
    sha = r.headers.get("x-amz-content-sha256", "")
    return "aws-chunked" in enc or sha.startswith("STREAMING-")


def open_body(r: S3Request) -> IncomingBody:
    md5 = r.headers.get("Content-MD5")
    content_md5 = ("md5", decode_content_md5(md5).hex()) if md5 is not None else None
    if _is_chunked(r):
        return _chunked(r, content_md5)
    return _plain(r, content_md5)


def _chunked(r: S3Request, content_md5: tuple[str, str] | None) -> IncomingBody:
    decoder = AwsChunkedDecoder.for_request(r.http.get("s3_auth"), r.headers)
    declared = r.headers.get("x-amz-decoded-content-length")
    body = IncomingBody(_empty(), int(declared) if declared and declared.isdigit() else None,
                        content_md5)
    header_ck = requested_checksum(r.headers.items())

    async def gen() -> AsyncIterator[bytes]:
        hc = FlexibleChecksum(header_ck[0]) if header_ck else None
        async for chunk in stream(r.http):
            for piece in decoder.feed(chunk):
                if hc is not None:
                    hc.update(piece)
                yield piece
        decoder.finish()
        for name, ck in decoder.checksums.items():
            body.checksums[name] = ck.b64digest()
        if hc is not None and header_ck is not None:
            hc.verify(header_ck[1])
            body.checksums[hc.header] = header_ck[1]

    body.chunks = gen()
    return body


def _plain(r: S3Request, content_md5: tuple[str, str] | None) -> IncomingBody:
    header_ck = requested_checksum(r.headers.items())
    sha_hdr = r.headers.get("x-amz-content-sha256", "")
    mode, expected_sha = payload_mode(sha_hdr) if sha_hdr else (PayloadMode.UNSIGNED, None)
    if mode.aws_chunked:
        raise InvalidRequest("STREAMING-* x-amz-content-sha256 without aws-chunked body")
    body = IncomingBody(_empty(), r.http.content_length, content_md5)

    async def gen() -> AsyncIterator[bytes]:
        fc = FlexibleChecksum(header_ck[0]) if header_ck else None
        sha = hashlib.sha256() if expected_sha else None
        async for chunk in stream(r.http):
            if fc is not None:
                fc.update(chunk)
            if sha is not None:
                sha.update(chunk)
            yield chunk
        if sha is not None and expected_sha and sha.hexdigest() != expected_sha.lower():
            raise ContentSha256Mismatch(expected_sha, sha.hexdigest())
        if fc is not None and header_ck is not None:
            fc.verify(header_ck[1])
            body.checksums[fc.header] = header_ck[1]

    body.chunks = gen()
    return body


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover


def md5_b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()
