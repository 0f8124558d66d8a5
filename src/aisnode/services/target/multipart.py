"""Multipart uploads [AIS ais/tgts3mpt.go; S3 CreateMultipartUpload..Complete].

An upload lives on the object's mountpath under `%mp/<upload-id>/`: `upload.json` (bucket,
object, start time, metadata to apply, and the "slot" size), a `data` file, and one record per
part (`part-00001.json`: size, MD5, where the bytes are). Parts survive restarts.

Parts are written in place when they can be: the first part that arrives with a known length
fixes the slot size S, and part n of at most S bytes is written straight into `data` at offset
(n-1)*S. Clients cut uploads into equal parts (but the last), so for them completion publishes
`data` itself, cut to length, after one read to compute its checksum: no bytes are copied.
A part that does not fit its slot (unknown length, larger than S) goes to its own file, and a
completion whose parts are not contiguous from 1 or not all slot-sized copies the parts in
order into a new file. Either way the object is published through the regular PUT path
(checksums, versioning, write-through, atomic rename). The S3 ETag is `md5(part md5s)-N`.
A re-sent part first drops its record, so a re-send that fails leaves the part missing (the
client sends it again), never a stale record over half-written bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ...core.storage import layout
from ...core.storage.atomic_write import WorkFile
from ...core.storage.executor import run_blocking
from ...errors import (
    ChecksumMismatch,
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    UploadNotFound,
)
from ...wire.bucket import Bucket
from .objects import ObjectService, PutOptions, PutResult

MAX_PARTS = 10000
DATA = "data"


@dataclass
class PartInfo:
    number: int
    size: int
    md5: str
    mtime_ns: int
    in_slot: bool = False
    """The bytes are in `data` at (number-1)*slot; else in `part-<n>`."""

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
        _write_json(os.path.join(d, "upload.json"), {
            "bucket": bck.uname(), "name": name, "created": time.time_ns(),
            "custom": custom or {}, "slot": 0})
        return upload_id

    def _slot(self, d: str, size: int | None) -> int:
        """The upload's slot size, fixed by the first part that arrives with a length (no
        await between the read and the write: atomic on the event loop)."""
        path = os.path.join(d, "upload.json")
        doc = _read_json(path)
        slot = int(doc.get("slot") or 0)
        if not slot and size:
            slot = doc["slot"] = size
            _write_json(path, doc)
        return slot

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
        record = os.path.join(d, f"part-{number:05d}.json")
        async with self.objects.locks.hold(record):
            _unlink(record)  # a failed re-send must not leave the old record over new bytes
            slot = self._slot(d, size)
            in_slot = bool(slot and size is not None and size <= slot)
            extra = (client_cksum[0],) if client_cksum else ()
            wf = WorkFile(mp.path, "md5" if md5 else "none", extra,
                          slot_of=(os.path.join(d, DATA), (number - 1) * slot) if in_slot
                          else None)
            try:
                await wf.fill(body, size, self.objects.cfg.max_put_size)
                if client_cksum:
                    got = wf.extra_digest(client_cksum[0])
                    if got != client_cksum[1].lower():
                        raise ChecksumMismatch(client_cksum[0], client_cksum[1], got)
                if not os.path.isdir(d):  # aborted meanwhile
                    raise UploadNotFound(upload_id)
                info = PartInfo(number, wf.size, wf.digest(), time.time_ns(), in_slot)
                if in_slot:
                    wf.close()
                else:
                    wf.commit(os.path.join(d, f"part-{number:05d}"), False)
                _write_json(record, asdict(info))
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
        slot = int(_read_json(os.path.join(d, "upload.json")).get("slot") or 0)
        data = os.path.join(d, DATA)
        in_place = all(p.in_slot and p.number == i + 1 and (p.size == slot or i == len(chosen) - 1)
                       for i, p in enumerate(chosen))
        slotted = [p for p in chosen if p.in_slot]
        if slotted and not os.path.exists(data):  # a failed completion consumed it
            raise InvalidPart(slotted[0].number, "its data is gone; upload the part again")

        def assemble(wf: WorkFile) -> None:
            """Publish `data` as it is (parts in place), or concatenate the parts in one pool
            thread (read, hash and write in 8 MiB blocks)."""
            if in_place:
                wf.adopt(data, total)
                return
            for p in chosen:
                path, pos = ((data, (p.number - 1) * slot) if p.in_slot
                             else (os.path.join(d, f"part-{p.number:05d}"), 0))
                with open(path, "rb", buffering=0) as f:
                    left = p.size
                    while left > 0:
                        block = os.pread(f.fileno(), min(8 << 20, left), pos)
                        if not block:
                            break
                        pos += len(block)
                        left -= len(block)
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
        if not (fn.startswith("part-") and fn.endswith(".json")):
            continue
        try:
            out.append(PartInfo(**_read_json(os.path.join(d, fn))))
        except (OSError, ValueError, TypeError):
            continue
    return out


def _read_json(path: str) -> dict[str, Any]:
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a JSON object")
    return doc


def _write_json(path: str, doc: dict[str, Any]) -> None:
    """Write atomically (tmp file + rename) so a crash never leaves half a record."""
    tmp = f"{path}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
