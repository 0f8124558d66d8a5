"""Configuration layers: defaults < file < env < overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisnode.config import ClusterConfig, LocalConfig, load_config
from aisnode.errors import InvalidRequest


def _file(tmp_path: Path, doc: object) -> str:
    p = tmp_path / "cfg.json"
    p.write_text(json.dumps(doc))
    return str(p)


def test_defaults_ignore_process_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISNODE_PORT", "1234")
    cfg = load_config(env={})
    assert cfg.local == LocalConfig() and cfg.cluster == ClusterConfig()
    assert load_config().local.port == 1234  # env=None reads os.environ


def test_precedence(tmp_path: Path) -> None:
    path = _file(tmp_path, {"local": {"port": 1000, "host": "0.0.0.0"},
                            "cluster": {"checksum_type": "md5", "max_object_name": 200}})
    env = {"AISNODE_PORT": "2000", "AISNODE_MAX_OBJECT_NAME": "300"}
    c = load_config(path, env={})
    assert (c.local.port, c.local.host, c.cluster.checksum_type) == (1000, "0.0.0.0", "md5")
    assert c.cluster.max_object_name == 200
    c = load_config(path, env=env)
    assert (c.local.port, c.cluster.max_object_name) == (2000, 300)
    assert c.local.host == "0.0.0.0" and c.cluster.checksum_type == "md5"
    c = load_config(path, {"port": 3000, "max_object_name": "400", "host": None}, env=env)
    assert (c.local.port, c.cluster.max_object_name) == (3000, 400)
    assert c.local.host == "0.0.0.0"  # None override leaves the lower layer


def test_types(tmp_path: Path) -> None:
    env = {"AISNODE_MOUNTPATHS": "/a,/b,", "AISNODE_FSYNC_PUT": "true",
           "AISNODE_VERSIONING": "0", "AISNODE_LOG_JSON": "yes", "AISNODE_HOST": "",
           "AISNODE_S3_AUTH": '{"AK": "SK"}', "AISNODE_UNRELATED": "x"}
    c = load_config(env=env)
    assert c.local.mountpaths == ("/a", "/b")
    assert c.cluster.fsync_put is True and c.cluster.versioning is False
    assert c.local.log_json is True
    assert c.local.host == LocalConfig().host  # empty env value ignored
    assert c.cluster.s3_auth == {"AK": "SK"}
    c = load_config(_file(tmp_path, {"local": {"mountpaths": ["/x", "/y"]},
                                     "cluster": {"fsync_put": True}}), env={})
    assert c.local.mountpaths == ("/x", "/y") and c.cluster.fsync_put is True


@pytest.mark.parametrize("doc", [{"local": {"prot": 1}}, {"cluster": {"checksum": "md5"}},
                                 {"cluster": {"port": 1}}])
def test_unknown_file_key(tmp_path: Path, doc: dict) -> None:
    with pytest.raises(InvalidRequest, match="unknown config key"):
        load_config(_file(tmp_path, doc), env={})


def test_unknown_override() -> None:
    with pytest.raises(InvalidRequest, match="unknown config key"):
        load_config(overrides={"no_such_flag": 1}, env={})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest):
        load_config(str(tmp_path / "missing.json"), env={})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidRequest):
        load_config(str(bad), env={})


def test_unknown_top_level_section(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest):
        load_config(_file(tmp_path, {"clustr": {"checksum_type": "md5"}}), env={})
