"""aisnode: a Python object store compatible with NVIDIA AIStore (native /v1 API and S3 API)."""

__version__ = "0.1.0"
