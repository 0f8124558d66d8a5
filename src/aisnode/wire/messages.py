"""Message shapes on the wire.

JSON control messages (ActMsg, LsoMsg) are decoded leniently into plain dicts by the API layer;
the list-objects page is msgpack with AIS's short keys, which the official SDK decodes with
msgspec by field name — so these structs fix the exact keys.
"""

from __future__ import annotations

import msgspec

# list-objects flags (bit positions as in AIS api/apc/lsmsg.go)
LS_CACHED = 1 << 0
LS_MISSING = 1 << 1
LS_DELETED = 1 << 2
LS_ARCH_DIR = 1 << 3
LS_NAME_ONLY = 1 << 4
LS_NAME_SIZE = 1 << 5
LS_BCK_PRESENT = 1 << 6
LS_DONT_HEAD_REMOTE = 1 << 7
LS_DONT_ADD_REMOTE = 1 << 8
LS_NOT_CACHED = 1 << 9
LS_ONLY_REMOTE_PROPS = 1 << 10
LS_NO_RECURSION = 1 << 11
LS_DIFF = 1 << 12
LS_NO_DIRS = 1 << 13

# entry flags
ENTRY_OK = 0
ENTRY_CACHED = 64
ENTRY_IS_DIR = 256

# object property names accepted by list/HEAD
OBJ_PROPS = (
    "name", "size", "version", "checksum", "atime", "cached", "status", "copies", "ec",
    "custom", "location", "chunked", "last-modified", "etag",
)
DEFAULT_LIST_PROPS = "name,size"
MAX_PAGE_SIZE = 10000


class ListEntry(msgspec.Struct, omit_defaults=True):
    """One object in a list-objects page (AIS cmn/objlist.go LsoEnt)."""

    n: str
    cs: str = ""
    a: str = ""
    v: str = ""
    t: str = ""
    m: str = ""
    s: int = 0
    c: int = 0
    f: int = 0


class ListPage(msgspec.Struct):
    """A page of a listing (AIS LsoRes)."""

    UUID: str
    ContinuationToken: str
    Entries: list[ListEntry]
    Flags: int = 0


class JobStatus(msgspec.Struct):
    """Reply to `GET /v1/cluster?what=status` (AIS nl.Status)."""

    uuid: str
    err: str = ""
    end_time: int = 0
    aborted: bool = False
