"""CLI: bad input gives one clear message, a non-zero exit and no output file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--country", "XYZ"], "unsupported country 'XYZ'"),
        (["--anchor", "age=-3"], "age='-3' is out of range"),
        (["--anchor", "age"], "is not key=value"),
        (["--attributes", "0"], "(option --attributes)"),
        (["--attributes", "20000"], "more than the"),
        (["--tree", "/no/such/tree.json"], "cannot read attribute tree file"),
        (["--seed", "-1"], "seed=-1 is invalid"),
    ],
)
def test_bad_input_is_one_clear_error_and_writes_nothing(tmp_path, args, needle):
    out = tmp_path / "persona.json"
    result = runner.invoke(app, ["generate", *args, "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert needle in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unreachable_endpoint_exits_3_and_writes_nothing(tmp_path):
    out = tmp_path / "persona.json"
    args = ["--model", "qwen2.5", "--base-url", "http://127.0.0.1:9/v1", "--attributes", "5"]
    result = runner.invoke(app, ["generate", *args, "--out", str(out), "--quiet"])
    assert result.exit_code == 3, result.output  # model/endpoint failure, not bad input
    assert "cannot reach" in " ".join(result.output.split()) and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_version_is_printed():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("deeppersona-agents ")


def test_malformed_tree_file_is_reported(tmp_path):
    bad = tmp_path / "tree.json"
    bad.write_text(json.dumps({"version": "1", "categories": [{"name": "X", "children": []}]}))
    result = runner.invoke(app, ["generate", "--tree", str(bad), "--out", str(tmp_path / "p.json"), "--quiet"])
    assert result.exit_code == 1 and "malformed" in result.output
    assert not (tmp_path / "p.json").exists()


def test_missing_output_folder_is_reported_before_any_work(tmp_path):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "nope" / "p.json"), "--quiet"])
    assert result.exit_code == 1 and "does not exist" in result.output
