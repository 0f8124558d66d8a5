"""S3 request authentication: AWS signature version 4 (header and presigned URL), the
`aws-chunked` chunk-signature chain, and the entry point `authenticate()` that also dispatches to
signature version 2 (`sigv2.py`).

Everything here is a pure function of (method, raw path, raw query string, headers, secret lookup,
now). The canonical request follows what botocore builds for a path-style endpoint with a path
prefix: the canonical URI is the raw request path as sent (already percent-encoded by the client,
`/s3/bucket/my%20key`; S3 does not encode it again), the query string is decoded and re-encoded
(RFC 3986, `%20` for space) and sorted. A few equivalent spellings are also tried, one HMAC each:
the path re-encoded canonically, and the path without `path_prefix` (s3cmd signs `/bucket/key`
even when its `host_base` carries `/s3`, and then signs `host:H/s3` while sending `Host: H`, so
that spelling of the Host is tried with the unprefixed path). The unprefixed form is not
accepted when it itself starts with the prefix, so a signature for `/s3/b/k` cannot be replayed
on `/s3/s3/b/k`.

The payload: `x-amz-content-sha256` says how the body is protected (`PayloadMode`). A hex SHA-256
is only checked once the body is read (`Authentication.verify_payload_sha256`); the streaming
modes carry `aws-chunked` bodies decoded by `chunked.py`, which checks chunk signatures through
`ChunkSignatureChain`. Secrets never reach a log line or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum
from urllib.parse import quote_from_bytes, unquote, unquote_to_bytes

from ...errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    ContentSha256Mismatch,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidRequest,
    NotSupported,
    RequestExpired,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)
from . import sigv2

SecretLookup = Callable[[str], str | None]
"""Access key → secret key, or None when the key is unknown."""

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class PayloadMode(Enum):
    """How the body is protected, from `x-amz-content-sha256`."""

    SHA256 = "sha256"  # a hex digest the whole body must match
    UNSIGNED = "UNSIGNED-PAYLOAD"
    STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"

    @property
    def aws_chunked(self) -> bool:
        """True when the body is `aws-chunked` framed (decode it with `chunked.py`)."""
        return self.value.startswith("STREAMING-")

    @property
    def signed_chunks(self) -> bool:
        return self in (PayloadMode.STREAMING_SIGNED, PayloadMode.STREAMING_SIGNED_TRAILER)

    @property
    def trailer(self) -> bool:
        return self.value.endswith("-TRAILER")


class AuthScheme(Enum):
    V4_HEADER = "sigv4"
    V4_QUERY = "sigv4-query"
    V2_HEADER = "sigv2"
    V2_QUERY = "sigv2-query"


def payload_mode(x_amz_content_sha256: str) -> tuple[PayloadMode, str | None]:
    """(mode, expected hex digest or None) for an `x-amz-content-sha256` value."""
    value = x_amz_content_sha256.strip()
    if _HEX64.fullmatch(value):
        return PayloadMode.SHA256, value.lower()
    for mode in PayloadMode:
        if mode is not PayloadMode.SHA256 and value == mode.value:
            return mode, None
    if value.startswith("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"):
        raise NotSupported("SigV4a (ECDSA) streaming payloads are not supported")
    raise InvalidArgument(
        "x-amz-content-sha256",
        "must be UNSIGNED-PAYLOAD, a STREAMING-* value, or a valid sha256 value",
    )


# --- signing primitives ---------------------------------------------------------------------
def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    """The derived SigV4 key for one day, region and service."""
    key = _hmac(("AWS4" + secret).encode(), date)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def sign(key: bytes, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of a string to sign with a derived key."""
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    return "\n".join(
        (ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest())
    )


@dataclass(frozen=True)
class Credential:
    """`AK/20261121/us-east-1/s3/aws4_request` split into its parts."""

    access_key: str
    date: str
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse_credential(text: str) -> Credential:
    """Parse a credential; raises `ValueError` with the reason when malformed."""
    parts = text.split("/")
    if len(parts) < 5 or parts[-1] != "aws4_request":
        raise ValueError("Credential must be <key>/<date>/<region>/s3/aws4_request")
    access_key = "/".join(parts[:-4])
    date, region, service = parts[-4], parts[-3], parts[-2]
    if not access_key or not re.fullmatch(r"\d{8}", date) or not region:
        raise ValueError("Credential must be <key>/<date>/<region>/s3/aws4_request")
    if service != "s3":
        raise ValueError(f"incorrect service {service!r}; expecting 's3'")
    return Credential(access_key, date, region, service)


# --- canonical request ----------------------------------------------------------------------
def split_query(raw_query: str) -> list[tuple[str, str | None]]:
    """The raw query string as (name, value) pairs as sent; value None when there is no '='."""
    pairs: list[tuple[str, str | None]] = []
    for piece in raw_query.split("&"):
        if piece:
            name, equals, value = piece.partition("=")
            pairs.append((name, value if equals else None))
    return pairs


def _encode(component: str, plus_is_space: bool) -> str:
    if plus_is_space:
        component = component.replace("+", "%20")
    return quote_from_bytes(unquote_to_bytes(component), safe="")


def canonical_query(
    pairs: Sequence[tuple[str, str | None]], exclude: str = "", *, plus_is_space: bool = False
) -> str:
    """Decoded, RFC 3986 re-encoded, sorted `name=value&...` (without parameter `exclude`)."""
    encoded = sorted(
        (_encode(name, plus_is_space), _encode(value or "", plus_is_space))
        for name, value in pairs
        if unquote(name) != exclude
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_headers(headers: Mapping[str, Sequence[str]], signed: Sequence[str]) -> str:
    """`name:value\\n` per signed header; values trimmed, inner spaces squeezed, joined by ','."""
    lines = []
    for name in signed:
        values = headers.get(name, ())
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def canonical_request(
    method: str, uri: str, query: str, headers: Mapping[str, Sequence[str]],
    signed: Sequence[str], payload_hash: str,
) -> str:
    return "\n".join((
        method.upper(), uri, query, canonical_headers(headers, signed), ";".join(signed),
        payload_hash,
    ))


def _path_candidates(raw_path: str, path_prefix: str) -> list[str]:
    paths = [raw_path]
    prefix = path_prefix.rstrip("/")
    if prefix and (raw_path == prefix or raw_path.startswith(prefix + "/")):
        stripped = raw_path[len(prefix):] or "/"
        if not (stripped == prefix or stripped.startswith(prefix + "/")):
            paths.append(stripped)
    candidates: list[str] = []
    for path in paths:
        for form in (path, quote_from_bytes(unquote_to_bytes(path), safe="/")):
            if form not in candidates:
                candidates.append(form)
    return candidates


def header_values(headers: Mapping[str, str]) -> dict[str, list[str]]:
    """Lower-case name → values in arrival order; takes a dict or a multidict (all its items)."""
    collected: dict[str, list[str]] = {}
    for name, value in headers.items():
        collected.setdefault(name.lower(), []).append(value)
    return collected


# --- chunk signatures -----------------------------------------------------------------------
class ChunkSignatureChain:
    """The signatures of an `aws-chunked` body: each chunk's signs the previous one's.

    Seeded with the request signature; `verify_chunk` advances the chain.
    """

    __slots__ = ("_key", "_amz_date", "_scope", "_previous")

    def __init__(self, key: bytes, amz_date: str, scope: str, seed_signature: str) -> None:
        self._key, self._amz_date, self._scope = key, amz_date, scope
        self._previous = seed_signature.lower()

    def __repr__(self) -> str:
        return f"ChunkSignatureChain(scope={self._scope!r}, date={self._amz_date!r})"

    def expected_chunk_signature(self, chunk_sha256: str) -> str:
        """The signature a chunk whose data hashes to `chunk_sha256` (hex) must carry next."""
        text = "\n".join((
            "AWS4-HMAC-SHA256-PAYLOAD", self._amz_date, self._scope, self._previous,
            EMPTY_SHA256, chunk_sha256,
        ))
        return sign(self._key, text)

    def verify_chunk(self, chunk_sha256: str, signature: str) -> None:
        """Check one chunk's signature (`SignatureDoesNotMatch`) and advance the chain."""
        expected = self.expected_chunk_signature(chunk_sha256)
        if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
            raise SignatureDoesNotMatch("chunk signature")
        self._previous = expected

    def expected_trailer_signature(self, canonical_trailers: bytes) -> str:
        """The signature over the trailer block (`name:value\\n` per trailer, as received)."""
        text = "\n".join((
            "AWS4-HMAC-SHA256-TRAILER", self._amz_date, self._scope, self._previous,
            hashlib.sha256(canonical_trailers).hexdigest(),
        ))
        return sign(self._key, text)

    def verify_trailer(self, canonical_trailers: bytes, signature: str) -> None:
        expected = self.expected_trailer_signature(canonical_trailers)
        if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
            raise SignatureDoesNotMatch("trailer signature")
        self._previous = expected


# --- result ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Authentication:
    """Who signed the request, how, and what the body must still prove."""

    access_key: str
    scheme: AuthScheme
    payload: PayloadMode = PayloadMode.UNSIGNED
    payload_sha256: str | None = None
    region: str = ""
    _chain_seed: tuple[bytes, str, str, str] | None = field(default=None, repr=False)

    def verify_payload_sha256(self, actual_hex: str) -> None:
        """After reading the body: `ContentSha256Mismatch` unless it hashes as declared."""
        if self.payload_sha256 is not None and actual_hex.lower() != self.payload_sha256:
            raise ContentSha256Mismatch(self.payload_sha256, actual_hex.lower())

    def chunk_signatures(self) -> ChunkSignatureChain | None:
        """A fresh chain for a signed `aws-chunked` body; None for other payload modes."""
        if not self.payload.signed_chunks or self._chain_seed is None:
            return None
        return ChunkSignatureChain(*self._chain_seed)


# --- SigV4 verification ---------------------------------------------------------------------
def _first(headers: Mapping[str, Sequence[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _parse_amz_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _http_date_as_amz(text: str) -> str:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _parse_authorization(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in value[len(ALGORITHM):].split(","):
        name, equals, text = part.strip().partition("=")
        if equals:
            fields.setdefault(name.strip(), text.strip())
    return fields


def _check_signature(
    secret: str, credential: Credential, amz_date: str, method: str, raw_path: str,
    query_pairs: Sequence[tuple[str, str | None]], exclude: str,
    headers: Mapping[str, Sequence[str]], signed: Sequence[str], payload_hash: str,
    signature: str, path_prefix: str,
) -> bytes:
    key = signing_key(secret, credential.date, credential.region, credential.service)
    queries = [canonical_query(query_pairs, exclude)]
    if any("+" in name or "+" in (value or "") for name, value in query_pairs):
        queries.append(canonical_query(query_pairs, exclude, plus_is_space=True))
    wanted = signature.lower().encode()
    uris = _path_candidates(raw_path, path_prefix)
    variants: list[tuple[str, Mapping[str, Sequence[str]]]] = [(uri, headers) for uri in uris]
    prefix = path_prefix.rstrip("/")
    host = _first(headers, "host")
    if prefix and host and "host" in signed:
        # s3cmd with `host_base = H/s3` signs `host:H/s3` and the path without the prefix,
        # but sends `Host: H`
        alt = {**headers, "host": [host + prefix]}
        variants += [(uri, alt) for uri in uris
                     if uri != prefix and not uri.startswith(prefix + "/")]
    for uri, values in variants:
        for query in queries:
            request = canonical_request(method, uri, query, values, signed, payload_hash)
            computed = sign(key, string_to_sign(amz_date, credential.scope, request))
            if hmac.compare_digest(computed.encode(), wanted):
                return key
    raise SignatureDoesNotMatch()


def _signed_header_names(text: str) -> list[str]:
    return [name.strip().lower() for name in text.split(";") if name.strip()]


def _verify_v4_header(
    method: str, raw_path: str, query_pairs: Sequence[tuple[str, str | None]],
    headers: Mapping[str, Sequence[str]], authorization: str, secrets: SecretLookup,
    now: datetime, path_prefix: str,
) -> Authentication:
    fields = _parse_authorization(authorization)
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise AuthorizationHeaderMalformed(f"missing {', '.join(missing)}")
    try:
        credential = parse_credential(fields["Credential"])
    except ValueError as exc:
        raise AuthorizationHeaderMalformed(str(exc)) from None
    signed = _signed_header_names(fields["SignedHeaders"])
    signature = fields["Signature"]
    if not _HEX64.fullmatch(signature):
        raise AuthorizationHeaderMalformed("Signature must be 64 hexadecimal digits")
    amz_date = _first(headers, "x-amz-date") or _http_date_as_amz(_first(headers, "date"))
    when = _parse_amz_date(amz_date)
    if when is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    if credential.date != amz_date[:8]:
        raise AuthorizationHeaderMalformed(
            "Invalid credential date. Date is not the same as X-Amz-Date.")
    if abs(now - when) > MAX_SKEW:
        raise RequestTimeTooSkewed(amz_date, now.strftime(AMZ_DATE_FORMAT))
    unsigned = sorted(
        n for n in headers if (n.startswith("x-amz-") or n == "host") and n not in signed
    )
    if unsigned:
        raise AccessDenied("There were headers present in the request which were not signed: "
                           + ", ".join(unsigned))
    content_sha256 = _first(headers, "x-amz-content-sha256")
    if not content_sha256:
        raise InvalidRequest("Missing required header for this request: x-amz-content-sha256")
    mode, digest = payload_mode(content_sha256)
    secret = secrets(credential.access_key)
    if secret is None:
        raise InvalidAccessKeyId(credential.access_key)
    key = _check_signature(
        secret, credential, amz_date, method, raw_path, query_pairs, "", headers, signed,
        content_sha256.strip(), signature, path_prefix,
    )
    return Authentication(
        credential.access_key, AuthScheme.V4_HEADER, mode, digest, credential.region,
        (key, amz_date, credential.scope, signature),
    )


def _verify_v4_query(
    method: str, raw_path: str, query_pairs: Sequence[tuple[str, str | None]],
    headers: Mapping[str, Sequence[str]], secrets: SecretLookup, now: datetime,
    path_prefix: str,
) -> Authentication:
    params: dict[str, str] = {}
    for name, value in query_pairs:
        params.setdefault(unquote(name), unquote(value or ""))
    required = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                "X-Amz-SignedHeaders", "X-Amz-Expires")
    if any(not params.get(name) for name in required):
        raise AuthorizationQueryParametersError(
            "Query-string authentication version 4 requires the X-Amz-Algorithm,"
            " X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and"
            " X-Amz-Expires parameters.")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise AuthorizationQueryParametersError(
            f"X-Amz-Algorithm only supports \"{ALGORITHM}\"")
    try:
        credential = parse_credential(params["X-Amz-Credential"])
    except ValueError as exc:
        raise AuthorizationQueryParametersError(str(exc)) from None
    amz_date = params["X-Amz-Date"]
    when = _parse_amz_date(amz_date)
    if when is None:
        raise AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if credential.date != amz_date[:8]:
        raise AuthorizationQueryParametersError(
            "Invalid credential date. Date is not the same as X-Amz-Date.")
    try:
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number") from None
    if expires < 0:
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGNED_EXPIRES:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800")
    if when - now > MAX_SKEW:
        raise AccessDenied("Request is not valid yet")
    if now > when + timedelta(seconds=expires):
        raise RequestExpired((when + timedelta(seconds=expires)).strftime(AMZ_DATE_FORMAT))
    signature = params["X-Amz-Signature"]
    if not _HEX64.fullmatch(signature):
        raise AuthorizationQueryParametersError("X-Amz-Signature must be 64 hexadecimal digits")
    signed = _signed_header_names(params["X-Amz-SignedHeaders"])
    if "host" not in signed:
        raise AccessDenied("There were headers present in the request which were not signed: host")
    # A presigned URL signs UNSIGNED-PAYLOAD unless the client signed x-amz-content-sha256.
    content_sha256 = params.get("X-Amz-Content-Sha256", "")
    if not content_sha256 and "x-amz-content-sha256" in signed:
        content_sha256 = _first(headers, "x-amz-content-sha256")
    content_sha256 = content_sha256 or PayloadMode.UNSIGNED.value
    mode, digest = payload_mode(content_sha256)
    secret = secrets(credential.access_key)
    if secret is None:
        raise InvalidAccessKeyId(credential.access_key)
    key = _check_signature(
        secret, credential, amz_date, method, raw_path, query_pairs, "X-Amz-Signature", headers,
        signed, content_sha256.strip(), signature, path_prefix,
    )
    return Authentication(
        credential.access_key, AuthScheme.V4_QUERY, mode, digest, credential.region,
        (key, amz_date, credential.scope, signature),
    )


def authenticate(
    method: str, raw_path: str, raw_query: str, headers: Mapping[str, str],
    secrets: SecretLookup, now: float, *, path_prefix: str = "", virtual_host_bucket: str = "",
) -> Authentication | None:
    """Verify whichever AWS signature the request carries; None for an anonymous request.

    `raw_path` and `raw_query` exactly as received (aiohttp: `request.raw_path` split at '?', or
    `request.rel_url.raw_path` / `.raw_query_string`); `headers` a dict or multidict; `now` in
    seconds since the epoch; `path_prefix` the S3 mount point (`/s3`), for SigV2 and s3cmd;
    `virtual_host_bucket` the bucket named by the Host header of a virtual-hosted request.
    """
    v2_paths = sigv2.resource_paths(raw_path, path_prefix, virtual_host_bucket)
    values = header_values(headers)
    query_pairs = split_query(raw_query)
    names = {unquote(name) for name, _ in query_pairs}
    authorization = _first(values, "authorization").strip()
    current = datetime.fromtimestamp(now, UTC)
    v4_query = "X-Amz-Algorithm" in names or "X-Amz-Signature" in names
    v2_query = "AWSAccessKeyId" in names and "Signature" in names
    if authorization and (v4_query or v2_query):
        raise InvalidArgument("Authorization", "Only one auth mechanism allowed; only the"
                              " X-Amz-Algorithm query parameter, Signature query string"
                              " parameter or the Authorization header should be specified")
    if authorization.startswith(ALGORITHM + " "):
        return _verify_v4_header(method, raw_path, query_pairs, values, authorization, secrets,
                                 current, path_prefix)
    if authorization.startswith("AWS "):
        access_key = sigv2.verify_header(
            method, v2_paths, query_pairs, values, authorization, secrets, now)
        return Authentication(access_key, AuthScheme.V2_HEADER)
    if authorization:
        raise InvalidArgument("Authorization", "Unsupported Authorization Type")
    if v4_query:
        return _verify_v4_query(method, raw_path, query_pairs, values, secrets, current,
                                path_prefix)
    if v2_query:
        access_key = sigv2.verify_query(method, v2_paths, query_pairs, values, secrets, now)
        return Authentication(access_key, AuthScheme.V2_QUERY)
    return None
