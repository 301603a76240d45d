"""Desks: the cross-domain use cases, above the domains they combine (decision 0008).

A desk gathers what several domains know and calls each domain's use case: the booth
transaction (identity, process, pay, file the application), the citizen overview, the
audit log read. The routes of those use cases live beside them.
"""
