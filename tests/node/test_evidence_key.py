"""The booth node's evidence key (decision 0018): made once in the node's data dir, 0600,
the same key on every start; the demo provisioning registers only its public key."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.cli import app, provision_demo_booth_key
from gangting.node.evidence_key import key_path, load_or_create, public_key
from tests.desks.conftest import Api


def test_the_key_is_made_once_private_to_the_node(tmp_path: Path) -> None:
    path = key_path(tmp_path / "node", "BT-KDL-001")
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    assert public_key(load_or_create(path)) == public_key(first)  # a restart keeps it
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_demo_provisioning_registers_the_nodes_public_key_once(
    api: Api, world: dict[str, Any], tmp_path: Path
) -> None:
    node_dir = tmp_path / "node"
    key = provision_demo_booth_key(api.ctx.settings, "BT-KDL-001", node_dir)
    assert provision_demo_booth_key(api.ctx.settings, "BT-KDL-001", node_dir) == key
    with api.ctx.uow() as uow:
        registered = uow.session.execute(
            select(Booth.evidence_public_key).where(Booth.code == "BT-KDL-001")
        ).scalar_one()
        entries = uow.session.execute(
            select(func.count()).where(AuditEntry.action == "booth.evidence_key_registered")
        ).scalar_one()
    assert registered == key == public_key(load_or_create(key_path(node_dir, "BT-KDL-001")))
    assert entries == 1  # the second start found it registered
    assert key.encode() not in key_path(node_dir, "BT-KDL-001").read_bytes()  # PEM, not raw


def test_the_cli_prints_the_node_key_and_an_admin_registers_it(
    api: Api, world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANGTING_VAR_DIR", str(tmp_path / "node"))
    monkeypatch.setenv("GANGTING_DATABASE_URL", api.ctx.settings.database_url)
    runner = CliRunner()
    printed = runner.invoke(app, ["booth-key", "--code", "BT-QS-001"])
    assert printed.exit_code == 0, printed.output
    key = printed.output.strip()
    assert key == public_key(load_or_create(key_path(tmp_path / "node", "BT-QS-001")))
    bad = runner.invoke(app, ["booths", "register-key", "BT-QS-001", "not-a-key"])
    assert bad.exit_code == 1 and "公钥格式无效" in bad.output
    done = runner.invoke(app, ["booths", "register-key", "BT-QS-001", key])
    assert done.exit_code == 0, done.output
    with api.ctx.uow() as uow:
        registered = uow.session.execute(
            select(Booth.evidence_public_key).where(Booth.code == "BT-QS-001")
        ).scalar_one()
    assert registered == key
