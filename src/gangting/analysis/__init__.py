"""Statistics for the reform's evaluation: pure functions over arrays and frames (no database)."""
