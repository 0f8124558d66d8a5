"""A job and the registry that runs and reports jobs.

A job is an asyncio task with an id, a kind (an AIS action name such as `delete-listrange`),
the buckets it touches and counters. Finished jobs are kept for `job_retention_s` so clients
can poll their status after the fact (`job.wait()` in the SDK).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import JobNotFound
from ..wire.bucket import Bucket

log = logging.getLogger("aisnode.jobs")
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def new_job_id() -> str:
    """Short random id, like AIS's (letters and digits, starts with a letter)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return secrets.choice(alphabet) + secrets.token_urlsafe(7).replace("-", "x").replace("_", "y")


@dataclass
class Job:
    id: str
    kind: str
    bck: Bucket | None = None
    dst_bck: Bucket | None = None
    start_ns: int = field(default_factory=time.time_ns)
    end_ns: int = 0
    err: str = ""
    aborted: bool = False
    objs: int = 0
    bytes: int = 0
    result: Any = None
    task: asyncio.Task[None] | None = None

    @property
    def finished(self) -> bool:
        return self.end_ns != 0

    def progress(self, objs: int = 1, nbytes: int = 0) -> None:
        self.objs += objs
        self.bytes += nbytes

    def status(self) -> dict[str, Any]:
        """AIS nl.Status."""
        return {"uuid": self.id, "err": self.err, "end_time": self.end_ns,
                "aborted": self.aborted}

    def snap(self) -> dict[str, Any]:
        """AIS core.Snap as the SDK's JobSnap reads it."""
        def iso(ns: int) -> str:
            if not ns:
                return GO_ZERO_TIME
            return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).isoformat().replace(
                "+00:00", "Z")

        s = str
        return {
            "id": self.id, "kind": self.kind,
            "start-time": iso(self.start_ns), "end-time": iso(self.end_ns),
            "bck": self.bck.to_json() if self.bck else None,
            "src-bck": self.bck.to_json() if self.bck else None,
            "dst-bck": self.dst_bck.to_json() if self.dst_bck else None,
            "stats": {"loc-objs": s(self.objs), "loc-bytes": s(self.bytes),
                      "out-objs": s(0), "out-bytes": s(0), "in-objs": s(self.objs),
                      "in-bytes": s(self.bytes)},
            "aborted": self.aborted, "is_idle": self.finished,
            "abort-err": self.err if self.aborted else "", "err": self.err, "glob.id": 0,
        }


class JobRegistry:
    """Starts jobs and answers status queries."""

    def __init__(self, retention_s: int = 3600) -> None:
        self.retention_s = retention_s
        self._jobs: dict[str, Job] = {}

    def start(self, kind: str, fn: Callable[[Job], Awaitable[None]], *,
              bck: Bucket | None = None, dst_bck: Bucket | None = None) -> Job:
        self._expire()
        job = Job(new_job_id(), kind, bck, dst_bck)
        self._jobs[job.id] = job

        async def run() -> None:
            try:
                await fn(job)
            except asyncio.CancelledError:
                job.aborted = True
                job.err = job.err or "aborted"
            except Exception as e:  # a job's failure is its status, not a crash
                log.warning("job %s[%s] failed: %s", job.kind, job.id, e)
                job.err = str(e)
            finally:
                job.end_ns = time.time_ns()

        job.task = asyncio.get_running_loop().create_task(run())
        return job

    def get(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise JobNotFound(job_id) from None

    def find(self, job_id: str = "", kind: str = "", bck: Bucket | None = None,
             only_running: bool = False) -> list[Job]:
        out = []
        for j in self._jobs.values():
            if job_id and j.id != job_id:
                continue
            if kind and j.kind != kind:
                continue
            if bck is not None and j.bck != bck:
                continue
            if only_running and j.finished:
                continue
            out.append(j)
        return sorted(out, key=lambda j: j.start_ns)

    def abort(self, job_id: str) -> None:
        j = self.get(job_id)
        if j.task and not j.finished:
            j.task.cancel()

    async def stop_all(self) -> None:
        tasks = [j.task for j in self._jobs.values() if j.task and not j.finished]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _expire(self) -> None:
        cutoff = time.time_ns() - self.retention_s * 1_000_000_000
        for jid in [j.id for j in self._jobs.values() if j.finished and j.end_ns < cutoff]:
            del self._jobs[jid]
