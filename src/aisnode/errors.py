"""Domain errors: raised anywhere, rendered to HTTP in exactly one place (`api/errors.py`).

Errors carry structured fields and build their own message. Messages that concern a bucket or
an object embed its canonical name (`ais://bucket[/object]`) because the official `aistore` SDK
picks its exception class by searching the error text for that pattern.
"""

from __future__ import annotations


class AisError(Exception):
    """Root of every error aisnode raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def type_name(self) -> str:
        return type(self).__name__


# --- not found --------------------------------------------------------------------------------
class NotFound(AisError):
    """Something addressed by the request does not exist."""


class BucketNotFound(NotFound):
    def __init__(self, bucket: str) -> None:
        super().__init__(f'bucket "{bucket}" does not exist')
        self.bucket = bucket


class ObjectNotFound(NotFound):
    def __init__(self, bucket: str, name: str) -> None:
        super().__init__(f"{bucket}/{name} does not exist")
        self.bucket, self.name = bucket, name


class UploadNotFound(NotFound):
    def __init__(self, upload_id: str) -> None:
        super().__init__(f'multipart upload "{upload_id}" does not exist')
        self.upload_id = upload_id


class JobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f'job "{job_id}" not found')
        self.job_id = job_id


# --- conflicts --------------------------------------------------------------------------------
class AlreadyExists(AisError):
    """The thing to create exists already."""


class BucketAlreadyExists(AlreadyExists):
    def __init__(self, bucket: str) -> None:
        super().__init__(f'bucket "{bucket}" already exists')
        self.bucket = bucket


class Conflict(AisError):
    """The request conflicts with the current state (busy, not empty, name clash)."""


class BucketNotEmpty(Conflict):
    def __init__(self, bucket: str) -> None:
        super().__init__(f'bucket "{bucket}" is not empty')
        self.bucket = bucket


class NameConflict(Conflict):
    """An object name clashes with another object used as a directory (`a` vs `a/b`)."""

    def __init__(self, bucket: str, name: str) -> None:
        super().__init__(
            f"{bucket}/{name}: name conflicts with an existing object or directory prefix"
        )
        self.bucket, self.name = bucket, name


# --- bad requests -----------------------------------------------------------------------------
class InvalidRequest(AisError):
    """The request is malformed or asks for something that is not allowed."""


class InvalidBucketName(InvalidRequest):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f'invalid bucket name "{name}": {reason}')
        self.name = name


class InvalidObjectName(InvalidRequest):
    def __init__(self, name: str, reason: str) -> None:
        shown = name if len(name) <= 128 else name[:128] + "..."
        super().__init__(f"invalid object name {shown!r}: {reason}")
        self.name = name


class InvalidProps(InvalidRequest):
    """Unknown or ill-typed bucket property."""


class EntityTooLarge(InvalidRequest):
    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} exceeds the limit of {limit} bytes")
        self.limit = limit


class IncompleteBody(InvalidRequest):
    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"request body ended early: expected {expected} bytes, got {got}")
        self.expected, self.got = expected, got


class InvalidPart(InvalidRequest):
    def __init__(self, part: int, why: str) -> None:
        super().__init__(f"part {part}: {why}")
        self.part = part


class InvalidPartOrder(InvalidRequest):
    def __init__(self) -> None:
        super().__init__("the list of parts was not in ascending order")


class EntityTooSmall(InvalidRequest):
    def __init__(self, part: int, size: int, minimum: int) -> None:
        super().__init__(
            f"part {part} is {size} bytes; every part but the last must be at least {minimum}")
        self.part = part


class RangeNotSatisfiable(AisError):
    def __init__(self, rng: str, size: int) -> None:
        super().__init__(f'range "{rng}" is not satisfiable for an object of {size} bytes')
        self.size = size


class PreconditionFailed(AisError):
    """A conditional request's condition did not hold."""


class NotModified(AisError):
    """A conditional GET/HEAD whose object has not changed (rendered as 304)."""


class ChecksumMismatch(AisError):
    def __init__(self, kind: str, expected: str, actual: str) -> None:
        super().__init__(f"{kind} checksum mismatch: expected {expected}, computed {actual}")
        self.kind, self.expected, self.actual = kind, expected, actual


class InsufficientStorage(AisError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"insufficient storage: {detail}")


class AccessDenied(AisError):
    """Authentication or authorisation failed."""


class NotSupported(AisError):
    """A valid request for something aisnode does not implement."""


class Unavailable(AisError):
    """The node or a dependency is not ready."""


class BackendError(AisError):
    """A remote backend failed; keeps the provider's status and code."""

    def __init__(self, provider: str, message: str, status: int = 502, code: str = "") -> None:
        super().__init__(f"{provider}: {message}")
        self.provider, self.status, self.code = provider, status, code


# --- S3 protocol: request signing, XML bodies, payload integrity -------------------------------
# Subclasses of AccessDenied answer 403; of InvalidRequest 400. Messages never carry secrets.
class InvalidAccessKeyId(AccessDenied):
    def __init__(self, access_key: str) -> None:
        super().__init__("The AWS access key ID you provided does not exist in our records.")
        self.access_key = access_key


class SignatureDoesNotMatch(AccessDenied):
    def __init__(self, detail: str = "") -> None:
        message = (
            "The request signature we calculated does not match the signature you provided."
            " Check your key and signing method."
        )
        super().__init__(f"{message} ({detail})" if detail else message)


class RequestExpired(AccessDenied):
    """A presigned URL used after its expiry (S3: AccessDenied "Request has expired")."""

    def __init__(self, expired_at: str) -> None:
        super().__init__(f"Request has expired (at {expired_at})")
        self.expired_at = expired_at


class RequestTimeTooSkewed(AccessDenied):
    def __init__(self, request_time: str, server_time: str) -> None:
        super().__init__(
            "The difference between the request time and the current time is too large"
            f" (request {request_time}, server {server_time})."
        )
        self.request_time, self.server_time = request_time, server_time


class AuthorizationHeaderMalformed(InvalidRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The authorization header is malformed; {reason}")


class AuthorizationQueryParametersError(InvalidRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class InvalidArgument(InvalidRequest):
    """A named request argument (header or query parameter) has a bad value."""

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument = argument


class MalformedXML(InvalidRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(
            "The XML you provided was not well-formed or did not validate against our published"
            f" schema: {reason}"
        )
        self.reason = reason


class InvalidDigest(InvalidRequest):
    """A Content-MD5 header that is not the base64 of 16 bytes."""

    def __init__(self, header: str = "Content-MD5") -> None:
        super().__init__(f"The {header} you specified was invalid.")
        self.header = header


class InvalidChecksumValue(InvalidRequest):
    """An `x-amz-checksum-*` value that is not base64 of the right length (S3: InvalidRequest)."""

    def __init__(self, header: str) -> None:
        super().__init__(f"Value for {header} header is invalid.")
        self.header = header


class InvalidChunkedBody(InvalidRequest):
    """An `aws-chunked` request body whose framing is broken."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"malformed aws-chunked body: {reason}")
        self.reason = reason


class BadDigest(ChecksumMismatch):
    """The body does not match a checksum the client sent (Content-MD5, x-amz-checksum-*)."""


class ContentSha256Mismatch(ChecksumMismatch):
    """The body does not match `x-amz-content-sha256` (S3: XAmzContentSHA256Mismatch)."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__("x-amz-content-sha256", expected, actual)
