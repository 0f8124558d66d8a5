"""Object metadata stored with the object [AIS LOM, xattr `user.ais.lom`].

Encoded as a version byte plus a msgpack array (msgspec), in the xattr `user.aisnode.lom` of the
object file. Reading metadata is one getxattr; a directory walk gets names, sizes and checksums.
"""

from __future__ import annotations

import os

import msgspec

XATTR = "user.aisnode.lom"
_VERSION = b"\x01"


class ObjectMeta(msgspec.Struct, array_like=True):
    """What aisnode knows about one stored object."""

    name: str
    size: int
    cksum_type: str = ""
    cksum_value: str = ""
    version: str = ""
    atime_ns: int = 0
    mtime_ns: int = 0
    custom: dict[str, str] = {}


_enc = msgspec.msgpack.Encoder()
_dec = msgspec.msgpack.Decoder(ObjectMeta)


def encode(meta: ObjectMeta) -> bytes:
    return _VERSION + _enc.encode(meta)


def decode(raw: bytes) -> ObjectMeta:
    if not raw or raw[:1] != _VERSION:
        raise ValueError("unknown object metadata version")
    return _dec.decode(raw[1:])


def write_meta(path: str, meta: ObjectMeta) -> None:
    os.setxattr(path, XATTR, encode(meta))


def read_meta(path: str) -> ObjectMeta | None:
    """Metadata of the object at `path`; None if the file or its metadata is missing."""
    try:
        return decode(os.getxattr(path, XATTR))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError:
        return None
    except (ValueError, msgspec.DecodeError):
        return None
