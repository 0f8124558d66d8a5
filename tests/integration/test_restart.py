"""Durability across process restarts and crashes."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from aistore.sdk import Client

from tests.support.server import NodeProcess


def test_objects_and_props_survive_restart(fresh_node: NodeProcess) -> None:
    fresh_node.start()
    c = Client(fresh_node.url)
    b = c.bucket("keep").create()
    import requests

    r = requests.patch(f"{fresh_node.url}/v1/buckets/keep",
                       json={"action": "set-bprops", "name": "",
                             "value": {"checksum": {"type": "sha256"}}})
    assert r.status_code == 200
    b.object("a/b").get_writer().put_content(b"persist me")
    b.object("a/b").get_writer().put_content(b"persist me v2")
    fresh_node.restart()
    c = Client(fresh_node.url)
    b = c.bucket("keep")
    props = json.loads(b.head()["Ais-Bucket-Props"])
    assert props["checksum"]["type"] == "sha256"
    r = b.object("a/b").get_reader()
    assert r.read_all() == b"persist me v2"
    assert r.attributes.obj_version == "2"
    assert r.attributes.checksum_type == "sha256"
    assert [e.name for e in b.list_all_objects()] == ["a/b"]


def test_sigkill_during_large_put_leaves_no_partial_object(fresh_node: NodeProcess) -> None:
    fresh_node.start()
    c = Client(fresh_node.url)
    c.bucket("crash").create()
    c.bucket("crash").object("big").get_writer().put_content(b"old")
    s = socket.create_connection(("127.0.0.1", fresh_node.port))
    total = 200 << 20
    s.sendall(f"PUT /v1/objects/crash/big HTTP/1.1\r\nHost: x\r\n"
              f"Content-Length: {total}\r\n\r\n".encode())
    chunk = b"z" * (1 << 20)
    for _ in range(40):  # 40 MiB of 200 MiB, then the server dies
        s.sendall(chunk)
    time.sleep(0.3)
    work = [p for p in Path(fresh_node.data_dir).rglob("%wk/*") if p.is_file()]
    assert work, "a work file should exist while the PUT is in flight"
    fresh_node.kill()
    s.close()
    fresh_node.start()
    c = Client(fresh_node.url)
    assert c.bucket("crash").object("big").get_reader().read_all() == b"old"
    leftovers = [p for p in Path(fresh_node.data_dir).rglob("%wk/*") if p.is_file()]
    assert leftovers == []
