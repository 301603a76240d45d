"""Ports to the outside world (payment platform, learning platform), each with a fake adapter
that the tests and the demo use. The fakes keep their state in their own small SQLite file,
so like the real systems they outlive a restart of our server."""
