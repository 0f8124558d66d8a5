"""Fixtures for real S3 clients against the session's `aisnode run` process (path style,
endpoint `<node>/s3`). Each module makes its own buckets and removes them."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import NodeProcess

BIN = Path(sys.executable).parent
"""The venv's bin dir: where `aws` and `s3cmd` are installed next to this interpreter."""

CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
         "AWS_DEFAULT_REGION": "us-east-1"}


def s3_endpoint(node: NodeProcess) -> str:
    return node.url + "/s3"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def boto3_client(endpoint: str, **config: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1, "mode": "standard"},
                                      **config))


def purge_bucket(client: Any, bucket: str) -> None:
    """Delete every object and upload of `bucket`, then the bucket (missing bucket: no-op)."""
    from botocore.exceptions import ClientError

    try:
        for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
            for u in page.get("Uploads", []):
                client.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        client.delete_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchBucket":
            raise


@pytest.fixture(scope="module")
def endpoint(node: NodeProcess) -> str:
    return s3_endpoint(node)


@pytest.fixture(scope="module")
def admin(endpoint: str) -> Any:
    """A plain boto3 client for setup and cleanup (not the client under test)."""
    return boto3_client(endpoint)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment for CLI clients: test credentials, no ~/.aws, no AWS_CA_BUNDLE (rclone)."""
    d = tmp_path_factory.mktemp("awsconf")
    (d / "config").write_text("")
    (d / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.startswith("RCLONE_")}
    env.update(CREDS)
    env["AWS_CONFIG_FILE"] = str(d / "config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(d / "credentials")
    yield env
