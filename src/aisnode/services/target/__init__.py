"""Target-side services: objects on this node's mountpaths."""
