"""The audit ledger (decision 0009): every entry chained at commit, money and points rows
bound to it, and verify naming the exact first bad entry or business row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from gangting.audit.ledger import GENESIS, link_hash
from gangting.audit.models import AuditEntry, LedgerLink
from gangting.audit.verify import Report, verify
from gangting.fines.models import Payment
from tests.desks.conftest import Api, Booth


def _pay(booth: Booth, world: dict[str, Any]) -> str:
    decided = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    decision_no = decided.json()["decisions"][0]["decision_no"]
    paid = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert paid.status_code == 201, paid.text
    return str(paid.json()["payment_no"])


def _verify(api: Api) -> Report:
    with api.ctx.uow() as uow:
        return verify(uow.session)


def _sql(api: Api, statement: str, **params: Any) -> None:
    """What an insider with database access would do: plain SQL, around the application."""
    with api.ctx.engine.begin() as conn:
        conn.execute(text(statement), params)


def _link(api: Api, seq: int) -> tuple[str, str]:
    with api.ctx.uow() as uow:
        link = uow.session.get(LedgerLink, seq)
        assert link is not None
        return str(link.entry_id), link.link_hash


def test_every_entry_is_chained_and_the_bound_rows_match(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    report = _verify(api)
    assert report.ok, report.problems
    with api.ctx.uow() as uow:
        entries = uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        links = uow.session.execute(select(LedgerLink).order_by(LedgerLink.seq)).scalars().all()
    assert report.entries == entries == len(links) > 0
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    prev = GENESIS
    for link in links:
        assert link.prev_hash == prev
        prev = link.link_hash
    assert report.head_hash == prev
    # the decision, the payment and its item, the point entry, the licence: bound
    assert report.bound_rows >= 4


def test_an_edited_entry_is_named(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    _pay(booth, world)
    entry_id, _ = _link(api, 3)
    _sql(api, "UPDATE audit_entries SET reason = 'forged' WHERE id = :id", id=_id(api, entry_id))
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq, problem.entry_id) == ("edited_entry", 3, entry_id)
    assert "reason" in problem.message


def test_a_rewritten_body_with_its_own_hash_breaks_the_chain_there(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    entry_id, _ = _link(api, 2)
    with api.ctx.uow() as uow:
        entry = uow.session.get(AuditEntry, _uuid(entry_id))
        assert entry is not None
        body = entry.body.replace('"action":"', '"action":"x')
    import hashlib

    _sql(
        api,
        "UPDATE audit_entries SET body = :b, body_hash = :h WHERE id = :id",
        b=body,
        h=hashlib.sha256(body.encode()).hexdigest(),
        id=_id(api, entry_id),
    )
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq, problem.entry_id) == ("bad_hash", 2, entry_id)


def test_a_deleted_entry_leaves_a_gap_at_its_number(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    entry_id, _ = _link(api, 4)
    _sql(api, "DELETE FROM ledger_links WHERE seq = 4")
    _sql(api, "DELETE FROM audit_entries WHERE id = :id", id=_id(api, entry_id))
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq) == ("gap", 4)


def test_reordered_entries_are_caught_at_the_first_moved_one(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    with api.ctx.uow() as uow:
        links = {
            link.seq: (str(link.entry_id), link.prev_hash, link.link_hash)
            for link in uow.session.execute(
                select(LedgerLink).where(LedgerLink.seq.in_([5, 6]))
            ).scalars()
        }
    # the two entries swap places; the links keep their hashes
    _sql(api, "DELETE FROM ledger_links WHERE seq IN (5, 6)")
    for seq, entry in ((5, links[6][0]), (6, links[5][0])):
        _sql(
            api,
            "INSERT INTO ledger_links (seq, entry_id, prev_hash, link_hash) "
            "VALUES (:seq, :e, :p, :h)",
            seq=seq,
            e=_id(api, entry),
            p=links[seq][1],
            h=links[seq][2],
        )
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq, problem.entry_id) == ("bad_hash", 5, links[6][0])


def test_an_entry_written_around_the_application_is_unlinked(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    entry_id, _ = _link(api, 1)
    _sql(
        api,
        "INSERT INTO audit_entries (id, at, actor_kind, actor_id, booth_id, action, "
        "subject_kind, subject_id, reason, data, body, body_hash) "
        "SELECT :new, at, actor_kind, actor_id, booth_id, 'citizen.reveal', subject_kind, "
        "subject_id, 'backdated', data, body, body_hash FROM audit_entries WHERE id = :id",
        new=_id(api, "018f0000-0000-7000-8000-000000000001"),
        id=_id(api, entry_id),
    )
    problems = _verify(api).problems
    assert [(p.kind, p.entry_id) for p in problems] == [
        ("unlinked_entry", "018f0000-0000-7000-8000-000000000001")
    ]


def test_a_payment_row_edited_in_the_database_is_caught(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    payment_no = _pay(booth, world)
    assert _verify(api).ok
    _sql(api, "UPDATE payments SET amount_fen = 100 WHERE payment_no = :no", no=payment_no)
    with api.ctx.uow() as uow:
        payment = uow.session.execute(
            select(Payment).where(Payment.payment_no == payment_no)
        ).scalar_one()
    problems = _verify(api).problems
    assert [(p.kind, str(payment.id) in p.message) for p in problems] == [("row_changed", True)]
    assert problems[0].message.startswith("payments ")


def test_a_deleted_payment_row_is_caught(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    payment_no = _pay(booth, world)
    _sql(
        api,
        "DELETE FROM payment_items WHERE payment_id = "
        "(SELECT id FROM payments WHERE payment_no = :no)",
        no=payment_no,
    )
    problems = _verify(api).problems
    assert problems and all(p.kind == "row_deleted" for p in problems)
    assert problems[0].message.startswith("payment_items ")


def test_a_link_is_the_hash_of_the_previous_link_and_the_stored_body() -> None:
    body_hash = "ab" * 32
    assert link_hash(GENESIS, body_hash) == link_hash("0" * 64, body_hash)
    assert link_hash(GENESIS, body_hash) != link_hash(body_hash, GENESIS)


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(value)


def _id(api: Api, value: str) -> Any:
    """An entry id as the database stores it."""
    import uuid

    ident = uuid.UUID(value)
    if api.ctx.engine.dialect.name == "sqlite":
        return ident.hex
    return ident


def _note(action: str, at: Any) -> dict[str, Any]:
    from gangting.kernel.ids import new_id

    return {
        "id": new_id(),
        "at": at,
        "actor_kind": "system",
        "actor_id": "test",
        "booth_id": None,
        "action": action,
        "subject_kind": "test",
        "subject_id": action,
        "reason": None,
        "data": {},
    }


def _linked_actions(api: Api, first_seq: int) -> list[str]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.action)
                .join(LedgerLink, LedgerLink.entry_id == AuditEntry.id)
                .where(LedgerLink.seq > first_seq)
                .order_by(LedgerLink.seq)
            ).scalars()
        )


def _head_seq(api: Api) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.coalesce(func.max(LedgerLink.seq), 0))).one()[0])


def test_entries_undone_by_a_savepoint_or_a_rollback_are_not_linked(api: Api) -> None:
    """The body hashes queued at write time leave the queue with the savepoint (or the
    transaction) that undid their entries; the rest are linked in the order written."""
    from gangting.audit.ledger import write_entries

    start = _head_seq(api)
    with api.ctx.uow() as uow:
        now = uow.clock.now()
        write_entries(uow.session, [_note("t.kept1", now)])
        with uow.session.begin_nested():
            write_entries(uow.session, [_note("t.kept2", now)])
            inner = uow.session.begin_nested()
            write_entries(uow.session, [_note("t.undone_inner", now)])
            inner.rollback()
            write_entries(uow.session, [_note("t.kept3", now)])
        outer = uow.session.begin_nested()
        write_entries(uow.session, [_note("t.undone1", now), _note("t.undone2", now)])
        outer.rollback()
        write_entries(uow.session, [_note("t.kept4", now)])
    assert _linked_actions(api, start) == ["t.kept1", "t.kept2", "t.kept3", "t.kept4"]
    with api.ctx.uow() as uow:
        write_entries(uow.session, [_note("t.rolled_back", uow.clock.now())])
        uow.rollback()
        write_entries(uow.session, [_note("t.after_rollback", uow.clock.now())])
    assert _linked_actions(api, start) == [
        "t.kept1",
        "t.kept2",
        "t.kept3",
        "t.kept4",
        "t.after_rollback",
    ]
    report = _verify(api)
    assert report.ok, report.problems


def test_the_binding_digest_read_with_core_is_the_digest_verify_computes(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """The commit digests bound rows read with a Core select; verify digests them loaded as
    ORM objects. For every bound table, the two must agree row for row."""
    from gangting.audit.ledger import BOUND_MODELS, _digest, _digest_columns, row_digest

    _pay(booth, world)
    compared: dict[str, int] = {}
    with api.ctx.uow() as uow:
        for table, model in sorted(BOUND_MODELS.items()):
            keys, columns = _digest_columns(model)
            core = [
                _digest(dict(zip(keys, v, strict=True)))
                for v in uow.session.execute(select(*columns).order_by(*columns[:1]).limit(200))
            ]
            orm = [
                row_digest(model, r)
                for r in uow.session.execute(
                    select(model).order_by(columns[0]).limit(200)
                ).scalars()
            ]
            assert core == orm, table
            compared[table] = len(core)
    # every bound table was compared: a new one is noticed here (fine_deferrals and
    # fine_instalments: decision 0025; driver_reviews and full_score_records: decision 0028;
    # accident_agreements: decision 0029)
    assert len(compared) == 13
    # the world and the payment hold rows of the money and points tables at least
    for table in ("penalty_decisions", "payments", "payment_items", "driving_licences"):
        assert compared[table] > 0, table
