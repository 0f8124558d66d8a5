"""Cluster-wide metadata: bucket map [BMD], cluster map [Smap], placement [HRW]."""
