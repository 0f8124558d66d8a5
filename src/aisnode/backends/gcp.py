"""Google Cloud Storage via google-cloud-storage [AIS ais/backend/gcp.go].

The SDK is synchronous: metadata calls (head, list, delete) run in the shared I/O pool
(`run_blocking`); transfers run in this backend's own small pool, so long downloads and uploads
never starve the node's disk work. A download streams: the SDK writes the body, 8 KiB at a time,
into a `_Pipe` that hands 1 MiB pieces to the event loop and blocks when the reader falls a few
pieces behind, so memory per download stays a few MiB whatever the object size.

Configuration comes from the environment: `STORAGE_EMULATOR_HOST` (e.g. `http://127.0.0.1:9023`)
selects an emulator and anonymous credentials; otherwise Application Default Credentials
(`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's ADC file, or the metadata server), or a bucket's
`extra.gcp.application_creds` (a service-account key file). The project is
`GOOGLE_CLOUD_PROJECT`, `GCS_PROJECT` or `GCLOUD_PROJECT`, else the credentials' own (it only
matters for listing buckets). Object version = GCS generation.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core.storage.executor import run_blocking
from ..errors import AccessDenied, BackendError, BucketNotFound, ObjectNotFound
from ..wire.bucket import Bucket
from .base import RemoteAttrs, RemoteEntry, RemotePage

PROVIDER = "gcp"
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
PROJECT_ENVS = ("GOOGLE_CLOUD_PROJECT", "GCS_PROJECT", "GCLOUD_PROJECT")
EMULATOR_PROJECT = "aisnode"
PIECE = 1 << 20
"""Bytes handed from the download thread to the event loop at a time."""
DEPTH = 4
"""Pieces a download may run ahead of its reader."""
STALL_S = 300.0
"""A download whose reader takes nothing for this long is abandoned (frees its thread)."""
UPLOAD_CHUNK = 8 << 20
"""Resumable-upload chunk (a multiple of 256 KiB); objects up to this size go in one request."""
CREDS_HINT = ("set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, run "
              "`gcloud auth application-default login`, or set STORAGE_EMULATOR_HOST for an "
              "emulator")


def _require() -> Any:
    try:
        from google.cloud import storage
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BackendError(PROVIDER, "the gcp backend needs the 'google-cloud-storage' package "
                           f"({e})", status=501, code="MissingDependency") from None
    return storage


def _ns(dt: Any) -> int:
    return int(dt.timestamp() * 1e9) if dt is not None else 0


def _md5_hex(b64: str | None) -> str:
    if not b64:
        return ""
    try:
        return base64.b64decode(b64).hex()
    except ValueError:
        return ""


def _says_bucket(msg: str) -> bool:
    """GCS's 404 text names what is missing ("The specified bucket does not exist." vs
    "No such object: b/o"); the emulator says neither."""
    m = msg.lower()
    return "bucket" in m and "object" not in m


class _Closed(Exception):
    """The reader went away: stop the download."""


class _End:
    def __init__(self, err: BaseException | None) -> None:
        self.err = err


class _Pipe:
    """A file-like sink for the SDK's download thread, read as an async stream."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._q: asyncio.Queue[bytes | _End] = asyncio.Queue()
        self._slots = threading.Semaphore(DEPTH)
        self._closed = threading.Event()
        self._buf = bytearray()

    # --- download thread --------------------------------------------------------------------
    def write(self, b: bytes) -> int:
        if self._closed.is_set():
            raise _Closed()
        self._buf += b
        if len(self._buf) >= PIECE:
            self._flush()
        return len(b)

    def _flush(self) -> None:
        if not self._buf:
            return
        waited = 0.0
        while not self._slots.acquire(timeout=1.0):
            waited += 1.0
            if self._closed.is_set() or waited >= STALL_S:  # reader gone or abandoned
                raise _Closed()
        if self._closed.is_set():
            raise _Closed()
        data = bytes(self._buf)
        self._buf.clear()
        self._post(data)

    def finish(self, err: BaseException | None) -> None:
        if err is None:
            try:
                self._flush()
            except _Closed as e:
                err = e
        self._post(_End(err))

    def _post(self, item: bytes | _End) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed: nobody is reading
            self._loop.call_soon_threadsafe(self._q.put_nowait, item)

    # --- event loop -------------------------------------------------------------------------
    async def get(self) -> bytes | _End:
        item = await self._q.get()
        if isinstance(item, bytes):
            self._slots.release()
        return item

    def close(self) -> None:
        self._closed.set()
        self._slots.release(DEPTH)  # wake a blocked writer


class _Reader:
    def __init__(self, attrs: RemoteAttrs, pipe: _Pipe, translate: Any) -> None:
        self.attrs = attrs
        self._pipe = pipe
        self._translate = translate
        self._first: bytes | _End | None = None

    async def start(self) -> None:
        """Wait for the first piece, so a download that fails at once (the backend went away
        since the HEAD, a 403 on the media URL) fails before the caller answers its client."""
        self._first = await self._pipe.get()
        if isinstance(self._first, _End) and self._first.err is not None:
            self._raise(self._first.err)

    def _raise(self, e: BaseException) -> None:
        t = self._translate(e, None, None)
        raise (t if t is not e else BackendError(PROVIDER, f"download failed: {e}")) from e

    async def chunks(self) -> AsyncIterator[bytes]:
        item, self._first = self._first, None
        while True:
            if item is None:
                item = await self._pipe.get()
            if isinstance(item, bytes):
                yield item
                item = None
                continue
            if item.err is not None:
                self._raise(item.err)
            return

    async def close(self) -> None:
        self._pipe.close()


class GcpBackend:
    """One storage.Client per credentials source (environment or a bucket's key file)."""

    provider = PROVIDER

    def __init__(self, timeout_s: float = 60.0, retry_timeout_s: float = 5.0,
                 max_transfers: int = 32) -> None:
        self._storage = _require()
        self._timeout = (min(10.0, timeout_s), timeout_s)
        from google.cloud.storage.retry import DEFAULT_RETRY

        self._retry = DEFAULT_RETRY.with_delay(initial=0.2, maximum=2.0, multiplier=2.0
                                               ).with_timeout(retry_timeout_s)
        self._clients: dict[str, Any] = {}
        self._failed: dict[str, tuple[float, Exception]] = {}
        self._lock = threading.Lock()
        self._max_transfers = max_transfers
        self._pool = ThreadPoolExecutor(max_workers=max_transfers,
                                        thread_name_prefix="aisnode-gcp")

    # --- clients ----------------------------------------------------------------------------
    def _client(self, props: dict[str, Any] | None = None) -> Any:
        """The client for a bucket (blocking: credentials discovery may do network I/O)."""
        creds_file = "" if os.environ.get(EMULATOR_ENV) else (
            ((props or {}).get("extra") or {}).get("gcp") or {}).get("application_creds", "")
        c = self._clients.get(creds_file)
        if c is not None:
            return c
        with self._lock:
            if creds_file in self._clients:
                return self._clients[creds_file]
            failed = self._failed.get(creds_file)
            if failed is not None and time.monotonic() - failed[0] < 30.0:
                raise failed[1]
            try:
                c = self._make_client(creds_file)
            except (AccessDenied, BackendError) as e:
                self._failed[creds_file] = (time.monotonic(), e)
                raise
            from requests.adapters import HTTPAdapter

            adapter = HTTPAdapter(pool_maxsize=self._max_transfers + 16)
            c._http.mount("https://", adapter)
            c._http.mount("http://", adapter)
            self._clients[creds_file] = c
            return c

    def _make_client(self, creds_file: str) -> Any:
        import google.auth
        import google.auth.exceptions as gae

        project = next((os.environ[k] for k in PROJECT_ENVS if os.environ.get(k)), None)
        if os.environ.get(EMULATOR_ENV):
            from google.auth.credentials import AnonymousCredentials

            return self._storage.Client(project=project or EMULATOR_PROJECT,
                                        credentials=AnonymousCredentials())
        try:
            if creds_file:
                from google.oauth2 import service_account

                creds = service_account.Credentials.from_service_account_file(creds_file)
                found = creds.project_id
            else:
                creds, found = google.auth.default()
        except gae.DefaultCredentialsError as e:
            raise AccessDenied(f"gcp: no Google Cloud credentials found ({CREDS_HINT}): {e}"
                               ) from None
        except (OSError, ValueError, gae.GoogleAuthError) as e:
            raise AccessDenied(f"gcp: cannot load credentials file {creds_file!r} "
                               f"(extra.gcp.application_creds): {e}") from None
        # no project is fine: only listing all buckets needs one
        return self._storage.Client(project=project or found or None, credentials=creds)

    # --- errors -----------------------------------------------------------------------------
    def _translate(self, e: BaseException, bck: Bucket | None, name: str | None
                   ) -> BaseException:
        import requests
        from google.api_core import exceptions as gx
        from google.auth import exceptions as gae

        if isinstance(e, (AccessDenied, BackendError, BucketNotFound, ObjectNotFound)):
            return e
        while isinstance(e, gx.RetryError) and isinstance(e.cause, Exception):
            e = e.cause  # retries ran out: report the last failure
        if isinstance(e, gae.TransportError) and e.args and isinstance(e.args[0], Exception):
            e = e.args[0]
        if isinstance(e, gx.GoogleAPICallError):
            status = int(e.code or 502)
            msg = str(e.message or e)
            if status == 404:
                if name is not None and not _says_bucket(msg):
                    return ObjectNotFound(str(bck), name)
                if bck is not None:
                    return BucketNotFound(str(bck))
            if status in (401, 403):
                return AccessDenied(f"gcp: {msg}")
            code = type(e).__name__
            if status == 429:
                return BackendError(PROVIDER, f"throttled: {msg}", status=503, code=code)
            if status == 408:
                return BackendError(PROVIDER, f"backend timed out: {msg}", status=504,
                                    code="Timeout")
            return BackendError(PROVIDER, msg, status=status if status >= 500 else 502,
                                code=code)
        if isinstance(e, gae.RefreshError):
            return AccessDenied(f"gcp: cannot refresh credentials: {e}")
        if isinstance(e, gae.DefaultCredentialsError):
            return AccessDenied(f"gcp: no Google Cloud credentials found ({CREDS_HINT}): {e}")
        if isinstance(e, (requests.ConnectTimeout, requests.ConnectionError)) and not \
                isinstance(e, requests.ReadTimeout):
            return BackendError(PROVIDER, f"backend unreachable: {e}", status=503,
                                code="Unavailable")
        if isinstance(e, (requests.Timeout, asyncio.TimeoutError, TimeoutError)):
            return BackendError(PROVIDER, f"backend timed out: {e}", status=504, code="Timeout")
        try:
            from google.resumable_media import common as rm
        except ImportError:  # pragma: no cover
            rm = None
        if rm is not None and isinstance(e, rm.DataCorruption):
            return BackendError(PROVIDER, f"corrupted download: {e}", status=502,
                                code="DataCorruption")
        if rm is not None and isinstance(e, rm.InvalidResponse):
            st = int(getattr(e.response, "status_code", 502) or 502)
            return BackendError(PROVIDER, f"invalid response: {e}", status=st if st >= 500
                                else 502)
        if isinstance(e, (requests.RequestException, OSError, ConnectionError)):
            return BackendError(PROVIDER, f"backend connection failed: {e}", status=502)
        if isinstance(e, gae.GoogleAuthError):
            return AccessDenied(f"gcp: {e}")
        return e

    async def _call(self, fn: Any, bck: Bucket | None, name: str | None,
                    props: dict[str, Any] | None = None, pool: Any = None) -> Any:
        """Run `fn(client)` in a thread; SDK errors come back as domain errors."""
        def run() -> Any:
            return fn(self._client(props))

        try:
            if pool is None:
                return await run_blocking(run)
            return await asyncio.get_running_loop().run_in_executor(pool, run)
        except Exception as e:
            t = self._translate(e, bck, name)
            if t is e:
                raise
            raise t from e

    # --- Backend protocol -------------------------------------------------------------------
    async def head_bucket(self, bck: Bucket, props: dict[str, Any] | None = None
                          ) -> dict[str, str]:
        b = await self._call(lambda c: c.get_bucket(bck.name, timeout=self._timeout,
                                                    retry=self._retry), bck, None, props)
        return {"region": (b.location or "").lower(), "storage_class": b.storage_class or ""}

    async def list_buckets(self) -> list[str]:
        def names(c: Any) -> list[str]:
            if not c.project:
                raise BackendError(PROVIDER, "listing buckets needs a project: set "
                                   "GOOGLE_CLOUD_PROJECT", status=400, code="NoProject")
            return [b.name for b in c.list_buckets(timeout=self._timeout, retry=self._retry)]

        return await self._call(names, None, None)

    async def list_objects(self, bck: Bucket, prefix: str, token: str, page_size: int,
                           props: dict[str, Any] | None = None) -> RemotePage:
        def page(c: Any) -> RemotePage:
            it = c.list_blobs(bck.name, prefix=prefix or None, page_token=token or None,
                              page_size=min(page_size or 1000, 1000), timeout=self._timeout,
                              retry=self._retry)
            blobs = list(next(it.pages, []))
            entries = [RemoteEntry(b.name, int(b.size or 0), (b.etag or "").strip('"'),
                                   str(b.generation or ""), _ns(b.updated)) for b in blobs]
            return RemotePage(entries, it.next_page_token or "")

        return await self._call(page, bck, None, props)

    def _attrs(self, b: Any) -> RemoteAttrs:
        return RemoteAttrs(
            size=int(b.size or 0), etag=(b.etag or "").strip('"'),
            version=str(b.generation or ""), last_modified_ns=_ns(b.updated),
            md5=_md5_hex(b.md5_hash), content_type=b.content_type or "",
            custom={str(k): str(v) for k, v in (b.metadata or {}).items()})

    def _head(self, c: Any, bck: Bucket, name: str) -> Any:
        blob = c.bucket(bck.name).blob(name)
        blob.reload(timeout=self._timeout, retry=self._retry)
        return blob

    async def head_object(self, bck: Bucket, name: str, props: dict[str, Any] | None = None
                          ) -> RemoteAttrs:
        return self._attrs(await self._call(lambda c: self._head(c, bck, name), bck, name,
                                            props))

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: dict[str, Any] | None = None) -> _Reader:
        # attributes first (the media GET carries none on the emulator); the download then
        # asks for that generation, so a concurrent overwrite cannot mix two objects
        blob = await self._call(lambda c: self._head(c, bck, name), bck, name, props)
        attrs = self._attrs(blob)
        pipe = _Pipe(asyncio.get_running_loop())
        if rng is not None and rng[1] <= 0:
            pipe.finish(None)
            return _Reader(attrs, pipe, self._translate)
        kw: dict[str, Any] = {"raw_download": True, "timeout": self._timeout,
                              "retry": self._retry, "checksum": "crc32c"}
        if rng is not None:
            kw.update(start=rng[0], end=rng[0] + rng[1] - 1, checksum=None)

        def download() -> None:
            err: BaseException | None = None
            try:
                blob.download_to_file(pipe, **kw)
            except BaseException as e:  # handed to the reader
                err = e
            pipe.finish(err)

        self._pool.submit(download)
        reader = _Reader(attrs, pipe, lambda e, b, n: self._translate(e, bck, name))
        try:
            await reader.start()
        except BaseException:  # failed, or the caller was cancelled while waiting
            pipe.close()
            raise
        return reader

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: dict[str, Any] | None = None
                         ) -> RemoteAttrs:
        def upload(c: Any) -> Any:
            blob = c.bucket(bck.name).blob(name, chunk_size=UPLOAD_CHUNK)
            with open(path, "rb") as f:
                blob.upload_from_file(f, size=size, content_type=content_type or None,
                                      timeout=self._timeout, retry=self._retry)
            return blob

        blob = await self._call(upload, bck, name, props, pool=self._pool)
        a = self._attrs(blob)
        a.size = size
        return a

    async def delete_object(self, bck: Bucket, name: str,
                            props: dict[str, Any] | None = None) -> None:
        await self._call(lambda c: c.bucket(bck.name).blob(name).delete(
            timeout=self._timeout, retry=self._retry), bck, name, props)

    async def close(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for c in clients:
            with contextlib.suppress(Exception):
                c.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
