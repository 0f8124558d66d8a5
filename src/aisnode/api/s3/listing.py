"""S3 listings: ListObjects (v1, marker), ListObjectsV2 (continuation-token, start-after,
fetch-owner), ListObjectVersions (one current version per key; VersionId `null` where
versioning is off). Prefix, delimiter with CommonPrefixes, max-keys, encoding-type=url."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from ...core.storage.local_object import ObjectMeta
from ...errors import InvalidArgument
from ...services.target.listing import ListedItem, ListRequest
from ..keys import SERVICES
from . import xml as X
from .buckets import props_of
from .object_headers import s3_etag
from .request import S3Request
from .responses import xml

MAX_KEYS = 1000


@dataclass
class Page:
    contents: list[ListedItem]
    prefixes: list[str]
    truncated: bool
    last: str
    """Last key or common prefix on this page (the next page starts after it)."""


def _max_keys(r: S3Request, name: str = "max-keys") -> int:
    v = r.query.get(name, str(MAX_KEYS))
    try:
        n = int(v)
    except ValueError:
        raise InvalidArgument(name, "must be an integer") from None
    if n < 0:
        raise InvalidArgument(name, "must not be negative")
    return min(n, MAX_KEYS)


def _encoding(r: S3Request) -> str:
    enc = r.query.get("encoding-type", "")
    if enc not in ("", "url"):
        raise InvalidArgument("encoding-type", "must be url")
    return enc


async def collect(r: S3Request, prefix: str, delimiter: str, after: str, max_keys: int) -> Page:
    """Up to `max_keys` keys and common prefixes after `after`, in key order."""
    svc = r.http.app[SERVICES]
    bck = r.bucket
    props_of(r)
    if max_keys == 0:
        return Page([], [], False, "")
    contents: list[ListedItem] = []
    prefixes: list[str] = []
    skip = after if delimiter and after.endswith(delimiter) else ""
    if svc.remote.backed(bck) is not None:
        pages = _remote_pages(r, prefix, after, skip)
    else:
        pages = _local_pages(r, prefix, after, skip, max_keys + 1, delimiter == "/")
    async for items, more in pages:
        for it in items:
            name = it.name
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    cp = name[: cut + len(delimiter)]
                    if prefixes and prefixes[-1] == cp:
                        continue
                    if cp <= after:
                        continue
                    if len(contents) + len(prefixes) >= max_keys:
                        return Page(contents, prefixes, True, _last(contents, prefixes))
                    prefixes.append(cp)
                    continue
            if it.is_dir:
                continue
            if len(contents) + len(prefixes) >= max_keys:
                return Page(contents, prefixes, True, _last(contents, prefixes))
            contents.append(it)
        if not more:
            break
    return Page(contents, prefixes, False, _last(contents, prefixes))


async def _local_pages(r: S3Request, prefix: str, after: str, skip: str, page: int,
                       one_level: bool) -> AsyncIterator[tuple[list[ListedItem], bool]]:
    svc = r.http.app[SERVICES]
    token = after
    while True:
        res = await svc.lister.list(r.bucket, ListRequest(
            prefix=prefix, token=token, page_size=page, one_level=one_level, with_meta=True,
            skip_prefix=skip))
        yield res.items, bool(res.token)
        if not res.token:
            return
        token = res.token


async def _remote_pages(r: S3Request, prefix: str, after: str, skip: str
                        ) -> AsyncIterator[tuple[list[ListedItem], bool]]:
    """The backend's listing (continuing past `after` by name: backend tokens are opaque).
    A cached object reports its access time as LastModified, as AIS's S3 API does."""
    svc = r.http.app[SERVICES]
    token = ""
    while True:
        rows, token = await svc.remote.list_page(r.bucket, prefix, token, 1000)
        items = []
        for e, cached in rows:
            if (after and e.name <= after) or (skip and e.name.startswith(skip)):
                continue
            if cached is not None:
                meta = ObjectMeta(name=e.name, size=e.size, mtime_ns=cached.atime_ns,
                                  custom={"ETag": e.etag} if e.etag else {})
            else:
                meta = ObjectMeta(name=e.name, size=e.size, mtime_ns=e.last_modified_ns,
                                  custom={"ETag": e.etag} if e.etag else {})
            items.append(ListedItem(e.name, False, "", e.size, meta))
        yield items, bool(token)
        if not token:
            return


def _last(contents: list[ListedItem], prefixes: list[str]) -> str:
    a = contents[-1].name if contents else ""
    b = prefixes[-1] if prefixes else ""
    return max(a, b)


def _entry(it: ListedItem) -> X.ObjectEntry:
    meta = it.meta or ObjectMeta(name=it.name, size=it.size)
    return X.ObjectEntry(key=it.name, last_modified=meta.mtime_ns / 1e9, etag=s3_etag(meta),
                         size=meta.size)


async def list_objects(r: S3Request) -> web.StreamResponse:
    prefix, delim = r.query.get("prefix", ""), r.query.get("delimiter", "")
    marker = r.query.get("marker", "")
    mk = _max_keys(r)
    page = await collect(r, prefix, delim, marker, mk)
    return xml(X.render_list_objects_v1(X.ListObjectsV1(
        bucket=r.bucket_name, contents=[_entry(i) for i in page.contents],
        common_prefixes=page.prefixes, prefix=prefix, delimiter=delim, marker=marker,
        next_marker=page.last if page.truncated and delim else "", max_keys=mk,
        is_truncated=page.truncated, encoding_type=_encoding(r), owner=X.Owner())))


def _token_encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _token_decode(tok: str) -> str:
    try:
        return base64.urlsafe_b64decode(tok.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument("continuation-token", "the continuation token is not valid") \
            from None


async def list_objects_v2(r: S3Request) -> web.StreamResponse:
    prefix, delim = r.query.get("prefix", ""), r.query.get("delimiter", "")
    token = r.query.get("continuation-token", "")
    start_after = r.query.get("start-after", "")
    after = _token_decode(token) if token else start_after
    mk = _max_keys(r)
    page = await collect(r, prefix, delim, after, mk)
    owner = X.Owner() if r.query.get("fetch-owner", "").lower() == "true" else None
    return xml(X.render_list_objects_v2(X.ListObjectsV2(
        bucket=r.bucket_name, contents=[_entry(i) for i in page.contents],
        common_prefixes=page.prefixes, prefix=prefix, delimiter=delim,
        continuation_token=token,
        next_continuation_token=_token_encode(page.last) if page.truncated else "",
        start_after=start_after, max_keys=mk, is_truncated=page.truncated,
        encoding_type=_encoding(r), owner=owner)))


async def list_object_versions(r: S3Request) -> web.StreamResponse:
    versioned = props_of(r)["versioning"]["enabled"]
    prefix, delim = r.query.get("prefix", ""), r.query.get("delimiter", "")
    key_marker = r.query.get("key-marker", "")
    vid_marker = r.query.get("version-id-marker", "")
    mk = _max_keys(r)
    # one version per key: any version-id-marker on a key means "that key is done"
    page = await collect(r, prefix, delim, key_marker, mk)
    versions = []
    for it in page.contents:
        e = _entry(it)
        vid = (it.meta.version if it.meta and versioned and it.meta.version else "null")
        versions.append(X.VersionEntry(key=e.key, version_id=vid, is_latest=True,
                                       last_modified=e.last_modified, etag=e.etag, size=e.size))
    nk = nv = ""
    if page.truncated:
        nk = page.last
        nv = versions[-1].version_id if versions and versions[-1].key == nk else ""
    return xml(X.render_list_object_versions(X.ListVersions(
        bucket=r.bucket_name, versions=versions, common_prefixes=page.prefixes, prefix=prefix,
        delimiter=delim, key_marker=key_marker, version_id_marker=vid_marker,
        next_key_marker=nk, next_version_id_marker=nv, max_keys=mk,
        is_truncated=page.truncated, encoding_type=_encoding(r))))
