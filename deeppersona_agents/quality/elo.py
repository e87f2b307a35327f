"""Elo ratings and win rates from blind A/B judgements (human or model).

Inputs: the judgements JSONL (``{"pair_id": ..., "winner": "A" | "B" | "tie"}``, optionally with a
``"dimension"``; or ``{"pair_id": ..., "winners": {"<dimension>": "A", ...}}`` for several at once)
and the hidden key written by :func:`~deeppersona_agents.quality.qa.export_pairs`.

Ratings: every source starts at 1000; each battle, in the order the judgements are given, moves
both ratings by ``K * (score - expected)`` with K = 16 and the usual logistic expectation
``1 / (1 + 10 ** ((r_other - r_self) / 400))`` (win = 1, tie = 0.5, loss = 0). The result is
deterministic for a fixed list of judgements. Because Elo depends on order, ``permutations=n``
instead averages the final ratings over n orders shuffled with ``seed`` (still deterministic).
Win rate = wins / battles, ties counting as battles but not as wins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deeppersona_agents._read import read_user_text
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

INITIAL_RATING = 1000.0
K_FACTOR = 16.0
OVERALL = "overall"
_OUTCOME = {"a": 1.0, "b": 0.0, "tie": 0.5}


@dataclass(frozen=True)
class Match:
    """One battle: ``score`` is 1 when ``a`` won, 0 when ``b`` won, 0.5 for a tie."""

    a: str
    b: str
    score: float
    dimension: str = OVERALL


def read_jsonl(path: str | Path, what: str) -> list[dict[str, Any]]:
    """JSON objects, one per non-empty line; errors name the file and line."""
    path = Path(path)
    lines = read_user_text(path, what, allow_empty=True).splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}, line {number}: invalid JSON ({exc.msg}); fix or delete that line") from None
        if not isinstance(record, dict) or "pair_id" not in record:
            raise ConfigError(f"{path}, line {number}: a {what} line needs a \"pair_id\"")
        records.append(record)
    return records


def _outcome(value: Any, where: str) -> float:
    score = _OUTCOME.get(str(value).strip().lower())
    if score is None:
        raise ConfigError(f"{where}: winner {value!r} is not A, B or tie")
    return score


def matches_from_judgements(judgements: Sequence[dict[str, Any]], key: Sequence[dict[str, Any]]) -> list[Match]:
    """Un-blind judgements with the key: one :class:`Match` per (pair, dimension), in judgement order."""
    broken = next((n for n, k in enumerate(key, 1) if not {"a_source", "b_source"} <= set(k)), None)
    if broken is not None:
        raise ConfigError(f"key line {broken} lacks \"a_source\" and \"b_source\"; use the pairs_key.jsonl written "
                          "by `deeppersona evaluate qa --pairs`")
    sides = {str(k["pair_id"]): (str(k["a_source"]), str(k["b_source"])) for k in key}
    matches = []
    for number, judgement in enumerate(judgements, 1):
        pair_id = str(judgement["pair_id"])
        if pair_id not in sides:
            raise ConfigError(f"judgement {number}: pair {pair_id!r} is not in the key file; use the key written "
                              "with these pairs")
        a, b = sides[pair_id]
        winners = dict(judgement.get("winners") or {})
        if "winner" in judgement:
            winners[str(judgement.get("dimension") or OVERALL)] = judgement["winner"]
        if not winners:
            raise ConfigError(f"judgement {number} (pair {pair_id}) has neither \"winner\" nor \"winners\"")
        for dimension, winner in winners.items():
            matches.append(Match(a, b, _outcome(winner, f"judgement {number}"), dimension))
    return matches


def elo_ratings(
    matches: Sequence[Match], *, k: float = K_FACTOR, initial: float = INITIAL_RATING,
    permutations: int = 0, seed: int = 0,
) -> dict[str, float]:
    """Final Elo rating per source (matches in order; or averaged over seeded shuffles)."""
    players = list(dict.fromkeys([m.a for m in matches] + [m.b for m in matches]))

    def play(order: Sequence[Match]) -> dict[str, float]:
        ratings = dict.fromkeys(players, initial)
        for m in order:
            expected = 1.0 / (1.0 + 10 ** ((ratings[m.b] - ratings[m.a]) / 400.0))
            delta = k * (m.score - expected)
            ratings[m.a] += delta
            ratings[m.b] -= delta
        return ratings

    if permutations <= 0:
        return play(matches)
    rng = derive(seed)
    total = dict.fromkeys(players, 0.0)
    for _ in range(permutations):
        for name, rating in play([matches[i] for i in rng.permutation(len(matches))]).items():
            total[name] += rating
    return {name: value / permutations for name, value in total.items()}


def elo_table(
    matches: Sequence[Match], *, k: float = K_FACTOR, permutations: int = 0, seed: int = 0
) -> list[dict[str, Any]]:
    """Per dimension and source: wins, losses, ties, battles, win rate and Elo (best first)."""
    table = []
    for dimension in dict.fromkeys(m.dimension for m in matches):
        subset = [m for m in matches if m.dimension == dimension]
        ratings = elo_ratings(subset, k=k, permutations=permutations, seed=seed)
        rows: list[dict[str, Any]] = []
        for source, rating in ratings.items():
            wins = sum((m.a == source and m.score == 1) or (m.b == source and m.score == 0) for m in subset)
            ties = sum(m.score == 0.5 and source in (m.a, m.b) for m in subset)
            battles = sum(source in (m.a, m.b) for m in subset)
            rows.append({"dimension": dimension, "source": source, "wins": wins, "losses": battles - wins - ties,
                         "ties": ties, "battles": battles, "win_rate": wins / battles if battles else 0.0,
                         "elo": rating})
        table.extend(sorted(rows, key=lambda r: (-float(r["elo"]), str(r["source"]))))
    return table


def elo_from_files(
    judgements_path: str | Path, key_path: str | Path, *, k: float = K_FACTOR, permutations: int = 0, seed: int = 0
) -> list[dict[str, Any]]:
    """:func:`elo_table` from a judgements JSONL and the key JSONL of the exported pairs."""
    judgements = read_jsonl(judgements_path, "judgements")
    key = read_jsonl(key_path, "key")
    if not judgements:
        raise ConfigError(f"{judgements_path} holds no judgements")
    return elo_table(matches_from_judgements(judgements, key), k=k, permutations=permutations, seed=seed)
