"""On-disk layout: object-name validation and name -> path mapping."""

from __future__ import annotations

import os
import random

import pytest
import xxhash

from aisnode.core.storage import layout
from aisnode.errors import InvalidObjectName
from aisnode.wire.bucket import Bucket, Namespace

MP = "/mnt/mp0"
B = Bucket("bck")


@pytest.mark.parametrize("name", [
    "", "/abs", "//x", "a\x00b", "\x00", ".", "..", "./a", "../a", "a/./b", "a/../b", "a/..",
    "a/.", "x" * 1025, "é" * 513, "名" * 342,
])
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidObjectName):
        layout.validate_object_name(name)


@pytest.mark.parametrize("name", [
    "a", "a//b", "dir/", "%x", "%", "%e", "%h0123", "...", ".a", "a.", "a/.../b", "ünï/名前",
    "with space", "back\\slash", "x" * 1024, "é" * 512, "😀/emoji",
])
def test_valid_names(name: str) -> None:
    layout.validate_object_name(name)


def test_length_is_counted_in_bytes() -> None:
    name = "é" * 300  # 300 chars, 600 bytes
    layout.validate_object_name(name, max_len=600)
    with pytest.raises(InvalidObjectName):
        layout.validate_object_name(name, max_len=599)


def test_paths() -> None:
    assert layout.bucket_dir(MP, B) == "/mnt/mp0/@ais/bck"
    assert layout.objects_dir(MP, B) == "/mnt/mp0/@ais/bck/%ob"
    assert layout.object_path(MP, B, "d/o") == "/mnt/mp0/@ais/bck/%ob/d/o"
    nsb = Bucket("bck", "aws", Namespace("u", "n"))
    assert layout.object_path(MP, nsb, "o") == "/mnt/mp0/@aws/@u#n/bck/%ob/o"
    assert layout.work_dir(MP) == "/mnt/mp0/%wk"
    assert layout.uploads_dir(MP) == "/mnt/mp0/%mp"


@pytest.mark.parametrize("name,rel", [
    ("a//b", "a/%e/b"),
    ("dir/", "dir/%e"),
    ("%x", "%%x"),
    ("%e", "%%e"),
    ("d/%%", "d/%%%"),
    ("plain/name.txt", "plain/name.txt"),
])
def test_segment_escapes(name: str, rel: str) -> None:
    assert layout.object_rel(name) == rel


def _decode_rel(rel: str) -> str | None:
    segs = [layout.decode_segment(s) for s in rel.split("/")]
    if any(s is None for s in segs):
        return None
    return "/".join(segs)  # type: ignore[arg-type]


def test_long_segments_are_hashed() -> None:
    ok = "a" * layout.MAX_SEGMENT
    assert layout.object_rel(ok) == ok
    long = "a" * (layout.MAX_SEGMENT + 1)
    h = layout.object_rel(long)
    assert h == "%h" + xxhash.xxh128_hexdigest(long.encode())
    assert layout.decode_segment(h) is None
    # byte length counts, not characters: 121 x 'é' = 242 bytes
    assert layout.object_rel("é" * 121).startswith("%h")
    assert layout.object_rel("é" * 120) == "é" * 120
    # a leading % adds one byte before the limit is checked
    assert layout.object_rel("%" + "a" * 239).startswith("%h")
    # different long names hash differently; only the long segment is hashed
    rel = layout.object_rel("dir/" + long + "/x")
    assert rel.split("/")[0] == "dir" and rel.split("/")[2] == "x"
    assert layout.object_rel("b" * 300) != layout.object_rel("c" * 300)
    assert all(len(s.encode()) <= 255 for s in layout.object_rel("z" * 1000).split("/"))


def test_decode_segment() -> None:
    assert layout.decode_segment("%e") == ""
    assert layout.decode_segment("%%x") == "%x"
    assert layout.decode_segment("plain") == "plain"
    assert layout.decode_segment("%hdeadbeef") is None


_ALPHABET = ["a", "b", "/", "/", ".", "..", "%", "%e", "%h", " ", "\\", "é", "名", "😀", "~",
             "-", "\n", "\t", "*", "?", ":", "#", "@", "x" * 120, "..."]


def _names(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 12))))
    return out + ["../../etc/passwd", "a/../../b", "..//x", "%2e%2e/x", ".../..../x", "/", "//",
                  "a/" * 300, ".." + "/" * 5]


def test_hostile_names_stay_inside_objects_dir() -> None:
    root = layout.objects_dir(MP, B)
    accepted = 0
    for name in _names(1, 4000):
        try:
            layout.validate_object_name(name)
        except InvalidObjectName:
            continue
        accepted += 1
        p = layout.object_path(MP, B, name)
        norm = os.path.normpath(p)
        assert norm.startswith(root + os.sep), (name, p)
        rel = layout.object_rel(name)
        segs = rel.split("/")
        assert all(s not in ("", ".", "..") for s in segs), (name, rel)
        assert "\x00" not in rel
        assert all(len(s.encode()) <= 255 for s in segs)
        # the escape is reversible unless a segment was hashed
        back = _decode_rel(rel)
        if back is not None:
            assert back == name
        else:
            assert any(len(s.encode()) >= layout.MAX_SEGMENT for s in name.split("/"))
    assert accepted > 1000  # the generator exercised the accepting path


def test_distinct_names_get_distinct_paths() -> None:
    names = {n for n in _names(2, 3000)}
    paths: dict[str, str] = {}
    for n in names:
        try:
            layout.validate_object_name(n)
        except InvalidObjectName:
            continue
        p = layout.object_path(MP, B, n)
        assert p not in paths, (n, paths.get(p))
        paths[p] = n


def test_lone_surrogate_is_refused_cleanly() -> None:
    name = "a/\udc80b"
    try:
        layout.validate_object_name(name)
    except InvalidObjectName:
        return
    layout.object_path(MP, B, name)
