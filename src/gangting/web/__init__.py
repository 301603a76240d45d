"""The HTTP edge: app wiring, error rendering, authentication and idempotent writes."""
