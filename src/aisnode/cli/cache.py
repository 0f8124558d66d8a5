"""Populating and dropping the cache of remote buckets: `prefetch` and `evict`.

Both start a job on the cluster and by default wait for it, with a progress bar of objects and
bytes (from the job's snapshots) when stderr is a terminal; `--no-wait` prints the job id and
returns at once. `evict BUCKET` without a selection evicts the whole bucket.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Any

from ..client import JobProgress
from ..errors import AisError
from ..wire import actions
from ..wire.bucket import Bucket
from .context import Ctx, UsageError, bucket_arg
from .render import JobBar, format_size

SubParsers = Any

_RANGE = re.compile(r"\{(\d+)\.\.(\d+)(?:\.\.(\d+))?\}")


def template_count(template: str) -> int | None:
    """How many names a bash-brace template expands to; None for a plain prefix."""
    ranges = _RANGE.findall(template)
    if not ranges:
        return None
    n = 1
    for a, b, step in ranges:
        lo, hi, st = int(a), int(b), int(step or 1)
        if st <= 0 or hi < lo:
            raise UsageError(f'invalid range in template "{template}"')
        n *= len(range(lo, hi + 1, st))
    return n


@dataclass(frozen=True)
class Selection:
    """What a prefetch/evict command works on: names, a template, a prefix, or (all None) the
    whole bucket."""

    names: list[str] | None = None
    template: str | None = None
    prefix: str | None = None

    @property
    def whole_bucket(self) -> bool:
        return self.names is None and self.template is None and not self.prefix

    @property
    def total(self) -> int | None:
        if self.names is not None:
            return len(self.names)
        if self.template is not None:
            return template_count(self.template)
        return None

    def describe(self, bck: Bucket) -> str:
        if self.names is not None:
            return f'"{",".join(self.names)}" from {bck}'
        if self.template is not None:
            return f'"{self.template}" from {bck}'
        if self.prefix:
            return f'prefix "{self.prefix}" from {bck}'
        return f"entire bucket {bck}"

    def kwargs(self) -> dict[str, Any]:
        if self.names is not None:
            return {"names": self.names}
        if self.template is not None:
            return {"template": self.template}
        return {"prefix": self.prefix or ""}


def selection_args(args: argparse.Namespace) -> tuple[Bucket, Selection]:
    """BUCKET[/PREFIX_or_TEMPLATE] with --list / --template (mutually exclusive)."""
    bck, tail = bucket_arg(args.uri, allow_object=True)
    if args.list and args.template:
        raise UsageError("--list and --template are mutually exclusive")
    if args.list:
        if tail:
            raise UsageError(f'with --list, give the bucket alone (not "{args.uri}")')
        names = [n.strip() for n in args.list.split(",") if n.strip()]
        if not names:
            raise UsageError("--list: no object names given")
        return bck, Selection(names=names)
    if args.template:
        return bck, Selection(template=tail + args.template)
    if tail and template_count(tail) is not None:
        return bck, Selection(template=tail)
    return bck, Selection(prefix=tail or None)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("uri", metavar="BUCKET[/PREFIX]")
    p.add_argument("--list", default="", help="comma-separated object names")
    p.add_argument("--template", default="",
                   help="bash-brace range of names, e.g. 'shard-{000..999}.tar'")
    p.add_argument("--wait", action=argparse.BooleanOptionalAction, default=True,
                   help="wait for the job to finish, with a progress bar on a terminal "
                   "(default); --no-wait prints the job id and returns")
    p.add_argument("--timeout", type=float, default=0.0,
                   help="seconds to wait for the job (0: no limit)")


def add_prefetch(sub: SubParsers, name: str = "prefetch") -> None:
    p = sub.add_parser(
        name, help="fetch objects of a remote bucket into the cluster",
        description="Prefetch (cache) objects of a remote bucket, or of an ais bucket with a "
        "backend: BUCKET (all objects), BUCKET/PREFIX, BUCKET --list a,b,c, or BUCKET --template "
        "'obj-{0..99}' (also BUCKET/obj-{0..99}).",
    )
    _add_common(p)
    p.add_argument("--latest", action="store_true",
                   help="also refetch cached objects whose remote version has changed")
    p.add_argument("--num-workers", type=int, default=0,
                   help="parallel fetches (0: the server's default)")
    p.set_defaults(func=cmd_prefetch)


def add_evict(sub: SubParsers, name: str = "evict") -> None:
    p = sub.add_parser(
        name, help="drop cached objects of a remote bucket (the backend keeps them)",
        description="Evict cached objects of a remote bucket: BUCKET/PREFIX, BUCKET --list "
        "a,b,c, BUCKET --template 'obj-{0..99}'; BUCKET alone evicts the whole bucket (and the "
        "cluster forgets the bucket unless --keep-md).",
    )
    _add_common(p)
    p.add_argument("--keep-md", action="store_true",
                   help="when evicting the whole bucket, keep its metadata (props)")
    p.set_defaults(func=cmd_evict)


async def cmd_prefetch(ctx: Ctx, args: argparse.Namespace) -> None:
    if args.num_workers < 0:
        raise UsageError("--num-workers must not be negative")
    bck, sel = selection_args(args)
    job = await ctx.client.prefetch(
        bck, latest=args.latest, num_workers=args.num_workers, **sel.kwargs()
    )
    await _follow(ctx, args, actions.PREFETCH_OBJECTS, "prefetch", job, bck, sel)


async def cmd_evict(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, sel = selection_args(args)
    if sel.whole_bucket:
        job = await ctx.client.evict_bucket(bck, keep_md=args.keep_md)
        kept = " (bucket metadata kept)" if args.keep_md else ""
        if job:
            await _follow(ctx, args, actions.EVICT_REMOTE_BCK, "evict", job, bck, sel)
            return
        ctx.say(f'"{bck}" bucket evicted{kept}')
        return
    if args.keep_md:
        raise UsageError("--keep-md applies only when evicting a whole bucket")
    job = await ctx.client.evict(bck, **sel.kwargs())
    await _follow(ctx, args, actions.EVICT_OBJECTS, "evict", job, bck, sel)


async def _follow(
    ctx: Ctx, args: argparse.Namespace, kind: str, verb: str, job: str, bck: Bucket,
    sel: Selection,
) -> None:
    """Report a started job; unless --no-wait, wait for it with a progress bar."""
    text = f"{kind}[{job}]: {verb} {sel.describe(bck)}"
    if not args.wait or not job:
        ctx.say(text)
        return
    last = JobProgress(job)

    def on_progress(p: JobProgress) -> None:
        nonlocal last
        last = p
        bar.update(p)

    try:
        with JobBar(f"{verb} {bck}", sel.total, show_bytes=verb != "evict") as bar:
            st = await ctx.client.wait_job(
                job, kind, timeout=args.timeout or None, progress=on_progress
            )
    except TimeoutError:
        raise AisError(f"timed out waiting for {kind}[{job}] ({verb} {sel.describe(bck)}); "
                       "the job goes on in the cluster") from None
    if st.aborted:
        raise AisError(f"{kind}[{job}] was aborted{': ' + st.err if st.err else ''}")
    if st.err:
        raise AisError(f"{kind}[{job}] failed: {st.err}")
    n = last.objs
    size = f", {format_size(last.bytes)}" if last.bytes else ""
    ctx.say(f"{text}: done ({n} object{'' if n == 1 else 's'}{size})")
