"""Async client for the AIS native API (`/v1/...`), as AIS-API.md §0–§5 describes it.

Owns the HTTP session, URL and ActMsg construction, streaming of object bodies and the mapping
of error replies to exceptions (`client/errors.py`). It knows nothing about terminals or output
formats; the CLI and the tests build on it. Object bodies are streamed in chunks both ways, so
objects of any size pass through with bounded memory.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import IO, Any
from urllib.parse import quote

import aiohttp
import msgspec
from yarl import URL

from ..errors import AisError, InvalidRequest
from ..wire import actions, messages, paths, query
from ..wire import headers as H
from ..wire.bucket import Bucket, Namespace, normalize_provider
from .bodies import CHUNK_SIZE, Source, UploadBody
from .errors import ClientError, make_error
from .types import (
    ClusterMap,
    JobProgress,
    JobProgressFn,
    JobSnap,
    ObjectAttrs,
    ProgressFn,
    RemoteCluster,
)

DEFAULT_ENDPOINT = "http://127.0.0.1:8080"
USER_AGENT = "aisnode-client/0.1"
HEAD_PROPS = "checksum,atime,version,custom"
MAX_REDIRECTS = 3
_JSON = {"Content-Type": "application/json"}
_REDIRECTS = (301, 302, 303, 307, 308)
H_LOCATION = "Location"

Sink = str | os.PathLike[str] | IO[bytes]


def range_header(offset: int | None, length: int | None) -> str | None:
    """`Range` value for a read of `length` bytes at `offset` (either may be None)."""
    if offset is None and length is None:
        return None
    start = offset or 0
    if start < 0:
        raise InvalidRequest(f"invalid offset {start}: must not be negative")
    if length is None:
        return f"bytes={start}-"
    if length <= 0:
        raise InvalidRequest(f"invalid length {length}: must be positive")
    return f"bytes={start}-{start + length - 1}"


def _act(action: str, value: Any = None, name: str = "") -> bytes:
    return json.dumps({"action": action, "name": name, "value": value}).encode()


def _job_id(text: str) -> str:
    return text.strip().strip('"')


def selection(
    names: list[str] | None = None, template: str | None = None, prefix: str | None = None
) -> dict[str, Any]:
    """The objects a multi-object job works on: a list of names, a template (bash-brace
    ranges, e.g. `shard-{000..999}.tar`) or a prefix (a template without ranges); exactly one."""
    given = [x is not None for x in (names, template, prefix)]
    if sum(given) != 1:
        raise InvalidRequest("specify exactly one of: a list of object names, a template, a prefix")
    if names is not None:
        if isinstance(names, str):
            raise InvalidRequest("object names must be a list, not a string")
        return {"objnames": list(names)}
    return {"template": template if template is not None else prefix}


class Client:
    """Async client of one aisnode/AIStore endpoint; use as `async with Client(url) as c:`."""

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        token: str | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        if "://" not in self.endpoint:
            self.endpoint = "http://" + self.endpoint
        self._headers = {"User-Agent": USER_AGENT}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout or aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=300)
        self._session: aiohttp.ClientSession | None = None
        # blocking reads/writes of object bodies; one thread keeps memory flat (each extra
        # thread would get its own malloc arena full of freed 1 MiB chunks)
        self._io: ThreadPoolExecutor | None = None

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._io is not None:
            self._io.shutdown(wait=False)
            self._io = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    @property
    def io(self) -> ThreadPoolExecutor:
        if self._io is None:
            self._io = ThreadPoolExecutor(1, thread_name_prefix="aisnode-client-io")
        return self._io

    # --- transport -----------------------------------------------------------------------------
    def _url(self, path: str, params: Mapping[str, str] | None = None) -> URL:
        url = URL(self.endpoint + path, encoded=True)
        return url.update_query(dict(params)) if params else url

    @asynccontextmanager
    async def _call(
        self,
        method: str,
        path: str | URL,
        *,
        params: Mapping[str, str] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        follow: bool = True,
        expect100: bool = False,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one request; yield the response if 2xx, else raise the mapped error.

        With `follow=False` a redirect is yielded too (the caller re-sends the body).
        """
        url = path if isinstance(path, URL) else self._url(path, params)
        try:
            resp = await self.session.request(
                method, url, data=data, headers=headers, allow_redirects=follow,
                expect100=expect100,
            )
        except aiohttp.ClientConnectionError as e:
            raise ClientError(0, f"cannot reach {self.endpoint}: {e}") from e
        try:
            redirect = not follow and resp.status in _REDIRECTS and H_LOCATION in resp.headers
            if resp.status >= 300 and not redirect:
                body = "" if method == "HEAD" else await resp.text(errors="replace")
                if not body.strip():
                    body = resp.headers.get(H.ERROR, "")
                raise make_error(resp.status, body, resp.reason or "")
            yield resp
        finally:
            resp.release()

    async def _text(self, method: str, path: str, **kw: Any) -> str:
        async with self._call(method, path, **kw) as resp:
            return await resp.text()

    async def _json(self, method: str, path: str, **kw: Any) -> Any:
        text = await self._text(method, path, **kw)
        return json.loads(text) if text.strip() else None

    @staticmethod
    def _bpath(bck: Bucket) -> str:
        return f"{paths.BUCKETS}/{quote(bck.name, safe='')}"

    @staticmethod
    def _opath(bck: Bucket, name: str) -> str:
        if not name:
            raise InvalidRequest(f"missing object name for {bck}")
        return f"{paths.OBJECTS}/{quote(bck.name, safe='')}/{quote(name, safe='/')}"

    # --- cluster -------------------------------------------------------------------------------
    async def health(self) -> bool:
        """True when the node answers `GET /v1/health` with 200."""
        try:
            async with self.session.get(self._url(paths.HEALTH)) as resp:
                return resp.status == 200
        except aiohttp.ClientConnectionError as e:
            raise ClientError(0, f"cannot reach {self.endpoint}: {e}") from e

    async def smap(self) -> ClusterMap:
        """The cluster map [AIS Smap] from `GET /v1/daemon?what=smap`."""
        doc = await self._json("GET", paths.DAEMON, params={query.WHAT: query.WHAT_SMAP})
        return ClusterMap.from_json(doc or {})

    async def cluster_config(self) -> dict[str, Any]:
        """The cluster-wide configuration as JSON."""
        doc = await self._json(
            "GET", paths.CLUSTER, params={query.WHAT: query.WHAT_CLUSTER_CONFIG}
        )
        return dict(doc or {})

    # --- remote clusters -----------------------------------------------------------------------
    async def attach_remote(self, alias: str, urls: str | list[str]) -> RemoteCluster:
        """Attach (or re-attach, refreshing) a remote cluster under `alias` (or its UUID) with
        one or more URLs: `PUT /v1/cluster/attach?what=remote&alias=A&url=U[&url=U2]`."""
        urls = [urls] if isinstance(urls, str) else list(urls)
        if not alias:
            raise InvalidRequest("missing remote cluster alias")
        if not urls:
            raise InvalidRequest(f'missing URL of remote cluster "{alias}"')
        pairs = [(query.WHAT, "remote"), ("alias", alias)] + [("url", u) for u in urls]
        url = self._url(paths.CLUSTER + "/attach").with_query(pairs)
        doc = await self._json_url("PUT", url)
        if isinstance(doc, dict) and doc:
            return RemoteCluster.from_json(doc)
        return RemoteCluster(alias=alias, url=urls[0], urls=urls)

    async def detach_remote(self, alias: str) -> None:
        """Detach a remote cluster by alias or UUID (its cached buckets stay until evicted)."""
        if not alias:
            raise InvalidRequest("missing remote cluster alias or UUID")
        url = self._url(paths.CLUSTER + "/detach").with_query(
            [(query.WHAT, "remote"), ("alias", alias)]
        )
        await self._json_url("PUT", url)

    async def remote_clusters(self) -> list[RemoteCluster]:
        """Attached remote clusters, online or not, from `GET /v1/daemon?what=remote`."""
        doc = await self._json("GET", paths.DAEMON, params={query.WHAT: "remote"})
        if isinstance(doc, dict):
            items = doc.get("a") or doc.get("A") or []
        elif isinstance(doc, list):
            items = doc
        else:
            items = []
        return [RemoteCluster.from_json(d) for d in items if isinstance(d, dict)]

    async def _json_url(self, method: str, url: URL) -> Any:
        async with self._call(method, url) as resp:
            text = await resp.text()
        return json.loads(text) if text.strip() else None

    # --- buckets -------------------------------------------------------------------------------
    async def list_buckets(self, provider: str | None = None) -> list[Bucket]:
        """Buckets of `provider`, or of every provider when None."""
        params = {query.PROVIDER: normalize_provider(provider)} if provider is not None else None
        doc = await self._json(
            "GET", paths.BUCKETS, params=params, data=_act(actions.LIST), headers=_JSON
        )
        out = []
        for b in doc or []:
            ns = b.get("namespace") or {}
            out.append(
                Bucket(
                    str(b.get("name", "")),
                    normalize_provider(b.get("provider")),
                    Namespace(str(ns.get("uuid") or ""), str(ns.get("name") or "")),
                )
            )
        return out

    async def create_bucket(self, bck: Bucket, props: dict[str, Any] | None = None) -> None:
        """Create an ais:// bucket, optionally with (partial, nested) props."""
        await self._text(
            "POST", self._bpath(bck), params=bck.query(),
            data=_act(actions.CREATE_BCK, props or None), headers=_JSON,
        )

    async def destroy_bucket(self, bck: Bucket) -> None:
        """Destroy a bucket with all its objects."""
        await self._text(
            "DELETE", self._bpath(bck), params=bck.query(),
            data=_act(actions.DESTROY_BCK), headers=_JSON,
        )

    async def head_bucket(self, bck: Bucket) -> dict[str, Any]:
        """The bucket's props (nested JSON) from the `Ais-Bucket-Props` header."""
        async with self._call("HEAD", self._bpath(bck), params=bck.query()) as resp:
            raw = resp.headers.get(H.BUCKET_PROPS, "")
        return dict(json.loads(raw)) if raw else {}

    async def set_bucket_props(self, bck: Bucket, props: dict[str, Any]) -> str:
        """Update props with a nested partial tree; returns a job id or ''."""
        text = await self._text(
            "PATCH", self._bpath(bck), params=bck.query(),
            data=_act(actions.SET_BPROPS, props), headers=_JSON,
        )
        return _job_id(text)

    async def reset_bucket_props(self, bck: Bucket) -> str:
        """Restore the cluster defaults; returns a job id or ''."""
        text = await self._text(
            "PATCH", self._bpath(bck), params=bck.query(),
            data=_act(actions.RESET_BPROPS), headers=_JSON,
        )
        return _job_id(text)

    # --- listing -------------------------------------------------------------------------------
    async def list_objects_page(
        self,
        bck: Bucket,
        *,
        prefix: str = "",
        props: str = messages.DEFAULT_LIST_PROPS,
        page_size: int = 0,
        flags: int = 0,
        uuid: str = "",
        token: str = "",
        start_after: str = "",
    ) -> messages.ListPage:
        """One page of a listing; pass the previous page's `UUID` and `ContinuationToken`."""
        msg: dict[str, Any] = {
            "prefix": prefix, "pagesize": page_size, "uuid": uuid, "props": props,
            "continuation_token": token, "flags": str(flags), "target": "",
        }
        if start_after:
            msg["start_after"] = start_after
        hdrs = {**_JSON, "Accept": "application/msgpack"}
        async with self._call(
            "GET", self._bpath(bck), params=bck.query(),
            data=_act(actions.LIST, msg), headers=hdrs,
        ) as resp:
            body = await resp.read()
            ctype = resp.headers.get("Content-Type", "")
        if "json" in ctype:
            return _page_from_json(json.loads(body))
        return msgspec.msgpack.decode(body, type=messages.ListPage)

    async def list_objects(
        self,
        bck: Bucket,
        *,
        prefix: str = "",
        props: str = messages.DEFAULT_LIST_PROPS,
        page_size: int = 0,
        flags: int = 0,
        start_after: str = "",
        limit: int = 0,
    ) -> AsyncIterator[messages.ListEntry]:
        """Every entry of a listing, page by page; stops after `limit` entries when > 0."""
        uuid = token = ""
        count = 0
        while True:
            size = page_size
            if limit:
                left = limit - count
                size = min(size, left) if size else min(left, messages.MAX_PAGE_SIZE)
            page = await self.list_objects_page(
                bck, prefix=prefix, props=props, page_size=size, flags=flags,
                uuid=uuid, token=token, start_after="" if token else start_after,
            )
            for entry in page.Entries:
                yield entry
                count += 1
                if limit and count >= limit:
                    return
            if not page.ContinuationToken:
                return
            uuid, token = page.UUID, page.ContinuationToken

    # --- objects -------------------------------------------------------------------------------
    async def put_object(
        self,
        bck: Bucket,
        name: str,
        source: Source,
        *,
        size: int | None = None,
        progress: ProgressFn | None = None,
        checksum: tuple[str, str] | None = None,
    ) -> ObjectAttrs:
        """Upload from a file path, an open binary file (e.g. stdin), bytes or an async iterable.

        Bodies of known size are sent with Content-Length, others chunked; the body is read in
        `CHUNK_SIZE` pieces and never held in memory as a whole. A redirect (AIS proxies answer
        PUT with 307) is followed by sending the body again; a pipe or async iterable is sent
        with `Expect: 100-continue` so that it is still unread when the redirect comes.
        """
        hdrs = {"Content-Type": "application/octet-stream"}
        if checksum:
            hdrs[H.CHECKSUM_TYPE], hdrs[H.CHECKSUM_VALUE] = checksum
        body = UploadBody(source, size, progress, self.io)
        if body.size is not None:
            hdrs["Content-Length"] = str(body.size)
        url = self._url(self._opath(bck, name), bck.query())
        for _ in range(MAX_REDIRECTS + 1):
            stream = body.stream(url)
            try:
                async with self._call(
                    "PUT", url, data=stream, headers=hdrs, follow=False,
                    expect100=not body.replayable,
                ) as resp:
                    if resp.status in _REDIRECTS:
                        url = url.join(URL(resp.headers[H_LOCATION], encoded=True))
                        continue
                    return ObjectAttrs.from_headers(resp.headers, size=body.size or body.sent)
            finally:
                # a writer cancelled by an early reply may still be inside the generator; its
                # cancellation then closes the generator (and file) instead
                if not getattr(stream, "ag_running", False):
                    await stream.aclose()
        raise ClientError(0, f"too many redirects uploading {bck}/{name}")

    async def get_object(
        self,
        bck: Bucket,
        name: str,
        dest: Sink,
        *,
        offset: int | None = None,
        length: int | None = None,
        progress: ProgressFn | None = None,
    ) -> ObjectAttrs:
        """Stream an object (or the byte range `offset`/`length`) into a path or binary file.

        A path is opened only once the server has answered with success, so a failed GET leaves
        no empty file behind. Returns the attributes with `size` = bytes written.
        """
        rng = range_header(offset, length)
        hdrs = {"Range": rng} if rng else None
        async with self._call(
            "GET", self._opath(bck, name), params=bck.query(), headers=hdrs
        ) as resp:
            if rng and resp.status != 206:
                raise ClientError(
                    resp.status, f"server ignored the byte range ({rng}) of {bck}/{name}"
                )
            loop = asyncio.get_running_loop()
            # opened only now, after a successful reply; closed below
            out = open(dest, "wb") if isinstance(dest, (str, os.PathLike)) else dest  # noqa: SIM115
            written = 0
            try:
                async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
                    await loop.run_in_executor(self.io, out.write, chunk)
                    written += len(chunk)
                    if progress:
                        progress(len(chunk))
                await loop.run_in_executor(self.io, out.flush)
            finally:
                if out is not dest:
                    out.close()
            return ObjectAttrs.from_headers(resp.headers, size=written)

    async def read_object(
        self, bck: Bucket, name: str, *, offset: int | None = None, length: int | None = None
    ) -> bytes:
        """The whole object (or a range) as bytes; for small objects."""
        rng = range_header(offset, length)
        async with self._call(
            "GET", self._opath(bck, name), params=bck.query(),
            headers={"Range": rng} if rng else None,
        ) as resp:
            if rng and resp.status != 206:
                raise ClientError(
                    resp.status, f"server ignored the byte range ({rng}) of {bck}/{name}"
                )
            return await resp.read()

    async def head_object(self, bck: Bucket, name: str, props: str = HEAD_PROPS) -> ObjectAttrs:
        """Object attributes via HEAD with `props=` (see `wire.messages.OBJ_PROPS`)."""
        params = {**bck.query(), query.PROPS: props}
        async with self._call("HEAD", self._opath(bck, name), params=params) as resp:
            return ObjectAttrs.from_headers(resp.headers)

    async def delete_object(self, bck: Bucket, name: str) -> None:
        """Delete one object."""
        await self._text("DELETE", self._opath(bck, name), params=bck.query())

    async def delete_objects(
        self, bck: Bucket, *, names: list[str] | None = None, template: str | None = None
    ) -> str:
        """Start a multi-object delete by list or template; returns the job id."""
        if (names is None) == (template is None):
            raise InvalidRequest("specify either a list of object names or a template")
        value: dict[str, Any] = {"objnames": names} if names is not None else {"template": template}
        text = await self._text(
            "DELETE", self._bpath(bck), params=bck.query(),
            data=_act(actions.DELETE_OBJECTS, value), headers=_JSON,
        )
        return _job_id(text)

    async def prefetch(
        self,
        bck: Bucket,
        *,
        names: list[str] | None = None,
        template: str | None = None,
        prefix: str | None = None,
        latest: bool = False,
        continue_on_error: bool = True,
        num_workers: int = 0,
    ) -> str:
        """Start caching objects of a remote (or backed) bucket: a list, a template or a prefix
        (none of them: the whole bucket). With `latest` stale cached copies are refetched.
        Returns the job id (`prefetch-listrange`)."""
        if names is None and template is None and prefix is None:
            prefix = ""
        value = selection(names, template, prefix)
        value["coer"] = continue_on_error
        if latest:
            value["latest-ver"] = True
        if num_workers:
            value["num-workers"] = num_workers
        text = await self._text(
            "POST", self._bpath(bck), params=bck.query(),
            data=_act(actions.PREFETCH_OBJECTS, value), headers=_JSON,
        )
        return _job_id(text)

    async def evict(
        self,
        bck: Bucket,
        *,
        names: list[str] | None = None,
        template: str | None = None,
        prefix: str | None = None,
    ) -> str:
        """Start dropping cached copies of objects of a remote bucket (the backend keeps them);
        returns the job id (`evict-listrange`)."""
        value = selection(names, template, prefix)
        text = await self._text(
            "DELETE", self._bpath(bck), params=bck.query(),
            data=_act(actions.EVICT_OBJECTS, value), headers=_JSON,
        )
        return _job_id(text)

    async def evict_bucket(self, bck: Bucket, *, keep_md: bool = False) -> str:
        """Drop everything cached of a remote bucket; unless `keep_md`, the cluster forgets the
        bucket too (its props). Returns a job id, or '' when the server evicts synchronously."""
        params = {**bck.query(), query.KEEP_BCK_MD: "true" if keep_md else "false"}
        text = await self._text(
            "DELETE", self._bpath(bck), params=params,
            data=_act(actions.EVICT_REMOTE_BCK), headers=_JSON,
        )
        return _job_id(text)

    # --- jobs ----------------------------------------------------------------------------------
    async def job_status(self, job_id: str, kind: str = "") -> messages.JobStatus:
        """Status of one job [AIS xaction] via `GET /v1/cluster?what=status`."""
        body = json.dumps(
            {"ID": job_id, "Kind": kind, "DaemonID": "", "Bck": None, "Buckets": None}
        ).encode()
        async with self._call(
            "GET", paths.CLUSTER, params={query.WHAT: query.WHAT_STATUS},
            data=body, headers=_JSON,
        ) as resp:
            raw = await resp.read()
        return msgspec.json.decode(raw, type=messages.JobStatus)

    async def job_snapshots(self, job_id: str = "", kind: str = "") -> list[JobSnap]:
        """Per-node snapshots of a job (or of all jobs of `kind`) with their counters, from
        `GET /v1/cluster?what=qryxstats`."""
        body = json.dumps(
            {"ID": job_id, "Kind": kind, "DaemonID": "", "Bck": None, "Buckets": None}
        ).encode()
        doc = await self._json(
            "GET", paths.CLUSTER, params={query.WHAT: query.WHAT_QUERY_XSTATS},
            data=body, headers=_JSON,
        )
        out: list[JobSnap] = []
        for node_id, snaps in (doc or {}).items():
            for d in snaps or []:
                if isinstance(d, dict):
                    out.append(JobSnap.from_json(str(node_id), d))
        return out

    async def job_progress(self, job_id: str, kind: str = "") -> JobProgress:
        """The job's counters summed over all nodes."""
        snaps = await self.job_snapshots(job_id, kind)
        return JobProgress(job_id, [s for s in snaps if not job_id or s.id == job_id])

    async def wait_job(
        self,
        job_id: str,
        kind: str = "",
        *,
        timeout: float | None = None,
        interval: float = 0.1,
        progress: JobProgressFn | None = None,
        max_interval: float = 2.0,
    ) -> messages.JobStatus:
        """Poll until the job has an end time; raises TimeoutError after `timeout` seconds.

        With `progress`, it is called after every poll with the job's summed counters (from
        `qryxstats`), the last time after the job has ended. A failing snapshot query only
        skips that report: the job's status decides when waiting is over.
        """
        async with asyncio.timeout(timeout):
            while True:
                st = await self.job_status(job_id, kind)
                if progress is not None:
                    try:
                        progress(await self.job_progress(job_id, kind))
                    except AisError:
                        pass
                if st.end_time or st.aborted:
                    return st
                await asyncio.sleep(interval)
                interval = min(interval * 1.5, max_interval)


def _page_from_json(doc: dict[str, Any]) -> messages.ListPage:
    """Fallback for servers that answer a listing in JSON (Go names: uuid, entries, ...)."""
    entries = [
        messages.ListEntry(
            n=e.get("name", ""), cs=e.get("checksum", ""), a=e.get("atime", ""),
            v=e.get("version", ""), t=e.get("location", ""), m=e.get("custom-md", ""),
            s=int(e.get("size") or 0), c=int(e.get("copies") or 0), f=int(e.get("flags") or 0),
        )
        for e in doc.get("entries") or []
    ]
    return messages.ListPage(
        UUID=doc.get("uuid", ""), ContinuationToken=doc.get("continuation_token", ""),
        Entries=entries, Flags=int(doc.get("flags") or 0),
    )
