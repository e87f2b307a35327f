from __future__ import annotations

import math

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from deeppersona_agents.quality.intrinsic import (
    coverage_entropy,
    evaluate_intrinsic,
    filler_rate,
    is_filler,
    mean_ci,
    population_distances,
    redundancy,
    summarize_intrinsic,
)
from deeppersona_agents.quality.sources import EvalPersona
from tests.fakes import FakeChatModel


class ValueEmbeddings(Embeddings):
    """One orthogonal axis per distinct value (the text after the last ': '): equal values -> cosine 1."""

    def __init__(self) -> None:
        self.axes: dict[str, int] = {}

    def _vector(self, text: str) -> list[float]:
        value = text.rsplit(": ", 1)[-1]
        index = self.axes.setdefault(value, len(self.axes))
        vector = [0.0] * 64
        vector[index % 64] = 1.0
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def persona(pid: str, pairs: list[tuple[str, str]], text: str = "", source: str = "s") -> EvalPersona:
    return EvalPersona(pid, source, pairs, text)


def test_filler_rate_two_of_four():
    values = ["No", "Loves jazz", "Does not drive.", "Never smoked"]
    p = persona("a", [(f"Cat{i} > x", v) for i, v in enumerate(values)])
    assert filler_rate(p) == 0.5


@pytest.mark.parametrize("value", ["None", "N/A", "not applicable", "Never", "", "No known allergies", "-"])
def test_filler_values(value):
    assert is_filler(value)


@pytest.mark.parametrize("value", ["Nurse", "Nobody cooks like her mother", "Never misses a match", "Northern"])
def test_informative_values(value):
    assert not is_filler(value)


def test_redundancy_counts_pairs_with_a_near_duplicate():
    p = persona("a", [("A > x", "cycling"), ("B > y", "cycling"), ("C > z", "chess"), ("D > w", "opera")])
    assert redundancy(p, ValueEmbeddings()) == 0.5
    assert redundancy(persona("b", [("A > x", "solo")]), ValueEmbeddings()) == 0.0
    assert math.isnan(redundancy(persona("c", []), ValueEmbeddings()))


def test_coverage_entropy_normalised_by_category_count():
    even = persona("a", [("A > 1", "x"), ("B > 1", "x"), ("C > 1", "x"), ("D > 1", "x")])
    assert coverage_entropy(even) == pytest.approx(1.0)
    half = persona("b", [("A > 1", "x"), ("A > 2", "y"), ("B > 1", "z"), ("B > 2", "w")])
    assert coverage_entropy(half, n_categories=4) == pytest.approx(math.log(2) / math.log(4))
    assert coverage_entropy(persona("c", [("A > 1", "x")]), n_categories=4) == 0.0


def test_population_distances_known_geometry():
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    means, nearest = population_distances(vectors)
    assert nearest.tolist() == pytest.approx([0.0, 0.0, 1.0])
    assert means.tolist() == pytest.approx([0.5, 0.5, 1.0])


def test_population_distances_sampled_above_limit_is_seeded():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = population_distances(vectors, exact_limit=10, seed=5)
    again = population_distances(vectors, exact_limit=10, seed=5)
    exact = population_distances(vectors)
    assert np.array_equal(first[0], again[0])
    assert not np.allclose(first[0], exact[0])


def test_evaluate_intrinsic_rows_without_judge():
    personas = [
        persona("a", [("A > x", "No"), ("B > y", "jazz")], "alpha"),
        persona("b", [("A > x", "tea"), ("A > y", "tea")], "alpha"),
        persona("c", [], "gamma", source="hub"),
    ]
    rows = evaluate_intrinsic(personas, ValueEmbeddings())
    a, b, c = rows
    assert (a["persona_id"], a["source"], a["attribute_count"], a["filler_rate"]) == ("a", "s", 2, 0.5)
    assert b["redundancy"] == 1.0 and a["redundancy"] == 0.0
    assert a["coverage_entropy"] == pytest.approx(1.0) and b["coverage_entropy"] == 0.0
    assert c["attribute_count"] == 0 and math.isnan(c["filler_rate"]) and math.isnan(c["nn_distance"])
    assert a["nn_distance"] == pytest.approx(1.0)  # a and b render differently -> orthogonal
    assert "judge_error" not in a


def judge_answer(schema: dict, prompt: str) -> dict | None:
    if "uniqueness" not in schema.get("properties", {}):
        return None
    count = prompt.count("\n- ")
    return {"rationale": "Specific.", "attributes": [f"fact {i}" for i in range(count)] + ["fact 0"],
            "uniqueness": 4, "actionability": 2}


def test_judge_scores_and_failed_judge_is_not_zero():
    personas = [persona("a", [("A > x", "jazz"), ("B > y", "tea")], "alpha"), persona("b", [("A > x", "z")], "b")]
    good = evaluate_intrinsic(personas, ValueEmbeddings(), judge=FakeChatModel(responder=judge_answer))
    assert [r["judge_attribute_count"] for r in good] == [2, 1]  # duplicates merged
    assert good[0]["judge_uniqueness"] == 4 and good[0]["judge_actionability"] == 2 and good[0]["judge_error"] == ""
    broken = FakeChatModel(responder=judge_answer, tamper=lambda n, a: '{"rationale": "cut')
    rows = evaluate_intrinsic(personas, ValueEmbeddings(), judge=broken, concurrency=1)
    assert broken.calls == 6  # 3 attempts per persona
    assert all(r["judge_uniqueness"] is None and "after 3 attempts" in r["judge_error"] for r in rows)
    summary = summarize_intrinsic(rows)
    assert summary[0]["judge_failed"] == 2 and math.isnan(summary[0]["judge_uniqueness"])


def test_summary_is_reproducible_per_seed_and_reports_uniqueness():
    personas = [persona(str(i), [("A > x", str(j)) for j in range(i % 5 + 1)], f"t{i}") for i in range(12)]
    rows = evaluate_intrinsic(personas, ValueEmbeddings())
    first, again = summarize_intrinsic(rows, seed=1), summarize_intrinsic(rows, seed=1)
    other = summarize_intrinsic(rows, seed=2)
    assert first == again
    assert first[0]["uniqueness"] == pytest.approx(np.mean([r["mean_distance"] for r in rows]))
    assert first[0]["attribute_count_ci_low"] < first[0]["attribute_count"] < first[0]["attribute_count_ci_high"]
    assert other[0]["attribute_count"] == first[0]["attribute_count"]
    values = np.random.default_rng(0).normal(size=30)
    seeded = [mean_ci(values, rng=np.random.default_rng(s)) for s in (1, 1, 2)]
    assert seeded[0] == seeded[1] and seeded[0] != seeded[2]


def test_mean_ci_ignores_missing_values():
    mean, low, high = mean_ci([1.0, None, float("nan"), 3.0], n_boot=200)
    assert mean == 2.0 and 1.0 <= low <= high <= 3.0
    assert all(math.isnan(v) for v in mean_ci([None]))
