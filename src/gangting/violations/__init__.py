"""violations domain."""
