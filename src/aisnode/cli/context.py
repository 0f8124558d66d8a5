"""What every `aisctl` command receives: the client, the consoles, and argument helpers.

`UsageError` is for a command line that cannot be right whatever the server says (exit code 2);
everything the server rejects surfaces as an `aisnode.errors` exception (exit code 1).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from rich.console import Console

from ..client import Client
from ..wire.bucket import Bucket, parse_uri
from .render import make_console


class UsageError(Exception):
    """The command line is wrong; printed as `Error: ...` with exit code 2."""


@dataclass
class Ctx:
    """Per-invocation state shared by command handlers."""

    client: Client
    out: Console = field(default_factory=make_console)
    err: Console = field(default_factory=lambda: make_console(stderr=True))

    def say(self, line: str) -> None:
        """One line of plain output (no markup interpretation)."""
        self.out.file.write(line + "\n")
        self.out.file.flush()

    def warn(self, line: str) -> None:
        sys.stderr.write(line + "\n")


def bucket_arg(uri: str, *, allow_object: bool = False) -> tuple[Bucket, str]:
    """Parse `ais://bucket[/object]`; a bucket name is required and validated.

    Raises UsageError for a missing bucket or an unexpected object part, and InvalidBucketName
    (exit code 1, as the server would answer) for a malformed name.
    """
    bck, obj = parse_uri(uri)
    if not bck.name:
        raise UsageError(f'missing bucket name in "{uri}"')
    if obj and not allow_object:
        raise UsageError(f'expected a bucket, got "{uri}" (object name "{obj}")')
    bck.validate()
    return bck, obj


def object_arg(uri: str) -> tuple[Bucket, str]:
    """Parse `ais://bucket/object`; both parts are required."""
    bck, obj = bucket_arg(uri, allow_object=True)
    if not obj:
        raise UsageError(f'missing object name in "{uri}" (expected BUCKET/OBJECT_NAME)')
    return bck, obj
