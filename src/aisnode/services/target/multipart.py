"""Multipart uploads [AIS ais/tgts3mpt.go; S3 CreateMultipartUpload..Complete].

An upload lives on the object's mountpath under `%mp/<upload-id>/`: `upload.json` (bucket,
object, start time, metadata to apply) and one file per part (`part-00001`), each carrying
its size and MD5 in an xattr. Parts survive restarts. Completion streams the chosen parts, in
order, through the regular PUT path (so checksums, versioning and atomicity are the same), then
removes the upload. The S3 ETag of the result is `md5(concat(part md5s))-N`.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, field

from ...core.storage import layout
from ...core.storage.atomic_write import WorkFile
from ...core.storage.executor import run_blocking
from ...errors import (
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    UploadNotFound,
)
from ...wire.bucket import Bucket
from .objects import ObjectService, PutOptions, PutResult

PART_XATTR = "user.aisnode.part"
MAX_PARTS = 10000


@dataclass
class PartInfo:
    number: int
    size: int
    md5: str
    mtime_ns: int

    @property
    def etag(self) -> str:
        return self.md5


@dataclass
class UploadInfo:
    upload_id: str
    bucket: str
    name: str
    created_ns: int
    custom: dict[str, str] = field(default_factory=dict)


class MultipartService:
    def __init__(self, objects: ObjectService) -> None:
        self.objects = objects

    def _dir(self, bck: Bucket, name: str, upload_id: str) -> str:
        if not upload_id or not upload_id.isalnum() or len(upload_id) > 64:
            raise UploadNotFound(upload_id)
        mp, _ = self.objects.locate(bck, name)
        return os.path.join(layout.uploads_dir(mp.path), upload_id)

    def _info(self, d: str, bck: Bucket, name: str, upload_id: str) -> UploadInfo:
        try:
            with open(os.path.join(d, "upload.json")) as f:
                doc = json.load(f)
        except (FileNotFoundError, NotADirectoryError, ValueError):
            raise UploadNotFound(upload_id) from None
        if doc["bucket"] != bck.uname() or doc["name"] != name:
            raise UploadNotFound(upload_id)
        return UploadInfo(upload_id, doc["bucket"], name, doc["created"], doc.get("custom", {}))

    async def create(self, bck: Bucket, name: str, custom: dict[str, str] | None = None) -> str:
        self.objects.props(bck)
        upload_id = secrets.token_hex(16)
        d = self._dir(bck, name, upload_id)
        os.makedirs(d)
        doc = {"bucket": bck.uname(), "name": name, "created": time.time_ns(),
               "custom": custom or {}}
        tmp = os.path.join(d, ".upload.json.tmp")
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(d, "upload.json"))
        return upload_id

    async def put_part(self, bck: Bucket, name: str, upload_id: str, number: int,
                       body: AsyncIterable[bytes], size: int | None = None,
                       client_cksum: tuple[str, str] | None = None, md5: bool = True
                       ) -> PartInfo:
        """Store one part. `md5=False` skips the part MD5 (the native API needs no S3 ETags);
        the completed object then carries no multipart ETag."""
        if not 1 <= number <= MAX_PARTS:
            raise InvalidRequest(f"part number must be an integer between 1 and {MAX_PARTS}")
        d = self._dir(bck, name, upload_id)
        self._info(d, bck, name, upload_id)
        mp, _ = self.objects.locate(bck, name)
        self.objects.mountpaths.ensure_space(mp, size or 0)
        wf = WorkFile(mp.path, "md5" if md5 else "none",
                      (client_cksum[0],) if client_cksum else ())
        try:
            await wf.fill(body, size, self.objects.cfg.max_put_size)
            if client_cksum:
                got = wf.extra_digest(client_cksum[0])
                if got != client_cksum[1].lower():
                    from ...errors import ChecksumMismatch

                    raise ChecksumMismatch(client_cksum[0], client_cksum[1], got)
            info = PartInfo(number, wf.size, wf.digest(), time.time_ns())
            os.setxattr(wf.path, PART_XATTR, json.dumps(info.__dict__).encode())
            dst = os.path.join(d, f"part-{number:05d}")
            if not os.path.isdir(d):  # aborted meanwhile
                raise UploadNotFound(upload_id)
            wf.commit(dst, False)
            return info
        except BaseException:
            wf.abort()
            raise

    def list_parts(self, bck: Bucket, name: str, upload_id: str) -> list[PartInfo]:
        d = self._dir(bck, name, upload_id)
        self._info(d, bck, name, upload_id)
        return _read_parts(d)

    async def complete(self, bck: Bucket, name: str, upload_id: str,
                       parts: list[tuple[int, str]], *, min_part_size: int = 0,
                       extra_hashes: tuple[str, ...] = (),
                       put: Callable[..., Awaitable[PutResult]] | None = None
                       ) -> tuple[PutResult, str]:
        """Assemble the listed parts (number, etag; etag may be empty) into the object.

        `put` publishes the assembled object (default: the local object service; remote-backed
        buckets pass the write-through one). Returns the PUT result and the S3 multipart ETag
        ("" when the parts carry no MD5s).
        """
        d = self._dir(bck, name, upload_id)
        info = self._info(d, bck, name, upload_id)
        if not parts:
            raise InvalidRequest("complete multipart upload: no parts given")
        nums = [p for p, _ in parts]
        if nums != sorted(nums) or len(set(nums)) != len(nums):
            raise InvalidPartOrder()
        have = {p.number: p for p in _read_parts(d)}
        chosen: list[PartInfo] = []
        for i, (num, etag) in enumerate(parts):
            p = have.get(num)
            if p is None:
                raise InvalidPart(num, "was not uploaded")
            if etag and etag.strip('"').lower() != p.md5:
                raise InvalidPart(num, "ETag does not match the uploaded part")
            if min_part_size and i < len(parts) - 1 and p.size < min_part_size:
                raise EntityTooSmall(num, p.size, min_part_size)
            chosen.append(p)
        etag = ""
        custom = dict(info.custom)
        if all(p.md5 for p in chosen):
            md5s = b"".join(bytes.fromhex(p.md5) for p in chosen)
            etag = f"{hashlib.md5(md5s, usedforsecurity=False).hexdigest()}-{len(chosen)}"
            custom["ETag"] = etag
        total = sum(p.size for p in chosen)
        paths = [os.path.join(d, f"part-{p.number:05d}") for p in chosen]

        def assemble(wf: WorkFile) -> None:
            """Concatenate the parts into the work file in one pool thread (read, hash and
            write in 8 MiB blocks, no event-loop hop per block)."""
            for path in paths:
                with open(path, "rb", buffering=0) as f:
                    while block := f.read(8 << 20):
                        wf.write_chunks([block])

        res = await (put or self.objects.put)(bck, name, assemble, PutOptions(
            size=total, custom=custom, extra_hashes=extra_hashes))
        await run_blocking(shutil.rmtree, d, True)
        return res, etag

    async def abort(self, bck: Bucket, name: str, upload_id: str) -> None:
        d = self._dir(bck, name, upload_id)
        self._info(d, bck, name, upload_id)
        await run_blocking(shutil.rmtree, d, True)

    def list_uploads(self, bck: Bucket, prefix: str = "") -> list[UploadInfo]:
        out = []
        for mp in self.objects.mountpaths.all:
            root = layout.uploads_dir(mp.path)
            try:
                ids = os.listdir(root)
            except FileNotFoundError:
                continue
            for uid in ids:
                try:
                    with open(os.path.join(root, uid, "upload.json")) as f:
                        doc = json.load(f)
                except (OSError, ValueError):
                    continue
                if doc["bucket"] == bck.uname() and doc["name"].startswith(prefix):
                    out.append(UploadInfo(uid, doc["bucket"], doc["name"], doc["created"],
                                          doc.get("custom", {})))
        return sorted(out, key=lambda u: (u.name, u.created_ns))

    def drop_bucket(self, bck: Bucket) -> None:
        for u in self.list_uploads(bck):
            mp, _ = self.objects.locate(bck, u.name)
            shutil.rmtree(os.path.join(layout.uploads_dir(mp.path), u.upload_id), True)


def _read_parts(d: str) -> list[PartInfo]:
    out = []
    for fn in sorted(os.listdir(d)):
        if not fn.startswith("part-"):
            continue
        try:
            doc = json.loads(os.getxattr(os.path.join(d, fn), PART_XATTR))
        except (OSError, ValueError):
            continue
        out.append(PartInfo(**doc))
    return out
