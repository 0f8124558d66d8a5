"""`aisnode.client.Client` against a real single-node server: calls, streaming, error classes."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from aisnode import errors
from aisnode.client import Client, ClientError
from aisnode.wire import messages as M
from aisnode.wire.bucket import Bucket
from tests.support.server import NodeProcess

T = TypeVar("T")


@pytest.fixture
def run(node: NodeProcess) -> Callable[[Callable[[Client, Bucket], Awaitable[T]]], T]:
    """Run `fn(client, bucket)` in a fresh event loop with a fresh bucket (destroyed after)."""

    def runner(fn: Callable[[Client, Bucket], Awaitable[T]]) -> T:
        async def main() -> T:
            async with Client(node.url) as c:
                bck = Bucket(f"client-{uuid.uuid4().hex[:10]}")
                await c.create_bucket(bck)
                try:
                    return await fn(c, bck)
                finally:
                    await c.destroy_bucket(bck)

        return asyncio.run(main())

    return runner


def test_cluster_calls(run: Any) -> None:
    async def fn(c: Client, bck: Bucket) -> None:
        assert await c.health() is True
        smap = await c.smap()
        assert len(smap.proxies) == 1 and len(smap.targets) == 1
        assert smap.primary_id == smap.proxies[0].node_id and smap.uuid
        assert isinstance(await c.cluster_config(), dict)
        assert bck in await c.list_buckets()
        assert bck in await c.list_buckets("ais")

    run(fn)


def test_put_get_head_roundtrip(run: Any) -> None:
    data = os.urandom(5 * 1024 * 1024 + 1)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 700_000):
            yield data[i : i + 700_000]

    async def fn(c: Client, bck: Bucket) -> None:
        seen: list[int] = []
        await c.put_object(bck, "dir/a b%c.bin", chunks(), progress=seen.append)  # chunked
        assert sum(seen) == len(data)
        await c.put_object(bck, "bytes.bin", data[:100])
        assert await c.read_object(bck, "dir/a b%c.bin") == data
        assert await c.read_object(bck, "dir/a b%c.bin", offset=10, length=20) == data[10:30]
        buf = io.BytesIO()
        got: list[int] = []
        attrs = await c.get_object(bck, "dir/a b%c.bin", buf, offset=len(data) - 5,
                                   progress=got.append)
        assert buf.getvalue() == data[-5:] and attrs.size == 5 and sum(got) == 5
        h = await c.head_object(bck, "bytes.bin")
        assert h.size == 100 and h.checksum_type and h.checksum_value and h.atime_ns > 0
        assert h.version == "1"
        names = [e.n async for e in c.list_objects(bck, props="name")]
        assert names == ["bytes.bin", "dir/a b%c.bin"]

    run(fn)


def test_listing_pages(run: Any) -> None:
    async def fn(c: Client, bck: Bucket) -> None:
        for i in range(10):
            await c.put_object(bck, f"o{i:02d}", str(i).encode())
        page = await c.list_objects_page(bck, page_size=3)
        assert [e.n for e in page.Entries] == ["o00", "o01", "o02"]
        assert page.ContinuationToken
        assert all(e.f & M.ENTRY_CACHED for e in page.Entries)
        names = [e.n async for e in c.list_objects(bck, page_size=3)]
        assert names == [f"o{i:02d}" for i in range(10)]
        limited = [e.n async for e in c.list_objects(bck, page_size=4, limit=6)]
        assert limited == names[:6]
        after = [e.n async for e in c.list_objects(bck, start_after="o07")]
        assert after == ["o08", "o09"]
        sized = [e async for e in c.list_objects(bck, prefix="o0", props="name,size,checksum")]
        assert all(e.s == 1 and e.cs for e in sized)

    run(fn)


def test_props_and_multi_delete(run: Any) -> None:
    async def fn(c: Client, bck: Bucket) -> None:
        props = await c.head_bucket(bck)
        assert props["provider"] == "ais"
        await c.set_bucket_props(bck, {"checksum": {"type": "md5"}})
        assert (await c.head_bucket(bck))["checksum"]["type"] == "md5"
        await c.reset_bucket_props(bck)
        assert (await c.head_bucket(bck))["checksum"]["type"] == props["checksum"]["type"]

        for i in range(5):
            await c.put_object(bck, f"t-{i}", b"x")
        job = await c.delete_objects(bck, template="t-{0..2}")
        st = await c.wait_job(job, "delete-listrange", timeout=30)
        assert st.end_time and not st.err
        job = await c.delete_objects(bck, names=["t-3"])
        await c.wait_job(job, timeout=30)
        assert [e.n async for e in c.list_objects(bck)] == ["t-4"]

    run(fn)


def test_error_classes(run: Any) -> None:
    async def fn(c: Client, bck: Bucket) -> None:
        missing = Bucket("no-such-bucket-xyz")
        with pytest.raises(errors.BucketNotFound) as ei:
            await c.head_bucket(missing)
        assert isinstance(ei.value, ClientError) and ei.value.status == 404
        with pytest.raises(errors.BucketNotFound):
            [e async for e in c.list_objects(missing)]
        with pytest.raises(errors.BucketAlreadyExists):
            await c.create_bucket(bck)
        with pytest.raises(errors.ObjectNotFound):
            await c.read_object(bck, "nope")
        with pytest.raises(errors.ObjectNotFound):  # HEAD: error comes in Hdr-Error
            await c.head_object(bck, "nope")
        with pytest.raises(errors.ObjectNotFound):
            await c.delete_object(bck, "nope")
        with pytest.raises(errors.InvalidRequest) as bad:
            await c.create_bucket(Bucket("bad..name"))
        assert isinstance(bad.value, ClientError) and bad.value.status == 400
        with pytest.raises(errors.InvalidRequest):
            await c.set_bucket_props(bck, {"checksum": {"type": "bogus"}})
        await c.put_object(bck, "small", b"abc")
        with pytest.raises(errors.RangeNotSatisfiable):
            await c.read_object(bck, "small", offset=100, length=5)

    run(fn)


def test_unreachable() -> None:
    async def fn() -> None:
        async with Client("http://127.0.0.1:1") as c:
            with pytest.raises(ClientError) as ei:
                await c.smap()
            assert ei.value.status == 0 and "cannot reach" in ei.value.message

    asyncio.run(fn())
