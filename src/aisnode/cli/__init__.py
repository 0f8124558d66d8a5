"""Command-line entry points: `aisctl` (main.py and the command modules) and `aisnode`
(node.py). `aisctl` talks to a cluster only through `aisnode.client`."""
