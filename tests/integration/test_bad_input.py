"""Bad input over raw HTTP: clear 4xx, nothing written, nothing outside the bucket."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.support.http import req
from tests.support.server import NodeProcess




def act(action: str, value: object = None) -> bytes:
    return json.dumps({"action": action, "name": "", "value": value}).encode()


@pytest.fixture
def bck(node: NodeProcess, bucket_name: str):
    st, _, body = req(node, "POST", f"/v1/buckets/{bucket_name}", act("create-bck"))
    assert st == 200, body
    yield bucket_name
    req(node, "DELETE", f"/v1/buckets/{bucket_name}", act("destroy-bck"))


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", ["a..b", ".hidden", "has space", "x" * 65, "sl/ash", "ü"])
def test_invalid_bucket_names(node: NodeProcess, name: str) -> None:
    from urllib.parse import quote

    st, _, body = req(node, "POST", f"/v1/buckets/{quote(name, safe='')}", act("create-bck"))
    assert st == 400, body
    assert "invalid bucket name" in json.loads(body)["message"]


def test_unknown_action_and_malformed_json(node: NodeProcess, bck: str) -> None:
    st, _, body = req(node, "POST", f"/v1/buckets/{bck}", act("no-such-action"))
    assert st == 400 and b"invalid action" in body
    st, _, body = req(node, "POST", f"/v1/buckets/{bck}", b"{not json")
    assert st == 400 and b"malformed JSON" in body
    st, _, body = req(node, "PATCH", f"/v1/buckets/{bck}",
                      act("set-bprops", {"checksum": {"type": "rot13"}}))
    assert st == 400 and b"invalid checksum type" in body
    st, _, body = req(node, "PATCH", f"/v1/buckets/{bck}", act("set-bprops", {"nope": 1}))
    assert st == 400 and b"unknown bucket property" in body
    st, _, _ = req(node, "GET", "/v1/daemon?what=bogus")
    assert st == 400


def test_oversized_control_body(node: NodeProcess, bck: str) -> None:
    st, _, body = req(node, "POST", f"/v1/buckets/{bck}", b" " * (2 << 20))
    assert st == 400 and b"exceeds" in body


@pytest.mark.parametrize("path", [
    "../../../../tmp/evil", "a/../../evil", "%2e%2e/%2e%2e/evil", "a/./b", "/abs",
])
def test_traversal_names_refused(node: NodeProcess, bck: str, path: str) -> None:
    root = Path(node.data_dir)
    before = files_under(root)
    st, _, body = req(node, "PUT", f"/v1/objects/{bck}/{path}", b"evil",
                      {"Content-Type": "application/octet-stream"})
    assert st in (400, 404), (st, body)
    assert files_under(root) == before
    assert not Path("/tmp/evil").exists()


def test_name_limits(node: NodeProcess, bck: str) -> None:
    st, _, body = req(node, "PUT", f"/v1/objects/{bck}/{'n' * 1025}", b"x")
    assert st == 400 and b"longer than 1024" in body
    st, _, body = req(node, "PUT", f"/v1/objects/{bck}/a%00b", b"x")
    assert st == 400 and b"NUL" in body
    ok = "d/" + "é" * 300  # long segment (> 255 bytes): stored under a hashed path
    from urllib.parse import quote

    st, _, _ = req(node, "PUT", f"/v1/objects/{bck}/{quote(ok)}", b"long")
    assert st == 200
    st, _, data = req(node, "GET", f"/v1/objects/{bck}/{quote(ok)}")
    assert st == 200 and data == b"long"
    st, _, data = req(node, "GET", f"/v1/buckets/{bck}",
                      act("list", {"props": "name", "flags": "0"}))
    assert ok in [e["name"] for e in json.loads(data)["entries"]]


def test_range_not_satisfiable(node: NodeProcess, bck: str) -> None:
    req(node, "PUT", f"/v1/objects/{bck}/r", b"0123456789")
    st, h, data = req(node, "GET", f"/v1/objects/{bck}/r", headers={"Range": "bytes=3-5"})
    assert st == 206 and data == b"345" and h["content-range"] == "bytes 3-5/10"
    st, _, body = req(node, "GET", f"/v1/objects/{bck}/r", headers={"Range": "bytes=10-"})
    assert st == 416, body


def test_missing_things_are_404_with_names(node: NodeProcess, bck: str) -> None:
    st, _, body = req(node, "GET", f"/v1/objects/{bck}/nothing")
    assert st == 404 and f"ais://{bck}/nothing".encode() in body
    st, h, _ = req(node, "HEAD", f"/v1/objects/{bck}/nothing")
    assert st == 404 and "does not exist" in h["hdr-error"]
    st, _, body = req(node, "GET", "/v1/objects/no-such-bucket-x/o")
    assert st == 404 and b'"ais://no-such-bucket-x"' in body.replace(b'\\"', b'"')


def test_truncated_put_leaves_nothing(node: NodeProcess, bck: str) -> None:
    root = Path(node.data_dir)
    s = socket.create_connection(("127.0.0.1", node.port))
    s.sendall(f"PUT /v1/objects/{bck}/trunc HTTP/1.1\r\nHost: x\r\n"
              "Content-Length: 1000000\r\n\r\n".encode() + b"x" * 1000)
    s.close()
    import time

    time.sleep(0.5)
    st, _, _ = req(node, "HEAD", f"/v1/objects/{bck}/trunc")
    assert st == 404
    work = [p for p in root.rglob("%wk/*") if p.is_file()]
    assert work == []


def test_client_checksum_mismatch(node: NodeProcess, bck: str) -> None:
    st, _, body = req(node, "PUT", f"/v1/objects/{bck}/ck", b"data",
                      {"Ais-Checksum-Type": "xxhash2", "Ais-Checksum-Value": "0" * 16})
    assert st == 400 and b"checksum mismatch" in body
    st, _, _ = req(node, "HEAD", f"/v1/objects/{bck}/ck")
    assert st == 404
    import xxhash

    st, _, _ = req(node, "PUT", f"/v1/objects/{bck}/ck", b"data",
                   {"Ais-Checksum-Type": "xxhash2",
                    "Ais-Checksum-Value": xxhash.xxh64(b"data").hexdigest()})
    assert st == 200


def test_name_conflict_is_409(node: NodeProcess, bck: str) -> None:
    assert req(node, "PUT", f"/v1/objects/{bck}/a", b"1")[0] == 200
    st, _, body = req(node, "PUT", f"/v1/objects/{bck}/a/b", b"2")
    assert st == 409, body
    assert req(node, "GET", f"/v1/objects/{bck}/a")[2] == b"1"


def test_disk_full_gives_507(tmp_path: Path, fresh_node: NodeProcess) -> None:
    """A tiny tmpfs-like reserve: min_free_bytes larger than the disk's free space."""
    cfg = tmp_path / "cfg.json"
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    cfg.write_text(json.dumps({"cluster": {"min_free_bytes": free + (1 << 30)}}))
    fresh_node.extra_args = ["--config", str(cfg)]
    fresh_node.start()
    assert req(fresh_node, "POST", "/v1/buckets/full", act("create-bck"))[0] == 200
    st, _, body = req(fresh_node, "PUT", "/v1/objects/full/o", b"x" * 100)
    assert st == 507 and b"insufficient storage" in body
