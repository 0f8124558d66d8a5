"""Typed configuration: node-local (`local.py`) and cluster-wide (`cluster.py`), loaded by `load.py`."""

from .cluster import ClusterConfig
from .load import Config, load_config
from .local import LocalConfig

__all__ = ["ClusterConfig", "Config", "LocalConfig", "load_config"]
