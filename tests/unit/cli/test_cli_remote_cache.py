"""Pure parts of `remote-attach`/`show remote-cluster`, `prefetch`/`evict` and `backend_bck`:
argument parsing, rows, selections, the job progress bar."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from aisnode.cli.bucket import backend_bck_value
from aisnode.cli.cache import Selection, selection_args, template_count
from aisnode.cli.context import UsageError
from aisnode.cli.main import build_parser
from aisnode.cli.remote import parse_attach_args, remote_row
from aisnode.cli.render import JobBar
from aisnode.client import JobProgress, JobSnap, RemoteCluster
from aisnode.wire.bucket import Bucket, Namespace


def test_parse_attach_args_groups_urls_per_alias() -> None:
    assert parse_attach_args(["far=http://a:1", "near=b:2", "far=http://c:3", "far=http://a:1"]) \
        == {"far": ["http://a:1", "http://c:3"], "near": ["http://b:2"]}
    assert parse_attach_args(["U1d2=https://h"]) == {"U1d2": ["https://h"]}
    for bad in ("far", "=http://a", "far=", " = "):
        with pytest.raises(UsageError, match="ALIAS=URL"):
            parse_attach_args([bad])


def test_remote_rows_online_offline_never_seen() -> None:
    on = RemoteCluster("far", "http://a", ["http://a"], "UU", "p1", 4, 2, True)
    assert remote_row(on) == ["UU", "http://a", "far", "p[p1]", "v4", "2", "yes"]
    off = RemoteCluster("far", "http://a", ["http://a", "http://b"], "UU", "p1", 4, 2, False)
    assert remote_row(off) == ["UU", "http://a,http://b", "far", "p[p1]", "v4", "2", "no"]
    never = RemoteCluster("x", "http://x", [], "", online=False)
    assert remote_row(never) == ["n/a", "http://x", "x", "n/a", "n/a", "n/a", "no"]
    known_uuid = RemoteCluster("x", "http://x", ["http://x"], "UU")
    assert remote_row(known_uuid)[0] == "<UU>"


def test_template_count() -> None:
    assert template_count("p-{0..3}") == 4
    assert template_count("a-{00..99..10}-{1..2}.bin") == 20
    assert template_count("plain-prefix") is None
    with pytest.raises(UsageError):
        template_count("p-{5..1}")


def parse(*argv: str):  # noqa: ANN201
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("argv", "bck", "sel"),
    [
        (["prefetch", "s3://b"], Bucket("b", "aws"), Selection()),
        (["prefetch", "s3://b/dir/"], Bucket("b", "aws"), Selection(prefix="dir/")),
        (["prefetch", "s3://b", "--template", "p-{0..3}"], Bucket("b", "aws"),
         Selection(template="p-{0..3}")),
        (["evict", "s3://b/p-", "--template", "{0..3}"], Bucket("b", "aws"),
         Selection(template="p-{0..3}")),
        (["evict", "gs://b/p-{0..3}"], Bucket("b", "gcp"), Selection(template="p-{0..3}")),
        (["evict", "ais://@far/b", "--list", "x, y,"], Bucket("b", "ais", Namespace("far")),
         Selection(names=["x", "y"])),
    ],
)
def test_selection_args(argv: list[str], bck: Bucket, sel: Selection) -> None:
    assert selection_args(parse(*argv)) == (bck, sel)


def test_selection_args_errors_and_descriptions() -> None:
    for argv in (["prefetch", "s3://b", "--list", "a", "--template", "t"],
                 ["evict", "s3://b/x", "--list", "a"], ["evict", "s3://b", "--list", ","],
                 ["evict", "s3://"]):
        with pytest.raises(UsageError):
            selection_args(parse(*argv))
    b = Bucket("b", "aws")
    assert Selection().describe(b) == "entire bucket s3://b"
    assert Selection().whole_bucket and Selection(prefix="").whole_bucket
    assert Selection(prefix="d/").describe(b) == 'prefix "d/" from s3://b'
    assert Selection(names=["x", "y"]).describe(b) == '"x,y" from s3://b'
    assert (Selection(names=["x", "y"]).total, Selection(template="a{1..5}").total,
            Selection(prefix="d").total) == (2, 5, None)


def test_parser_wait_flags_and_remote_commands() -> None:
    a = parse("prefetch", "s3://b", "--no-wait", "--latest")
    assert (a.wait, a.latest, a.timeout) == (False, True, 0.0)
    assert parse("evict", "s3://b", "--keep-md").keep_md
    assert parse("evict", "s3://b").wait
    assert parse("cluster", "remote-attach", "a=http://x", "a=http://y").pairs == [
        "a=http://x", "a=http://y"]
    assert parse("cluster", "remote-detach", "a").alias == "a"
    assert parse("show", "remote-cluster", "-H").no_headers
    assert parse("show", "remote-clusters", "--json").json


def test_backend_bck_value() -> None:
    assert backend_bck_value({"backend_bck": "s3://data"}) == {
        "backend_bck": {"name": "data", "provider": "aws"}}
    for none in ("none", "None", ""):
        assert backend_bck_value({"backend_bck": none}) == {
            "backend_bck": {"name": "", "provider": ""}}
    # a namespaced bucket stays a URI (aisnode parses it with its namespace)
    assert backend_bck_value({"backend_bck": "ais://@far/b"}) == {"backend_bck": "ais://@far/b"}
    assert backend_bck_value({"mirror": {"enabled": True}}) == {"mirror": {"enabled": True}}
    for bad in ("s3://", "s3://a/b", "bogus://x"):
        with pytest.raises(UsageError, match="invalid backend_bck"):
            backend_bck_value({"backend_bck": bad})


def test_job_bar_renders_objects_and_bytes() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    snap = JobSnap("t1", "J", "prefetch-listrange", objs=3, bytes=3072)
    with JobBar("prefetch s3://b", 4, enabled=True, console=console) as bar:
        bar.update(JobProgress("J", [snap]))
    out = buf.getvalue()
    assert "prefetch s3://b" in out and "3/4 objects" in out and "3.00KiB" in out
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    with JobBar("evict s3://b", None, enabled=True, console=console, show_bytes=False) as bar:
        bar.update(JobProgress("J", [snap]))
    assert "3 objects" in buf.getvalue() and "KiB" not in buf.getvalue()
    with JobBar("off", 1, enabled=False) as bar:  # not a terminal: nothing at all
        bar.update(JobProgress("J", [snap]))
