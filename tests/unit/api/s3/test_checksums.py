"""S3 flexible checksums: values as botocore computes them, and the errors S3 answers."""

from __future__ import annotations

import base64
import hashlib

import pytest
import xxhash
from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum, Sha512Checksum

from aisnode import errors
from aisnode.api.s3 import checksums
from aisnode.api.s3.checksums import FlexibleChecksum

DATA = [b"", b"hello", bytes(range(256)) * 300]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("algorithm,botocore_class", [
    ("crc32", Crc32Checksum), ("sha1", Sha1Checksum), ("sha256", Sha256Checksum),
    ("sha512", Sha512Checksum),
])
def test_matches_botocore(data: bytes, algorithm: str, botocore_class: type) -> None:
    reference = botocore_class()
    reference.update(data)
    assert checksums.compute(algorithm, data) == reference.b64digest()


def test_known_values() -> None:
    assert checksums.compute("crc32", b"hello") == "NhCmhg=="
    assert checksums.compute("crc32c", b"hello") == "mnG7TA=="
    assert checksums.compute("crc32c", b"a" * 66560) == "sOO8/Q=="  # AWS trailer example
    # CRC-64/NVME check value for "123456789" is 0xAE8B14860A799888
    assert base64.b64decode(checksums.compute("crc64nvme", b"123456789")).hex() == \
        "ae8b14860a799888"
    assert base64.b64decode(checksums.compute("md5", b"x")) == hashlib.md5(b"x").digest()
    assert base64.b64decode(checksums.compute("xxhash64", b"x")) == xxhash.xxh64(b"x").digest()


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_incremental_equals_whole(algorithm: str) -> None:
    data = bytes(range(256)) * 40
    running = FlexibleChecksum(algorithm)
    for start in range(0, len(data), 777):
        running.update(data[start:start + 777])
    assert running.b64digest() == checksums.compute(algorithm, data)
    assert len(running.digest()) == checksums.DIGEST_SIZES[algorithm]
    assert running.header == f"x-amz-checksum-{algorithm}"
    running.verify(checksums.compute(algorithm, data))


def test_mismatch_and_malformed_values() -> None:
    running = FlexibleChecksum("CRC32")
    running.update(b"hello")
    with pytest.raises(errors.BadDigest) as caught:
        running.verify(checksums.compute("crc32", b"hellO"))
    assert isinstance(caught.value, errors.ChecksumMismatch)
    for bad in ("not base64!", "AAAA", base64.b64encode(b"12345").decode()):
        with pytest.raises(errors.InvalidChecksumValue) as invalid:
            running.verify(bad)
        assert invalid.value.message == "Value for x-amz-checksum-crc32 header is invalid."
        assert isinstance(invalid.value, errors.InvalidRequest)
    with pytest.raises(errors.NotSupported):
        FlexibleChecksum("adler32")


def test_requested_checksum_from_headers() -> None:
    value = checksums.compute("sha256", b"x")
    headers = [("Host", "h"), ("X-Amz-Checksum-SHA256", value),
               ("x-amz-checksum-type", "FULL_OBJECT"), ("x-amz-checksum-algorithm", "SHA256")]
    assert checksums.requested_checksum(headers) == ("sha256", value)
    assert checksums.requested_checksum([("Host", "h")]) is None
    with pytest.raises(errors.InvalidRequest, match="Multiple checksum"):
        checksums.requested_checksum([*headers, ("x-amz-checksum-crc32", "NhCmhg==")])
    with pytest.raises(errors.InvalidChecksumValue):
        checksums.requested_checksum([("x-amz-checksum-crc32", "NhCm")])
    with pytest.raises(errors.NotSupported):
        checksums.requested_checksum([("x-amz-checksum-foo", "NhCmhg==")])
    assert checksums.algorithm_of("x-amz-checksum-type") is None
    assert checksums.declared_trailers(" X-Amz-Checksum-CRC32 , x-amz-meta-a") == \
        ["x-amz-checksum-crc32", "x-amz-meta-a"]
    assert checksums.checksum_headers({"crc32": "v"}) == {"x-amz-checksum-crc32": "v"}


def test_content_md5() -> None:
    digest = hashlib.md5(b"body").digest()
    good = base64.b64encode(digest).decode()
    checksums.verify_content_md5(good, digest)
    with pytest.raises(errors.BadDigest):
        checksums.verify_content_md5(good, hashlib.md5(b"other").digest())
    for bad in ("zz", base64.b64encode(b"short").decode()):
        with pytest.raises(errors.InvalidDigest):
            checksums.verify_content_md5(bad, digest)
