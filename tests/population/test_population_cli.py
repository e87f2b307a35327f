"""`deeppersona population`, `enrich` and `export`: contract, Parquet output, clear errors."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from tests.population.conftest import FAKE, K, read_lines

runner = CliRunner()


def test_population_then_parquet_export(tmp_path):
    out = tmp_path / "ke"
    done = runner.invoke(app, ["population", "--country", "KEN", "-n", "3", "--attributes", str(K), "--out",
                               str(out), "--factory", FAKE, "--quiet"])
    assert done.exit_code == 0, done.output
    assert "3/3 personas" in done.output and "personas/min" in done.output
    assert len(read_lines(out)) == 3
    exported = runner.invoke(app, ["export", str(out), "--parquet"])
    assert exported.exit_code == 0, exported.output
    personas = pq.read_table(out / "personas.parquet").to_pylist()
    attributes = pq.read_table(out / "attributes.parquet").to_pylist()
    assert [p["index"] for p in personas] == [0, 1, 2]
    records = read_lines(out)
    assert len(attributes) == sum(len(r["attributes"]) for r in records)
    assert {a["provenance"] for a in attributes} >= {"llm", "table"}


def test_enrich_from_personahub_lines(tmp_path):
    source = tmp_path / "hub.jsonl"
    source.write_text(json.dumps({"persona": "A night-shift nurse who sings in a church choir."}) + "\n")
    done = runner.invoke(app, ["enrich", str(source), "--country", "KEN", "--attributes", str(K), "--out",
                               str(tmp_path / "deep"), "--factory", FAKE, "--quiet"])
    assert done.exit_code == 0, done.output
    [record] = read_lines(tmp_path / "deep")
    assert record["anchors"]["bio"] == "A night-shift nurse who sings in a church choir."


def test_bad_inputs_exit_non_zero_with_a_clear_message(tmp_path):
    base = ["population", "--attributes", str(K), "--factory", FAKE, "--quiet"]
    cases = [
        (["--country", "ATLANTIS", "-n", "2", "--out", str(tmp_path / "a")], "ATLANTIS"),
        (["--country", "KEN", "-n", "0", "--out", str(tmp_path / "b")], "at least 1"),
    ]
    for extra, needle in cases:
        done = runner.invoke(app, base + extra)
        assert done.exit_code == 1 and needle in done.output, done.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = runner.invoke(app, base + ["--country", "KEN", "-n", "1", "--out", str(blocker / "ke")])
    assert done.exit_code == 1 and "--out" in done.output
    out = tmp_path / "ke"
    assert runner.invoke(app, base + ["--country", "KEN", "-n", "1", "--out", str(out)]).exit_code == 0
    (out / "personas.jsonl").write_text("garbage\n" + (out / "personas.jsonl").read_text())
    done = runner.invoke(app, base + ["--country", "KEN", "-n", "1", "--out", str(out)])
    assert done.exit_code == 1 and "line 1 is corrupted" in done.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nothing"), "--parquet"])
    assert missing.exit_code == 1 and "personas.jsonl" in missing.output


def test_code_in_where_is_refused_by_every_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exploit = "@pd.io.common.os.system('touch pwned') == 0"
    commands = [
        ["population", "--country", "KEN", "-n", "1", "--attributes", str(K), "--out", str(tmp_path / "p"),
         "--factory", FAKE, "--quiet", "--where", exploit],
        ["demographics", "sample", "--country", "KEN", "-n", "2", "--out", str(tmp_path / "w.csv"), "--where",
         exploit],
    ]
    for command in commands:
        done = runner.invoke(app, command)
        assert done.exit_code == 1 and "is refused" in done.output and "Traceback" not in done.output, done.output
    assert list(tmp_path.iterdir()) == []
