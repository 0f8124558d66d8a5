"""S3 object metadata <-> HTTP headers, ETags, and conditional requests.

Stored in the object's custom metadata: S3 system headers under their own names
(`Content-Type`, `Cache-Control`, ...), user metadata as `x-amz-meta-<name>`, flexible checksums
as `x-amz-checksum-<alg>`, and the S3 ETag as `ETag` (MD5 of a single PUT, `md5-of-md5s-N` of a
multipart upload). Other custom keys (set through the native API) are not shown to S3 clients.
"""

from __future__ import annotations

import calendar
from email.utils import formatdate, parsedate_tz
from typing import Mapping

from multidict import CIMultiDictProxy

from ...core.storage.local_object import ObjectMeta
from ...errors import NotModified, NotSupported, PreconditionFailed
from ...services.target.objects import etag_of

SYSTEM_HEADERS = ("Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language",
                  "Cache-Control", "Expires", "x-amz-website-redirect-location")
USER_PREFIX = "x-amz-meta-"
CHECKSUM_PREFIX = "x-amz-checksum-"
MAX_USER_METADATA = 2048


def metadata_from_request(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    """Custom metadata to store from a PUT/Create/Copy(REPLACE) request's headers."""
    from ...errors import InvalidArgument

    out: dict[str, str] = {}
    for h in SYSTEM_HEADERS:
        v = headers.get(h)
        if v is None:
            continue
        if h == "Content-Encoding":
            v = ",".join(p.strip() for p in v.split(",") if p.strip().lower() != "aws-chunked")
            if not v:
                continue
        out[h] = v
    size = 0
    for k, v in headers.items():
        lk = k.lower()
        if lk.startswith(USER_PREFIX):
            out[lk] = v
            size += len(lk) - len(USER_PREFIX) + len(v)
    if size > MAX_USER_METADATA:
        raise InvalidArgument("x-amz-meta-*",
                              f"user metadata exceeds {MAX_USER_METADATA} bytes")
    return out


def s3_etag(meta: ObjectMeta) -> str:
    return etag_of(meta)


def http_date(ns: int) -> str:
    return formatdate(ns / 1e9, usegmt=True)


def response_headers(meta: ObjectMeta, versioned: bool, checksum_mode: bool) -> dict[str, str]:
    h: dict[str, str] = {"Last-Modified": http_date(meta.mtime_ns), "Accept-Ranges": "bytes"}
    et = s3_etag(meta)
    if et:
        h["ETag"] = f'"{et}"'
    h["Content-Type"] = meta.custom.get("Content-Type", "binary/octet-stream")
    for k, v in meta.custom.items():
        if k in SYSTEM_HEADERS and k != "Content-Type":
            h[k] = v
        elif k.startswith(USER_PREFIX):
            h[k] = v
        elif checksum_mode and k.startswith(CHECKSUM_PREFIX):
            h[k] = v
    if versioned and meta.version:
        h["x-amz-version-id"] = meta.version
    return h


def _parse_date(s: str) -> float | None:
    t = parsedate_tz(s)
    if t is None:
        return None
    return calendar.timegm(t[:9]) - (t[9] or 0)


def _etag_matches(header: str, etag: str) -> bool:
    for cand in header.split(","):
        c = cand.strip().removeprefix("W/")
        if c == "*" or c.strip('"') == etag:
            return True
    return False


def check_conditions(headers: Mapping[str, str], meta: ObjectMeta, *, prefix: str = "",
                     read: bool = True) -> None:
    """If-Match / If-None-Match / If-(Un)Modified-Since (with `prefix`, e.g. the
    `x-amz-copy-source-if-` family). Raises PreconditionFailed (412) or NotModified (304)."""
    etag = s3_etag(meta)
    mtime = int(meta.mtime_ns // 1_000_000_000)
    g = (lambda n: headers.get(prefix + n)) if prefix else (lambda n: headers.get("If-" + n))
    im, inm = g("Match"), g("None-Match")
    ims, ius = g("Modified-Since"), g("Unmodified-Since")
    if im is not None and not _etag_matches(im, etag):
        raise PreconditionFailed("At least one of the pre-conditions you specified did not hold")
    if ius is not None and im is None:
        t = _parse_date(ius)
        if t is not None and mtime > t:
            raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                     "hold")
    if inm is not None and _etag_matches(inm, etag):
        if read and not prefix:
            raise NotModified("not modified")
        raise PreconditionFailed("At least one of the pre-conditions you specified did not hold")
    if ims is not None and inm is None:
        t = _parse_date(ims)
        if t is not None and mtime <= t:
            if read and not prefix:
                raise NotModified("not modified")
            raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                     "hold")


def has_write_conditions(headers: Mapping[str, str]) -> bool:
    return "If-None-Match" in headers or "If-Match" in headers


def check_write_conditions(headers: Mapping[str, str], meta: ObjectMeta | None) -> bool:
    """Conditional writes (PutObject): `If-None-Match: *` (create only) and `If-Match: <etag>`.
    `meta` is the current object, None if there is none. Raises PreconditionFailed (412);
    returns False when If-Match names an object that does not exist (S3: 404 NoSuchKey)."""
    inm, im = headers.get("If-None-Match"), headers.get("If-Match")
    if inm is not None:
        if inm.strip() != "*":
            raise NotSupported("If-None-Match on a write only supports the value *")
        if meta is not None:
            raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                     "hold")
    if im is not None:
        if meta is None:
            return False
        if not _etag_matches(im, s3_etag(meta)):
            raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                     "hold")
    return True
