"""A small, valid synthetic country table for tests (New Zealand's code, invented numbers)."""

from __future__ import annotations

import json
from pathlib import Path

from deeppersona_agents.demographics.tables import (
    ACTIVITY_BANDS,
    AGE_BANDS,
    EDUCATION_BANDS,
    EDUCATION_LEVELS,
    MARITAL_BANDS,
)

ISO3 = "NZL"


def _norm(d: dict[str, float]) -> dict[str, float]:
    total = sum(d.values())
    return {k: v / total for k, v in d.items()}


def make_table() -> dict:
    male = [150 - 3 * i for i in range(len(AGE_BANDS))]
    female = [145 - 2 * i for i in range(len(AGE_BANDS))]
    activity = {}
    for sex in ("male", "female"):
        rows = {}
        for i, band in enumerate(ACTIVITY_BANDS):
            student = [0.7, 0.35, 0.05, 0.01, 0.01, 0.005, 0.001][i]
            retired = [0.0, 0.0, 0.0, 0.01, 0.03, 0.3, 0.8][i]
            employed = [0.2, 0.55, 0.8, 0.82, 0.8, 0.55, 0.12][i] * (0.85 if sex == "female" else 1)
            home = 0.08 if sex == "female" else 0.01
            rows[band] = _norm({"employed": employed, "unemployed": 0.05, "student": student, "retired": retired,
                                "homemaker": home, "other_inactive": 0.02})
        activity[sex] = rows
    occ = {"male": _norm({str(g): w for g, w in enumerate([1, 10, 12, 12, 6, 14, 8, 16, 11, 10])}),
           "female": _norm({str(g): w for g, w in enumerate([0.2, 8, 18, 14, 14, 20, 4, 3, 3, 12])})}
    education = {sex: {band: _norm(dict(zip(EDUCATION_LEVELS, [0.02, 0.08, 0.2, 0.4, 0.3 - 0.04 * i], strict=True)))
                       for i, band in enumerate(EDUCATION_BANDS)} for sex in ("male", "female")}
    marital = {sex: {band: _norm({"never_married": max(0.95 - 0.25 * i, 0.05), "married": 0.05 + 0.2 * i,
                                  "divorced_separated": 0.02 * i, "widowed": 0.001 + 0.1 * (i == 6)})
                     for i, band in enumerate(MARITAL_BANDS)} for sex in ("male", "female")}
    src = {"source": "synthetic test data", "precision": "estimated"}
    return {
        "iso3": ISO3, "name": "New Zealand", "year": 2023,
        "age_sex": {**src, "unit": "thousands", "bands": AGE_BANDS, "male": male, "female": female},
        "activity": {**src, **activity},
        "occupation": {**src, **occ},
        "education": {**src, **education},
        "marital_status": {**src, **marital},
        "urban": {**src, "share": 0.8},
        "religion": {**src, "shares": _norm({"christian": 37, "muslim": 1.5, "unaffiliated": 50, "hindu": 3,
                                             "buddhist": 1.5, "folk_religion": 0.5, "jewish": 0.2, "other": 6.3})},
    }


def write_table(folder: Path, table: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ISO3}.json"
    path.write_text(json.dumps(table or make_table()), encoding="utf-8")
    return path
