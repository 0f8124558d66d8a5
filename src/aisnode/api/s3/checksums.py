"""S3 flexible checksums and Content-MD5: compute, decode and compare.

S3 sends and returns `x-amz-checksum-<algorithm>` as the base64 of the big-endian digest (CRC32 of
"hello" is `NhCmhg==`). What S3 answers, and what the errors raised here are meant to render as:

- a value that is not base64 of the algorithm's digest size: 400 `InvalidRequest`,
  "Value for x-amz-checksum-crc32 header is invalid." (`InvalidChecksumValue`);
- a well-formed value that does not match the body: 400 `BadDigest`, "The CRC32 you specified did
  not match the calculated checksum." (`BadDigest`, a `ChecksumMismatch`);
- more than one `x-amz-checksum-*` header: 400 `InvalidRequest`;
- Content-MD5 that is not base64 of 16 bytes: 400 `InvalidDigest`; a mismatch: 400 `BadDigest`.

Algorithms: crc32 (zlib), crc32c (google_crc32c), crc64nvme (pure Python, table driven: correct
but slow, tens of MB/s; hash large bodies off the event loop), sha1, sha256, sha512, md5, and the
xxhash family (xxhash64, xxhash3, xxhash128; canonical big-endian digests). `x-amz-checksum-type`
and `x-amz-checksum-algorithm` are not checksum values and are never taken for one.
This module leaves storing and echoing checksums to the object services.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

import google_crc32c
import xxhash

from ...errors import BadDigest, InvalidChecksumValue, InvalidDigest, InvalidRequest, NotSupported

HEADER_PREFIX = "x-amz-checksum-"
NOT_ALGORITHMS = frozenset({"type", "algorithm", "mode"})


class Digester(Protocol):
    """The running state behind a checksum: hashlib-like."""

    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class _Crc32:
    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class _Crc32c:
    __slots__ = ("_checksum",)

    def __init__(self) -> None:
        self._checksum = google_crc32c.Checksum()  # type: ignore[no-untyped-call]

    def update(self, data: bytes) -> None:
        self._checksum.update(data)  # type: ignore[no-untyped-call]

    def digest(self) -> bytes:
        return bytes(self._checksum.digest())  # type: ignore[no-untyped-call]


def _crc64nvme_table() -> tuple[int, ...]:
    polynomial = 0x9A6C9329AC4BC9B5  # 0xAD93D23594C93659 bit-reversed
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ polynomial if value & 1 else value >> 1
        table.append(value)
    return tuple(table)


_CRC64NVME_TABLE = _crc64nvme_table()
_MASK64 = 0xFFFFFFFFFFFFFFFF


class _Crc64Nvme:
    """CRC-64/NVME (reflected, init and xor-out all ones), the S3 default object checksum."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = _MASK64

    def update(self, data: bytes) -> None:
        value, table = self._value, _CRC64NVME_TABLE
        for byte in data:
            value = table[(value ^ byte) & 0xFF] ^ (value >> 8)
        self._value = value

    def digest(self) -> bytes:
        return (self._value ^ _MASK64).to_bytes(8, "big")


def _hashlib(name: str) -> Callable[[], Digester]:
    return lambda: hashlib.new(name, usedforsecurity=False)


_FACTORIES: dict[str, Callable[[], Digester]] = {
    "crc32": _Crc32,
    "crc32c": _Crc32c,
    "crc64nvme": _Crc64Nvme,
    "sha1": _hashlib("sha1"),
    "sha256": _hashlib("sha256"),
    "sha512": _hashlib("sha512"),
    "md5": _hashlib("md5"),
    "xxhash64": xxhash.xxh64,
    "xxhash3": xxhash.xxh3_64,
    "xxhash128": xxhash.xxh3_128,
}
DIGEST_SIZES: dict[str, int] = {
    "crc32": 4, "crc32c": 4, "crc64nvme": 8, "sha1": 20, "sha256": 32, "sha512": 64, "md5": 16,
    "xxhash64": 8, "xxhash3": 8, "xxhash128": 16,
}
ALGORITHMS: tuple[str, ...] = tuple(_FACTORIES)


class FlexibleChecksum:
    """A running S3 checksum of one algorithm over a body fed in pieces."""

    __slots__ = ("algorithm", "_digester")

    def __init__(self, algorithm: str) -> None:
        name = algorithm.lower()
        if name not in _FACTORIES:
            raise NotSupported(f"checksum algorithm {algorithm!r} is not supported")
        self.algorithm = name
        self._digester = _FACTORIES[name]()

    @property
    def header(self) -> str:
        """The header (and trailer) name that carries this checksum."""
        return HEADER_PREFIX + self.algorithm

    def update(self, data: bytes) -> None:
        self._digester.update(data)

    def digest(self) -> bytes:
        return self._digester.digest()

    def b64digest(self) -> str:
        """The value as S3 writes it in `x-amz-checksum-*`."""
        return base64.b64encode(self.digest()).decode("ascii")

    def verify(self, expected: str) -> None:
        """Raise `InvalidChecksumValue` or `BadDigest` unless `expected` is this checksum."""
        wanted = decode_value(self.algorithm, expected)
        actual = self.digest()
        if wanted != actual:
            raise BadDigest(self.algorithm, expected.strip(), self.b64digest())


def compute(algorithm: str, data: bytes) -> str:
    """The base64 S3 value of `algorithm` over `data`."""
    checksum = FlexibleChecksum(algorithm)
    checksum.update(data)
    return checksum.b64digest()


def algorithm_of(header: str) -> str | None:
    """`x-amz-checksum-crc32` → `crc32`; None for any other header (and for `-type` etc.)."""
    name = header.lower()
    if not name.startswith(HEADER_PREFIX):
        return None
    algorithm = name[len(HEADER_PREFIX):]
    return None if algorithm in NOT_ALGORITHMS or not algorithm else algorithm


def decode_value(algorithm: str, value: str) -> bytes:
    """The digest bytes of an `x-amz-checksum-*` value; `InvalidChecksumValue` if malformed."""
    header = HEADER_PREFIX + algorithm.lower()
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidChecksumValue(header) from None
    if len(raw) != DIGEST_SIZES.get(algorithm.lower(), -1):
        raise InvalidChecksumValue(header)
    return raw


def requested_checksum(headers: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The one (algorithm, value) among `x-amz-checksum-*` request headers, checked for form.

    None when there is none; `InvalidRequest` when several differ; `NotSupported` for an unknown
    algorithm; `InvalidChecksumValue` for a malformed value.
    """
    found: dict[str, str] = {}
    for name, value in headers:
        algorithm = algorithm_of(name)
        if algorithm is not None:
            found[algorithm] = value
    if not found:
        return None
    if len(found) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    algorithm, value = next(iter(found.items()))
    FlexibleChecksum(algorithm)  # NotSupported for an unknown algorithm
    decode_value(algorithm, value)
    return algorithm, value.strip()


def declared_trailers(x_amz_trailer: str) -> list[str]:
    """Lower-case trailer names from an `x-amz-trailer` header value (comma separated)."""
    return [name.strip().lower() for name in x_amz_trailer.split(",") if name.strip()]


def decode_content_md5(value: str) -> bytes:
    """The 16 digest bytes of a Content-MD5 header; `InvalidDigest` if malformed."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidDigest() from None
    if len(raw) != 16:
        raise InvalidDigest()
    return raw


def verify_content_md5(expected: str, md5_digest: bytes) -> None:
    """Compare a Content-MD5 header with the body's MD5 digest; `BadDigest` on mismatch."""
    if decode_content_md5(expected) != md5_digest:
        raise BadDigest("Content-MD5", expected.strip(), base64.b64encode(md5_digest).decode())


def checksum_headers(values: Mapping[str, str]) -> dict[str, str]:
    """`{"crc32": v}` → `{"x-amz-checksum-crc32": v}`, for echoing checksums in responses."""
    return {HEADER_PREFIX + algorithm: value for algorithm, value in values.items()}
