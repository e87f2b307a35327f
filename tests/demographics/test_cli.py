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


def test_audit_source_names_each_section_precision_and_copy(tmp_path):
    result = runner.invoke(app, ["demographics", "audit", "--country", "KEN", "-n", "2000", "--seed", "3",
                                 "--source"])
    assert result.exit_code == 0, result.output
    text = result.output
    for section in ("age_sex", "activity", "occupation", "education", "marital_status", "urban", "religion"):
        assert section in text
    assert "chitrams/populaR" in text and "d2e3cea48874" in text  # age_sex: repository and commit
    assert "guyabel/wcde" in text and "open-numbers/ddf--ilo--ilostat" in text
    assert "estimated" not in text and "derived" in text and "checked" in text
    # the same draws from a file give the same distances
    out = tmp_path / "a.csv"
    runner.invoke(app, ["demographics", "sample", "--country", "KEN", "-n", "2000", "--seed", "3", "--out", str(out)])
    from_file = runner.invoke(app, ["demographics", "audit", str(out), "--country", "KEN"])
    drawn = runner.invoke(app, ["demographics", "audit", "--country", "KEN", "-n", "2000", "--seed", "3"])
    rows = [line.split("│")[1:4] for line in from_file.output.splitlines() if line.count("│") >= 4]
    assert rows and rows == [line.split("│")[1:4] for line in drawn.output.splitlines() if line.count("│") >= 4]


def test_section_sources_of_an_imported_table_name_the_file(tmp_path, fixture_tables):
    from deeppersona_agents.demographics.audit import copy_text, section_sources

    frame = section_sources("NZL", tables_dir=fixture_tables)
    assert list(frame["section"])[:2] == ["age_sex", "activity"] and frame["source"].str.len().min() > 0
    assert copy_text({"file": "wpp.csv", "sha256": "ab" * 32}) == "file wpp.csv sha256 abababababab"
    assert copy_text(None) == "none recorded"
