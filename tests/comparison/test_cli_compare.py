"""`deeppersona reference wvs7 --by` then `deeppersona compare --personas --by --weight-to census`, end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.demographics.tables import EDUCATION_LEVELS
from tests.comparison.test_compare import PERSONAS
from tests.comparison.wvs_fixture import write_official_file


def test_reference_then_compare_with_subgroups_associations_and_census_weights(tmp_path):
    runner = CliRunner()
    official = write_official_file(tmp_path / "WVS_Cross-National_Wave_7_csv_v6_0.csv")
    marginals = tmp_path / "ref.csv"
    result = runner.invoke(app, ["reference", "wvs7", str(official), "--out", str(marginals), "--items",
                                 "Q46,Q57,Q152,Q1", "--by", "sex,age_band,education,urban,religion"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ref_subgroups.csv").read_text().startswith("country,item,group,group_value,value,share,n_valid")
    assert (tmp_path / "ref_associations.csv").read_text().startswith("country,item_a,item_b,rho,n_valid")
    people = tmp_path / "personas.jsonl"
    rng = np.random.default_rng(0)
    records = [{"id": f"p{i}", "core": {"age": int(rng.integers(18, 80)), "gender": str(rng.choice(["male", "female"])),
                                        "demographics": {"education": str(rng.choice(EDUCATION_LEVELS)),
                                                         "urban": bool(rng.random() < .4), "religion": "hindu"}}}
               for i in range(80)]
    people.write_text("\n".join(json.dumps(p) for p in [*PERSONAS, *records]) + "\n")
    answers = pd.DataFrame([(r["id"], "IND", item, int(rng.integers(1, 5 if item != "Q57" else 3)), "deep", 0, "")
                            for r in records for item in ("Q46", "Q152", "Q1", "Q57")],
                           columns=["persona_id", "country", "item", "answer", "method", "sample", "reason"])
    answers.to_csv(tmp_path / "answers.csv", index=False)
    out = tmp_path / "report"
    result = runner.invoke(app, ["compare", str(tmp_path / "answers.csv"), "--reference", str(marginals), "--out",
                                 str(out), "--personas", str(people), "--by", "sex,age_band,education,urban,religion",
                                 "--weight-to", "census", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    for name in ("metrics.csv", "subgroups.csv", "associations.csv", "weighting.csv", "report.md"):
        assert (out / name).exists(), name
    metrics = pd.read_csv(out / "metrics.csv")
    assert {"sd_ratio", "modal_share_real", "modal_share_sim", "collapse", "metrics_used"} <= set(metrics.columns)
    assert set(pd.read_csv(out / "subgroups.csv")["group"]) == {"sex", "age_band", "education", "urban", "religion"}
    report = (out / "report.md").read_text()
    assert "## Census weighting" in report and "## Subgroups" in report and "## Associations" in report
    assert (out / "associations_IND_deep.png").exists() and (out / "subgroups_IND_deep_sex.png").exists()
    weighting = pd.read_csv(out / "weighting.csv").iloc[0]
    assert weighting["n_persons"] == 80 and 1 < weighting["effective_sample_size"] < 80


def test_compare_errors_name_the_missing_input(tmp_path):
    runner = CliRunner()
    marginals = tmp_path / "ref.csv"
    pd.DataFrame({"country": "IND", "item": "Q57", "value": [1, 2], "share": [0.5, 0.5]}).to_csv(marginals,
                                                                                                 index=False)
    pd.DataFrame({"persona_id": ["a"], "country": "IND", "item": "Q57", "answer": [1], "method": "deep"}).to_csv(
        tmp_path / "answers.csv", index=False)
    result = runner.invoke(app, ["compare", str(tmp_path / "answers.csv"), "--reference", str(marginals), "--out",
                                 str(tmp_path / "r"), "--by", "sex"])
    assert result.exit_code == 1 and "ref_subgroups.csv does not exist" in result.output
    result = runner.invoke(app, ["compare", str(tmp_path / "answers.csv"), "--reference", str(marginals), "--out",
                                 str(tmp_path / "r"), "--weight-to", "census"])
    assert result.exit_code == 1 and "--personas" in result.output
    result = runner.invoke(app, ["compare", str(tmp_path / "answers.csv"), "--reference", str(marginals), "--out",
                                 str(tmp_path / "r"), "--by", "height", "--reference-subgroups", str(marginals)])
    assert result.exit_code == 1 and "unknown subgroup 'height'" in result.output
    assert not (tmp_path / "r").exists()  # nothing half-written
