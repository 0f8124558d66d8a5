"""Proxy-side services: buckets, cluster administration, multi-object jobs."""
