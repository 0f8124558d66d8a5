"""Incremental decoding of `Content-Encoding: aws-chunked` request bodies.

The framing (after any HTTP-level chunked transfer coding is undone by the server):

    <hex-size>[;chunk-signature=<64 hex>]\\r\\n <data> \\r\\n      ... repeated ...
    0[;chunk-signature=<64 hex>]\\r\\n
    [<trailer-name>:<value>\\r\\n ...] [x-amz-trailer-signature:<64 hex>\\r\\n]
    \\r\\n

`AwsChunkedDecoder` is fed arbitrary slices of the body and returns the payload bytes they
complete, so it works under any async stream (`decode()` wraps an async iterator). It keeps no
payload: data is handed on as it arrives, hashed on the way when chunk signatures are checked,
and a chunk's signature is checked at the chunk's end. A consumer must therefore treat the data
as unproven until `finish()` returns, and discard what it wrote when any call raises (the object
services write to a work file and commit last, so this is the normal path). Only a chunk header
line (at most 4 KiB) and the trailers (at most 16 KiB) are buffered.

It checks: framing (never passed through as data), `x-amz-decoded-content-length` against the
decoded total, chunk and trailer signatures (given a `ChunkSignatureChain` from `sigv4.py`), that
the trailers are the ones announced in `x-amz-trailer`, and announced `x-amz-checksum-*` trailers
against the decoded data. Errors: `InvalidChunkedBody` for framing, `IncompleteBody` for a short
body, `SignatureDoesNotMatch`, `BadDigest`/`InvalidChecksumValue` for checksums.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from enum import Enum, auto

from ...errors import IncompleteBody, InvalidChunkedBody, InvalidRequest
from .checksums import FlexibleChecksum, algorithm_of, declared_trailers
from .sigv4 import (
    EMPTY_SHA256,
    Authentication,
    ChunkSignatureChain,
    PayloadMode,
    header_values,
    payload_mode,
)

MAX_HEADER_LINE = 4096
MAX_TRAILERS = 16 * 1024
TRAILER_SIGNATURE = "x-amz-trailer-signature"
_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


class _State(Enum):
    HEADER = auto()
    DATA = auto()
    DATA_END = auto()
    TRAILERS = auto()
    DONE = auto()


class AwsChunkedDecoder:
    """Feed it the body in any slices; it returns payload bytes and checks everything else."""

    def __init__(
        self,
        *,
        decoded_length: int | None = None,
        signatures: ChunkSignatureChain | None = None,
        signed_trailers: bool = False,
        expected_trailers: Sequence[str] = (),
        max_header_line: int = MAX_HEADER_LINE,
        max_trailers: int = MAX_TRAILERS,
    ) -> None:
        """`signed_trailers`: the trailers end with `x-amz-trailer-signature` (needs `signatures`).

        `expected_trailers`: names from `x-amz-trailer`; each must arrive, no other may, and
        `x-amz-checksum-*` ones are computed over the payload and compared.
        """
        if signed_trailers and signatures is None:
            raise ValueError("signed trailers need a signature chain")
        self._decoded_length = decoded_length
        self._chain = signatures
        self._signed_trailers = signed_trailers
        self._expected = [name.lower() for name in expected_trailers]
        self._max_line = max_header_line
        self._max_trailers = max_trailers
        self.checksums: dict[str, FlexibleChecksum] = {}
        for name in self._expected:
            algorithm = algorithm_of(name)
            if algorithm is not None:
                self.checksums[name] = FlexibleChecksum(algorithm)
        self._state = _State.HEADER
        self._line = bytearray()
        self._remaining = 0
        self._crlf_seen = 0
        self._chunk_signature = ""
        self._chunk_hash = hashlib.sha256() if signatures else None
        self._trailer_bytes = 0
        self._trailer_lines: list[tuple[str, str]] = []
        self._trailer_signature = ""
        self.decoded_size = 0
        self.trailers: dict[str, str] = {}

    @classmethod
    def for_request(
        cls, auth: Authentication | None, headers: Mapping[str, str]
    ) -> AwsChunkedDecoder:
        """A decoder set up from the request headers and its verified authentication.

        Reads `x-amz-decoded-content-length`, `x-amz-trailer` and the payload mode (from `auth`,
        or `x-amz-content-sha256` when `auth` is None). `auth` None means authentication is off
        (the S3 front rejects anonymous requests when it is on): chunk and trailer signatures
        are then parsed as framing and not checked, as there is no secret to check them with.
        """
        values = header_values(headers)
        length_text = (values.get("x-amz-decoded-content-length") or [""])[0].strip()
        decoded_length: int | None = None
        if length_text:
            if not length_text.isdigit():
                raise InvalidRequest("x-amz-decoded-content-length must be a number")
            decoded_length = int(length_text)
        mode = auth.payload if auth else payload_mode(
            (values.get("x-amz-content-sha256") or ["UNSIGNED-PAYLOAD"])[0])[0]
        if not mode.aws_chunked:
            raise InvalidRequest("aws-chunked body without a STREAMING-* x-amz-content-sha256")
        chain = auth.chunk_signatures() if auth else None
        if auth is not None and mode.signed_chunks and chain is None:
            raise InvalidRequest("signed aws-chunked payload on a request not signed with SigV4")
        return cls(
            decoded_length=decoded_length,
            signatures=chain,
            signed_trailers=chain is not None and mode is PayloadMode.STREAMING_SIGNED_TRAILER,
            expected_trailers=declared_trailers((values.get("x-amz-trailer") or [""])[0]),
        )

    @property
    def done(self) -> bool:
        """True once the final chunk and the trailers have been read and checked."""
        return self._state is _State.DONE

    def feed(self, data: bytes) -> list[bytes]:
        """Consume the next slice of the body; returns the payload bytes it carried."""
        out: list[bytes] = []
        position, end = 0, len(data)
        while position < end:
            state = self._state
            if state is _State.DATA:
                take = min(self._remaining, end - position)
                piece = data[position:position + take]
                self._payload(piece)
                out.append(piece)
                self._remaining -= take
                position += take
                if self._remaining == 0:
                    self._state = _State.DATA_END
            elif state is _State.HEADER or state is _State.TRAILERS:
                line, position = self._take_line(data, position, end)
                if line is not None:
                    if state is _State.HEADER:
                        self._header_line(line)
                    else:
                        self._trailer_line(line)
            elif state is _State.DATA_END:
                expected = b"\r\n"[self._crlf_seen]
                if data[position] != expected:
                    raise InvalidChunkedBody("chunk data not followed by CRLF")
                position += 1
                self._crlf_seen += 1
                if self._crlf_seen == 2:
                    self._end_of_chunk()
            else:
                raise InvalidChunkedBody("data after the end of the body")
        return out

    def finish(self) -> dict[str, str]:
        """Call at the end of the body: raises if it was cut short; returns the trailers."""
        if self._state is _State.TRAILERS and not self._line:
            self._complete()  # a client that leaves out the final empty line
        if self._state is not _State.DONE:
            if self._decoded_length is not None and self.decoded_size < self._decoded_length:
                raise IncompleteBody(self._decoded_length, self.decoded_size)
            raise InvalidChunkedBody("the body ended before its final chunk")
        return self.trailers

    # --- internals ------------------------------------------------------------------------
    def _take_line(self, data: bytes, position: int, end: int) -> tuple[bytes | None, int]:
        newline = data.find(b"\n", position, end)
        limit = self._max_line if self._state is _State.HEADER else self._max_trailers
        if newline < 0:
            self._line += data[position:end]
            if len(self._line) > limit:
                raise InvalidChunkedBody("chunk header or trailer line too long")
            return None, end
        self._line += data[position:newline + 1]
        line = bytes(self._line)
        self._line.clear()
        if len(line) > limit:
            raise InvalidChunkedBody("chunk header or trailer line too long")
        if not line.endswith(b"\r\n"):
            raise InvalidChunkedBody("line not terminated by CRLF")
        return line[:-2], newline + 1

    def _header_line(self, line: bytes) -> None:
        size_text, _, extensions = line.partition(b";")
        size_text = size_text.strip(b" \t")
        if not _SIZE.fullmatch(size_text):
            raise InvalidChunkedBody("bad chunk size")
        size = int(size_text, 16)
        signature = ""
        for extension in extensions.split(b";") if extensions else ():
            name, _, value = extension.partition(b"=")
            if name.strip(b" \t") == b"chunk-signature":
                signature = value.strip(b" \t").decode("ascii", "replace")
        if self._chain is not None:
            if not _SIGNATURE.fullmatch(signature):
                raise InvalidChunkedBody("chunk without a valid chunk-signature")
            self._chunk_signature = signature
        if self._decoded_length is not None and self.decoded_size + size > self._decoded_length:
            raise InvalidChunkedBody("more data than x-amz-decoded-content-length")
        if size == 0:
            if self._chain is not None:
                self._chain.verify_chunk(EMPTY_SHA256, self._chunk_signature)
            if self._decoded_length is not None and self.decoded_size != self._decoded_length:
                raise IncompleteBody(self._decoded_length, self.decoded_size)
            self._state = _State.TRAILERS
            return
        self._remaining = size
        self._state = _State.DATA

    def _payload(self, piece: bytes) -> None:
        self.decoded_size += len(piece)
        if self._chunk_hash is not None:
            self._chunk_hash.update(piece)
        for checksum in self.checksums.values():
            checksum.update(piece)

    def _end_of_chunk(self) -> None:
        self._crlf_seen = 0
        if self._chain is not None and self._chunk_hash is not None:
            self._chain.verify_chunk(self._chunk_hash.hexdigest(), self._chunk_signature)
            self._chunk_hash = hashlib.sha256()
        self._state = _State.HEADER

    def _trailer_line(self, line: bytes) -> None:
        if not line:
            self._complete()
            return
        self._trailer_bytes += len(line) + 2
        if self._trailer_bytes > self._max_trailers:
            raise InvalidChunkedBody("trailers too large")
        name_bytes, colon, value_bytes = line.partition(b":")
        try:
            name = name_bytes.decode("ascii").strip().lower()
            value = value_bytes.decode("ascii").strip()
        except UnicodeDecodeError:
            raise InvalidChunkedBody("trailer is not ASCII") from None
        if not colon or not name:
            raise InvalidChunkedBody("trailer line is not name:value")
        if name == TRAILER_SIGNATURE:
            if self._trailer_signature:
                raise InvalidChunkedBody("more than one trailer signature")
            self._trailer_signature = value
            return
        if self._trailer_signature:
            raise InvalidChunkedBody("trailer after the trailer signature")
        if name in self.trailers:
            raise InvalidChunkedBody(f"trailer {name} repeated")
        if name not in self._expected:
            raise InvalidChunkedBody(f"trailer {name} was not announced in x-amz-trailer")
        self.trailers[name] = value
        self._trailer_lines.append((name, value))

    def _complete(self) -> None:
        if self._signed_trailers and self._chain is not None:
            if not self._trailer_signature:
                raise InvalidChunkedBody("missing x-amz-trailer-signature")
            canonical = "".join(f"{name}:{value}\n" for name, value in self._trailer_lines)
            self._chain.verify_trailer(canonical.encode("ascii"), self._trailer_signature)
        missing = [name for name in self._expected if name not in self.trailers]
        if missing:
            raise InvalidChunkedBody(f"announced trailer {', '.join(missing)} did not arrive")
        for name, checksum in self.checksums.items():
            checksum.verify(self.trailers[name])
        self._state = _State.DONE


async def decode(
    source: AsyncIterable[bytes], decoder: AwsChunkedDecoder
) -> AsyncIterator[bytes]:
    """Payload bytes of an `aws-chunked` stream (e.g. aiohttp's `request.content.iter_any()`).

    Runs `decoder.finish()` at the end, so a stream that is exhausted without error was whole
    and verified; the trailers are then in `decoder.trailers`.
    """
    async for piece in source:
        for payload in decoder.feed(piece):
            if payload:
                yield payload
    decoder.finish()


def stored_content_encoding(content_encoding: str) -> str:
    """The Content-Encoding to keep with the object: the value without `aws-chunked`."""
    codings = [c.strip() for c in content_encoding.split(",")]
    return ", ".join(c for c in codings if c and c.lower() != "aws-chunked")
