"""The storage engine: mountpaths, on-disk layout, object metadata, checksums, atomic writes.

Contract: an object is visible under its final path only once complete (work file -> rename);
its metadata rides with it as an xattr; a name can never resolve outside its bucket's directory.
"""
