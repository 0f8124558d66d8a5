"""The backend contract [AIS core/backend.go]: what aisnode needs from a remote store.

Providers raise domain errors where they arise: BucketNotFound / ObjectNotFound for missing
things, AccessDenied for credentials, BackendError (with the provider's status and code) for
everything else, Unavailable when the service cannot be reached. Object names and bucket names
are the provider's own (a `Bucket` whose provider matches the backend). Every call also takes
the bucket's props (`props=`), for per-bucket settings such as `extra.aws.endpoint`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..wire.bucket import Bucket

Props = dict[str, Any] | None


@dataclass
class RemoteAttrs:
    """What a backend says about one object."""

    size: int
    etag: str = ""
    version: str = ""
    last_modified_ns: int = 0
    md5: str = ""
    """Hex MD5 when the provider knows it (S3 single-part ETag, GCS md5Hash, Azure Content-MD5)."""
    content_type: str = ""
    custom: dict[str, str] = field(default_factory=dict)

    def identity(self) -> str:
        """What changes when the object changes: version if any, else ETag, else mtime+size."""
        return self.version or self.etag or f"{self.last_modified_ns}:{self.size}"


@dataclass
class RemoteEntry:
    name: str
    size: int
    etag: str = ""
    version: str = ""
    last_modified_ns: int = 0


@dataclass
class RemotePage:
    entries: list[RemoteEntry]
    token: str = ""
    """Opaque continuation token; empty on the last page."""


class RemoteReader(Protocol):
    """An open object download: attributes plus a byte stream. Always `close()` it."""

    attrs: RemoteAttrs

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class Backend(Protocol):
    provider: str

    async def head_bucket(self, bck: Bucket, props: Props = None) -> dict[str, str]:
        """Confirm the bucket exists and is accessible; return remote facts (region, ...)."""
        ...

    async def list_buckets(self) -> list[str]: ...

    async def list_objects(self, bck: Bucket, prefix: str, token: str,
                           page_size: int, props: Props = None) -> RemotePage: ...

    async def head_object(self, bck: Bucket, name: str, props: Props = None) -> RemoteAttrs: ...

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: Props = None) -> RemoteReader:
        """Open a download; `rng` is (offset, length)."""
        ...

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: Props = None) -> RemoteAttrs:
        """Upload the file at `path` (a complete work file) as object `name`."""
        ...

    async def delete_object(self, bck: Bucket, name: str, props: Props = None) -> None: ...

    async def close(self) -> None: ...
