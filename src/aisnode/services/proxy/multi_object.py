"""Multi-object and whole-bucket jobs [AIS xact/xs/tcobjs.go, lrit.go]: delete/copy a list or a
template of objects, copy or rename a bucket. Each returns a job whose status clients poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from ...core.storage import walk
from ...core.storage.executor import run_blocking
from ...errors import AisError, InvalidRequest, NotFound
from ...jobs import templates
from ...jobs.base import Job, JobRegistry
from ...wire import actions
from ...wire.bucket import Bucket
from ..target.objects import ObjectService
from ..target.remote import RemoteObjects
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
    def __init__(self, objects: ObjectService, buckets: BucketService, jobs: JobRegistry,
                 remote: RemoteObjects) -> None:
        self.objects = objects
        self.buckets = buckets
        self.jobs = jobs
        self.remote = remote

    async def _remote_names(self, bck: Bucket, sel: Selection) -> AsyncIterator[str]:
        """Names a selection covers in a backed bucket (a prefix lists the backend)."""
        if sel.names is not None or templates.is_range(sel.template):
            for n in sel.resolve(self.objects, bck):
                yield n
            return
        token = ""
        while True:
            rows, token = await self.remote.list_page(bck, sel.template, token, 1000)
            for e, _ in rows:
                yield e.name
            if not token:
                return

    def prefetch(self, bck: Bucket, sel: Selection, latest: bool = False,
                 continue_on_error: bool = True, workers: int = 4) -> Job:
        """Cold-GET every selected object that is not cached (or is stale, with `latest`)."""
        if self.remote.backed(bck) is None:
            raise InvalidRequest(f"{bck}: prefetch applies to buckets with a remote backend")

        async def run(job: Job) -> None:
            sem = asyncio.Semaphore(max(1, workers))
            errors: list[str] = []

            async def one(name: str) -> None:
                async with sem:
                    try:
                        n = await self.remote.fetch(bck, name, latest=latest)
                        job.progress(1, n)
                    except AisError as e:
                        errors.append(f"{name}: {e.message}")
                        if not continue_on_error:
                            raise

            tasks = []
            async for name in self._remote_names(bck, sel):
                tasks.append(asyncio.create_task(one(name)))
                if len(tasks) >= 256:
                    await asyncio.gather(*tasks)
                    tasks = []
            await asyncio.gather(*tasks)
            if errors:
                job.err = f"{len(errors)} object(s) failed, first: {errors[0]}"

        return self.jobs.start(actions.PREFETCH_OBJECTS, run, bck=bck)

    def evict(self, bck: Bucket, sel: Selection) -> Job:
        """Drop cached copies of the selected objects (the backend keeps them)."""
        if self.remote.backed(bck) is None:
            raise InvalidRequest(f"{bck}: evict applies to buckets with a remote backend")

        async def run(job: Job) -> None:
            for name in sel.resolve(self.objects, bck):
                if await self.remote.evict(bck, name):
                    job.progress()

        return self.jobs.start(actions.EVICT_OBJECTS, run, bck=bck)

    async def evict_bucket(self, bck: Bucket, keep_md: bool) -> None:
        """Drop every cached object of a remote bucket; unless `keep_md`, forget the bucket."""
        if not bck.is_remote:
            raise InvalidRequest(f"{bck}: only remote buckets can be evicted")
        self.buckets.head(bck)
        if keep_md:
            await run_blocking(self.buckets.remove_objects, bck)
        else:
            await self.buckets.destroy(bck)

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
