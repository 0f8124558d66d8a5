"""AWS signature version 2 (HMAC-SHA1) verification: the `Authorization: AWS AK:sig` header and
presigned URLs with `AWSAccessKeyId`, `Expires` and `Signature`.

boto3 presigns with this scheme when given a custom endpoint and no pinned `s3v4`; s3cmd uses it
with `signature_v2 = True`. The string to sign is

    METHOD \\n Content-MD5 \\n Content-Type \\n Date-or-Expires \\n x-amz-headers resource

where the resource is the path *without* the endpoint's path prefix: botocore signs its
`auth_path` (`/bucket/key`, even for `endpoint_url=http://host/s3`) and s3cmd its resource URI,
both as sent on the wire (percent-encoded), followed by the sub-resources of interest
(`?partNumber=1&uploadId=x`), sorted by name, values URL-decoded (botocore) — the encoded form
(s3cmd) is tried as well. Pure functions; `sigv4.authenticate` decides when to call them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from ...errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidAccessKeyId,
    RequestExpired,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)

SecretLookup = Callable[[str], str | None]
HeaderValues = Mapping[str, Sequence[str]]  # lower-case name -> values in arrival order
RawQuery = Sequence[tuple[str, str | None]]  # (name, value) as sent; None: no "=" at all

MAX_SKEW_SECONDS = 15 * 60

# Query parameters that are part of the signed resource (botocore's HmacV1Auth and s3cmd lists).
SUBRESOURCES = frozenset({
    "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
    "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "partNumber",
    "policy", "replication", "requestPayment", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "response-content-language",
    "response-content-type", "response-expires", "restore", "select", "select-type",
    "storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
    "versions", "website",
})


def sign(secret: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA1 of the string to sign."""
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode("ascii")


def canonical_resource(path: str, query: RawQuery, *, decode_values: bool = True) -> str:
    """The resource line: path plus the sub-resources among `query`, sorted by name."""
    selected = []
    for name, value in query:
        name = unquote(name)
        if name not in SUBRESOURCES:
            continue
        if value is None:
            selected.append((name, name))
        else:
            selected.append((name, f"{name}={unquote(value) if decode_values else value}"))
    selected.sort(key=lambda item: item[0])
    return path + ("?" + "&".join(text for _, text in selected) if selected else "")


def amz_headers_block(headers: Mapping[str, Sequence[str]]) -> str:
    """Sorted `x-amz-name:v1,v2\\n` lines for the headers whose name starts with x-amz-."""
    lines = []
    for name in sorted(n for n in headers if n.startswith("x-amz-")):
        lines.append(f"{name}:{','.join(v.strip() for v in headers[name])}\n")
    return "".join(lines)


def string_to_sign(
    method: str, content_md5: str, content_type: str, date: str,
    amz_headers: Mapping[str, Sequence[str]], resource: str,
) -> str:
    """The SigV2 string to sign from its parts."""
    return (
        f"{method.upper()}\n{content_md5.strip()}\n{content_type.strip()}\n{date.strip()}\n"
        f"{amz_headers_block(amz_headers)}{resource}"
    )


def _first(headers: HeaderValues, name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def resource_paths(raw_path: str, path_prefix: str, virtual_host_bucket: str = "") -> list[str]:
    """The paths a SigV2 client may have signed for a request to `raw_path`.

    botocore signs `/bucket/key`, `/bucket/` for a bucket-level request to `/s3/bucket`, and the
    raw path (`/s3`) for the service root; s3cmd signs `/bucket/key`, `/bucket/` and `/`. A path
    that, unprefixed, still starts with the prefix is ambiguous and not accepted. For a
    virtual-hosted request (bucket in the Host name) the bucket leads the signed path.
    """
    if virtual_host_bucket:
        return ["/" + virtual_host_bucket + (raw_path if raw_path.startswith("/") else "/")]
    prefix = path_prefix.rstrip("/")
    if not prefix:
        paths = [raw_path]
    elif raw_path in (prefix, prefix + "/"):
        return ["/", raw_path]
    elif raw_path.startswith(prefix + "/"):
        stripped = raw_path[len(prefix):]
        if stripped.startswith(prefix + "/") or stripped == prefix:
            return []
        paths = [stripped]
    else:
        paths = [raw_path]
    if paths[0].count("/") == 1 and len(paths[0]) > 1:
        paths.append(paths[0] + "/")  # botocore's auth_path for a bucket-level request
    return paths


def _resources(paths: Sequence[str], query: RawQuery) -> list[str]:
    resources: list[str] = []
    for path in paths:
        for decode in (True, False):
            text = canonical_resource(path, query, decode_values=decode)
            if text not in resources:
                resources.append(text)
    return resources


def _matches(secret: str, candidates: Sequence[str], signature: str) -> bool:
    wanted = signature.encode()
    # every candidate is checked so the time taken does not tell which one matched
    results = [hmac.compare_digest(sign(secret, text).encode(), wanted) for text in candidates]
    return any(results)


def _lookup(secrets: SecretLookup, access_key: str) -> str:
    secret = secrets(access_key)
    if secret is None:
        raise InvalidAccessKeyId(access_key)
    return secret


def _http_time(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def verify_header(
    method: str, paths: Sequence[str], query: RawQuery, headers: HeaderValues,
    authorization: str, secrets: SecretLookup, now: float,
) -> str:
    """Check `Authorization: AWS AK:signature`; returns the access key.

    `paths`: the resource paths the client may have signed (`resource_paths()`).
    """
    credentials = authorization[len("AWS "):].strip()
    access_key, colon, signature = credentials.rpartition(":")
    if not colon or not access_key or not signature:
        raise AuthorizationHeaderMalformed("expected 'AWS AccessKeyId:Signature'")
    amz_date, date = _first(headers, "x-amz-date"), _first(headers, "date")
    when = _http_time(amz_date or date)
    if when is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    current = datetime.fromtimestamp(now, UTC)
    if abs((current - when).total_seconds()) > MAX_SKEW_SECONDS:
        raise RequestTimeTooSkewed(amz_date or date, current.strftime("%Y%m%dT%H%M%SZ"))
    secret = _lookup(secrets, access_key)
    # With x-amz-date the Date line is empty (AWS, s3cmd); a client that sends both and signs
    # Date (botocore puts Date only) is accepted too.
    date_lines = [""] if amz_date else [date]
    if amz_date and date:
        date_lines.append(date)
    md5, content_type = _first(headers, "content-md5"), _first(headers, "content-type")
    candidates = [
        string_to_sign(method, md5, content_type, date_line, headers, resource)
        for date_line in date_lines
        for resource in _resources(paths, query)
    ]
    if not _matches(secret, candidates, signature):
        raise SignatureDoesNotMatch()
    return access_key


def verify_query(
    method: str, paths: Sequence[str], query: RawQuery, headers: HeaderValues,
    secrets: SecretLookup, now: float,
) -> str:
    """Check a presigned SigV2 URL (`AWSAccessKeyId`, `Expires`, `Signature`); returns the key.

    botocore moves the x-amz-* (and Content-Type/MD5) headers it signed into the query string;
    they are taken from there, and, failing that, from the request's own headers.
    """
    params: dict[str, str] = {}
    for name, value in query:
        params.setdefault(unquote(name), unquote(value or ""))
    access_key, expires, signature = (
        params.get("AWSAccessKeyId", ""), params.get("Expires", ""), params.get("Signature", "")
    )
    if not access_key or not signature or not expires:
        raise AuthorizationQueryParametersError(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId"
            " parameters"
        )
    try:
        expires_at = int(expires)
    except ValueError:
        raise AuthorizationQueryParametersError("Expires must be a number of seconds") from None
    if now > expires_at:
        raise RequestExpired(datetime.fromtimestamp(expires_at, UTC).isoformat())
    secret = _lookup(secrets, access_key)
    from_query: dict[str, list[str]] = {}
    for name, value in params.items():
        lower = name.lower()
        if lower.startswith("x-amz-") or lower in ("content-type", "content-md5"):
            from_query[lower] = [value]
    merged = {k: list(v) for k, v in headers.items() if k.startswith("x-amz-")}
    merged.update({k: v for k, v in from_query.items() if k.startswith("x-amz-")})
    views = [
        (  # the request as sent, query parameters standing in for signed headers
            _first(headers, "content-md5") or params.get("content-md5", ""),
            _first(headers, "content-type") or params.get("content-type", ""),
            merged,
        ),
        (  # only what the URL carries
            params.get("content-md5", ""), params.get("content-type", ""),
            {k: v for k, v in from_query.items() if k.startswith("x-amz-")},
        ),
    ]
    candidates = []
    for md5, content_type, amz in views:
        for resource in _resources(paths, query):
            text = string_to_sign(method, md5, content_type, expires, amz, resource)
            if text not in candidates:
                candidates.append(text)
    if not _matches(secret, candidates, signature):
        raise SignatureDoesNotMatch()
    return access_key
