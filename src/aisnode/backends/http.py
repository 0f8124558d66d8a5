"""Plain HTTP(S) datasets, `ht://` [AIS ais/backend/http.go]: a bucket is a URL directory, an
object is a file under it. Read-only.

Bucket <-> URL. A bucket's base URL is, first found wins:
  1. the bucket's props `extra.http.original_url` (what AIS keeps for its hash-named ht buckets);
  2. the env map `AISNODE_HT_BUCKETS='{"name": "http://host:port/dir/"}'`, read when the backend
     is built (the node's environment);
  3. `http://<bucket name>/`: the name taken as a host (`ht://example.com` -> the site's root;
     redirects, e.g. to https, are followed).
The base always ends in `/`; object `a/b c.txt` is fetched from `<base>a/b%20c.txt`. An object
name that is itself a full `http://` or `https://` URL is fetched as is (AIS's "get a URL"
convenience), whatever the bucket's base; it is cached under that name in the bucket.
`head_bucket` returns `{"original_url": base}` so first access can record the URL in the props.

Objects. HEAD (or, when HEAD is refused, a GET of `bytes=0-0`) gives the size (Content-Length or
the Content-Range total), the ETag without quotes or `W/`, and Last-Modified; there is no
version, so `RemoteAttrs.identity()` is the ETag (nginx: `<mtime>-<size>` in hex) or, for
servers without ETags, `mtime:size`. A range is asked for with `Range`; a server that ignores it
(answers 200) is sliced here, so the caller always gets exactly the bytes asked for.

Listing. Directories are walked depth-first in name order, so names come out sorted and the page
token is simply the last name returned. nginx's `autoindex_format json` gives names, sizes and
mtimes; otherwise an HTML index is parsed for links to children of the directory (sizes then come
from a HEAD of each listed file). A server that lists nothing yields an empty page, not an error.

Errors. 404/410 -> ObjectNotFound / BucketNotFound; 401/403 -> AccessDenied; connection refused
or DNS failure -> BackendError 503; timeout -> 504; any other status -> BackendError 502 naming
the server's status. 429/502/503/504 and dropped keep-alive connections are retried with backoff.
PUT and DELETE raise NotSupported: `ht://` buckets are read-only, as in AIS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import AsyncGenerator, AsyncIterator
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import aiohttp
from yarl import URL

from ..errors import (
    AccessDenied,
    BackendError,
    BucketNotFound,
    NotSupported,
    ObjectNotFound,
    RangeNotSatisfiable,
)
from ..wire.bucket import Bucket
from .base import RemoteAttrs, RemoteEntry, RemotePage

PROVIDER = "ht"
ENV_BUCKETS = "AISNODE_HT_BUCKETS"
MAX_UNSIZED_BODY = 64 << 20
"""A body without Content-Length is buffered to learn its size; larger ones are refused."""
_RETRY_STATUS = (429, 502, 503, 504)
_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
_MAX_DEPTH = 32
_CHUNK = 1 << 18


# --- bucket and object URLs -------------------------------------------------------------------
def _env_buckets() -> dict[str, str]:
    raw = os.environ.get(ENV_BUCKETS, "").strip()
    if not raw:
        return {}
    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise BackendError(PROVIDER, f"{ENV_BUCKETS} is not valid JSON: {e}", status=500,
                           code="InvalidConfig") from None
    if not isinstance(doc, dict) or not all(isinstance(v, str) and _URL_RE.match(v)
                                            for v in doc.values()):
        raise BackendError(PROVIDER, f'{ENV_BUCKETS} must map bucket names to http(s) URLs, '
                           f'e.g. {{"data": "http://host:8080/dir/"}}', status=500,
                           code="InvalidConfig")
    return {str(k): _dir(v) for k, v in doc.items()}


def _dir(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _props_url(props: dict[str, Any] | None) -> str:
    return str((((props or {}).get("extra") or {}).get("http") or {}).get("original_url") or "")


def object_url(base: str, name: str) -> str:
    """The (percent-encoded) URL of object `name` under the directory URL `base`."""
    if _URL_RE.match(name):
        return name
    return base + quote(name, safe="/!$&'()*+,;=:@~")


def _shown(url: str) -> str:
    """A URL for messages: no user:password."""
    try:
        return str(URL(url, encoded=True).with_user(None))
    except (ValueError, TypeError):
        return url


# --- response attributes ----------------------------------------------------------------------
def _etag(v: str | None) -> str:
    v = (v or "").strip()
    if v[:2] in ("W/", "w/"):
        v = v[2:]
    return v.strip('"')


def _ns(v: str | None) -> int:
    if not v:
        return 0
    try:
        return int(parsedate_to_datetime(v).timestamp()) * 1_000_000_000
    except (TypeError, ValueError, IndexError, OverflowError):
        return 0


def _range_total(v: str | None) -> int | None:
    """Total size from `Content-Range: bytes a-b/N` (or `bytes */N`)."""
    total = (v or "").rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def _length(resp: aiohttp.ClientResponse) -> int | None:
    if resp.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None  # the length is of the encoded body, not of what we hand out
    v = resp.headers.get("Content-Length", "")
    return int(v) if v.isdigit() else None


def _attrs(resp: aiohttp.ClientResponse, size: int) -> RemoteAttrs:
    ctype = resp.headers.get("Content-Type", "")
    return RemoteAttrs(size=size, etag=_etag(resp.headers.get("ETag")),
                       last_modified_ns=_ns(resp.headers.get("Last-Modified")),
                       content_type=ctype)


# --- directory indexes ------------------------------------------------------------------------
class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v:
                    self.hrefs.append(v)


def parse_json_index(body: bytes) -> list[tuple[str, bool, int, int]] | None:
    """nginx `autoindex_format json` -> [(name, is_dir, size, mtime_ns)]; None if not one."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, list) or not all(isinstance(e, dict) and "name" in e for e in doc):
        return None
    out = []
    for e in doc:
        kind = e.get("type", "file")
        if kind not in ("file", "directory"):
            continue
        out.append((str(e["name"]), kind == "directory", int(e.get("size") or 0),
                    _ns(e.get("mtime"))))
    return out


def parse_html_index(body: str, dir_url: str) -> list[tuple[str, bool]]:
    """Links of an HTML index that name a direct child of `dir_url` -> [(name, is_dir)]."""
    p = _Links()
    try:
        p.feed(body)
    except Exception:  # malformed HTML: keep what was found
        pass
    base = urlsplit(dir_url)
    seen: dict[str, bool] = {}
    for href in p.hrefs:
        u = urlsplit(urljoin(dir_url, href))
        if u.query or (u.scheme, u.netloc) != (base.scheme, base.netloc):
            continue
        if not u.path.startswith(base.path):
            continue
        rest = u.path[len(base.path):]
        is_dir = rest.endswith("/")
        rest = rest.rstrip("/")
        if not rest or "/" in rest:
            continue
        name = unquote(rest)
        if name in (".", ".."):
            continue
        seen[name] = is_dir
    return list(seen.items())


# --- the reader -------------------------------------------------------------------------------
class _Reader:
    """An open GET: yields `limit` bytes after skipping `skip` (a range the server ignored)."""

    def __init__(self, resp: aiohttp.ClientResponse, attrs: RemoteAttrs, url: str,
                 skip: int = 0, limit: int | None = None, body: bytes | None = None) -> None:
        self._resp = resp
        self.attrs = attrs
        self._url = url
        self._skip = skip
        self._limit = limit
        self._body = body
        self._done = body is not None

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._body is not None:
            yield self._body
            return
        skip, left = self._skip, self._limit
        try:
            async for chunk in self._resp.content.iter_chunked(_CHUNK):
                if skip:
                    if len(chunk) <= skip:
                        skip -= len(chunk)
                        continue
                    chunk, skip = chunk[skip:], 0
                if left is not None:
                    chunk = chunk[:left]
                    left -= len(chunk)
                if chunk:
                    yield chunk
                if left == 0:
                    return
            self._done = True
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _conn_error(e, self._url) from e

    async def close(self) -> None:
        if self._done:
            self._resp.release()
        else:  # unread body: drop the connection rather than drain it
            self._resp.close()


def _conn_error(e: BaseException, url: str) -> BackendError:
    where = _shown(url)
    if isinstance(e, asyncio.TimeoutError):
        return BackendError(PROVIDER, f"{where}: timed out", status=504, code="Timeout")
    if isinstance(e, aiohttp.ClientConnectorError):
        return BackendError(PROVIDER, f"cannot reach {where}: {e.os_error or e}", status=503,
                            code="Unavailable")
    if isinstance(e, aiohttp.ClientPayloadError):
        return BackendError(PROVIDER, f"{where}: body ended early or was malformed: {e}",
                            status=502, code="IncompleteBody")
    return BackendError(PROVIDER, f"{where}: connection failed: {e}", status=502)


# --- the backend ------------------------------------------------------------------------------
class HttpBackend:
    """One aiohttp session (connection pool) for every ht:// bucket."""

    provider = PROVIDER

    def __init__(self, timeout_s: float = 60.0, max_attempts: int = 3,
                 buckets: dict[str, str] | None = None) -> None:
        self._timeout = timeout_s
        self._attempts = max(1, max_attempts)
        self._buckets = buckets if buckets is not None else _env_buckets()
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, connect=30.0,
                                              sock_connect=min(10.0, self._timeout),
                                              sock_read=self._timeout),
                headers={"User-Agent": "aisnode-ht", "Accept-Encoding": "identity"},
                trust_env=True)
        return self._session

    def base_url(self, bck: Bucket, props: dict[str, Any] | None = None) -> str:
        """The directory URL bucket `bck` stands for (see the module docstring)."""
        orig = _props_url(props)
        if orig:
            return _dir(orig)
        if bck.name in self._buckets:
            return self._buckets[bck.name]
        return f"http://{bck.name}/"

    def _mapped(self, bck: Bucket, props: dict[str, Any] | None) -> bool:
        return bool(_props_url(props)) or bck.name in self._buckets

    async def _request(self, method: str, url: str, headers: dict[str, str] | None = None
                       ) -> aiohttp.ClientResponse:
        """Send with retries on throttling, 502-504 and dropped keep-alive connections."""
        delay = 0.1
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                resp = await self._http().request(method, URL(url, encoded=True),
                                                  headers=headers, allow_redirects=True)
            except aiohttp.ClientConnectorError as e:
                raise _conn_error(e, url) from e
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as e:
                if last:
                    raise _conn_error(e, url) from e
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                raise _conn_error(e, url) from e
            else:
                if resp.status not in _RETRY_STATUS or last:
                    return resp
                resp.release()
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _fail(self, resp: aiohttp.ClientResponse, url: str, bck: Bucket, name: str | None
              ) -> Exception:
        """The domain error for an unsuccessful answer (the caller releases `resp`)."""
        st = resp.status
        if st in (404, 410):
            return ObjectNotFound(str(bck), name) if name is not None else BucketNotFound(
                str(bck))
        if st in (401, 403):
            return AccessDenied(f"{PROVIDER}: {_shown(url)}: {st} {resp.reason or ''}".rstrip())
        return BackendError(PROVIDER, f"{_shown(url)}: server answered {st} "
                            f"{resp.reason or ''}".rstrip(), status=502, code=str(st))

    # --- Backend protocol -------------------------------------------------------------------
    async def head_bucket(self, bck: Bucket, props: dict[str, Any] | None = None
                          ) -> dict[str, str]:
        url = self.base_url(bck, props)
        try:
            resp = await self._request("HEAD", url)
            if resp.status in (405, 501):
                resp.release()
                resp = await self._request("GET", url)
                resp.close()  # only the status matters
        except BackendError as e:
            if e.status == 503 and not self._mapped(bck, props):
                raise BackendError(PROVIDER, f"{e.message.removeprefix(PROVIDER + ': ')} "
                                   f"({bck} is not in {ENV_BUCKETS} and has no "
                                   "extra.http.original_url, so its name was taken as a host)",
                                   status=503, code=e.code) from e
            raise
        try:
            if resp.status >= 400:
                raise self._fail(resp, url, bck, None)
        finally:
            resp.release()
        return {"original_url": url}

    async def list_buckets(self) -> list[str]:
        return sorted(self._buckets)

    async def head_object(self, bck: Bucket, name: str, props: dict[str, Any] | None = None
                          ) -> RemoteAttrs:
        url = object_url(self.base_url(bck, props), name)
        resp = await self._request("HEAD", url)
        try:
            self._not_a_dir(resp, url, bck, name)
            if resp.status < 300:
                size = _length(resp)
                if size is not None:
                    return _attrs(resp, size)
            elif resp.status not in (405, 501):
                raise self._fail(resp, url, bck, name)
        finally:
            resp.release()
        # HEAD refused or without a length: ask for one byte
        resp = await self._request("GET", url, {"Range": "bytes=0-0"})
        try:
            self._not_a_dir(resp, url, bck, name)
            total = _range_total(resp.headers.get("Content-Range"))
            if resp.status in (206, 416) and total is not None:
                return _attrs(resp, total)
            if resp.status >= 300:
                raise self._fail(resp, url, bck, name)
            size = _length(resp)
            if size is None:
                body = await self._read_unsized(resp, url)
                return _attrs(resp, len(body))
            return _attrs(resp, size)
        finally:
            resp.close()

    def _not_a_dir(self, resp: aiohttp.ClientResponse, url: str, bck: Bucket, name: str
                   ) -> None:
        """A server redirecting `dir` to `dir/` answers for a directory, not an object."""
        if resp.status < 300 and str(resp.url).endswith("/") and not url.endswith("/"):
            raise ObjectNotFound(str(bck), name)

    async def _read_unsized(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        try:
            body = await resp.content.read(MAX_UNSIZED_BODY + 1)
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _conn_error(e, url) from e
        if len(body) > MAX_UNSIZED_BODY:
            raise BackendError(PROVIDER, f"{_shown(url)}: no Content-Length and larger than "
                               f"{MAX_UNSIZED_BODY} bytes", status=502, code="NoContentLength")
        return body

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: dict[str, Any] | None = None) -> _Reader:
        url = object_url(self.base_url(bck, props), name)
        hdrs = {"Range": f"bytes={rng[0]}-{rng[0] + rng[1] - 1}"} if rng else None
        resp = await self._request("GET", url, hdrs)
        try:
            self._not_a_dir(resp, url, bck, name)
            if resp.status == 416:
                raise RangeNotSatisfiable(hdrs["Range"] if hdrs else "",
                                          _range_total(resp.headers.get("Content-Range")) or 0)
            if resp.status >= 300:
                raise self._fail(resp, url, bck, name)
            if rng is not None and resp.status == 206:
                total = _range_total(resp.headers.get("Content-Range"))
                return _Reader(resp, _attrs(resp, total if total is not None else rng[1]), url)
            size = _length(resp)
            if size is None:
                body = await self._read_unsized(resp, url)
                return _Reader(resp, _attrs(resp, len(body)), url,
                               body=body[rng[0]:rng[0] + rng[1]] if rng else body)
            if rng is None:
                return _Reader(resp, _attrs(resp, size), url)
            if rng[0] >= size:  # the server ignored Range: slice here
                raise RangeNotSatisfiable(hdrs["Range"] if hdrs else "", size)
            return _Reader(resp, _attrs(resp, size), url, skip=rng[0], limit=rng[1])
        except BaseException:
            resp.close()
            raise

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: dict[str, Any] | None = None
                         ) -> RemoteAttrs:
        raise NotSupported(f"cannot write {bck}/{name}: ht:// buckets are read-only "
                           "(HTTP servers are only read from)")

    async def delete_object(self, bck: Bucket, name: str,
                            props: dict[str, Any] | None = None) -> None:
        raise NotSupported(f"cannot delete {bck}/{name}: ht:// buckets are read-only "
                           "(evict drops the cached copy)")

    # --- listing ----------------------------------------------------------------------------
    async def list_objects(self, bck: Bucket, prefix: str, token: str, page_size: int,
                           props: dict[str, Any] | None = None) -> RemotePage:
        base = self.base_url(bck, props)
        want = page_size if page_size > 0 else 1000
        start = prefix.rpartition("/")[0] + "/" if "/" in prefix else ""
        entries: list[RemoteEntry] = []
        more = False
        unsized: list[RemoteEntry] = []
        async with contextlib.aclosing(self._walk(bck, base, start, prefix, token, 0)) as walk:
            async for e in walk:
                if len(entries) == want:
                    more = True
                    break
                entries.append(e)
                if e.size < 0:
                    unsized.append(e)
        if unsized:
            await self._fill_sizes(bck, unsized, props)
        return RemotePage(entries, entries[-1].name if more and entries else "")

    async def _walk(self, bck: Bucket, base: str, dir_rel: str, prefix: str, after: str,
                    depth: int) -> AsyncGenerator[RemoteEntry, None]:
        """Files under `base + dir_rel` in name order, those matching `prefix` and > `after`.
        Entries from HTML indexes have size -1 (unknown)."""
        if depth > _MAX_DEPTH:
            return
        listed = await self._index(base + quote(dir_rel, safe="/!$&'()*+,;=:@~"), bck)
        keyed = sorted(((rel + "/" if d else rel), d, s, m) for rel, d, s, m in
                       ((dir_rel + n, d, s, m) for n, d, s, m in listed))
        for key, is_dir, size, mtime in keyed:
            if is_dir:
                if not (key.startswith(prefix) or prefix.startswith(key)):
                    continue
                if after and after > key and not after.startswith(key):
                    continue  # every name under `key` sorts before `after`
                async with contextlib.aclosing(
                        self._walk(bck, base, key, prefix, after, depth + 1)) as sub:
                    async for e in sub:
                        yield e
            elif key.startswith(prefix) and key > after:
                yield RemoteEntry(key, size, last_modified_ns=mtime)

    async def _index(self, url: str, bck: Bucket) -> list[tuple[str, bool, int, int]]:
        """One directory's children; [] when the server gives no usable index."""
        resp = await self._request("GET", url, {"Accept": "application/json, text/html;q=0.9"})
        try:
            if resp.status >= 500:
                raise self._fail(resp, url, bck, None)
            if resp.status >= 300:
                return []
            body = await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _conn_error(e, url) from e
        finally:
            resp.release()
        final = str(resp.url)
        parsed = parse_json_index(body)
        if parsed is not None:
            return parsed
        ctype = resp.headers.get("Content-Type", "")
        if "html" not in ctype:
            return []
        try:
            text = body.decode(resp.charset or "utf-8", errors="replace")
        except LookupError:  # an unknown charset name
            text = body.decode("utf-8", errors="replace")
        return [(n, d, -1, 0) for n, d in parse_html_index(text, _dir(final))]

    async def _fill_sizes(self, bck: Bucket, entries: list[RemoteEntry],
                          props: dict[str, Any] | None) -> None:
        """HEAD each file an HTML index named (no sizes there); failures leave size 0."""
        sem = asyncio.Semaphore(8)

        async def one(e: RemoteEntry) -> None:
            async with sem:
                try:
                    a = await self.head_object(bck, e.name, props=props)
                    e.size, e.etag, e.last_modified_ns = a.size, a.etag, a.last_modified_ns
                except (ObjectNotFound, AccessDenied, BackendError, RangeNotSatisfiable):
                    e.size = 0

        await asyncio.gather(*(one(e) for e in entries))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
