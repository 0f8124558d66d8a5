"""Operations that differ between the APIs: create a bucket, list a whole bucket, multipart upload.

Native AIS as `shared/AIS-API.md` describes it (`create-bck`; `list` paged with msgpack replies;
`mpt-upload` / part PUTs / `mpt-complete`), S3 (CreateBucket, ListObjectsV2, CreateMultipartUpload /
UploadPart / CompleteMultipartUpload) and plain HTTP (nginx: directories appear on PUT, a listing
is an autoindex JSON page). Each function returns what it found so the caller can check it.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote

import msgspec

from .load import Load, Request

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _act(action: str, value: object = None) -> bytes:
    return json.dumps({"action": action, "name": "", "value": value}).encode()


def _xml_text(root: ET.Element, tag: str) -> str:
    el = root.find(S3_NS + tag)
    if el is None:
        el = root.find(tag)
    return (el.text or "") if el is not None else ""


async def create_bucket(load: Load, bucket: str) -> None:
    """Create, or accept that it exists."""
    api = load.api
    if api.kind == "ais":
        await load.call(Request("POST", api.bucket_url(bucket), _act("create-bck"),
                                {"Content-Type": "application/json"}), ok=(409,))
    elif api.kind == "s3":
        await load.call(Request("PUT", api.bucket_url(bucket)), ok=(409,))


async def list_all(load: Load, bucket: str, page: int) -> tuple[int, int]:
    """List every object; returns (objects, pages)."""
    kind = load.api.kind
    if kind == "ais":
        return await _list_ais(load, bucket, page)
    if kind == "s3":
        return await _list_s3(load, bucket, page)
    resp = await load.call(Request("GET", f"{load.api.base}/{bucket}/"))
    return len(json.loads(resp.body)), 1


async def _list_ais(load: Load, bucket: str, page: int) -> tuple[int, int]:
    decoder = msgspec.msgpack.Decoder()
    token, uuid, count, pages = "", "", 0, 0
    while True:
        msg = {"prefix": "", "pagesize": page, "uuid": uuid, "props": "name,size",
               "continuation_token": token, "flags": "0"}
        resp = await load.call(Request(
            "GET", load.api.bucket_url(bucket), _act("list", msg),
            {"Content-Type": "application/json", "Accept": "application/msgpack"}))
        doc = decoder.decode(resp.body)
        count += len(doc.get("Entries") or [])
        pages += 1
        token, uuid = doc.get("ContinuationToken") or "", doc.get("UUID") or ""
        if not token:
            return count, pages


async def _list_s3(load: Load, bucket: str, page: int) -> tuple[int, int]:
    token, count, pages = "", 0, 0
    while True:
        q = f"list-type=2&max-keys={page}"
        if token:
            q += "&continuation-token=" + quote(token, safe="")
        resp = await load.call(Request("GET", load.api.bucket_url(bucket, q)))
        root = ET.fromstring(resp.body)
        count += len(root.findall(S3_NS + "Contents")) or len(root.findall("Contents"))
        pages += 1
        truncated = _xml_text(root, "IsTruncated") == "true"
        token = _xml_text(root, "NextContinuationToken")
        if not truncated or not token:
            return count, pages


async def multipart_upload(load: Load, bucket: str, key: str, size: int, part_size: int,
                           in_flight: int) -> int:
    """Upload `size` bytes in parts, `in_flight` parts at a time; returns the number of parts."""
    parts = [(n + 1, min(part_size, size - off)) for n, off in enumerate(range(0, size, part_size))]
    sem = asyncio.Semaphore(in_flight)
    api = load.api
    if api.kind == "ais":
        resp = await load.call(Request("POST", api.object_url(bucket, key), _act("mpt-upload"),
                                       {"Content-Type": "application/json"}))
        upload_id = resp.body.decode().strip().strip('"')
    else:
        resp = await load.call(Request("POST", api.object_url(bucket, key, "uploads")))
        upload_id = _xml_text(ET.fromstring(resp.body), "UploadId")
    etags: dict[int, str] = {}

    async def put_part(number: int, length: int) -> None:
        async with sem:
            q = f"partNumber={number}&uploadId={quote(upload_id, safe='')}"
            if api.kind == "ais":
                q = f"uploadId={quote(upload_id, safe='')}&partNumber={number}"
            r = await load.call(Request("PUT", api.object_url(bucket, key, q), length), keep=False)
            etags[number] = r.headers.get("ETag", "")

    await asyncio.gather(*(put_part(n, ln) for n, ln in parts))
    q = f"uploadId={quote(upload_id, safe='')}"
    if api.kind == "ais":
        value = [{"part-number": n, "etag": etags[n]} for n, _ in parts]
        await load.call(Request("POST", api.object_url(bucket, key, q), _act("mpt-complete", value),
                                {"Content-Type": "application/json"}))
    else:
        body = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>" for n, _ in parts
        ) + "</CompleteMultipartUpload>"
        resp = await load.call(Request("POST", api.object_url(bucket, key, q), body.encode(),
                                       {"Content-Type": "application/xml"}))
        if b"<Error>" in resp.body:
            raise RuntimeError(f"CompleteMultipartUpload failed: {resp.body[:300]!r}")
    return len(parts)
