"""aws-chunked decoding: bodies from real botocore, the AWS documentation examples, every split
point of small bodies, and tampered framing, data, signatures and trailers."""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum, Sha256Checksum

from aisnode import errors
from aisnode.api.s3 import checksums, chunked, sigv4
from aisnode.api.s3.chunked import AwsChunkedDecoder

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_DATE = "20130524T000000Z"
AWS_SCOPE = "20130524/us-east-1/s3/aws4_request"


def aws_chain(seed: str) -> sigv4.ChunkSignatureChain:
    key = sigv4.signing_key(AWS_SECRET, "20130524", "us-east-1")
    return sigv4.ChunkSignatureChain(key, AWS_DATE, AWS_SCOPE, seed)


def decode_all(decoder: AwsChunkedDecoder, pieces: Sequence[bytes]) -> bytes:
    out = b"".join(b"".join(decoder.feed(piece)) for piece in pieces)
    decoder.finish()
    return out


def signed_body(chain: sigv4.ChunkSignatureChain, chunks: Sequence[bytes],
                trailers: Sequence[tuple[str, str]] = ()) -> bytes:
    """Encode like an SDK that signs chunks (botocore only sends unsigned streams)."""
    parts = []
    for data in [*chunks, b""]:
        digest = hashlib.sha256(data).hexdigest()
        signature = chain.expected_chunk_signature(digest)
        chain.verify_chunk(digest, signature)
        parts.append(b"%x;chunk-signature=%s\r\n" % (len(data), signature.encode()))
        if data:
            parts.append(data + b"\r\n")
    if trailers:
        canonical = "".join(f"{name}:{value}\n" for name, value in trailers).encode()
        for name, value in trailers:
            parts.append(f"{name}:{value}\r\n".encode())
        signature = chain.expected_trailer_signature(canonical)
        parts.append(f"x-amz-trailer-signature:{signature}\r\n".encode())
    parts.append(b"\r\n")
    return b"".join(parts)


# --- real botocore ----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1, 5000, 2 * 1024 * 1024 + 17])
@pytest.mark.parametrize("algorithm", [None, "SHA256", "SHA1", "CRC32"])
def test_botocore_put_object_over_tls(s3_client: Any, keys: Any, size: int,
                                      algorithm: str | None) -> None:
    client, recorder = s3_client(endpoint="https://127.0.0.1:9/s3",
                                 request_checksum_calculation="when_supported")
    payload = random.Random(size).randbytes(size)
    extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    client.put_object(Bucket="bkt", Key="a b", Body=io.BytesIO(payload), **extra)
    sent = recorder.sent[-1]
    assert sent.headers["Content-Encoding"] == "aws-chunked"
    headers = sent.wire_headers
    auth = sigv4.authenticate(sent.method, sent.raw_path, sent.raw_query, headers, keys.lookup,
                              time.time(), path_prefix="/s3")
    assert auth is not None and auth.payload is sigv4.PayloadMode.STREAMING_UNSIGNED_TRAILER
    decoder = AwsChunkedDecoder.for_request(auth, headers)
    assert decode_all(decoder, [sent.body[i:i + 65536] for i in range(0, len(sent.body), 65536)]) \
        == payload
    name = f"x-amz-checksum-{(algorithm or 'crc32').lower()}"
    assert decoder.trailers == {name: checksums.compute((algorithm or "crc32"), payload)}
    assert decoder.done and decoder.decoded_size == size


def test_botocore_upload_part_over_tls(s3_client: Any, keys: Any) -> None:
    client, recorder = s3_client(endpoint="https://127.0.0.1:9/s3")
    client.upload_part(Bucket="b", Key="k", PartNumber=2, UploadId="u", Body=io.BytesIO(b"p" * 99))
    sent = recorder.sent[-1]
    auth = sigv4.authenticate(sent.method, sent.raw_path, sent.raw_query, sent.wire_headers,
                              keys.lookup, time.time(), path_prefix="/s3")
    decoder = AwsChunkedDecoder.for_request(auth, sent.wire_headers)
    assert decode_all(decoder, [sent.body]) == b"p" * 99


def _wrapped(payload: bytes, chunk_size: int, checksum: type | None = Crc32Checksum,
             name: str = "x-amz-checksum-crc32") -> bytes:
    return AwsChunkedWrapper(io.BytesIO(payload), checksum_cls=checksum, checksum_name=name,
                             chunk_size=chunk_size).read()


def test_every_split_point_of_a_small_body() -> None:
    payload = b"hello, chunked world"
    body = _wrapped(payload, 7)
    for cut in range(len(body) + 1):
        decoder = AwsChunkedDecoder(decoded_length=len(payload),
                                    expected_trailers=["x-amz-checksum-crc32"])
        assert decode_all(decoder, [body[:cut], body[cut:]]) == payload
    for first in range(0, len(body), 3):
        for second in range(first, len(body), 5):
            decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"])
            pieces = [body[:first], body[first:second], body[second:]]
            assert decode_all(decoder, pieces) == payload
    decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"])
    assert decode_all(decoder, [body[i:i + 1] for i in range(len(body))]) == payload


def test_data_is_handed_on_before_the_chunk_ends() -> None:
    decoder = AwsChunkedDecoder()
    assert decoder.feed(b"10\r\n01234") == [b"01234"]
    assert decoder.feed(b"56789abcdef\r\n0\r\n\r\n") == [b"56789abcdef"]
    assert decoder.finish() == {}


# --- AWS documentation examples ---------------------------------------------------------------
AWS_BODY = (
    b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
    + b"a" * 65536 + b"\r\n"
    + b"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
    + b"a" * 1024 + b"\r\n"
    + b"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
    + b"\r\n"
)
AWS_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
AWS_TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"


def test_aws_signed_example_any_slicing() -> None:
    assert len(AWS_BODY) == 66824
    generator = random.Random(7)
    for _ in range(20):
        cuts = sorted(generator.sample(range(len(AWS_BODY)), 6))
        pieces = [AWS_BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(AWS_BODY)], strict=True)]
        decoder = AwsChunkedDecoder(decoded_length=66560, signatures=aws_chain(AWS_SEED))
        assert decode_all(decoder, pieces) == b"a" * 66560
    decoder = AwsChunkedDecoder(decoded_length=66560, signatures=aws_chain(AWS_SEED))
    assert decode_all(decoder, [AWS_BODY[i:i + 1] for i in range(len(AWS_BODY))]) == b"a" * 66560


def test_aws_signed_example_tampered() -> None:
    cases = [
        AWS_BODY.replace(b"a" * 10, b"a" * 9 + b"b", 1),  # data
        AWS_BODY.replace(b"=ad80c7", b"=ad80c8"),  # first signature
        AWS_BODY.replace(b"=b6c6ea", b"=b6c6eb"),  # final signature
    ]
    for body in cases:
        decoder = AwsChunkedDecoder(decoded_length=66560, signatures=aws_chain(AWS_SEED))
        with pytest.raises(errors.SignatureDoesNotMatch):
            decode_all(decoder, [body])
    unsigned = AWS_BODY.replace(
        b";chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", b"")
    with pytest.raises(errors.InvalidChunkedBody, match="chunk-signature"):
        decode_all(AwsChunkedDecoder(signatures=aws_chain(AWS_SEED)), [unsigned])
    with pytest.raises(errors.SignatureDoesNotMatch):
        decode_all(AwsChunkedDecoder(signatures=aws_chain("0" * 64)), [AWS_BODY])


AWS_TRAILER_SIGNATURE = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"


def _aws_trailer_body(trailer_value: str = "sOO8/Q==",
                      signature: str = AWS_TRAILER_SIGNATURE) -> bytes:
    chain = aws_chain(AWS_TRAILER_SEED)
    body = signed_body(chain, [b"a" * 65536, b"a" * 1024])
    assert b"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992" \
        in body
    return body[:-2] + (f"x-amz-checksum-crc32c:{trailer_value}\r\n"
                        f"x-amz-trailer-signature:{signature}\r\n\r\n").encode()


def _trailer_decoder() -> AwsChunkedDecoder:
    return AwsChunkedDecoder(decoded_length=66560, signatures=aws_chain(AWS_TRAILER_SEED),
                             signed_trailers=True, expected_trailers=["x-amz-checksum-crc32c"])


def test_aws_signed_trailer_example() -> None:
    decoder = _trailer_decoder()
    assert decode_all(decoder, [_aws_trailer_body()]) == b"a" * 66560
    assert decoder.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}
    with pytest.raises(errors.SignatureDoesNotMatch):
        decode_all(_trailer_decoder(), [_aws_trailer_body(signature="0" * 64)])
    with pytest.raises(errors.SignatureDoesNotMatch):  # the signature covers the trailer value
        decode_all(_trailer_decoder(), [_aws_trailer_body(trailer_value="AAAAAA==")])
    missing = _aws_trailer_body().replace(b"x-amz-trailer-signature:", b"x-amz-meta-x:")
    with pytest.raises(errors.InvalidChunkedBody):
        decode_all(_trailer_decoder(), [missing])


def test_own_signed_trailer_with_wrong_checksum_is_bad_digest() -> None:
    chain = aws_chain(AWS_TRAILER_SEED)
    wrong = checksums.compute("crc32", b"xyZ")
    body = signed_body(chain, [b"xyz"], [("x-amz-checksum-crc32", wrong)])
    decoder = AwsChunkedDecoder(signatures=aws_chain(AWS_TRAILER_SEED), signed_trailers=True,
                                expected_trailers=["x-amz-checksum-crc32"])
    with pytest.raises(errors.BadDigest):
        decode_all(decoder, [body])


# --- refusals ---------------------------------------------------------------------------------
GOOD = _wrapped(b"0123456789", 4)


@pytest.mark.parametrize("body,error", [
    (GOOD.replace(b"0123", b"0124"), errors.BadDigest),
    (GOOD.replace(b"crc32:", b"crc32:AA"), errors.InvalidChecksumValue),
    (GOOD.replace(b"\r\n0123", b"\r\n0123456", 1), errors.InvalidChunkedBody),  # no CRLF after data
    (b"zz\r\nabc\r\n0\r\n\r\n", errors.InvalidChunkedBody),
    (b"-1\r\n0\r\n\r\n", errors.InvalidChunkedBody),
    (b"4\nabcd\r\n0\r\n\r\n", errors.InvalidChunkedBody),  # LF without CR
    (b"12345678901234567\r\n", errors.InvalidChunkedBody),  # too many hex digits
    (b"4\r\nabcd\r\n0\r\n\r\nmore", errors.InvalidChunkedBody),
    (b"4\r\nabcd\r\n0\r\nx-amz-meta-a:1\r\n\r\n", errors.InvalidChunkedBody),  # not announced
    (b"4\r\nabcd\r\n0\r\nno colon\r\n\r\n", errors.InvalidChunkedBody),
])
def test_malformed_bodies(body: bytes, error: type[Exception]) -> None:
    decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"]
                                if b"crc32" in body else [])
    with pytest.raises(error):
        decode_all(decoder, [body])


def test_truncated_bodies() -> None:
    for cut in range(len(GOOD) - 2):  # the final empty line alone may be missing
        decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"])
        with pytest.raises((errors.InvalidChunkedBody, errors.IncompleteBody)):
            decode_all(decoder, [GOOD[:cut]])
    decoder = AwsChunkedDecoder(decoded_length=10, expected_trailers=["x-amz-checksum-crc32"])
    with pytest.raises(errors.IncompleteBody):
        decode_all(decoder, [GOOD[:12]])
    decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"])
    assert decode_all(decoder, [GOOD[:-2]]) == b"0123456789"


def test_decoded_length_and_trailer_presence() -> None:
    with pytest.raises(errors.InvalidChunkedBody, match="decoded-content-length"):
        decode_all(AwsChunkedDecoder(decoded_length=9), [_wrapped(b"0123456789", 4, None)])
    with pytest.raises(errors.IncompleteBody):
        decode_all(AwsChunkedDecoder(decoded_length=11), [_wrapped(b"0123456789", 4, None)])
    with pytest.raises(errors.InvalidChunkedBody, match="did not arrive"):
        decode_all(AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"]),
                   [_wrapped(b"0123456789", 4, None)])
    with pytest.raises(errors.InvalidChunkedBody, match="repeated"):
        decode_all(AwsChunkedDecoder(expected_trailers=["x-amz-checksum-crc32"]),
                   [GOOD[:-2] + GOOD[GOOD.index(b"x-amz-checksum"):]])


def test_limits() -> None:
    with pytest.raises(errors.InvalidChunkedBody, match="too long"):
        AwsChunkedDecoder().feed(b"4;" + b"x" * 5000)
    with pytest.raises(errors.InvalidChunkedBody, match="too long"):
        AwsChunkedDecoder().feed(b"4;" + b"x" * 5000 + b"\r\n")
    many = b"".join(f"x-amz-meta-{i}:{'v' * 100}\r\n".encode() for i in range(200))
    decoder = AwsChunkedDecoder(expected_trailers=[f"x-amz-meta-{i}" for i in range(200)])
    with pytest.raises(errors.InvalidChunkedBody, match="trailers too large"):
        decoder.feed(b"0\r\n" + many)


def test_for_request_checks_the_payload_mode() -> None:
    with pytest.raises(errors.InvalidRequest):
        AwsChunkedDecoder.for_request(None, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    # authentication off (auth None): signed chunks are framing only
    AwsChunkedDecoder.for_request(
        None, {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"})
    v2 = sigv4.Authentication("AK", sigv4.AuthScheme.V2_HEADER)
    with pytest.raises(errors.InvalidRequest):  # signed chunks need a SigV4-signed request
        AwsChunkedDecoder.for_request(
            v2, {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
    with pytest.raises(errors.InvalidRequest):
        AwsChunkedDecoder.for_request(None, {
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "x-amz-decoded-content-length": "ten"})
    decoder = AwsChunkedDecoder.for_request(None, {
        "X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "X-Amz-Decoded-Content-Length": "10", "X-Amz-Trailer": "x-amz-checksum-crc32"})
    assert decode_all(decoder, [GOOD]) == b"0123456789"
    assert decoder.checksums["x-amz-checksum-crc32"].b64digest() == \
        checksums.compute("crc32", b"0123456789")


def test_async_decode() -> None:
    body = _wrapped(b"streamed payload " * 100, 333, Sha256Checksum, "x-amz-checksum-sha256")

    async def source() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start:start + 100]

    async def run(stream: bytes) -> tuple[bytes, dict[str, str]]:
        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, len(stream), 100):
                yield stream[start:start + 100]
        decoder = AwsChunkedDecoder(expected_trailers=["x-amz-checksum-sha256"])
        out = b"".join([piece async for piece in chunked.decode(pieces(), decoder)])
        return out, decoder.trailers

    out, trailers = asyncio.run(run(body))
    assert out == b"streamed payload " * 100
    assert "x-amz-checksum-sha256" in trailers
    with pytest.raises(errors.InvalidChunkedBody):
        asyncio.run(run(body[:-40]))


def test_stored_content_encoding() -> None:
    assert chunked.stored_content_encoding("aws-chunked") == ""
    assert chunked.stored_content_encoding("aws-chunked, gzip") == "gzip"
    assert chunked.stored_content_encoding("gzip,aws-chunked") == "gzip"
