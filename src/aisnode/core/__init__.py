"""Core: metadata (meta/) and the storage engine (storage/)."""
