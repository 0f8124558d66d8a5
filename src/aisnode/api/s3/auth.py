"""S3 request authentication: off unless access keys are configured (like AIS).

With `cluster.s3_auth` empty every request is accepted as it is; signatures, presigned-URL
parameters and chunk signatures are then framing only (never checked). With keys configured
every request must carry a valid signature (`sigv4.authenticate`: SigV4 header and presigned,
SigV2 header and presigned); an anonymous one is AccessDenied. The verified `Authentication`
goes to `request["s3_auth"]`, where `body.py` takes the chunk-signature chain of a signed
`aws-chunked` body and the declared payload SHA-256 from. Secrets never leave the lookup.
"""

from __future__ import annotations

import time

from ...errors import AccessDenied
from ..keys import SERVICES
from . import sigv4
from .request import S3Request

AUTH_KEY = "s3_auth"


def enabled(r: S3Request) -> bool:
    return bool(r.http.app[SERVICES].cfg.cluster.s3_auth)


async def authenticate(r: S3Request, path_prefix: str = "", virtual_host_bucket: str = "") -> None:
    """Verify the request's signature when S3 auth is configured; store the result.

    `path_prefix`: where the S3 API is mounted for this request (`/s3`, or "" at the root);
    `virtual_host_bucket`: the bucket named by the Host of a virtual-hosted-style request.
    """
    secrets = r.http.app[SERVICES].cfg.cluster.s3_auth
    if not secrets:
        r.http[AUTH_KEY] = None
        return
    raw_path, _, raw_query = r.http.raw_path.partition("?")
    result = sigv4.authenticate(
        r.http.method, raw_path, raw_query, r.http.headers, secrets.get, time.time(),
        path_prefix=path_prefix, virtual_host_bucket=virtual_host_bucket,
    )
    if result is None:
        raise AccessDenied("Access Denied")
    r.http[AUTH_KEY] = result
