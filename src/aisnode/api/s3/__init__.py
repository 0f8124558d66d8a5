"""The S3 front end (`/s3`, path style; virtual-hosted with `s3_domain`; optionally at `/`).

A translation layer: requests become named S3 operations (router.py), each handled by one
function (buckets.py, objects.py, listing.py, multipart.py) that calls the same services as the
native API. Errors render as S3 XML at the one error edge (api/errors.py).
"""
