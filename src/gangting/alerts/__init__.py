"""alerts domain: one feed of things a person must handle (watch-list hits, booth faults,
help calls, missed deadlines), each with a state and an owner."""
