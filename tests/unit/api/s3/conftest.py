"""Real botocore clients that never reach the network: requests are captured before sending and
answered with a canned response, so tests see exactly what botocore signs, sends and parses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalr/XUtnFEMI+K7MDENG=bPxRfiCY"  # with / + = on purpose


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Sent:
    """One request as botocore put it on the wire."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def raw_path(self) -> str:
        return urlsplit(self.url).path

    @property
    def raw_query(self) -> str:
        return urlsplit(self.url).query

    @property
    def wire_headers(self) -> dict[str, str]:
        """Headers plus the Host line the HTTP client adds."""
        return {"Host": urlsplit(self.url).netloc, **self.headers}


@dataclass
class Recorder:
    sent: list[Sent] = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = {
            k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
        }
        self.sent.append(Sent(request.method, request.url, headers, body or b""))
        return AWSResponse(request.url, self.status, {"ETag": '"e"', **self.headers},
                           _Raw(self.body))


ClientFactory = Callable[..., tuple[Any, Recorder]]


@pytest.fixture
def s3_client() -> ClientFactory:
    """`s3_client(endpoint=..., signature_version=..., **config)` → (client, recorder)."""

    def make(
        endpoint: str = "http://127.0.0.1:9/s3", signature_version: str | None = None,
        **config: Any,
    ) -> tuple[Any, Recorder]:
        options: dict[str, Any] = {
            "s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1},
        }
        if signature_version:
            options["signature_version"] = signature_version
        options.update(config)
        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name="us-east-1", config=Config(**options),
        )
        recorder = Recorder()
        client.meta.events.register("before-send.s3", recorder)
        return client, recorder

    return make


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str

    def lookup(self, access_key: str) -> str | None:
        return self.secret_key if access_key == self.access_key else None


@pytest.fixture
def keys() -> Keys:
    """The credentials every `s3_client` signs with, and their secret lookup."""
    return Keys(ACCESS_KEY, SECRET_KEY)
