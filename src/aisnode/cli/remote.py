"""Remote clusters: `cluster remote-attach`, `cluster remote-detach`, `show remote-cluster`.

A remote cluster is another aisnode/AIStore cluster whose buckets this one serves (and caches)
as `ais://@alias/bucket`; see AIS-API.md §8.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from ..client import RemoteCluster
from .context import Ctx, UsageError
from .render import print_json, print_table

SubParsers = Any


def parse_attach_args(words: list[str]) -> dict[str, list[str]]:
    """`alias=url [alias=url2 other=url3 ...]` -> {alias: [url, url2], other: [url3]} (in order;
    a URL without a scheme gets `http://`)."""
    out: dict[str, list[str]] = {}
    for w in words:
        alias, sep, url = w.partition("=")
        alias, url = alias.strip(), url.strip()
        if not sep or not alias or not url:
            raise UsageError(f'invalid "{w}": expected ALIAS=URL (or UUID=URL)')
        if "://" not in url:
            url = "http://" + url
        urls = out.setdefault(alias, [])
        if url not in urls:
            urls.append(url)
    return out


def add_remote_attach(sub: SubParsers) -> None:
    p = sub.add_parser(
        "remote-attach", help="attach remote clusters (ALIAS=URL ...)",
        description="Attach remote aisnode/AIStore clusters, each as ALIAS=URL (or UUID=URL); "
        "repeat an alias to give it several URLs (alias=url1 alias=url2). Attaching an attached "
        "alias again replaces its URLs and refreshes what is known about it. Buckets of a remote "
        "cluster are then addressed as ais://@ALIAS/BUCKET.",
    )
    p.add_argument("pairs", nargs="+", metavar="ALIAS=URL")
    p.set_defaults(func=cmd_remote_attach)


async def cmd_remote_attach(ctx: Ctx, args: argparse.Namespace) -> None:
    for alias, urls in parse_attach_args(args.pairs).items():
        rc = await ctx.client.attach_remote(alias, urls)
        ctx.say(f"Remote cluster ({alias}={','.join(urls)}) successfully attached")
        if not rc.online and (rc.urls or rc.url):
            ctx.warn(f'Warning: remote cluster "{alias}" is not reachable at '
                     f"{', '.join(rc.urls or [rc.url])}")


def add_remote_detach(sub: SubParsers) -> None:
    p = sub.add_parser(
        "remote-detach", help="detach a remote cluster",
        description="Detach a remote cluster given by its alias or UUID.",
    )
    p.add_argument("alias", metavar="ALIAS|UUID")
    p.set_defaults(func=cmd_remote_detach)


async def cmd_remote_detach(ctx: Ctx, args: argparse.Namespace) -> None:
    if not args.alias.strip():
        raise UsageError("missing remote cluster alias or UUID")
    await ctx.client.detach_remote(args.alias.strip())
    ctx.say(f"Remote cluster {args.alias.strip()} successfully detached")


def add_show_remote(sub: SubParsers) -> None:
    p = sub.add_parser(
        "remote-cluster", aliases=["remote-clusters"], help="show attached remote clusters",
        description="Attached remote clusters with their UUID, URL, alias, primary, cluster map "
        "version and number of targets; a cluster that cannot be reached now is shown with the "
        "last facts known about it and Online=no.",
    )
    p.add_argument("-j", "--json", action="store_true", help="print JSON")
    p.add_argument("-H", "--no-headers", action="store_true", help="omit the table header")
    p.set_defaults(func=cmd_show_remote)


REMOTE_HEADERS = ["UUID", "URL", "Alias", "Primary", "Smap", "Targets", "Online"]


def remote_row(c: RemoteCluster) -> list[str]:
    """One row of `show remote-cluster`, as `ais` prints it (`n/a` for never-known facts)."""
    url = ",".join(c.urls) if c.urls else (c.url or "-")
    online = "yes" if c.online else "no"
    if not c.smap_version:
        return [f"<{c.uuid}>" if c.uuid else "n/a", url, c.alias, "n/a", "n/a", "n/a", online]
    primary = f"p[{c.primary}]" if c.primary else "n/a"
    return [c.uuid or "n/a", url, c.alias, primary, f"v{c.smap_version}", str(c.targets), online]


async def cmd_show_remote(ctx: Ctx, args: argparse.Namespace) -> None:
    clusters = await ctx.client.remote_clusters()
    if args.json:
        print_json(ctx.out, [dataclasses.asdict(c) for c in clusters])
        return
    if not clusters:
        ctx.say("No remote clusters attached")
        return
    print_table(ctx.out, REMOTE_HEADERS, (remote_row(c) for c in clusters),
                no_headers=args.no_headers)
