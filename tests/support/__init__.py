"""Test support: start and stop real aisnode processes."""
