"""On-disk layout under a mountpath [AIS fs/fqn.go, docs/on_disk_layout.md].

    <mp>/@<provider>/[<@uuid#ns>/]<bucket>/%ob/<encoded object name>   objects
    <mp>/%wk/<random>                                                    work files (in-flight)
    <mp>/%mp/<upload-id>/                                                multipart uploads

Object names map to paths segment by segment. A segment that the file system cannot hold as
is gets a reversible escape (`""` -> `%e`, a leading `%` -> `%%`), and one longer than 240
bytes is replaced by `%h<xxh128>` (the full name is always kept in the object's metadata).
Names with `.`/`..` segments, a leading `/`, NUL bytes or over the length limit are refused,
so no name can resolve outside its bucket's `%ob` directory.
"""

from __future__ import annotations

import os

import xxhash

from ...errors import InvalidObjectName
from ...wire.bucket import Bucket

OBJ_DIR = "%ob"
WORK_DIR = "%wk"
MPU_DIR = "%mp"
MAX_SEGMENT = 240


def validate_object_name(name: str, max_len: int = 1024) -> None:
    if not name:
        raise InvalidObjectName(name, "must not be empty")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidObjectName(name, "is not valid UTF-8") from None
    if len(name.encode("utf-8")) > max_len:
        raise InvalidObjectName(name, f"longer than {max_len} bytes")
    if "\x00" in name:
        raise InvalidObjectName(name, "contains a NUL byte")
    if name.startswith("/"):
        raise InvalidObjectName(name, "must not be an absolute path")
    for seg in name.split("/"):
        if seg in (".", ".."):
            raise InvalidObjectName(name, 'must not contain "." or ".." path segments')


def _encode_segment(seg: str) -> str:
    if seg == "":
        return "%e"
    if seg[0] == "%":
        seg = "%" + seg
    if len(seg.encode()) > MAX_SEGMENT:
        return "%h" + xxhash.xxh128_hexdigest(seg.encode())
    return seg


def decode_segment(seg: str) -> str | None:
    """Inverse of the escape; None for a hashed segment (name must come from metadata)."""
    if seg[0] != "%":
        return seg
    if seg == "%e":
        return ""
    if seg.startswith("%%"):
        return seg[1:]
    return None


def bucket_rel(b: Bucket) -> str:
    parts = ["@" + b.provider]
    if not b.ns.is_global:
        parts.append(b.ns.uname())
    parts.append(b.name)
    return os.path.join(*parts)


def bucket_dir(mp: str, b: Bucket) -> str:
    return os.path.join(mp, bucket_rel(b))


def objects_dir(mp: str, b: Bucket) -> str:
    return os.path.join(mp, bucket_rel(b), OBJ_DIR)


def object_rel(name: str) -> str:
    return "/".join(_encode_segment(s) for s in name.split("/"))


def object_path(mp: str, b: Bucket, name: str) -> str:
    """Full path of object `name` of bucket `b` on mountpath `mp` (AIS FQN)."""
    return os.path.join(mp, bucket_rel(b), OBJ_DIR, object_rel(name))


def work_dir(mp: str) -> str:
    return os.path.join(mp, WORK_DIR)


def uploads_dir(mp: str) -> str:
    return os.path.join(mp, MPU_DIR)
