"""ledger_append (decision 0009): on PostgreSQL the chain's lock, head read and links in
one call at commit

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# VOLATILE plpgsql: every statement inside takes a fresh snapshot (READ COMMITTED), so the
# head is read after the advisory lock is held and sees the last holder's committed links.
_CREATE = """
CREATE OR REPLACE FUNCTION ledger_append(lock_key bigint, entry_ids uuid[], body_hashes text[])
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  s bigint;
  prev text;
  cur text;
  i integer;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT seq, link_hash INTO s, prev FROM ledger_links ORDER BY seq DESC LIMIT 1;
  IF NOT FOUND THEN
    s := 0;
    prev := repeat('0', 64);
  END IF;
  FOR i IN 1 .. coalesce(array_length(entry_ids, 1), 0) LOOP
    s := s + 1;
    cur := encode(sha256(decode(prev, 'hex') || decode(body_hashes[i], 'hex')), 'hex');
    INSERT INTO ledger_links (seq, entry_id, prev_hash, link_hash)
      VALUES (s, entry_ids[i], prev, cur);
    prev := cur;
  END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_append(bigint, uuid[], text[])")
