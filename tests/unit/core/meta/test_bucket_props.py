"""Bucket props: defaults, dotted/nested updates, coercion and refusals."""

from __future__ import annotations

import copy

import pytest

from aisnode.core.meta import bucket_props as bp
from aisnode.errors import InvalidProps


def test_defaults_ais() -> None:
    p = bp.defaults()
    assert p["provider"] == "ais"
    assert p["checksum"]["type"] == "xxhash2"
    assert p["versioning"]["enabled"] is True
    assert p["lru"]["enabled"] is False
    assert p["mirror"]["enabled"] is False and p["ec"]["enabled"] is False
    assert p["access"] == str(bp.ACCESS_ALL)
    assert p["features"] == "0"
    assert p["backend_bck"]["name"] == ""
    assert int(p["created"]) > 0


def test_defaults_remote_and_checksum_override() -> None:
    p = bp.defaults("aws", "md5")
    assert p["provider"] == "aws"
    assert p["checksum"]["type"] == "md5"
    assert p["lru"]["enabled"] is True


def test_defaults_are_fresh_trees() -> None:
    a, b = bp.defaults(), bp.defaults()
    a["checksum"]["type"] = "md5"
    assert b["checksum"]["type"] == "xxhash2"


def test_dotted_keys() -> None:
    p = bp.defaults()
    q = bp.apply_updates(p, {"checksum.type": "MD5", "mirror.copies": "3",
                             "versioning.enabled": "false"})
    assert q["checksum"]["type"] == "md5"
    assert q["mirror"]["copies"] == 3
    assert q["versioning"]["enabled"] is False
    # input untouched
    assert p["checksum"]["type"] == "xxhash2" and p["mirror"]["copies"] == 2
    assert p["versioning"]["enabled"] is True


def test_nested_partial_json_keeps_siblings() -> None:
    p = bp.defaults()
    q = bp.apply_updates(p, {"checksum": {"type": "sha256"}, "ec": {"data_slices": 4}})
    assert q["checksum"]["type"] == "sha256"
    assert q["checksum"]["validate_cold_get"] is False  # sibling kept
    assert q["ec"]["data_slices"] == 4 and q["ec"]["parity_slices"] == 2
    assert q["extra"]["aws"] == p["extra"]["aws"]


def test_nested_and_dotted_mixed() -> None:
    q = bp.apply_updates(bp.defaults(), {"extra": {"aws": {"cloud_region": "eu-1"}},
                                         "lru.dont_evict_time": "5h"})
    assert q["extra"]["aws"]["cloud_region"] == "eu-1"
    assert q["lru"]["dont_evict_time"] == "5h"


@pytest.mark.parametrize("raw,want", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True), (True, True),
    ("false", False), ("0", False), ("no", False), ("off", False), (False, False),
])
def test_bool_coercion(raw: object, want: bool) -> None:
    start = bp.apply_updates(bp.defaults(), {"mirror.enabled": not want})
    assert bp.apply_updates(start, {"mirror.enabled": raw})["mirror"]["enabled"] is want


@pytest.mark.parametrize("raw,want", [("7", 7), (7, 7), (" 12 ", 12)])
def test_int_coercion(raw: object, want: int) -> None:
    q = bp.apply_updates(bp.defaults(), {"ec.objsize_limit": raw})
    assert q["ec"]["objsize_limit"] == want
    assert type(q["ec"]["objsize_limit"]) is int


@pytest.mark.parametrize("updates", [
    {"mirror.enabled": "maybe"},
    {"mirror.copies": "two"},
    {"mirror.copies": "1.5"},
    {"lru.dont_evict_time": {"x": 1}} ,
])
def test_bad_values(updates: dict) -> None:
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), updates)


@pytest.mark.parametrize("updates", [
    {"nope": 1},
    {"checksum.nope": "x"},
    {"checksum": {"nope": "x"}},
    {"versioning.enabled.deeper": "true"},
    {"extra": "flat"},  # a section cannot be set to a scalar
])
def test_unknown_keys(updates: dict) -> None:
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), updates)


def test_invalid_checksum_type() -> None:
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), {"checksum.type": "crc64"})
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), {"checksum": {"type": "sha1"}})


@pytest.mark.parametrize("kind", bp.CHECKSUM_TYPES)
def test_every_checksum_type_accepted(kind: str) -> None:
    assert bp.apply_updates(bp.defaults(), {"checksum.type": kind})["checksum"]["type"] == kind


@pytest.mark.parametrize("key", ["provider", "bid", "created"])
def test_read_only_keys(key: str) -> None:
    p = bp.defaults()
    before = copy.deepcopy(p)
    with pytest.raises(InvalidProps, match="read-only"):
        bp.apply_updates(p, {key: "1"})
    assert p == before


def test_failed_update_applies_nothing() -> None:
    p = bp.defaults()
    before = copy.deepcopy(p)
    with pytest.raises(InvalidProps):
        bp.apply_updates(p, {"mirror.copies": "5", "bogus": 1})
    assert p == before


def test_access_names_and_numbers() -> None:
    p = bp.defaults()
    ro = bp.apply_updates(p, {"access": "ro"})["access"]
    assert int(ro) == bp.ACCESS_RO
    assert int(ro) & bp.ACE_GET and int(ro) & bp.ACE_OBJ_LIST
    assert not int(ro) & bp.ACE_PUT and not int(ro) & bp.ACE_OBJ_DELETE
    assert not int(ro) & bp.ACE_APPEND
    assert bp.apply_updates(p, {"access": "RW"})["access"] == str(bp.ACCESS_ALL)
    assert bp.apply_updates(p, {"access": 3})["access"] == "3"
    with pytest.raises(InvalidProps):
        bp.apply_updates(p, {"access": "sometimes"})


def test_features() -> None:
    p = bp.defaults()
    assert bp.apply_updates(p, {"features": "Fsync-PUT"})["features"] == str(bp.FEATURE_FSYNC_PUT)
    assert bp.apply_updates(p, {"features": "none"})["features"] == "0"
    assert bp.apply_updates(p, {"features": "1"})["features"] == "1"
    with pytest.raises(InvalidProps):
        bp.apply_updates(p, {"features": "Turbo"})


def test_backend_bck_uri_and_none() -> None:
    p = bp.defaults()
    q = bp.apply_updates(p, {"backend_bck": "s3://x"})
    assert q["backend_bck"] == {"name": "x", "provider": "aws",
                                "namespace": {"uuid": "", "name": ""}}
    g = bp.apply_updates(p, {"backend_bck": "gs://y"})
    assert g["backend_bck"]["provider"] == "gcp" and g["backend_bck"]["name"] == "y"
    for off in ("none", "NONE", ""):
        r = bp.apply_updates(q, {"backend_bck": off})
        assert r["backend_bck"] == bp.defaults()["backend_bck"]


def test_backend_bck_as_object() -> None:
    q = bp.apply_updates(bp.defaults(), {"backend_bck": {"name": "z", "provider": "s3"}})
    assert q["backend_bck"]["name"] == "z" and q["backend_bck"]["provider"] == "aws"
    r = bp.apply_updates(q, {"backend_bck": {"name": ""}})
    assert r["backend_bck"] == bp.defaults()["backend_bck"]


@pytest.mark.parametrize("bad", ["s3://x/obj", "ais://", "s3:"])
def test_backend_bck_refused(bad: str) -> None:
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), {"backend_bck": bad})


def test_parse_kv_args() -> None:
    assert bp.parse_kv_args(["checksum.type=md5", "mirror.enabled", "true", "a=b=c"]) == {
        "checksum.type": "md5", "mirror.enabled": "true", "a": "b=c"}
    assert bp.parse_kv_args([]) == {}
    assert bp.parse_kv_args(["k="]) == {"k": ""}
    with pytest.raises(InvalidProps):
        bp.parse_kv_args(["mirror.enabled"])
    with pytest.raises(InvalidProps):
        bp.parse_kv_args(["a=1", "lonely"])


def test_parse_kv_args_feeds_apply_updates() -> None:
    q = bp.apply_updates(bp.defaults(),
                         bp.parse_kv_args(["versioning.enabled=false", "mirror.copies", "4"]))
    assert q["versioning"]["enabled"] is False and q["mirror"]["copies"] == 4


def test_non_dict_updates_refused() -> None:
    with pytest.raises(InvalidProps):
        bp.apply_updates(bp.defaults(), ["checksum.type", "md5"])  # type: ignore[arg-type]


def test_get_path() -> None:
    assert bp.get_path(bp.defaults(), "checksum.type") == "xxhash2"
