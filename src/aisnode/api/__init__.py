"""HTTP front ends: parsing, auth and rendering only; the work is done by `services`."""
