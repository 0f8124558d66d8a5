"""Object commands: put (file, directory, stdin), get (file, range, stdout), show, rm.

Bodies stream through `Client.put_object`/`get_object` in chunks; progress bars (stderr, TTY
only) count bytes over all files of one command.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import AisError
from ..wire.bucket import Bucket
from .context import Ctx, UsageError, bucket_arg, object_arg
from .render import Transfer, format_size, format_time_ns, print_table

SubParsers = Any


# --- put -----------------------------------------------------------------------------------------
def add_put(sub: SubParsers, name: str = "put") -> None:
    p = sub.add_parser(
        name, help="upload a file, a directory or stdin",
        description="PUT FILE BUCKET[/NAME] (default name: the file's basename), "
        "PUT DIR BUCKET[/PREFIX] (top-level files; all with --recursive; object names are "
        "PREFIX/relative-path), PUT - BUCKET/NAME (standard input).",
    )
    p.add_argument("src", metavar="FILE|DIR|-")
    p.add_argument("dst", metavar="BUCKET[/OBJECT_NAME_or_PREFIX]")
    p.add_argument("-r", "--recursive", action="store_true", help="walk sub-directories of DIR")
    p.add_argument("--num-workers", type=int, default=4, help="parallel uploads for a directory")
    p.add_argument("--cont-on-err", action="store_true", help="keep going when a file fails")
    p.add_argument("--dry-run", action="store_true", help="show what would be uploaded")
    p.set_defaults(func=cmd_put)


def dir_files(root: Path, recursive: bool) -> list[Path]:
    """Regular files under `root` (top level only unless recursive), sorted by relative path."""
    if not recursive:
        return sorted(p for p in root.iterdir() if p.is_file())
    out: list[Path] = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        out.extend(Path(d, f) for f in files if Path(d, f).is_file())
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def object_name_for(src: Path, dst_name: str, root: Path | None = None) -> str:
    """Object name of `src`: `dst_name` for a single file (basename when empty or a `.../`
    prefix), `PREFIX/relative-path` for a file found under directory `root`."""
    if root is None:
        if not dst_name or dst_name.endswith("/"):
            return dst_name + src.name
        return dst_name
    rel = src.relative_to(root).as_posix()
    if not dst_name:
        return rel
    return dst_name.rstrip("/") + "/" + rel


async def cmd_put(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, name = bucket_arg(args.dst, allow_object=True)
    if args.src == "-":
        if not name or name.endswith("/"):
            raise UsageError("reading standard input needs an object name: put - BUCKET/NAME")
        if not args.dry_run:
            with Transfer(name, None) as bar:
                await ctx.client.put_object(bck, name, sys.stdin.buffer, progress=bar.advance)
        ctx.say(f"{_dry(args)}PUT (standard input) => {bck}/{name}")
        return
    src = Path(args.src)
    if src.is_dir():
        await _put_dir(ctx, args, bck, src, name)
        return
    if not src.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file or directory", args.src)
    obj = object_name_for(src, name)
    if not args.dry_run:
        size = src.stat().st_size
        with Transfer(obj, size) as bar:
            await ctx.client.put_object(bck, obj, src, progress=bar.advance)
    ctx.say(f'{_dry(args)}PUT "{args.src}" => {bck}/{obj}')


def _dry(args: argparse.Namespace) -> str:
    return "[DRY RUN] " if args.dry_run else ""


async def _put_dir(
    ctx: Ctx, args: argparse.Namespace, bck: Bucket, root: Path, prefix: str
) -> None:
    files = dir_files(root, args.recursive)
    items = [(f, object_name_for(f, prefix, root)) for f in files]
    total = sum(f.stat().st_size for f, _ in items)
    if not items:
        ctx.say(f'No files to upload in "{root}"')
        return
    if args.dry_run:
        for f, obj in items:
            ctx.say(f'[DRY RUN] PUT "{f}" => {bck}/{obj}')
        return
    started = time.monotonic()
    failed: list[tuple[str, Exception]] = []
    todo = iter(items)

    async def worker(bar: Transfer) -> None:
        for f, obj in todo:
            if failed and not args.cont_on_err:
                return
            try:
                await ctx.client.put_object(bck, obj, f, progress=bar.advance)
            except (AisError, OSError) as e:
                failed.append((obj, e))
                if args.cont_on_err:
                    ctx.warn(f'Failed to PUT "{f}": {e}')
                else:
                    return

    with Transfer(f"{len(items)} files", total) as bar:
        await asyncio.gather(*(worker(bar) for _ in range(max(1, args.num_workers))))
    if failed and not args.cont_on_err:
        raise failed[0][1]
    done = len(items) - len(failed)
    secs = time.monotonic() - started
    where = f"{bck}/{prefix}" if prefix else str(bck)
    ctx.say(f'PUT {done} file{"" if done == 1 else "s"} ({format_size(total)}) '
            f'from "{root}" => {where} in {secs:.2f}s')
    if failed:
        raise AisError(f"failed to PUT {len(failed)} of {len(items)} files")


# --- get -----------------------------------------------------------------------------------------
def add_get(sub: SubParsers, name: str = "get") -> None:
    p = sub.add_parser(
        name, help="download an object to a file or stdout",
        description="GET BUCKET/OBJECT [OUT_FILE|OUT_DIR|-]; default: the object's basename in "
        "the current directory; '-' writes to standard output.",
    )
    p.add_argument("src", metavar="BUCKET/OBJECT_NAME")
    p.add_argument("out", nargs="?", default="", metavar="OUT_FILE|OUT_DIR|-")
    p.add_argument("--offset", type=int, default=None, help="read from this byte offset")
    p.add_argument("--length", type=int, default=None, help="read this many bytes")
    p.set_defaults(func=cmd_get)


async def cmd_get(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, obj = object_arg(args.src)
    base = obj.rstrip("/").rsplit("/", 1)[-1]
    out = args.out or base
    to_stdout = out == "-"
    if not to_stdout and os.path.isdir(out):
        out = os.path.join(out, base)
    total: int | None = None
    if sys.stderr.isatty():
        size = (await ctx.client.head_object(bck, obj, "name,size")).size
        start = min(args.offset or 0, size)
        total = min(args.length, size - start) if args.length is not None else size - start
    created = not to_stdout and not os.path.exists(out)
    try:
        with Transfer(base, total) as bar:
            attrs = await ctx.client.get_object(
                bck, obj, sys.stdout.buffer if to_stdout else out,
                offset=args.offset, length=args.length, progress=bar.advance,
            )
    except BaseException:
        if created and os.path.exists(out):
            os.unlink(out)
        raise
    if not to_stdout:
        ctx.say(f'GET "{obj}" from {bck} as "{out}" ({format_size(attrs.size)})')


# --- show ----------------------------------------------------------------------------------------
DEFAULT_SHOW = ("checksum", "size", "atime", "version")
ALL_SHOW = ("name", "checksum", "size", "atime", "version", "custom", "location", "copies",
            "cached")
# props the CLI knows how to show -> the HEAD `props=` it needs (None: always in the reply)
_HEAD_PROP = {"name": None, "size": None, "cached": None, "checksum": "checksum",
              "atime": "atime", "version": "version", "custom": "custom",
              "location": "location", "copies": "copies"}


def add_show(sub: SubParsers, name: str = "show") -> None:
    p = sub.add_parser(name, help="show object properties")
    p.add_argument("uri", metavar="BUCKET/OBJECT_NAME")
    p.add_argument("--props", default="", help=f"comma-separated {','.join(ALL_SHOW)} or 'all'")
    p.add_argument("-H", "--no-headers", action="store_true", help="omit the table header")
    p.set_defaults(func=cmd_show)


def show_props(arg: str) -> list[str]:
    """Rows to show for `object show --props`."""
    if not arg:
        return list(DEFAULT_SHOW)
    if arg.strip() == "all":
        return list(ALL_SHOW)
    props = [p.strip() for p in arg.split(",") if p.strip()]
    bad = [p for p in props if p not in _HEAD_PROP]
    if bad:
        raise UsageError(f'invalid property "{bad[0]}" (expected one of: {", ".join(ALL_SHOW)})')
    return list(dict.fromkeys(props))


async def cmd_show(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, obj = object_arg(args.uri)
    props = show_props(args.props)
    wire_props = ["name", "size"] + [w for p in props if (w := _HEAD_PROP[p])]
    a = await ctx.client.head_object(bck, obj, ",".join(wire_props))
    cells = {
        "name": f"{bck}/{obj}",
        "checksum": f"{a.checksum_type}[{a.checksum_value}]"
        if a.checksum_value and a.checksum_type else (a.checksum_value or "-"),
        "size": format_size(a.size),
        "atime": format_time_ns(a.atime_ns),
        "version": a.version or "-",
        "custom": ", ".join(f"{k}={v}" for k, v in sorted(a.custom.items())) or "-",
        "location": a.location or "-",
        "copies": (f"{a.copies} [{', '.join(a.mirror_paths)}]" if a.mirror_paths
                   else str(a.copies)) if a.copies else "-",
        "cached": "-" if a.present is None else ("yes" if a.present else "no"),
    }
    print_table(ctx.out, ["PROPERTY", "VALUE"], ([p, cells[p]] for p in props),
                no_headers=args.no_headers)


# --- rm ------------------------------------------------------------------------------------------
def add_rm(sub: SubParsers, name: str = "rm") -> None:
    p = sub.add_parser(
        name, help="delete objects",
        description="Delete objects: BUCKET/NAME [BUCKET/NAME ...]; BUCKET --list a,b,c; "
        "BUCKET --template 'pre-{00..99}.bin' (also BUCKET/pre-{00..99}.bin). Multi-object "
        "deletes run as a job, which the command waits for.",
    )
    p.add_argument("uris", nargs="+", metavar="BUCKET[/OBJECT_NAME_or_TEMPLATE]")
    p.add_argument("--list", default="", help="comma-separated object names")
    p.add_argument("--template", default="", help="bash-brace range, e.g. 'obj-{0..9}.bin'")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the job to finish")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the job")
    p.add_argument("-y", "--yes", action="store_true", help="accepted for compatibility with ais")
    p.set_defaults(func=cmd_rm)


def is_template(name: str) -> bool:
    return "{" in name and "}" in name and ".." in name


async def cmd_rm(ctx: Ctx, args: argparse.Namespace) -> None:
    if args.list and args.template:
        raise UsageError("--list and --template are mutually exclusive")
    if args.list or args.template:
        if len(args.uris) != 1:
            raise UsageError("--list and --template take exactly one BUCKET")
        bck, name = bucket_arg(args.uris[0], allow_object=True)
        if args.list:
            if name:
                raise UsageError("with --list, give the bucket alone")
            names = [n.strip() for n in args.list.split(",") if n.strip()]
            await _rm_many(ctx, args, bck, names=names)
        else:
            await _rm_many(ctx, args, bck, template=name + args.template)
        return
    targets = [bucket_arg(u, allow_object=True) for u in args.uris]
    for (bck, name), uri in zip(targets, args.uris, strict=True):
        if not name:
            raise UsageError(
                f'"{uri}" names a bucket: give BUCKET/OBJECT_NAME, --list or --template '
                f"(to destroy the bucket use: aisctl bucket rm {bck})"
            )
    for bck, name in targets:
        if is_template(name):
            await _rm_many(ctx, args, bck, template=name)
        else:
            await ctx.client.delete_object(bck, name)
            ctx.say(f'deleted "{name}" from {bck}')


async def _rm_many(
    ctx: Ctx, args: argparse.Namespace, bck: Bucket, *,
    names: list[str] | None = None, template: str | None = None,
) -> None:
    job = await ctx.client.delete_objects(bck, names=names, template=template)
    what = f"{len(names)} objects" if names is not None else f'objects matching "{template}"'
    if args.no_wait or not job:
        suffix = f" (job {job})" if job else ""
        ctx.say(f"deleting {what} from {bck}{suffix}")
        return
    try:
        st = await ctx.client.wait_job(job, "delete-listrange", timeout=args.timeout)
    except TimeoutError:
        raise AisError(f"timed out waiting for job {job} ({what} from {bck})") from None
    if st.err or st.aborted:
        raise AisError(f"job {job} failed: {st.err or 'aborted'}")
    ctx.say(f"deleted {what} from {bck} (job {job})")


def add_object_group(sub: SubParsers) -> None:
    """`aisctl object ...`: put, get, show, rm."""
    p = sub.add_parser("object", help="put, get, show and delete objects")
    osub = p.add_subparsers(dest="object_cmd", metavar="COMMAND", required=True)
    add_put(osub)
    add_get(osub)
    add_show(osub)
    add_rm(osub)
