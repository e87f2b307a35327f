"""The studies in simulations/ run end to end (tiny N, fake chat model, real embeddings)."""

from __future__ import annotations

import pandas as pd

from simulations import big_five_study, wvs_study
from tests.fakes import FakeChatModel


def test_wvs_study_with_reference(tmp_path, embeddings, shared_data):
    ref = pd.read_csv(shared_data / "wvs7_six_items_marginals.csv")
    ref = ref[ref["country"] == "IND"].rename(columns={"weighted_share": "share"})
    ref_path = tmp_path / "ind.csv"
    ref[["country", "item", "value", "share", "n_valid"]].to_csv(ref_path, index=False)
    answers = wvs_study.main(seed=1, n=2, model=FakeChatModel(), embeddings=embeddings, depths=(0, 5),
                             reference=ref_path, out=tmp_path / "run")
    assert set(answers["method"]) == {"deep", "cultural", "oneliner", "deep@k0", "deep@k5"}
    assert len(answers) == 5 * 2 * len(wvs_study.PAPER_ITEMS)
    assert (tmp_path / "run" / "metrics.csv").exists() and (tmp_path / "run" / "personas.jsonl").exists()


def test_big_five_study(tmp_path, embeddings):
    scores = big_five_study.main(seed=0, n=2, model=FakeChatModel(), embeddings=embeddings, out=tmp_path / "b5")
    assert len(scores) == 4 and {"Extraversion", "Intellect/Imagination"} <= set(scores.columns)
    assert scores["Extraversion"].between(1, 5).all()
