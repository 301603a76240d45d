"""Domain-free building blocks: clock, money, ids, errors, database, unit of work."""
