"""The server's ASGI app with the audit ledger's chain and bindings unhooked, for the
"ledger off" half of the booth-mix comparison only (issue 11 §5, ``bench.booth_mix
--ledger-ab``).

This is not a setting and must never be served in production: a centre that ran it would
write audit entries that no link chains and business rows that nothing binds, and
``gangting audit verify`` would rightly name every such entry as written around the
application. The ledger's two session hooks (audit.ledger ``_note_bound_rows`` after each
flush, ``_link_at_commit`` before each commit) are removed in this process before the app
is built; everything else is the production app (``gangting.asgi:app``): the audit entries
themselves are still written, sealed, in the same transaction.

    uvicorn bench.asgi_ledger_off:app --workers 4
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from gangting.audit import ledger

if event.contains(Session, "before_commit", ledger._link_at_commit):
    event.remove(Session, "before_commit", ledger._link_at_commit)
if event.contains(Session, "after_flush", ledger._note_bound_rows):
    event.remove(Session, "after_flush", ledger._note_bound_rows)

# built after the hooks are gone
from gangting.asgi import app

__all__ = ["app"]
