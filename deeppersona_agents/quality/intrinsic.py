"""Intrinsic persona quality: judge-free metrics per persona and population, plus an optional LLM judge.

Judge-free, per persona:

* ``attribute_count`` — number of attribute-value pairs (0 for text-only personas);
* ``filler_rate`` — share of values that only deny or are empty (see :data:`FILLER_PATTERN`);
* ``redundancy`` — share of pairs whose ``"path: value"`` embedding has cosine >= 0.9 with another
  pair of the same persona (near-duplicates say the same thing twice);
* ``coverage_entropy`` — Shannon entropy of the first path segment (top-level category), divided by
  ``log K`` where K is the number of categories seen across all personas evaluated together
  (1 = spread evenly over every category, 0 = a single category);
* ``mean_distance`` / ``nn_distance`` — mean and nearest-neighbour cosine distance from the persona's
  text embedding (of :meth:`EvalPersona.render`; models with a short window, like MiniLM's 256
  tokens, see only its start) to the other personas of the same source. The source's *uniqueness* is
  the mean of ``mean_distance`` (= the mean pairwise distance).

Rates are NaN when a persona has no attributes (nothing to measure), never 0.

Judge (optional, any chat model): extracted attribute count, uniqueness 1-5, actionability 1-5. A
failed judge call leaves the three scores None and fills ``judge_error``; it is never scored.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from deeppersona_agents.bootstrap import percentile_ci
from deeppersona_agents.errors import ConfigError, StructuredOutputError
from deeppersona_agents.quality.sources import PATH_SEPARATOR, EvalPersona
from deeppersona_agents.seeding import derive
from deeppersona_agents.structured import ask_structured

REDUNDANCY_THRESHOLD = 0.9
#: Values that carry no information: empty, a bare denial ("None", "N/A", "Never", "no"), or a
#: statement that only denies ("No known allergies", "Does not drink", "Has never travelled").
FILLER_PATTERN = re.compile(
    r"^(?:"
    r"|-+|none(?: at all)?|n/?a|nil|null|nothing|never|no|not applicable|not specified|not available"
    r"|unknown|not known"
    r"|(?:no|none|does not|doesn't|do not|don't|did not|didn't|has no|have no|has never|is not|isn't)\b.*"
    r")$",
    re.IGNORECASE,
)
METRIC_COLUMNS = ("attribute_count", "filler_rate", "redundancy", "coverage_entropy", "mean_distance",
                  "nn_distance", "judge_attribute_count", "judge_uniqueness", "judge_actionability")


def is_filler(value: str) -> bool:
    """True when ``value`` only denies or is empty (trailing punctuation and spaces ignored)."""
    return bool(FILLER_PATTERN.match(value.strip().rstrip(".!;,").strip()))


def filler_rate(persona: EvalPersona) -> float:
    """Share of the persona's values that are filler; NaN without attributes."""
    if not persona.attributes:
        return math.nan
    return sum(is_filler(v) for _, v in persona.attributes) / len(persona.attributes)


def embed_matrix(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    """L2-normalised embeddings of ``texts`` as a float array (rows = texts)."""
    if not texts:
        return np.zeros((0, 1))
    array = getattr(embeddings, "embed_array", None)
    vectors = np.asarray(array(list(texts)) if callable(array) else embeddings.embed_documents(list(texts)), float)
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)


def redundancy_from_vectors(vectors: np.ndarray, threshold: float = REDUNDANCY_THRESHOLD) -> float:
    """Share of rows whose cosine with some other row is >= ``threshold``; NaN for no rows."""
    n = len(vectors)
    if n == 0:
        return math.nan
    if n == 1:
        return 0.0
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return float((sims.max(axis=1) >= threshold - 1e-9).mean())


def redundancy(persona: EvalPersona, embeddings: Embeddings, threshold: float = REDUNDANCY_THRESHOLD) -> float:
    """Share of attribute-value pairs nearly duplicated by another pair of the same persona."""
    return redundancy_from_vectors(embed_matrix(embeddings, [f"{p}: {v}" for p, v in persona.attributes]), threshold)


def category(path: str) -> str:
    """Top-level category of an attribute path."""
    return path.split(PATH_SEPARATOR, 1)[0].strip()


def coverage_entropy(persona: EvalPersona, n_categories: int | None = None) -> float:
    """Category entropy normalised by ``log(n_categories)`` (default: the persona's own categories)."""
    if not persona.attributes:
        return math.nan
    counts = np.array(list(Counter(category(p) for p, _ in persona.attributes).values()), float)
    k = n_categories or len(counts)
    if k < len(counts):
        raise ConfigError(f"n_categories={k} is below the {len(counts)} categories this persona uses")
    if k <= 1:
        return 0.0
    shares = counts / counts.sum()
    return float(-(shares * np.log(shares)).sum() / math.log(k)) + 0.0  # + 0.0 turns -0.0 into 0.0


def population_distances(
    vectors: np.ndarray, *, exact_limit: int = 5000, seed: int = 0, block: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: mean and nearest-neighbour cosine distance to the other rows.

    Above ``exact_limit`` rows each row is compared with a seeded random sample of ``exact_limit``
    rows (itself excluded), which keeps memory and time linear in the population.
    """
    n = len(vectors)
    if n < 2:
        return np.full(n, np.nan), np.full(n, np.nan)
    reference = np.arange(n)
    if n > exact_limit:
        reference = np.sort(derive(seed).choice(n, exact_limit, replace=False))
    means, nearest = np.empty(n), np.empty(n)
    ref_vectors = vectors[reference]
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        dist = 1.0 - vectors[rows] @ ref_vectors.T
        self_mask = rows[:, None] == reference[None, :]
        others = (~self_mask).sum(axis=1)
        means[rows] = np.where(self_mask, 0.0, dist).sum(axis=1) / others
        nearest[rows] = np.where(self_mask, np.inf, dist).min(axis=1)
    return np.clip(means, 0.0, 2.0), np.clip(nearest, 0.0, 2.0)


class PersonaJudgement(BaseModel):
    """The judge's reading of one persona (rationale first, so it reasons before scoring)."""

    rationale: str = Field(description="two to four sentences on how specific, distinctive and usable the profile is")
    attributes: list[str] = Field(
        description="every explicit fact the profile states about the person, one short 'aspect: fact' item each"
    )
    uniqueness: int = Field(ge=1, le=5, description="1 = a stock, generic person; 5 = unmistakably this individual")
    actionability: int = Field(
        ge=1, le=5, description="1 = too thin to tailor advice; 5 = detail enough for concrete, personal advice"
    )


JUDGE_SYSTEM = (
    "You review synthetic user profiles for a personalisation benchmark. Read the profile and report, in this order: "
    "a short rationale; the list of explicit facts it states about the person (only what is written, merged when "
    "repeated, no guesses); how distinctive the person is compared with an ordinary member of their group "
    "(1 = interchangeable with thousands of others, 3 = some telling details, 5 = a clearly individual life); and "
    "how well the profile would let an assistant give concrete, tailored recommendations (1 = almost nothing to "
    "go on, 3 = enough for partly personal advice, 5 = rich, precise material for advice that fits only this "
    "person). Be strict: high scores are rare."
)


def judge_persona(
    persona: EvalPersona,
    judge: BaseChatModel,
    *,
    structured_method: str = "json_schema",
    max_attributes: int | None = None,
) -> dict[str, Any]:
    """Judge columns for one persona; a failed call gives None scores and the error text."""
    messages = [SystemMessage(JUDGE_SYSTEM), HumanMessage(f"PROFILE\n{persona.render(max_attributes)}")]
    try:
        verdict = ask_structured(judge, PersonaJudgement, messages, stage="intrinsic-judge",
                                 structured_method=structured_method)
    except StructuredOutputError as exc:
        return {"judge_attribute_count": None, "judge_uniqueness": None, "judge_actionability": None,
                "judge_error": str(exc)}
    facts = {" ".join(a.lower().split()) for a in verdict.attributes if a.strip()}
    return {"judge_attribute_count": len(facts), "judge_uniqueness": verdict.uniqueness,
            "judge_actionability": verdict.actionability, "judge_error": ""}


def evaluate_intrinsic(
    personas: Sequence[EvalPersona],
    embeddings: Embeddings,
    judge: BaseChatModel | None = None,
    seed: int = 0,
    *,
    concurrency: int = 4,
    structured_method: str = "json_schema",
    exact_limit: int = 5000,
) -> list[dict[str, Any]]:
    """One row per persona with every intrinsic metric (judge columns only when ``judge`` is given).

    ``seed`` seeds the comparison sample for sources larger than ``exact_limit`` personas.
    """
    if not personas:
        raise ConfigError("no personas to evaluate; load a source with load_source first")
    n_categories = len({category(p) for persona in personas for p, _ in persona.attributes}) or None
    rows: list[dict[str, Any]] = []
    for persona in personas:
        rows.append({
            "persona_id": persona.id,
            "source": persona.source,
            "attribute_count": len(persona.attributes),
            "filler_rate": filler_rate(persona),
            "redundancy": redundancy(persona, embeddings),
            "coverage_entropy": coverage_entropy(persona, n_categories),
        })
    by_source: dict[str, list[int]] = {}
    for i, persona in enumerate(personas):
        by_source.setdefault(persona.source, []).append(i)
    for indices in by_source.values():
        vectors = embed_matrix(embeddings, [personas[i].render() for i in indices])
        means, nearest = population_distances(vectors, exact_limit=exact_limit, seed=seed)
        for i, mean, near in zip(indices, means, nearest, strict=True):
            rows[i]["mean_distance"], rows[i]["nn_distance"] = float(mean), float(near)
    if judge is not None:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            verdicts = list(pool.map(lambda p: judge_persona(p, judge, structured_method=structured_method), personas))
        for row, verdict in zip(rows, verdicts, strict=True):
            row.update(verdict)
    return rows


def mean_ci(
    values: Sequence[float | None], *, n_boot: int = 1000, level: float = 0.95, rng: np.random.Generator | None = None
) -> tuple[float, float, float]:
    """Mean of the finite ``values`` (``None`` skipped) with a percentile-bootstrap CI; NaNs when none are finite."""
    data = np.asarray([v for v in values if v is not None], float)
    data = data[np.isfinite(data)]
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if n_boot <= 0 or len(data) == 1:
        return mean, mean, mean
    low, high = percentile_ci(len(data), lambda draw: float(data[draw].mean()), n_boot=n_boot, level=level, rng=rng)
    return mean, low, high


def summarize_intrinsic(
    rows: Sequence[dict[str, Any]], *, seed: int = 0, n_boot: int = 1000, level: float = 0.95
) -> list[dict[str, Any]]:
    """Per source: persona count, judge failures, and mean + bootstrap CI of every metric present.

    ``uniqueness`` is the source's mean pairwise distance (mean of ``mean_distance``).
    """
    rng = derive(seed)
    sources = list(dict.fromkeys(r["source"] for r in rows))
    summary = []
    for source in sources:
        group = [r for r in rows if r["source"] == source]
        out: dict[str, Any] = {"source": source, "personas": len(group)}
        if any("judge_error" in r for r in group):
            out["judge_failed"] = sum(bool(r.get("judge_error")) for r in group)
        for column in METRIC_COLUMNS:
            if not any(column in r for r in group):
                continue
            name = "uniqueness" if column == "mean_distance" else column
            mean, low, high = mean_ci([r.get(column) for r in group], n_boot=n_boot, level=level, rng=rng)
            out[name], out[f"{name}_ci_low"], out[f"{name}_ci_high"] = mean, low, high
        summary.append(out)
    return summary
