"""Services: the operations both API front ends (native /v1 and S3) call."""
