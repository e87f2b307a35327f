"""The studies in simulations/ run end to end (tiny N, fake chat model, real embeddings)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deeppersona_agents.comparison.references import reference_sibling, trait_marginals, wvs7_reference
from deeppersona_agents.simulation import load_instrument
from simulations import big_five_study, wvs_study
from tests.comparison.wvs_fixture import write_official_file
from tests.fakes import FakeChatModel


def test_wvs_study_with_countries_depths_and_reference(tmp_path, embeddings, shared_data):
    ref = pd.read_csv(shared_data / "wvs7_six_items_marginals.csv")
    ref = ref[ref["country"].isin(["IND", "CAN"])]
    ref = ref.assign(share=ref["weighted_share"].fillna(ref["unweighted_share"]).fillna(ref["reported_share"]))
    ref_path = tmp_path / "ref.csv"
    ref = ref.dropna(subset=["share", "n_valid"])
    ref[["country", "item", "value", "share", "n_valid"]].to_csv(ref_path, index=False)
    answers = wvs_study.main(seed=1, n=2, countries=("IND", "CAN"), model=FakeChatModel(), embeddings=embeddings,
                             depths=(0, 5), reference=ref_path, out=tmp_path / "run")
    assert set(answers["method"]) == {"deep", "cultural", "oneliner", "deep@k0", "deep@k5"}
    assert set(answers["country"]) == {"IND", "CAN"}
    assert len(answers) == 5 * 2 * 2 * len(wvs_study.PAPER_ITEMS)
    metrics = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert set(metrics["country"]) == {"IND", "CAN"} and "deep@k5" in set(metrics["method"])
    assert (tmp_path / "run" / "personas.jsonl").exists()


def test_big_five_scores_reach_compare_against_a_trait_reference(tmp_path, embeddings):
    ipip = load_instrument("ipip50")
    rng = np.random.default_rng(0)  # a synthetic reference in the loader's own format (trait:EXT rows)
    people = pd.DataFrame({it.code: rng.integers(1, 6, 300) for it in ipip.items}).assign(country="USA")
    ref = trait_marginals(people, ipip, "country")
    ref_path = tmp_path / "usa_traits.csv"
    ref.to_csv(ref_path, index=False)
    traits = big_five_study.main(seed=0, n=2, model=FakeChatModel(), embeddings=embeddings, reference=ref_path,
                                 out=tmp_path / "b5")
    assert set(traits["item"]) == {"trait:EXT", "trait:AGR", "trait:CSN", "trait:EST", "trait:OPN"}
    assert len(traits) == 2 * 2 * 5 and traits["answer"].between(1, 5).all()
    grid = set(ref["value"].round(6))
    assert set(traits["answer"]) <= grid  # on the reference's value grid, so compare matches them
    metrics = pd.read_csv(tmp_path / "b5" / "metrics.csv")
    assert set(metrics["item"]) == set(traits["item"]) and set(metrics["method"]) == {"deep", "cultural"}
    assert metrics["js_divergence"].notna().all()


def test_wvs_study_reports_subgroup_association_and_variance_fidelity_per_method_and_depth(tmp_path, embeddings):
    frames = wvs7_reference(write_official_file(tmp_path / "wvs.csv"), countries=["IND"],
                            by=["sex", "age_band", "education", "urban", "religion"])
    ref_path = tmp_path / "ref.csv"
    frames["marginals"].to_csv(ref_path, index=False)
    frames["subgroups"].to_csv(reference_sibling(ref_path, "subgroups"), index=False)
    frames["associations"].to_csv(reference_sibling(ref_path, "associations"), index=False)
    wvs_study.main(seed=2, n=10, countries=("IND",), attributes=8, items=("Q46", "Q57", "Q152"),
                   methods=("deep", "cultural"), depths=(0, 4), model=FakeChatModel(), embeddings=embeddings,
                   reference=ref_path, weight_to="census", out=tmp_path / "run")
    run = tmp_path / "run"
    methods = {"deep", "cultural", "deep@k0", "deep@k4"}
    summary = pd.read_csv(run / "fidelity_by_method.csv")
    assert set(summary["method"]) == methods
    subgroups = pd.read_csv(run / "subgroups.csv")
    assert set(subgroups["method"]) == methods and set(subgroups["group"]) >= {"sex", "age_band"}
    associations = pd.read_csv(run / "associations.csv")  # Q46 x Q57: the only ordered pair
    assert set(associations["method"]) == methods
    assert set(zip(associations["item_a"], associations["item_b"], strict=True)) == {("Q46", "Q57")}
    assert (pd.read_csv(run / "weighting.csv")["target"] == "census").all()
    metrics = pd.read_csv(run / "metrics.csv")
    for method, rows in metrics.groupby("method"):  # the summary is the mean of the per-item figures
        row = summary.set_index("method").loc[method]
        assert np.isclose(row["sd_ratio"], rows["sd_ratio"].mean(), equal_nan=True)
        assert np.isclose(row["js_divergence"], rows["js_divergence"].mean())
        gaps = subgroups[(subgroups["method"] == method) & (subgroups["gap_kind"] == "mean_diff")]["gap_diff"]
        assert np.isclose(row["subgroup_gap_error"], gaps.abs().mean(), equal_nan=True)
    report = (run / "report.md").read_text()
    assert "![fidelity: fidelity_by_method.png](fidelity_by_method.png)" in report
    for section in ("## Fidelity by method", "## Subgroups", "## Associations", "## Census weighting"):
        assert section in report
