"""Benchmark of aisnode against nginx, moto and this machine's limits: `python -m bench`.

`servers.py` starts and stops the processes, `load.py` is the HTTP load generator, `ops.py` the
per-API operations, `workloads.py` the timed workloads, `limits.py` the machine's own limits,
`report.py` the medians and the table.
"""
