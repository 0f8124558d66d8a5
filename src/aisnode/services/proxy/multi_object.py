"""Multi-object and whole-bucket jobs [AIS xact/xs/tcobjs.go, lrit.go]: delete/copy a list or a
template of objects, copy or rename a bucket. Each returns a job whose status clients poll."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.storage import walk
from ...errors import InvalidRequest, NotFound
from ...jobs import templates
from ...jobs.base import Job, JobRegistry
from ...wire import actions
from ...wire.bucket import Bucket
from ..target.objects import ObjectService
from .buckets import BucketService


class Selection:
    """`{"objnames": [...]}` or `{"template": "..."}` (a template without braces = prefix)."""

    def __init__(self, value: dict[str, Any] | None) -> None:
        value = value or {}
        self.names: list[str] | None = value.get("objnames")
        self.template: str = value.get("template") or ""
        if self.names is not None and not isinstance(self.names, list):
            raise InvalidRequest('"objnames" must be a list of object names')
        if self.names is None and "template" not in value:
            raise InvalidRequest('expected "objnames" or "template"')

    def resolve(self, objects: ObjectService, bck: Bucket) -> Iterator[str]:
        if self.names is not None:
            yield from (str(n) for n in self.names)
        elif templates.is_range(self.template):
            yield from templates.expand(self.template)
        else:
            names = sorted(n for mp in objects.mountpaths.all
                           for n, _, _ in walk.walk_objects(mp.path, bck, self.template))
            yield from names


class MultiObjectService:
    def __init__(self, objects: ObjectService, buckets: BucketService, jobs: JobRegistry) -> None:
        self.objects = objects
        self.buckets = buckets
        self.jobs = jobs

    def delete(self, bck: Bucket, sel: Selection) -> Job:
        self.buckets.head(bck)
        explicit = sel.names is not None or templates.is_range(sel.template)

        async def run(job: Job) -> None:
            missing = 0
            for name in sel.resolve(self.objects, bck):
                try:
                    await self.objects.delete(bck, name)
                    job.progress()
                except NotFound:
                    missing += 1
            if missing and sel.names is not None and explicit:
                job.err = f"{missing} object(s) not found"

        return self.jobs.start(actions.DELETE_OBJECTS, run, bck=bck)

    def copy(self, src: Bucket, dst: Bucket, sel: Selection, prepend: str = "",
             kind: str = actions.COPY_OBJECTS, dry_run: bool = False) -> Job:
        self.buckets.head(src)
        self.buckets.head(dst)

        async def run(job: Job) -> None:
            for name in sel.resolve(self.objects, src):
                try:
                    if dry_run:
                        meta, _ = self.objects.stat(src, name)
                        job.progress(1, meta.size)
                        continue
                    res = await self.objects.copy(src, name, dst, prepend + name)
                    job.progress(1, res.meta.size)
                except NotFound:
                    continue

        return self.jobs.start(kind, run, bck=src, dst_bck=dst)

    async def copy_bucket(self, src: Bucket, dst: Bucket, prefix: str = "", prepend: str = "",
                          dry_run: bool = False) -> Job:
        self.buckets.head(src)
        if self.buckets.map.lookup(dst) is None:
            await self.buckets.create(dst, _props_to_copy(self.buckets.head(src)))
        return self.copy(src, dst, Selection({"template": prefix}), prepend,
                         kind=actions.COPY_BCK, dry_run=dry_run)

    async def rename_bucket(self, src: Bucket, dst: Bucket) -> Job:
        self.buckets.head(src)
        await self.buckets.create(dst, _props_to_copy(self.buckets.head(src)))
        inner = self.copy(src, dst, Selection({"template": ""}), kind=actions.MOVE_BCK)

        async def run(job: Job) -> None:
            assert inner.task is not None
            await inner.task
            job.objs, job.bytes, job.err = inner.objs, inner.bytes, inner.err
            if not inner.err:
                await self.buckets.destroy(src)

        return self.jobs.start(actions.MOVE_BCK, run, bck=src, dst_bck=dst)


def _props_to_copy(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items()
            if k in ("checksum", "versioning", "mirror", "ec", "lru", "write_policy")}
