"""Which backend serves which provider; providers are built on first use.

A provider whose SDK is missing fails with a clear BackendError naming the package, not an
ImportError at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..errors import BackendError, NotSupported
from ..wire.bucket import Bucket
from .base import Backend

# provider -> (module, class)
PROVIDERS: dict[str, tuple[str, str]] = {
    "aws": ("aisnode.backends.aws", "AwsBackend"),
    "gcp": ("aisnode.backends.gcp", "GcpBackend"),
    "azure": ("aisnode.backends.azure", "AzureBackend"),
    "ht": ("aisnode.backends.http", "HttpBackend"),
    "ais": ("aisnode.backends.remote_ais", "RemoteAisBackend"),
}


class Backends:
    def __init__(self, factories: dict[str, Callable[[], Any]] | None = None) -> None:
        self._made: dict[str, Backend] = {}
        self._factories = factories or {}

    def register(self, provider: str, backend: Backend) -> None:
        """Use this instance for `provider` (the node injects e.g. the remote-AIS backend)."""
        self._made[provider] = backend

    def get(self, provider: str) -> Backend:
        b = self._made.get(provider)
        if b is not None:
            return b
        if provider in self._factories:
            b = self._factories[provider]()
        else:
            try:
                mod_name, cls_name = PROVIDERS[provider]
            except KeyError:
                raise NotSupported(f'no backend for provider "{provider}"') from None
            try:
                mod = importlib.import_module(mod_name)
            except ImportError as e:
                raise BackendError(provider, f"backend not available: {e}", status=501,
                                   code="MissingDependency") from None
            b = getattr(mod, cls_name)()
        self._made[provider] = b
        return b

    def for_bucket(self, bck: Bucket) -> Backend:
        """The backend serving `bck`: a bucket in a remote cluster's namespace (`@uuid`) is
        reached through that cluster whatever its provider (`s3://@alias/b` is the remote
        cluster's `s3://b`); others by their provider."""
        return self.get("ais" if bck.ns.is_remote else bck.provider)

    async def close(self) -> None:
        for b in self._made.values():
            await b.close()
        self._made.clear()
