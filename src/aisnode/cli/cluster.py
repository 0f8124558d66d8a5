"""Cluster commands: `show cluster` (nodes of the cluster map), `config cluster`, and the
`cluster` group (with `remote-attach`/`remote-detach` from `remote.py`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..client import ClusterMap, NodeInfo
from .context import Ctx
from .remote import add_remote_attach, add_remote_detach
from .render import flatten, format_size, format_value, print_json, print_table

SubParsers = Any


def add_show_cluster(sub: SubParsers, name: str = "cluster") -> None:
    p = sub.add_parser(name, help="show the nodes of the cluster")
    p.add_argument("-j", "--json", action="store_true", help="print the cluster map as JSON")
    p.add_argument("-H", "--no-headers", action="store_true", help="omit the table header")
    p.set_defaults(func=cmd_show_cluster)


def _capacity(n: NodeInfo) -> str:
    """Used/total capacity when the node entry carries it (aisnode extension), else `-`."""
    cap = n.extra.get("capacity")
    if isinstance(cap, dict) and cap.get("total"):
        used, total = int(cap.get("used") or 0), int(cap["total"])
        return f"{format_size(used)} / {format_size(total)} ({used * 100 // total}%)"
    return "-"


def node_rows(smap: ClusterMap) -> list[list[str]]:
    rows = []
    for n in smap.proxies + smap.targets:
        node = f"p[{n.node_id}]" if n.role == "proxy" else f"t[{n.node_id}]"
        if n.node_id == smap.primary_id and n.role == "proxy":
            node += "[P]"
        rows.append([node, n.role, n.url or "-", _capacity(n)])
    return rows


async def cmd_show_cluster(ctx: Ctx, args: argparse.Namespace) -> None:
    smap = await ctx.client.smap()
    if args.json:
        print_json(ctx.out, smap.raw)
        return
    rows = node_rows(smap)
    headers = ["NODE", "TYPE", "URL", "CAPACITY"]
    if all(r[3] == "-" for r in rows):
        headers, rows = headers[:3], [r[:3] for r in rows]
    print_table(ctx.out, headers, rows, no_headers=args.no_headers)
    ctx.say("")
    ctx.say("Summary:")
    ctx.say(f"  Proxies:      {len(smap.proxies)}")
    ctx.say(f"  Targets:      {len(smap.targets)}")
    ctx.say(f"  Cluster UUID: {smap.uuid or '-'}")
    ctx.say(f"  Cluster map:  version {smap.version or '-'}, primary p[{smap.primary_id}]")


def add_config(sub: SubParsers) -> None:
    p = sub.add_parser("config", help="show configuration")
    csub = p.add_subparsers(dest="config_cmd", metavar="COMMAND", required=True)
    c = csub.add_parser("cluster", help="show the cluster-wide configuration")
    c.add_argument("prefix", nargs="?", default="", metavar="KEY_PREFIX")
    c.add_argument("-j", "--json", action="store_true", help="print JSON")
    c.set_defaults(func=cmd_config_cluster)


async def cmd_config_cluster(ctx: Ctx, args: argparse.Namespace) -> None:
    cfg = await ctx.client.cluster_config()
    if args.json and not args.prefix:
        print_json(ctx.out, cfg)
        return
    flat = {k: v for k, v in flatten(cfg).items() if k.startswith(args.prefix)}
    if args.json:
        print_json(ctx.out, flat)
        return
    rows = ([k, format_value(v)] for k, v in sorted(flat.items()))
    print_table(ctx.out, ["PROPERTY", "VALUE"], rows)


def add_cluster_group(sub: SubParsers) -> None:
    """`aisctl cluster show|remote-attach|remote-detach`."""
    p = sub.add_parser("cluster", help="cluster information; attach and detach remote clusters")
    csub = p.add_subparsers(dest="cluster_cmd", metavar="COMMAND", required=True)
    add_show_cluster(csub, "show")
    add_remote_attach(csub)
    add_remote_detach(csub)
