"""Signed checkpoints (decision 0009): a ledger cut short or rewritten whole no longer
matches a root only the centre's key could sign; any entry is proved offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gangting.audit.checkpoints import check_proof, make_checkpoint, prove, stored_checkpoints
from gangting.audit.ledger import GENESIS, link_hash, sha256_hex
from gangting.audit.models import AuditEntry, LedgerLink
from gangting.audit.verify import Report, verify
from gangting.cli import app
from gangting.kernel.checkpoint import Checkpoint, load_or_create_key
from tests.audit.test_ledger import _pay, _sql
from tests.desks.conftest import Api, Booth


def _checkpoint(api: Api) -> Checkpoint:
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cp = make_checkpoint(
            uow.session, key, uow.clock.now(), api.ctx.settings.ledger_checkpoint_path
        )
    assert cp is not None
    return cp


def _verify(api: Api) -> Report:
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cps = stored_checkpoints(uow.session, api.ctx.settings.ledger_checkpoint_path)
        return verify(uow.session, checkpoints=cps, public_key=key.public_key())


def test_a_checkpoint_is_stored_and_filed_and_the_ledger_verifies_against_it(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    cp = _checkpoint(api)
    lines = api.ctx.settings.ledger_checkpoint_path.read_text("utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["tree_size"] == cp.tree_size
    report = _verify(api)
    assert report.ok, report.problems
    assert report.entries >= cp.tree_size
    with api.ctx.uow() as uow:  # nothing new since: no second checkpoint
        key = load_or_create_key(api.ctx.settings.ledger_key_path)
        again = make_checkpoint(
            uow.session, key, uow.clock.now(), api.ctx.settings.ledger_checkpoint_path
        )
    assert again is None


def test_a_ledger_cut_short_is_named_at_its_first_missing_entry(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    cp = _checkpoint(api)
    keep = cp.tree_size - 3
    with api.ctx.uow() as uow:
        gone = [
            str(e)
            for e in uow.session.execute(
                select(LedgerLink.entry_id).where(LedgerLink.seq > keep)
            ).scalars()
        ]
    _sql(api, "DELETE FROM ledger_links WHERE seq > :keep", keep=keep)
    _sql(api, "DELETE FROM ledger_checkpoints")  # the insider clears the database's copy too
    for entry_id in gone:
        _sql(api, "DELETE FROM audit_entries WHERE id = :id", id=_db_id(api, entry_id))
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq) == ("truncated", keep + 1)


def test_a_history_rewritten_and_chained_again_fails_the_signed_root(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    cp = _checkpoint(api)
    # the insider edits entry 2 consistently (columns, body, hash) and re-chains everything
    with api.ctx.uow() as uow:
        rows = uow.session.execute(
            select(LedgerLink, AuditEntry)
            .join(AuditEntry, AuditEntry.id == LedgerLink.entry_id)
            .order_by(LedgerLink.seq)
        ).all()
        plan = [(link.seq, entry.id, entry.body, entry.body_hash) for link, entry in rows]
    seq2, id2, body2, _ = plan[1]
    forged = json.loads(body2)
    forged["reason"] = "已核实"
    new_body = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    new_hash = sha256_hex(new_body.encode())
    _sql(
        api,
        "UPDATE audit_entries SET reason = :r, body = :b, body_hash = :h WHERE id = :id",
        r="已核实",
        b=new_body,
        h=new_hash,
        id=_db_id(api, str(id2)),
    )
    _sql(api, "DELETE FROM ledger_links")
    prev = GENESIS
    for seq, entry_id, _body, body_hash in plan:
        digest = new_hash if seq == seq2 else body_hash
        current = link_hash(prev, digest)
        _sql(
            api,
            "INSERT INTO ledger_links (seq, entry_id, prev_hash, link_hash) VALUES (:s,:e,:p,:h)",
            s=seq,
            e=_db_id(api, str(entry_id)),
            p=prev,
            h=current,
        )
        prev = current
    problem = _verify(api).problems[0]
    assert (problem.kind, problem.seq) == ("checkpoint_mismatch", cp.tree_size)


def test_an_entry_is_proved_offline_and_a_changed_proof_fails(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _pay(booth, world)
    _checkpoint(api)
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cps = stored_checkpoints(uow.session, api.ctx.settings.ledger_checkpoint_path)
        entry_id = str(uow.session.get(LedgerLink, 3).entry_id)  # type: ignore[union-attr]
        by_id = prove(uow.session, entry_id, cps, key)
        by_seq = prove(uow.session, "3", cps, key)
    assert by_id == by_seq and by_id.seq == 3
    document = json.loads(by_id.to_json())
    assert check_proof(document) == []
    assert check_proof({**document, "body": document["body"].replace("{", "{ ", 1)})
    assert check_proof({**document, "proof": list(reversed(document["proof"]))})
    assert check_proof({**document, "seq": 4})


def test_a_receipt_carries_its_ledger_entry_and_is_proved_by_it(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    answer = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]}).json()
    entry = answer["ledger_entry"]
    _checkpoint(api)
    key = load_or_create_key(api.ctx.settings.ledger_key_path)
    with api.ctx.uow() as uow:
        cps = stored_checkpoints(uow.session, api.ctx.settings.ledger_checkpoint_path)
        proof = prove(uow.session, entry, cps, key)
    assert check_proof(json.loads(proof.to_json())) == []
    sealed = json.loads(proof.body)
    assert (sealed["subject_id"], sealed["action"]) == (
        answer["receipt_no"],
        "application.process_violations.completed",
    )


def test_the_commands_verify_checkpoint_prove_and_check(
    api: Api, booth: Booth, world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pay(booth, world)
    monkeypatch.setenv("GANGTING_DATABASE_URL", api.ctx.settings.database_url)
    monkeypatch.setenv("GANGTING_VAR_DIR", str(api.ctx.settings.var_dir))
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "账本完整" in ok.output
    proof = tmp_path / "proof.json"
    assert runner.invoke(app, ["audit", "prove", "2", "--out", str(proof)]).exit_code == 0
    checked = runner.invoke(app, ["audit", "check-proof", str(proof)])
    assert checked.exit_code == 0 and "证明有效" in checked.output
    _sql(api, "UPDATE payments SET amount_fen = 100")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "row_changed" in bad.output
    # the same from a fresh process: the bound tables register themselves there too
    fresh = subprocess.run(
        [str(Path(sys.executable).parent / "gangting"), "audit", "verify"],
        env={
            **os.environ,
            "GANGTING_DATABASE_URL": api.ctx.settings.database_url,
            "GANGTING_VAR_DIR": str(api.ctx.settings.var_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr
    assert "row_changed" in fresh.stdout and "payments" in fresh.stdout


def _db_id(api: Api, value: str) -> Any:
    import uuid

    ident = uuid.UUID(value)
    return ident.hex if api.ctx.engine.dialect.name == "sqlite" else ident
