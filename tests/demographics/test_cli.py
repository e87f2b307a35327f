from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from deeppersona_agents.cli import app

runner = CliRunner()


def test_sample_then_audit(tmp_path):
    out = tmp_path / "anchors.csv"
    result = runner.invoke(app, ["demographics", "sample", "--country", "KEN", "-n", "3000", "--seed", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype={"isco_major": "Int64"})
    assert len(frame) == 3000
    assert {"age", "sex", "activity", "isco_major", "education", "marital_status", "city", "urban", "name"} <= set(
        frame.columns)
    assert set(frame["sex"]) == {"male", "female"} and set(frame["urban"]) <= {True, False}
    assert frame["isco_major"].dropna().between(0, 9).all()
    plot = tmp_path / "audit.png"
    result = runner.invoke(app, ["demographics", "audit", str(out), "--country", "KEN", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "age_band" in result.output and "isco_major" in result.output
    assert plot.stat().st_size > 10_000


def test_sample_where_and_rake(tmp_path):
    out = tmp_path / "cohort.csv"
    result = runner.invoke(app, ["demographics", "sample", "--country", "BRA", "-n", "50", "--out", str(out),
                                 "--where", "age>=30 and age<50 and isco_major==2"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert frame["age"].between(30, 49).all() and (frame["isco_major"] == 2).all()
    targets = tmp_path / "targets.csv"
    targets.write_text("variable,value,share\nsex,male,0.2\nsex,female,0.8\n")
    raked = tmp_path / "raked.csv"
    result = runner.invoke(app, ["demographics", "sample", "--country", "BRA", "-n", "4000", "--out", str(raked),
                                 "--rake", str(targets)])
    assert result.exit_code == 0, result.output
    assert abs((pd.read_csv(raked)["sex"] == "female").mean() - 0.8) < 0.03


def test_bad_input_fails_cleanly(tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["demographics", "sample", "--country", "Atlantis", "-n", "5", "--out", str(out)])
    assert result.exit_code == 1 and "KEN" in result.output and not out.exists()
    result = runner.invoke(app, ["demographics", "sample", "--country", "KEN", "-n", "0", "--out", str(out)])
    assert result.exit_code == 1 and "at least one" in result.output and not out.exists()
    result = runner.invoke(app, ["demographics", "sample", "--country", "KEN", "-n", "5",
                                 "--out", str(tmp_path / "nope" / "x.csv")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(app, ["demographics", "audit", str(tmp_path / "missing.csv"), "--country", "KEN"])
    assert result.exit_code == 1 and "not found" in result.output
    result = runner.invoke(app, ["demographics", "countries"])
    assert result.exit_code == 0 and "KEN  Kenya" in result.output


def test_old_mode_spelling_still_works_for_one_release_with_a_warning(tmp_path):
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    base = ["demographics", "sample", "--country", "KEN", "-n", "50", "--seed", "2"]
    assert runner.invoke(app, [*base, "--demographics", "uniform", "--out", str(new)]).exit_code == 0
    result = runner.invoke(app, [*base, "--mode", "uniform", "--out", str(old)])
    assert result.exit_code == 0 and "--mode is now --demographics" in " ".join(result.output.split())
    assert new.read_bytes() == old.read_bytes()
