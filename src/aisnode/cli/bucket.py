"""Bucket commands: create, rm, ls (buckets and objects), props show/set/reset.

Each `add_*` function registers one command on an argparse sub-parser group, so the same
command can appear under several names (`create` and `bucket create`, `ls` and `bucket ls`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import AisError
from ..wire import messages as M
from ..wire.bucket import GLOBAL, SCHEMES, Namespace, parse_uri
from .context import Ctx, UsageError, bucket_arg
from .render import (
    flatten,
    format_size,
    format_time_ns,
    format_value,
    nest,
    parse_props,
    print_json,
    print_table,
)

SubParsers = Any  # argparse._SubParsersAction, which has no public name


# --- create / rm ---------------------------------------------------------------------------------
def add_create(sub: SubParsers, name: str = "create") -> None:
    p = sub.add_parser(
        name, help="create ais:// buckets", description="Create one or more buckets."
    )
    p.add_argument("buckets", nargs="+", metavar="BUCKET")
    p.add_argument(
        "--props", default="",
        help="bucket props as 'k=v k2=v2' or JSON, e.g. 'checksum.type=md5 mirror.enabled=true'",
    )
    p.set_defaults(func=cmd_create)


async def cmd_create(ctx: Ctx, args: argparse.Namespace) -> None:
    bcks = [bucket_arg(u)[0] for u in args.buckets]
    props = _props_arg([args.props]) if args.props else None
    for bck in bcks:
        await ctx.client.create_bucket(bck, props)
        ctx.say(f'"{bck}" created')


def add_rm(sub: SubParsers, name: str = "rm") -> None:
    p = sub.add_parser(
        name, help="destroy buckets with all their objects",
        description="Destroy one or more buckets together with all their objects.",
    )
    p.add_argument("buckets", nargs="+", metavar="BUCKET")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_rm)


async def cmd_rm(ctx: Ctx, args: argparse.Namespace) -> None:
    bcks = [bucket_arg(u)[0] for u in args.buckets]
    if not args.yes and sys.stdin.isatty():
        names = ", ".join(f'"{b}"' for b in bcks)
        answer = input(f"Destroy {names} with all objects? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            ctx.say("Operation canceled")
            return
    for bck in bcks:
        await ctx.client.destroy_bucket(bck)
        ctx.say(f'"{bck}" bucket destroyed')


# --- ls ------------------------------------------------------------------------------------------
# `--props all` as `ais ls` shows it; each prop maps to a column
ALL_LIST_PROPS = ("name", "size", "checksum", "atime", "version", "location", "copies",
                  "custom", "cached", "status")


def add_ls(sub: SubParsers, name: str = "ls") -> None:
    p = sub.add_parser(
        name, help="list buckets, or objects in a bucket",
        description="Without arguments list all buckets; with PROVIDER:// list the buckets of one "
        "provider; with BUCKET[/PREFIX] list objects.",
    )
    p.add_argument("uri", nargs="?", default="", metavar="BUCKET[/PREFIX]")
    p.add_argument(
        "--props", default="", help=f"comma-separated {','.join(ALL_LIST_PROPS)} or 'all'"
    )
    p.add_argument("--prefix", default="", help="list only objects whose names start with PREFIX")
    p.add_argument("--name-only", action="store_true", help="list names only (fastest)")
    p.add_argument("--nr", "--non-recursive", dest="non_recursive", action="store_true",
                   help="list one level only; sub-directories show as NAME/")
    p.add_argument("--cached", action="store_true", help="only objects present in the cluster")
    p.add_argument("--page-size", type=int, default=0, help="entries per page (0: server default)")
    p.add_argument("--limit", type=int, default=0, help="stop after N entries (0: no limit)")
    p.add_argument("--start-after", default="", help="list names after this one")
    p.add_argument("-H", "--no-headers", action="store_true", help="omit the table header")
    p.add_argument("-F", "--no-footers", action="store_true", help="omit the summary line")
    p.set_defaults(func=cmd_ls)


async def cmd_ls(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, prefix = parse_uri(args.uri) if args.uri else (None, "")
    if bck is None or not bck.name:
        if prefix or args.prefix:
            raise UsageError("a prefix needs a bucket: ls BUCKET/PREFIX")
        await _ls_buckets(
            ctx, args, bck.provider if bck is not None else None,
            bck.ns if bck is not None else GLOBAL,
        )
        return
    bck.validate()
    if prefix and args.prefix and prefix != args.prefix:
        raise UsageError(f'conflicting prefixes "{prefix}" (in the URI) and "{args.prefix}"')
    await _ls_objects(ctx, args, bck, prefix or args.prefix)


async def _ls_buckets(
    ctx: Ctx, args: argparse.Namespace, provider: str | None, ns: Namespace = GLOBAL
) -> None:
    """All buckets (every provider) or one provider's; `ais://@alias` lists the buckets of
    that remote cluster (by alias or UUID) and `ais://#ns` those of a namespace."""
    bcks = await ctx.client.list_buckets(provider)
    if not ns.is_global:
        uuids = {ns.uuid}
        if ns.uuid:
            uuids |= {c.uuid for c in await ctx.client.remote_clusters()
                      if ns.uuid in (c.alias, c.uuid) and c.uuid}
        bcks = [b for b in bcks if b.ns.uuid in uuids and (not ns.name or b.ns.name == ns.name)]
    bcks.sort(key=lambda b: (b.provider, str(b)))
    if not bcks:
        what = f'"{SCHEMES.get(provider, provider)}://" buckets' if provider else "buckets"
        ctx.say(f"No {what} in the cluster")
        return
    print_table(ctx.out, ["NAME", "PRESENT"], ([str(b), "yes"] for b in bcks),
                no_headers=args.no_headers)


def list_props(arg: str, name_only: bool) -> list[str]:
    """The props to request (and columns to show) for `ls --props`; `name` always first."""
    if name_only:
        return ["name"]
    if not arg:
        return M.DEFAULT_LIST_PROPS.split(",")
    if arg.strip() == "all":
        return list(ALL_LIST_PROPS)
    props = [p.strip() for p in arg.split(",") if p.strip()]
    bad = [p for p in props if p not in M.OBJ_PROPS]
    if bad:
        raise UsageError(f'invalid property "{bad[0]}" (expected one of: {", ".join(M.OBJ_PROPS)})')
    return ["name"] + [p for p in dict.fromkeys(props) if p != "name"]


def _status(f: int) -> str:
    return ("ok", "misplaced", "misplaced", "copy", "copy-missing")[f & 31] if f & 31 < 5 else "?"


def entry_cell(prop: str, e: M.ListEntry) -> str:
    """One table cell of a listed entry."""
    is_dir = bool(e.f & M.ENTRY_IS_DIR)
    match prop:
        case "name":
            return e.n
        case "size":
            return "" if is_dir else format_size(e.s)
        case "checksum":
            return e.cs or "-"
        case "atime":
            return e.a or "-"
        case "version":
            return e.v or "-"
        case "location":
            return e.t or "-"
        case "copies":
            return str(e.c) if e.c else "-"
        case "custom":
            return e.m or "-"
        case "cached":
            return "yes" if e.f & M.ENTRY_CACHED else "no"
        case "status":
            return _status(e.f)
        case "chunked":
            return "yes" if e.f & 8192 else "no"
    return "-"


async def _ls_objects(ctx: Ctx, args: argparse.Namespace, bck: Any, prefix: str) -> None:
    if args.page_size < 0 or args.limit < 0:
        raise UsageError("--page-size and --limit must not be negative")
    props = list_props(args.props, args.name_only)
    flags = 0
    if args.name_only:
        flags |= M.LS_NAME_ONLY
    if args.non_recursive:
        flags |= M.LS_NO_RECURSION
    if args.cached:
        flags |= M.LS_CACHED
    rows: list[list[str]] = []
    async for e in ctx.client.list_objects(
        bck, prefix=prefix, props=",".join(props), page_size=args.page_size, flags=flags,
        start_after=args.start_after, limit=args.limit,
    ):
        rows.append([entry_cell(p, e) for p in props])
    if rows:
        print_table(ctx.out, [p.upper() for p in props], rows, no_headers=args.no_headers)
    if not args.no_footers:
        n = len(rows)
        ctx.say(f"Listed {n} name{'' if n == 1 else 's'}")


# --- props ---------------------------------------------------------------------------------------
def add_props(sub: SubParsers) -> None:
    p = sub.add_parser("props", help="show, set or reset bucket properties")
    psub = p.add_subparsers(dest="props_cmd", metavar="COMMAND", required=True)
    add_props_show(psub, "show")

    s = psub.add_parser(
        "set", help="update bucket properties",
        description="Update bucket properties given as KEY=VALUE pairs (dotted keys, e.g. "
        "checksum.type=md5 mirror.enabled=true) or as one JSON object.",
    )
    s.add_argument("bucket", metavar="BUCKET")
    s.add_argument("props", nargs="+", metavar="KEY=VALUE|JSON")
    s.set_defaults(func=cmd_props_set)

    r = psub.add_parser("reset", help="restore the cluster's default bucket properties")
    r.add_argument("bucket", metavar="BUCKET")
    r.set_defaults(func=cmd_props_reset)


def add_props_show(sub: SubParsers, name: str) -> None:
    p = sub.add_parser(name, help="show bucket properties")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("prefix", nargs="?", default="", metavar="PROP_PREFIX",
                   help="e.g. checksum, versioning, mirror")
    p.add_argument("-j", "--json", action="store_true", help="print JSON")
    p.add_argument("-H", "--no-headers", action="store_true", help="omit the table header")
    p.set_defaults(func=cmd_props_show)


def _props_arg(words: list[str], current: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        return parse_props(words, current)
    except (ValueError, json.JSONDecodeError) as e:
        raise UsageError(f"invalid props: {e}") from None


def show_value(key: str, v: Any) -> str:
    """A props value for display; `created` is a time in ns."""
    if key == "created" and isinstance(v, str) and v.isdigit():
        return format_time_ns(int(v))
    return format_value(v)


async def cmd_props_show(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, _ = bucket_arg(args.bucket)
    props = await ctx.client.head_bucket(bck)
    flat = {k: v for k, v in flatten(props).items() if k.startswith(args.prefix)}
    if args.prefix and not flat:
        raise UsageError(f'no bucket property matches "{args.prefix}"')
    if args.json:
        print_json(ctx.out, nest(flat) if args.prefix else props)
        return
    rows = [[k, show_value(k, v)] for k, v in sorted(flat.items())]
    print_table(ctx.out, ["PROPERTY", "VALUE"], rows, no_headers=args.no_headers)


async def cmd_props_set(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, _ = bucket_arg(args.bucket)
    before = await ctx.client.head_bucket(bck)
    updates = backend_bck_value(_props_arg(args.props, before))
    await ctx.client.set_bucket_props(bck, updates)
    after = await ctx.client.head_bucket(bck)
    old, new = flatten(before), flatten(after)
    changed = [k for k in new if k != "created" and new[k] != old.get(k)]
    if not changed:
        ctx.say(f'Bucket "{bck}" already has the same values of props, nothing to do')
        return
    ctx.say("Bucket props successfully updated")
    for k in changed:
        ctx.say(f'"{k}" set to: "{_plain(new[k])}" (was: "{_plain(old.get(k, ""))}")')


def backend_bck_value(updates: dict[str, Any]) -> dict[str, Any]:
    """`backend_bck=s3://data` / `backend_bck=none` as AIS takes it: `{"name", "provider"}`
    (empty for none). A bucket in a namespace (`ais://@alias/b`) stays a URI string, which
    aisnode parses with its namespace (the AIS form has no namespace)."""
    v = updates.get("backend_bck")
    if not isinstance(v, str):
        return updates
    if v.strip().lower() in ("", "none"):
        return {**updates, "backend_bck": {"name": "", "provider": ""}}
    try:
        bck, obj = parse_uri(v.strip())
    except AisError as e:
        raise UsageError(f'invalid backend_bck "{v}": {e}') from None
    if not bck.name or obj:
        raise UsageError(f'invalid backend_bck "{v}": expected a bucket such as s3://name')
    if not bck.ns.is_global:
        return updates
    return {**updates, "backend_bck": {"name": bck.name, "provider": bck.provider}}


def _plain(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


async def cmd_props_reset(ctx: Ctx, args: argparse.Namespace) -> None:
    bck, _ = bucket_arg(args.bucket)
    await ctx.client.reset_bucket_props(bck)
    ctx.say("Bucket props successfully reset")


def add_bucket_group(sub: SubParsers) -> None:
    """`aisctl bucket ...`: create, rm, ls, props, show."""
    p = sub.add_parser("bucket", help="create, destroy, list buckets; show and set properties")
    bsub = p.add_subparsers(dest="bucket_cmd", metavar="COMMAND", required=True)
    add_create(bsub)
    add_rm(bsub)
    add_ls(bsub)
    add_props(bsub)
    add_props_show(bsub, "show")
