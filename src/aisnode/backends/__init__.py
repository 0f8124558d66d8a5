"""Backend providers: one module per provider behind the small async `Backend` protocol."""
