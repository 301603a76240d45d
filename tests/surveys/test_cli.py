"""`gangting survey import` and `gangting survey analyse` on a migrated database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gangting.cli import app
from tests.surveys.sheets import simulated_csv


def test_import_then_analyse_from_the_command_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANGTING_DATABASE_URL", database_url)
    runner = CliRunner()
    sheet = tmp_path / "sheets.csv"
    sheet.write_text(simulated_csv(150, seed=3), encoding="utf-8-sig")  # as Excel saves it
    done = runner.invoke(
        app, ["survey", "import", "--file", str(sheet), "--survey", "service_quality"]
    )
    assert done.exit_code == 0, done.output
    assert "已导入 150 份答卷" in done.output
    again = runner.invoke(
        app, ["survey", "import", "--file", str(sheet), "--survey", "service_quality"]
    )
    assert again.exit_code == 1 and "surveys.already_imported" in again.output

    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,conv1\nA,8\nB,2\n", encoding="utf-8")
    refused = runner.invoke(
        app, ["survey", "import", "--file", str(bad), "--survey", "service_quality"]
    )
    assert refused.exit_code == 1
    assert (
        "第 2 行（conv1）：题目“conv1”的答案 8 超出量表范围 1–5" in refused.output
        and "surveys.import_invalid" in refused.output
    )

    shown = runner.invoke(app, ["survey", "analyse", "--survey", "service_quality", "--json"])
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert result["responses"] == 150
    assert all(s["alpha"]["n"] == 150 for s in result["scales"])
    text = runner.invoke(app, ["survey", "analyse", "--survey", "service_quality"])
    assert text.exit_code == 0 and "α = " in text.output and "CFA: χ²(24)" in text.output
