"""`gangting analyse did`: JSON and tables on the mpdta example, zh-CN refusals with
exit status 2 and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gangting.cli import app
from tests.analysis.test_did import R_DYNAMIC, R_GROUP, mpdta

runner = CliRunner()


@pytest.fixture
def panel_csv(tmp_path: Path) -> Path:
    path = tmp_path / "panel.csv"
    mpdta().to_csv(path, index=False)
    return path


def test_json_output(panel_csv: Path) -> None:
    result = runner.invoke(app, ["analyse", "did", "--panel", str(panel_csv), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    att, se = R_GROUP["never"]
    assert abs(data["overall"]["att"] - att) < 1e-12 and abs(data["overall"]["se"] - se) < 1e-12
    assert data["control"] == "never" and data["n_units"] == 500
    assert len(data["att_gt"]) == 12
    events = {row["event_time"]: row["att"] for row in data["event_study"]}
    assert all(abs(events[e] - v[0]) < 1e-12 for e, v in R_DYNAMIC["never"].items())
    notyet = runner.invoke(
        app,
        [
            "analyse",
            "did",
            "--panel",
            str(panel_csv),
            "--json",
            "--control",
            "notyet",
            "--alpha",
            "0.1",
        ],
    )
    assert notyet.exit_code == 0, notyet.output
    data = json.loads(notyet.stdout)
    assert data["control"] == "notyet" and data["alpha"] == 0.1
    assert abs(data["overall"]["att"] - R_GROUP["notyet"][0]) < 1e-12


def test_tables_and_svg(panel_csv: Path, tmp_path: Path) -> None:
    svg = tmp_path / "event.svg"
    result = runner.invoke(app, ["analyse", "did", "--panel", str(panel_csv), "--svg", str(svg)])
    assert result.exit_code == 0, result.output
    for text in (
        "-0.0310",
        "0.0124",
        "[-0.0554, -0.0066]",
        "χ²(5) = 7.791",
        "p = 0.1681",
        "事件研究",
        "ATT(g,t)",
        "2007",
    ):
        assert text in result.output, text
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def _refused(args: list[str]) -> str:
    result = runner.invoke(app, ["analyse", "did", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("错误 analysis.did.")
    return result.stderr


def test_bad_input_is_refused_in_zh_cn(tmp_path: Path) -> None:
    good = mpdta()

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def frame(name: str, data: object) -> str:
        path = tmp_path / name
        data.to_csv(path, index=False)  # type: ignore[attr-defined]
        return str(path)

    assert "缺少列" in _refused(["--panel", frame("cols.csv", good.drop(columns="outcome"))])
    assert "不是数字" in _refused(
        ["--panel", write("text.csv", "unit,period,first_treated,outcome\na,1,0,x\na,2,0,1\n")]
    )
    assert "不平衡" in _refused(["--panel", frame("unbalanced.csv", good.drop(index=5))])
    assert "处理组" in _refused(["--panel", frame("untreated.csv", good.assign(first_treated=0))])
    assert "对照组" in _refused(["--panel", frame("treated.csv", good[good["first_treated"] > 0])])
    assert "找不到" in _refused(["--panel", str(tmp_path / "absent.csv")])
    assert "空" in _refused(["--panel", write("empty.csv", "")])
    path = tmp_path / "latin.csv"
    path.write_bytes(b"unit,period,first_treated,outcome\n\xff\xfe,1,0,1\n")
    assert "UTF-8" in _refused(["--panel", str(path)])
    ok = frame("ok.csv", good)
    assert "never 或 notyet" in _refused(["--panel", ok, "--control", "sometimes"])
    assert "alpha" in _refused(["--panel", ok, "--alpha", "2"])
    assert "无法写入" in _refused(["--panel", ok, "--svg", str(tmp_path / "no" / "x.svg")])


def test_help_lists_the_command() -> None:
    result = runner.invoke(app, ["analyse", "--help"])
    assert result.exit_code == 0 and "did" in result.output
