"""Two keys (maker–checker) for risky acts: the pending request, its checker's decision,
expiry and the stored result (the choke point that executes it is ``desks.two_keys``)."""
