"""Checksum types [AIS cmn/cos/cksum.go]: names, hashers and hex encodings.

`xxhash2` (AIS default) and `xxhash` are both xxhash64 (seed 0) printed as 16 hex digits;
`crc32c` is Castagnoli CRC32 as 8 hex digits; md5/sha256/sha512 are hex digests (sha256 is real
SHA-256, not AIS's SHA-512/256, so S3 clients can compare it).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import google_crc32c
import xxhash

from ...errors import InvalidRequest

NONE = "none"
TYPES = ("none", "xxhash", "xxhash2", "md5", "sha256", "sha512", "crc32c")


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...
    def hexdigest(self) -> str: ...


class _Crc32c:
    __slots__ = ("_h",)

    def __init__(self) -> None:
        self._h = google_crc32c.Checksum()

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.digest().hex()


class _Null:
    __slots__ = ()

    def update(self, data: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


def new_hasher(kind: str) -> Hasher:
    """A fresh hasher for checksum type `kind`."""
    if kind in ("xxhash", "xxhash2", "xxhash64"):
        return xxhash.xxh64()
    if kind == "md5":
        return hashlib.md5(usedforsecurity=False)
    if kind == "sha256":
        return hashlib.sha256()
    if kind == "sha512":
        return hashlib.sha512()
    if kind == "crc32c":
        return _Crc32c()
    if kind in ("", NONE):
        return _Null()
    raise InvalidRequest(f'unsupported checksum type "{kind}"')


def compute(kind: str, data: bytes) -> str:
    h = new_hasher(kind)
    h.update(data)
    return h.hexdigest()
