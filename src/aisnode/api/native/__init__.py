"""The AIS native REST API (`/v1/...`) as the official `aistore` SDK uses it."""
