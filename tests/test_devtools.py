"""The one-way house holds: no package cycle today, and a new one fails the gate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from gangting.devtools import cycles, package_graph

ROOT = Path(__file__).resolve().parents[1]


def test_the_packages_import_one_way() -> None:
    edges = package_graph()
    assert {"kernel", "desks", "app", "node"} <= edges.keys()
    assert cycles(edges) == []
    assert edges["kernel"] == set()


def test_cycles_finds_a_loop_and_leaves_a_chain_alone() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_deliberate_cycle_fails_the_import_contracts(tmp_path: Path) -> None:
    """A copy of the package where a domain imports a desk above it: lint-imports fails."""
    shutil.copytree(ROOT / "src" / "gangting", tmp_path / "gangting")
    rules = tmp_path / "gangting" / "citizens" / "rules.py"
    rules.write_text(rules.read_text("utf-8") + "\nimport gangting.desks.overview  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "lint-imports"),
            "--config",
            str(ROOT / "pyproject.toml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    assert "gangting.citizens is not allowed to import gangting.desks" in out
    assert "gangting.citizens.rules -> gangting.desks.overview" in out
