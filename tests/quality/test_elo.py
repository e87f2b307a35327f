from __future__ import annotations

import json

import pytest

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.quality.elo import Match, elo_from_files, elo_ratings, elo_table, matches_from_judgements

KEY = [
    {"pair_id": "p1", "a_source": "deep", "b_source": "flat"},
    {"pair_id": "p2", "a_source": "hub", "b_source": "deep"},
    {"pair_id": "p3", "a_source": "hub", "b_source": "flat"},
]
JUDGEMENTS = [
    {"pair_id": "p1", "winner": "A"},
    {"pair_id": "p2", "winner": "b"},
    {"pair_id": "p3", "winner": "tie"},
]


def test_two_games_by_hand():
    ratings = elo_ratings([Match("x", "y", 1.0), Match("x", "y", 0.0)])
    # game 1: both expected 0.5 -> +-8; game 2: E(x) = 1 / (1 + 10 ** (-16 / 400)) = 0.5230096 -> x loses 8.36815
    assert ratings["x"] == pytest.approx(999.63185, abs=1e-4)
    assert ratings["y"] == pytest.approx(1000.36815, abs=1e-4)
    assert sum(ratings.values()) == pytest.approx(2000.0)


def test_three_sources_from_blind_judgements():
    table = elo_table(matches_from_judgements(JUDGEMENTS, KEY))
    assert [r["source"] for r in table] == ["deep", "hub", "flat"]
    deep, hub, flat = table
    assert deep["elo"] == pytest.approx(1015.81582, abs=1e-4)  # 1000 + 8 + 16 * (1 - 0.511511)
    assert hub["elo"] == pytest.approx(992.17994, abs=1e-4)
    assert flat["elo"] == pytest.approx(992.00424, abs=1e-4)
    assert (deep["wins"], deep["losses"], deep["ties"], deep["battles"], deep["win_rate"]) == (2, 0, 0, 2, 1.0)
    assert (hub["wins"], hub["losses"], hub["ties"], hub["win_rate"]) == (0, 1, 1, 0.0)
    assert all(r["dimension"] == "overall" for r in table)


def test_per_dimension_winners_and_permutation_average_is_deterministic():
    judgements = [{"pair_id": "p1", "winners": {"personalization_fit": "A", "diversity": "B"}},
                  {"pair_id": "p2", "winners": {"personalization_fit": "B", "diversity": "B"}}]
    matches = matches_from_judgements(judgements, KEY)
    table = elo_table(matches)
    best = {r["dimension"]: r["source"] for r in table if r["elo"] == max(
        x["elo"] for x in table if x["dimension"] == r["dimension"])}
    assert best == {"personalization_fit": "deep", "diversity": "flat"}
    first = elo_ratings(matches, permutations=20, seed=3)
    assert first == elo_ratings(matches, permutations=20, seed=3)
    assert sum(first.values()) == pytest.approx(3000.0)


def test_files_and_errors(tmp_path):
    judgements, key = tmp_path / "j.jsonl", tmp_path / "k.jsonl"
    judgements.write_text("".join(json.dumps(j) + "\n" for j in JUDGEMENTS))
    key.write_text("".join(json.dumps(k) + "\n" for k in KEY))
    assert elo_from_files(judgements, key)[0]["source"] == "deep"
    with pytest.raises(ConfigError, match="not in the key"):
        matches_from_judgements([{"pair_id": "zzz", "winner": "A"}], KEY)
    with pytest.raises(ConfigError, match="not A, B or tie"):
        matches_from_judgements([{"pair_id": "p1", "winner": "left"}], KEY)
    judgements.write_text('{"pair_id": "p1", "winner": "A"}\n{oops\n')
    with pytest.raises(ConfigError, match="line 2: invalid JSON"):
        elo_from_files(judgements, key)
