"""`aisctl`: the command-line client, shaped like the `ais` CLI (AIS-API.md §8).

This module builds the argument parser from the command modules, runs the chosen command with
one `Client`, and is the one place where errors become an `Error: ...` line and an exit code:
0 success, 1 failure (server error, local I/O error), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import aiohttp

from ..client import DEFAULT_ENDPOINT, Client
from ..errors import AisError
from . import bucket, cache, cluster, remote
from . import object as obj
from .context import Ctx, UsageError

ENV_ENDPOINT = "AIS_ENDPOINT"
ENV_TOKEN = "AIS_AUTHN_TOKEN"


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as one `Error:` line (exit code 2), and options allowed
    between positionals of a leaf command (`get BUCKET/OBJ --offset 10 OUT`)."""

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._subparsers is None and not self._intermixing:
            self._intermixing = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._intermixing = False
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"Error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def build_parser() -> Parser:
    p = Parser(
        prog="aisctl",
        description="Command-line client for aisnode and AIStore clusters.",
        epilog=f"The endpoint comes from --endpoint, else ${ENV_ENDPOINT}, "
        f"else {DEFAULT_ENDPOINT}.",
    )
    p.add_argument("--endpoint", default="", help="cluster URL, e.g. http://127.0.0.1:8080")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    # ais-style top-level aliases
    bucket.add_create(sub)
    bucket.add_ls(sub)
    obj.add_put(sub)
    obj.add_get(sub)
    obj.add_rm(sub)
    bucket.add_rm(sub, "rmb")
    cache.add_prefetch(sub)
    cache.add_evict(sub)
    # command groups
    bucket.add_bucket_group(sub)
    obj.add_object_group(sub)
    cluster.add_cluster_group(sub)
    cluster.add_config(sub)
    show = sub.add_parser("show", help="show cluster, bucket or object information")
    ssub = show.add_subparsers(dest="show_cmd", metavar="COMMAND", required=True)
    cluster.add_show_cluster(ssub)
    remote.add_show_remote(ssub)
    bucket.add_props_show(ssub, "bucket")
    obj.add_show(ssub, "object")
    return p


async def _run(args: argparse.Namespace, endpoint: str) -> None:
    async with Client(endpoint, token=os.environ.get(ENV_TOKEN) or None) as client:
        await args.func(Ctx(client), args)


def _fail(message: str, code: int) -> int:
    sys.stdout.flush()
    sys.stderr.write(f"Error: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `aisctl` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    endpoint = args.endpoint or os.environ.get(ENV_ENDPOINT) or DEFAULT_ENDPOINT
    try:
        asyncio.run(_run(args, endpoint))
    except UsageError as e:
        return _fail(str(e), 2)
    except AisError as e:
        return _fail(e.message, 1)
    except BrokenPipeError:
        # reader went away (`aisctl get ... - | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as e:
        detail = f"{e.strerror}: {e.filename}" if e.filename and e.strerror else str(e)
        return _fail(detail, 1)
    except (aiohttp.ClientError, TimeoutError) as e:
        return _fail(str(e) or type(e).__name__, 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return 0


if __name__ == "__main__":
    sys.exit(main())
