"""S3 bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
Get/PutBucketVersioning, GetBucketAcl (a fixed owner-full-control answer)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...errors import InvalidRequest
from ...wire.bucket import SCHEMES, Bucket
from ..keys import SERVICES
from ..request_body import read_bounded
from . import xml as X
from .request import S3Request
from .responses import empty, xml

MAX_XML_BODY = 1 << 20
REGION = "us-east-1"


def props_of(r: S3Request) -> dict[str, Any]:
    return r.http.app[SERVICES].buckets.head(r.bucket)


async def list_buckets(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    prefix = r.query.get("prefix", "")
    entries = []
    names: dict[str, list[Bucket]] = {}
    for b in svc.buckets.list():
        if not b.name.startswith(prefix):
            continue
        names.setdefault(b.name, []).append(b)
        props = svc.buckets.map.get(b)
        created = int(props.get("created", "0")) / 1e9
        entries.append(X.BucketEntry(name=b.name, created=created,
                                     region="" if b.is_ais else SCHEMES[b.provider]))
    body = X.render_list_buckets(entries)
    notes = [f"{b} (BucketRegion: {SCHEMES[b.provider]})" for bs in names.values() for b in bs
             if not b.is_ais]
    dup = sorted(n for n, bs in names.items() if len(bs) > 1)
    headers = {}
    if notes or dup:
        # a browser shows comments; S3 clients ignore them
        text = ("remote buckets: " + ", ".join(notes)) if notes else ""
        if dup:
            warn = "; ".join(f'"{n}" is shared by {", ".join(str(b) for b in names[n])} '
                             f"(/s3/{n} addresses {_s3_target(names[n])})" for n in dup)
            text = (text + ". " if text else "") + "warning: bucket name " + warn
            headers["x-ais-warning"] = "bucket names shared by several providers: " + ", ".join(dup)
        comment = "<!-- " + text.replace("--", "- -") + " -->\n"
        decl, _, rest = body.partition(b"\n")
        body = decl + b"\n" + comment.encode() + rest
    return xml(body, headers=headers)


def _s3_target(same_name: list[Bucket]) -> str:
    """Which of several same-named buckets `/s3/<name>` reaches (see BucketService.by_name)."""
    ais = [b for b in same_name if b.is_ais]
    return str(ais[0]) if ais else "none: the name is ambiguous"


async def create_bucket(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    body = await read_bounded(r.http, MAX_XML_BODY)
    if body.strip():
        region = X.parse_create_bucket_configuration(body, MAX_XML_BODY)
        if region and region != REGION:
            raise InvalidRequest(f"invalid location constraint {region!r} (this store is "
                                 f"{REGION})")
    await svc.buckets.create(r.bucket)
    return empty(headers={"Location": "/" + r.bucket_name})


async def head_bucket(r: S3Request) -> web.StreamResponse:
    props_of(r)
    return empty(headers={"x-amz-bucket-region": REGION})


async def delete_bucket(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    await svc.buckets.destroy(r.bucket, must_be_empty=True)
    return empty(204)


async def get_bucket_location(r: S3Request) -> web.StreamResponse:
    props_of(r)
    return xml(X.render_location_constraint(""))


async def get_bucket_versioning(r: S3Request) -> web.StreamResponse:
    props = props_of(r)
    return xml(X.render_versioning_configuration(
        "Enabled" if props["versioning"]["enabled"] else "Suspended"))


async def put_bucket_versioning(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props_of(r)
    status = X.parse_versioning_configuration(await read_bounded(r.http, MAX_XML_BODY),
                                              MAX_XML_BODY)
    await svc.buckets.set_props(r.bucket, {"versioning.enabled": status == "Enabled"})
    return empty()


_ACL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>aisnode'
    "</ID><DisplayName>aisnode</DisplayName></Owner><AccessControlList><Grant><Grantee "
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>aisnode'
    "</ID><DisplayName>aisnode</DisplayName></Grantee><Permission>FULL_CONTROL</Permission>"
    "</Grant></AccessControlList></AccessControlPolicy>"
)


async def get_bucket_acl(r: S3Request) -> web.StreamResponse:
    props_of(r)
    return xml(_ACL)


def acl_document() -> str:
    return _ACL
