"""Verify at scale on PostgreSQL (issue 11 §5): the rows judged in the database over ranges
of entry ids, the order and the Merkle roots checked chunk by chunk. With chunks of 4 links
the ledger of one payment spans several chunks and ranges; whatever is done to it, the
checks at scale name exactly what the walk in order over everything names."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.checkpoints import make_checkpoint, stored_checkpoints
from gangting.audit.ledger import GENESIS, link_hash
from gangting.audit.models import AuditEntry, LedgerLink
from gangting.audit.verify import Report, verify
from gangting.audit.verify_pg import _Tree
from gangting.kernel.checkpoint import load_or_create_key
from gangting.kernel.merkle import MerkleAccumulator, leaf_hash
from tests.audit.test_ledger import _id, _pay, _sql
from tests.desks.conftest import Api, Booth


def _both(api: Api, chunk: int = 4) -> tuple[Report, Report]:
    """The report at scale (chunks of ``chunk`` links) and the walk over everything."""
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cps = stored_checkpoints(uow.session, api.ctx.settings.ledger_checkpoint_path)
        fast = verify(uow.session, checkpoints=cps, public_key=key.public_key(), chunk=chunk)
        walked = verify(uow.session, checkpoints=cps, public_key=key.public_key(), chunk=None)
    return fast, walked


def _checkpoint(api: Api) -> int:
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cp = make_checkpoint(
            uow.session, key, uow.clock.now(), api.ctx.settings.ledger_checkpoint_path
        )
    assert cp is not None
    return cp.tree_size


def _links(api: Api) -> list[tuple[int, str, str, str]]:
    with api.ctx.uow() as uow:
        return [
            (link.seq, str(link.entry_id), link.prev_hash, link.link_hash)
            for link in uow.session.execute(select(LedgerLink).order_by(LedgerLink.seq)).scalars()
        ]


def _edit(api: Api, seq: int) -> tuple[str, int]:
    entry = _links(api)[seq - 1][1]
    _sql(api, "UPDATE audit_entries SET reason = 'forged' WHERE id = :id", id=_id(api, entry))
    return "edited_entry", seq


def _rehash_body(api: Api, seq: int) -> tuple[str, int]:
    entry = _links(api)[seq - 1][1]
    with api.ctx.uow() as uow:
        body = uow.session.execute(
            select(AuditEntry.body).where(AuditEntry.id == _id(api, entry))
        ).scalar_one()
    body = body.replace('"action":"', '"action":"x')
    _sql(
        api,
        "UPDATE audit_entries SET body = :b, body_hash = :h WHERE id = :id",
        b=body,
        h=hashlib.sha256(body.encode()).hexdigest(),
        id=_id(api, entry),
    )
    return "bad_hash", seq


def _delete(api: Api, seq: int) -> tuple[str, int]:
    entry = _links(api)[seq - 1][1]
    _sql(api, "DELETE FROM ledger_links WHERE seq = :s", s=seq)
    _sql(api, "DELETE FROM audit_entries WHERE id = :id", id=_id(api, entry))
    return "gap", seq


def _delete_entry_only(api: Api, seq: int) -> tuple[str, int]:
    entry = _links(api)[seq - 1][1]
    _sql(
        api,
        "ALTER TABLE ledger_links DROP CONSTRAINT IF EXISTS fk_ledger_links_entry_id_audit_entries",
    )
    _sql(api, "DELETE FROM audit_entries WHERE id = :id", id=_id(api, entry))
    return "missing_entry", seq


def _swap(api: Api, seq: int) -> tuple[str, int]:
    links = {link[0]: link for link in _links(api)}
    _sql(api, "DELETE FROM ledger_links WHERE seq IN (:a, :b)", a=seq, b=seq + 1)
    for at, entry in ((seq, links[seq + 1][1]), (seq + 1, links[seq][1])):
        _sql(
            api,
            "INSERT INTO ledger_links (seq, entry_id, prev_hash, link_hash) "
            "VALUES (:seq, :e, :p, :h)",
            seq=at,
            e=_id(api, entry),
            p=links[at][2],
            h=links[at][3],
        )
    return "bad_hash", seq


def _not_hex(api: Api, seq: int) -> tuple[str, int]:
    _sql(api, "UPDATE ledger_links SET link_hash = :h WHERE seq = :s", h="zz" * 32, s=seq)
    return "bad_hash", seq


def _not_json(api: Api, seq: int) -> tuple[str, int]:
    entry = _links(api)[seq - 1][1]
    body = "not json"
    _sql(
        api,
        "UPDATE audit_entries SET body = :b, body_hash = :h WHERE id = :id",
        b=body,
        h=hashlib.sha256(body.encode()).hexdigest(),
        id=_id(api, entry),
    )
    return "bad_hash", seq


TAMPER: dict[str, Callable[[Api, int], tuple[str, int]]] = {
    "edit": _edit,
    "rehash_body": _rehash_body,
    "delete": _delete,
    "delete_entry_only": _delete_entry_only,
    "swap": _swap,
    "not_hex": _not_hex,
    "not_json": _not_json,
}


@pytest.fixture
def pg_only(api: Api) -> None:
    if api.ctx.engine.dialect.name != "postgresql":
        pytest.skip("the checks at scale are PostgreSQL's")


@pytest.mark.parametrize("how", sorted(TAMPER))
@pytest.mark.parametrize("seq", [1, 4, 5, 7])
def test_a_tampered_ledger_is_named_at_scale_as_by_the_walk(
    api: Api, booth: Booth, world: dict[str, Any], pg_only: None, how: str, seq: int
) -> None:
    _pay(booth, world)
    fast, walked = _both(api)
    assert fast.ok and fast == walked
    kind, at = TAMPER[how](api, seq)
    fast, walked = _both(api)
    assert fast == walked
    assert (fast.problems[0].kind, fast.problems[0].seq) == (kind, at)
    assert fast.entries == at - 1


def test_an_unlinked_entry_and_a_cut_ledger_at_scale(
    api: Api, booth: Booth, world: dict[str, Any], pg_only: None
) -> None:
    _pay(booth, world)
    size = _checkpoint(api)
    links = _links(api)
    _sql(
        api,
        "INSERT INTO audit_entries (id, at, actor_kind, actor_id, booth_id, action, "
        "subject_kind, subject_id, reason, data, body, body_hash) "
        "SELECT :new, at, actor_kind, actor_id, booth_id, action, subject_kind, "
        "subject_id, reason, data, body, body_hash FROM audit_entries WHERE id = :id",
        new=_id(api, "018f0000-0000-7000-8000-000000000001"),
        id=_id(api, links[0][1]),
    )
    fast, walked = _both(api)
    assert fast == walked
    assert [(p.kind, p.entry_id) for p in fast.problems] == [
        ("unlinked_entry", "018f0000-0000-7000-8000-000000000001")
    ]
    keep = size - 6
    _sql(api, "DELETE FROM ledger_links WHERE seq > :keep", keep=keep)
    _sql(api, "DELETE FROM ledger_checkpoints")
    fast, walked = _both(api)
    assert fast == walked
    assert (fast.problems[0].kind, fast.problems[0].seq) == ("truncated", keep + 1)


@pytest.mark.parametrize("chunk", [1, 3, 4, 8])
def test_a_rewritten_history_fails_the_root_at_scale(
    api: Api, booth: Booth, world: dict[str, Any], pg_only: None, chunk: int
) -> None:
    _pay(booth, world)
    first = _checkpoint(api)
    _pay_again(booth, world)
    size = _checkpoint(api)
    assert size > first
    fast, walked = _both(api, chunk)
    assert fast.ok and fast == walked and fast.entries == size
    # entry 3 rewritten consistently, and everything chained again
    plan = _links(api)
    with api.ctx.uow() as uow:
        hashes = {
            entry_id: body_hash
            for entry_id, body_hash in uow.session.execute(
                select(AuditEntry.id, AuditEntry.body_hash)
            )
        }
    entry3 = plan[2][1]
    with api.ctx.uow() as uow:
        body = uow.session.execute(
            select(AuditEntry.body).where(AuditEntry.id == _id(api, entry3))
        ).scalar_one()
    forged = json.loads(body)
    forged["reason"] = "已核实"
    new_body = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    new_hash = hashlib.sha256(new_body.encode()).hexdigest()
    _sql(
        api,
        "UPDATE audit_entries SET reason = :r, body = :b, body_hash = :h WHERE id = :id",
        r="已核实",
        b=new_body,
        h=new_hash,
        id=_id(api, entry3),
    )
    _sql(api, "DELETE FROM ledger_links")
    prev = GENESIS
    for seq, entry, _p, _h in plan:
        digest = new_hash if entry == entry3 else hashes[_id(api, entry)]
        current = link_hash(prev, digest)
        _sql(
            api,
            "INSERT INTO ledger_links (seq, entry_id, prev_hash, link_hash) VALUES (:s,:e,:p,:h)",
            s=seq,
            e=_id(api, entry),
            p=prev,
            h=current,
        )
        prev = current
    fast, walked = _both(api, chunk)
    assert fast == walked
    assert (fast.problems[0].kind, fast.problems[0].seq) == ("checkpoint_mismatch", first)


def _pay_again(booth: Booth, world: dict[str, Any]) -> None:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v2"]]})
    assert r.status_code in (200, 201), r.text


@pytest.mark.parametrize("size", [*range(1, 40), 64, 65, 100, 127, 128, 129])
def test_the_tree_over_subtrees_is_the_rfc_9162_tree(size: int) -> None:
    data = os.urandom(32 * size)
    reference = MerkleAccumulator()
    roots = {}
    for i in range(size):
        reference.append(leaf_hash(data[32 * i : 32 * i + 32]))
        roots[i + 1] = reference.root()
    tree = _Tree()
    at = 0
    for cut in sorted({size, *range(3, size, 7), *range(5, size, 11)}):
        tree.extend(data[32 * at : 32 * cut])
        at = cut
        assert tree.size == cut and tree.root() == roots[cut]


def test_a_link_placed_before_the_first_is_named_at_scale(
    api: Api, booth: Booth, world: dict[str, Any], pg_only: None
) -> None:
    _pay(booth, world)
    first = _links(api)[0]
    _sql(api, "UPDATE ledger_links SET seq = 0 WHERE seq = 1")
    fast, walked = _both(api)
    assert fast == walked
    assert (fast.problems[0].kind, fast.problems[0].seq) == ("gap", 1)
    assert first[0] == 1
