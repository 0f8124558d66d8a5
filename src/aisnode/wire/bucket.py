"""Bucket identity and `provider://[@uuid#ns/]bucket[/object]` URIs.

A bucket is (provider, namespace, name). The namespace names a remote cluster (`@uuid`) and/or a
local namespace (`#name`); empty means the global namespace (`@#` in a uname).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidBucketName, InvalidRequest

AIS, AWS, GCP, AZURE, HT, OCI = "ais", "aws", "gcp", "azure", "ht", "oci"
PROVIDERS = (AIS, AWS, GCP, AZURE, HT, OCI)
_ALIASES = {
    "": AIS, "ais": AIS, "aws": AWS, "s3": AWS, "gcp": GCP, "gs": GCP, "azure": AZURE,
    "az": AZURE, "ht": HT, "oci": OCI, "oc": OCI,
}
# scheme shown to users for each provider (AIS CLI prints s3://, gs://, az://)
SCHEMES = {AIS: "ais", AWS: "s3", GCP: "gs", AZURE: "az", HT: "ht", OCI: "oc"}

_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
MAX_BUCKET_NAME = 64


def normalize_provider(p: str | None) -> str:
    """Map `s3`, `gs`, `az`, ... (or empty) to the canonical provider name."""
    try:
        return _ALIASES[(p or "").lower()]
    except KeyError:
        raise InvalidRequest(f'invalid provider "{p}"') from None


@dataclass(frozen=True, slots=True)
class Namespace:
    uuid: str = ""
    name: str = ""

    @property
    def is_global(self) -> bool:
        return not self.uuid and not self.name

    @property
    def is_remote(self) -> bool:
        return bool(self.uuid)

    def uname(self) -> str:
        return f"@{self.uuid}#{self.name}"

    @classmethod
    def parse(cls, s: str | None) -> "Namespace":
        """Parse `@uuid#name`, `@uuid`, `#name` or empty."""
        if not s:
            return cls()
        uuid, name = "", ""
        if s.startswith("@"):
            s = s[1:]
            uuid, _, name = s.partition("#")
        elif s.startswith("#"):
            name = s[1:]
        else:
            raise InvalidRequest(f'invalid namespace "{s}"')
        return cls(uuid, name)

    def to_json(self) -> dict[str, str]:
        return {"uuid": self.uuid, "name": self.name}


GLOBAL = Namespace()


@dataclass(frozen=True, slots=True)
class Bucket:
    """A bucket's identity: provider, namespace, name."""

    name: str
    provider: str = AIS
    ns: Namespace = GLOBAL

    def __str__(self) -> str:
        ns = ""
        if not self.ns.is_global:
            ns = (f"@{self.ns.uuid}" if self.ns.uuid else "") + (
                f"#{self.ns.name}" if self.ns.name else ""
            ) + "/"
        return f"{SCHEMES.get(self.provider, self.provider)}://{ns}{self.name}"

    @property
    def is_ais(self) -> bool:
        return self.provider == AIS and not self.ns.is_remote

    @property
    def is_remote(self) -> bool:
        return not self.is_ais

    def uname(self, obj: str = "") -> str:
        """`provider/@uuid#ns/bucket/obj`, the string placement hashes (AIS MakeUname)."""
        return f"{self.provider}/{self.ns.uname()}/{self.name}/{obj}"

    def validate(self) -> "Bucket":
        validate_bucket_name(self.name)
        return self

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "provider": self.provider, "namespace": self.ns.to_json()}

    def query(self) -> dict[str, str]:
        """The provider/namespace query parameters that address this bucket."""
        q = {"provider": self.provider}
        if not self.ns.is_global:
            q["namespace"] = self.ns.uname()
        return q


def validate_bucket_name(name: str) -> None:
    """AIS rules: letters, digits, `-_.`; no `..`; not starting with `.`; 1..64 chars."""
    if not name:
        raise InvalidBucketName(name, "must not be empty")
    if len(name) > MAX_BUCKET_NAME:
        raise InvalidBucketName(name, f"must be at most {MAX_BUCKET_NAME} characters")
    if not _NAME_RE.fullmatch(name):
        raise InvalidBucketName(
            name, "may only contain letters, digits, dashes, underscores and dots"
        )
    if ".." in name:
        raise InvalidBucketName(name, 'must not contain ".."')
    if name.startswith("."):
        raise InvalidBucketName(name, 'must not start with "."')


def parse_uri(uri: str, *, default_provider: str = AIS) -> tuple[Bucket, str]:
    """Parse `s3://b/obj`, `ais://@alias#ns/b/dir/obj`, `ais://` or a bare `b/obj`.

    Returns (bucket, object-name-or-prefix). The bucket name may be empty for `ais://`.
    """
    if "://" in uri:
        scheme, _, rest = uri.partition("://")
        provider = normalize_provider(scheme)
    elif uri.endswith(":") and uri[:-1].lower() in _ALIASES:
        return Bucket("", normalize_provider(uri[:-1])), ""
    else:
        provider, rest = default_provider, uri
    ns = GLOBAL
    if rest.startswith(("@", "#")):
        ns_part, _, rest = rest.partition("/")
        ns = Namespace.parse(ns_part)
    name, _, obj = rest.partition("/")
    return Bucket(name, provider, ns), obj


def parse_uname(uname: str) -> tuple[Bucket, str]:
    """Inverse of `Bucket.uname`: `ais/@#/b/obj` -> (bucket, obj)."""
    parts = uname.split("/", 3)
    if len(parts) < 3:
        raise InvalidRequest(f'invalid bucket/object uname "{uname}"')
    provider = normalize_provider(parts[0])
    ns = Namespace.parse(parts[1]) if parts[1] not in ("", "@#") else GLOBAL
    return Bucket(parts[2], provider, ns), parts[3] if len(parts) > 3 else ""
