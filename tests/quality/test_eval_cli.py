from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import evaluate as cli
from deeppersona_agents.cli.evaluate import evaluate_app
from tests.fakes import FakeChatModel
from tests.quality.test_intrinsic import ValueEmbeddings

DATA = Path(__file__).resolve().parents[1] / "data" / "evaluation"
runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_models(monkeypatch):
    made: list[FakeChatModel] = []

    def resolve(model=None, **kwargs):
        made.append(FakeChatModel())
        return made[-1]

    monkeypatch.setattr(cli, "resolve_chat_model", resolve)
    monkeypatch.setattr(cli, "resolve_embeddings", lambda *a, **k: ValueEmbeddings())
    return made


def test_intrinsic_writes_one_row_per_persona(tmp_path):
    out = tmp_path / "intrinsic.csv"
    result = runner.invoke(evaluate_app, ["intrinsic", str(DATA / "authors_sample.json"),
                                          f"hub={DATA / 'personahub_sample.jsonl'}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame["source"]) == ["authors_sample", "authors_sample", "hub", "hub", "hub"]
    assert {"persona_id", "attribute_count", "filler_rate", "redundancy", "coverage_entropy",
            "nn_distance"} <= set(frame.columns)
    assert frame["filler_rate"].iloc[0] == pytest.approx(3 / 8)  # "No", "None", False
    assert "Intrinsic metrics" in result.output and not list(tmp_path.glob(".*tmp"))


def test_intrinsic_with_judge(tmp_path, fake_models):
    out = tmp_path / "intrinsic.csv"
    result = runner.invoke(evaluate_app, ["intrinsic", str(DATA / "personas_lines.txt"), "--judge", "--out",
                                          str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert frame["judge_uniqueness"].tolist() == [3, 3] and fake_models[0].calls == 2


def test_qa_writes_results_summary_and_pairs(tmp_path, fake_models):
    out = tmp_path / "qa"
    args = ["qa", str(DATA / "personahub_sample.jsonl"), str(DATA / "personas_lines.txt"), "--out", str(out),
            "--limit", "2", "--concurrency", "3", "--pairs", "--quiet"]
    result = runner.invoke(evaluate_app, args)
    assert result.exit_code == 0, result.output
    assert "model calls this run: 96" in result.output  # 2 sources x 2 personas x 12 requests x 2
    assert len((out / "results.jsonl").read_text().splitlines()) == 48
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["source"]) == {"personahub_sample", "personas_lines"}
    assert len((out / "pairs.jsonl").read_text().splitlines()) == 24
    again = runner.invoke(evaluate_app, args)
    assert "model calls this run: 0" in again.output and "skipped: 48" in again.output


def test_ablation_writes_table_and_plot(tmp_path):
    out = tmp_path / "abl"
    result = runner.invoke(evaluate_app, ["ablation", str(DATA / "authors_sample.json"), "--depths", "1,3",
                                          "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "ablation.csv")
    assert table["depth"].tolist() == [1, 3] and table["mean_attributes"].tolist() == [1.0, 2.5]
    assert (out / "ablation.png").stat().st_size > 0


def test_elo_command(tmp_path):
    key, judgements = tmp_path / "key.jsonl", tmp_path / "j.jsonl"
    key.write_text(json.dumps({"pair_id": "p1", "a_source": "deep", "b_source": "hub"}) + "\n")
    judgements.write_text(json.dumps({"pair_id": "p1", "winner": "A"}) + "\n")
    result = runner.invoke(evaluate_app, ["elo", str(judgements), "--key", str(key), "--out",
                                          str(tmp_path / "elo.csv")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "elo.csv")["elo"].tolist() == [1008.0, 992.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["intrinsic", "missing.jsonl"], "does not exist"),
        (["intrinsic", str(DATA / "unknown.jsonl")], "no known persona"),
        (["intrinsic", str(DATA / "personas_lines.txt"), "--out", "/nonexistent/x.csv"], "does not exist"),
        (["qa", str(DATA / "personas_lines.txt"), str(DATA / "personas_lines.txt")], "two sources are named"),
        (["qa", str(DATA / "personas_lines.txt"), "--limit", "0"], "--limit 0"),
        (["ablation", str(DATA / "personas_lines.txt"), "--depths", "50,abc"], "comma-separated"),
        (["elo", "nope.jsonl", "--key", "nope.jsonl"], "cannot read judgements"),
    ],
)
def test_bad_inputs_exit_1_with_a_clear_message(args, message):
    result = runner.invoke(evaluate_app, args)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_qa_rerun_with_the_cache_bills_nothing(tmp_path):
    def run(out):
        return runner.invoke(evaluate_app, ["qa", str(DATA / "personas_lines.txt"), "--out", str(out), "--limit", "2",
                                            "--cache", str(tmp_path / "replies.sqlite"), "--quiet"])

    first = run(tmp_path / "a")
    assert first.exit_code == 0, first.output
    assert "model calls this run: 48" in first.output and "0 more served from cache" in first.output
    again = run(tmp_path / "b")  # a new folder: every pair is asked again, and answered from the cache
    assert "model calls this run: 0" in again.output and "48 more served from cache" in again.output
