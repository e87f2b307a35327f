"""compare_all: persons as units, weights everywhere, scale-aware metrics, variance, subgroup gaps, report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from deeppersona_agents.comparison.compare import compare_all, compare_answers
from deeppersona_agents.comparison.plots import item_shares, write_plots
from deeppersona_agents.comparison.references import wvs7_reference
from deeppersona_agents.comparison.report import markdown_report
from deeppersona_agents.comparison.subgroups import persona_groups
from tests.comparison.wvs_fixture import write_official_file

REF = pd.DataFrame({"country": "IND", "item": "Q57", "value": [1, 2], "share": [0.5, 0.5], "n_valid": 100})


def rows(person, item, answers, weights=None, method="deep"):
    return pd.DataFrame({"persona_id": person, "country": "IND", "item": item, "answer": answers, "method": method,
                         "weight": weights if weights is not None else [1.0] * len(answers)})


def test_log_probability_rows_count_with_their_weights_in_metrics_and_plots():
    answers = rows("p1", "Q57", [1, 2], [0.9, 0.1])
    result = compare_all(answers, REF, n_boot=0)
    assert item_shares(result.panels, "IND", "Q57")["deep"] == pytest.approx([0.9, 0.1])
    metric = result.metrics.iloc[0]
    assert metric["total_variation"] == pytest.approx(0.4) and metric["ks"] == pytest.approx(0.4)
    assert metric["n_simulated"] == 1  # one person, two rows


def test_persons_not_rows_and_the_bootstrap_moves_a_persons_samples_together():
    rng = np.random.default_rng(5)
    base = pd.concat([rows(f"p{i}", "Q57", [int(rng.integers(1, 3))]) for i in range(40)], ignore_index=True)
    tripled = pd.concat([base.assign(sample=s) for s in range(3)], ignore_index=True)  # --samples 3, identical draws
    one = compare_answers(base, REF, n_boot=300, seed=1).iloc[0]
    three = compare_answers(tripled, REF, n_boot=300, seed=1).iloc[0]
    assert one["n_simulated"] == three["n_simulated"] == 40
    for name in ("js_divergence", "ks", "total_variation"):
        assert three[f"{name}_low"] == pytest.approx(one[f"{name}_low"])
        assert three[f"{name}_high"] == pytest.approx(one[f"{name}_high"])
    # a person's samples are averaged: p with (1, 2) counts half to each code, not as two respondents
    mixed = pd.concat([rows("a", "Q57", [1, 2]), rows("b", "Q57", [1])], ignore_index=True)
    assert item_shares(compare_all(mixed, REF, n_boot=0).panels, "IND", "Q57")["deep"] == pytest.approx([0.75, 0.25])


def test_nominal_items_get_only_js_and_total_variation():
    ref = pd.DataFrame({"country": "IND", "item": "Q152", "value": [1, 2, 3, 4], "share": [0.4, 0.3, 0.2, 0.1]})
    answers = pd.concat([rows(f"p{i}", "Q152", [code]) for i, code in enumerate([1, 1, 4, 4])], ignore_index=True)
    metric = compare_answers(answers, ref, n_boot=50).iloc[0]
    assert metric["scale"] == "nominal" and metric["metrics_used"] == "js_divergence js_distance total_variation"
    for name in ("ks", "wasserstein", "mean_diff", "ks_low", "sd_ratio"):
        assert math.isnan(metric[name])
    assert metric["total_variation"] == pytest.approx(0.5 * (0.1 + 0.3 + 0.2 + 0.4))
    assert not math.isnan(metric["js_divergence_low"])
    # (1 - 0.5) non-modal share simulated vs (1 - 0.4) real: not under half of it
    assert metric["modal_share_sim"] == pytest.approx(0.5) and not metric["collapse"]


def test_sd_ratio_and_modal_share_by_hand():
    # persons: code 1; code 2; and 0.9 / 0.1 log-probabilities -> shares (19/30, 11/30)
    answers = pd.concat([rows("a", "Q57", [1]), rows("b", "Q57", [2]), rows("c", "Q57", [1, 2], [0.9, 0.1])])
    metric = compare_answers(answers.reset_index(drop=True), REF, n_boot=0).iloc[0]
    # real SD of (0.5, 0.5) on codes 1, 2 is 0.5; simulated SD sqrt(p (1 - p)) with p = 19/30
    assert metric["sd_real"] == pytest.approx(0.5, abs=1e-9)
    assert metric["sd_ratio"] == pytest.approx(math.sqrt(209) / 15, abs=1e-9)
    assert metric["modal_share_real"] == pytest.approx(0.5) and metric["modal_share_sim"] == pytest.approx(19 / 30)
    everyone_one = compare_answers(pd.concat([rows(f"p{i}", "Q57", [1]) for i in range(5)], ignore_index=True),
                                   REF, n_boot=0).iloc[0]
    assert everyone_one["sd_ratio"] == 0 and everyone_one["collapse"]


PERSONAS = [  # ages 20 / 45 / 70 -> 18-29 / 30-49 / 50+
    {"id": "y", "core": {"age": 20, "gender": "male", "demographics": {"education": "upper_secondary",
                                                                          "urban": True, "religion": "hindu"}}},
    {"id": "m", "core": {"age": 45, "gender": "female", "demographics": {"education": "tertiary",
                                                                            "urban": False, "religion": "muslim"}}},
    {"id": "o", "core": {"age": 70, "gender": "female", "demographics": {"education": "less_than_primary",
                                                                            "urban": True, "religion": "hindu"}}},
]


def test_subgroup_gaps_real_and_simulated_by_hand(tmp_path):
    ref = wvs7_reference(write_official_file(tmp_path / "wvs.csv"), items=["Q46", "Q152", "Q1"],
                         by=["sex", "age_band"])
    answers = pd.concat([rows("y", "Q46", [2]), rows("m", "Q46", [2]), rows("o", "Q46", [4]),
                         rows("y", "Q152", [1]), rows("m", "Q152", [1]), rows("o", "Q152", [2])], ignore_index=True)
    result = compare_all(answers, ref["marginals"], personas=persona_groups(PERSONAS), by="sex,age_band",
                         reference_subgroups=ref["subgroups"], n_boot=0)
    sub = result.subgroups.set_index(["item", "group", "group_value"])
    old = sub.loc[("Q46", "age_band", "50+")]
    # real: 18-29 mean 1 (row 1), 50+ mean 3 (row 3) -> gap 2; simulated: 2 and 4 -> gap 2
    assert old["base_value"] == "18-29" and old["gap_real"] == pytest.approx(2) and old["gap_sim"] == pytest.approx(2)
    assert old["gap_diff"] == pytest.approx(0) and old["n_real"] == 1 and old["n_simulated"] == 1
    women = sub.loc[("Q46", "sex", "female")]
    # real women: codes 2, 3 (w 1 each) mean 2.5; men: 1 (w 2), 4 (w 0.5) mean 1.6 -> gap 0.9; simulated 3 - 2 = 1
    assert women["gap_real"] == pytest.approx(0.9, abs=1e-9) and women["gap_sim"] == pytest.approx(1.0)
    assert women["gap_diff"] == pytest.approx(0.1, abs=1e-9)
    assert math.isnan(sub.loc[("Q46", "sex", "male"), "gap_real"])  # the base level has no gap
    nominal = sub.loc[("Q152", "sex", "female")]
    # nominal gap: total variation between levels. Real men (1: w 2, 3: w .5 -> .8/.2 on codes 1, 3) vs women
    # (2: w 1, 1: w 1); simulated men all 1, women half 1, half 2
    assert nominal["gap_kind"] == "total_variation" and math.isnan(nominal["mean_real"])
    assert nominal["gap_real"] == pytest.approx(0.5 * (abs(0.8 - 0.5) + abs(0 - 0.5) + abs(0.2 - 0)), abs=1e-9)
    assert nominal["gap_sim"] == pytest.approx(0.5, abs=1e-9)


def test_report_states_metrics_per_item_and_averages_comparable_ones(tmp_path):
    ref = wvs7_reference(write_official_file(tmp_path / "wvs.csv"), items=["Q46", "Q152", "Q1"],
                         by=["sex", "age_band"])
    answers = pd.concat([rows(p, item, [a]) for p, item, a in [
        ("y", "Q46", 1), ("m", "Q46", 2), ("o", "Q46", 4), ("y", "Q152", 1), ("m", "Q152", 2), ("o", "Q152", 2),
        ("y", "Q1", 1), ("m", "Q1", 1), ("o", "Q1", 3)]], ignore_index=True)
    result = compare_all(answers, ref["marginals"], personas=persona_groups(PERSONAS), by=["sex", "age_band"],
                         reference_subgroups=ref["subgroups"], reference_associations=ref["associations"],
                         weight_to=None, n_boot=20)
    figures = write_plots(result, ref["marginals"], tmp_path)
    assert {len(v) for v in figures.values()} >= {1} and all(p.stat().st_size > 1000 for v in figures.values()
                                                              for p in v)
    report = markdown_report(result, {k: [p.name for p in v] for k, v in figures.items()})
    for section in ("## Marginals", "## Variance", "## Subgroups", "## Associations"):
        assert section in report
    assert "- nominal items (Q152): js_divergence, js_distance, total_variation" in report
    assert "ks (n=2)" in report and "js_divergence (n=3)" in report  # Q46 and Q1 ordered; Q152 nominal
    ind = result.metrics[result.metrics["country"] == "IND"]
    assert f"| IND | deep | 3 | {ind['ks'].mean():.3f} |" in report  # the KS mean skips the nominal item
    assert "![associations: associations_IND_deep.png](associations_IND_deep.png)" in report


def test_personas_that_do_not_match_the_answers_are_refused():
    from deeppersona_agents.errors import ConfigError

    with pytest.raises(ConfigError, match="persona_id"):
        compare_all(rows("someone-else", "Q57", [1]), REF, personas=persona_groups(PERSONAS), weight_to="census")
