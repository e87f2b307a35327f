"""Respondent subgroups (sex, age band, education, settlement, religion) on both sides of a comparison.

Sits beside the marginals in the data flow: the official file's demographic variables and the persona's
anchored core are mapped to the same levels, so real and simulated answers can be cut the same way.

Official WVS-7 variables (codes from the WVS-7 codebook):

* ``sex``: Q260 (1 male, 2 female);
* ``age_band``: Q262 (age in years) cut at 30 and 50: ``18-29``, ``30-49``, ``50+`` (younger respondents
  are left out of the age cut);
* ``education``: Q275 (ISCED 2011) grouped into the persona's levels: 0 (early childhood / none) ->
  ``less_than_primary``; 1 -> ``primary``; 2 -> ``lower_secondary``; 3 (upper secondary) and 4
  (post-secondary non-tertiary) -> ``upper_secondary``; 5-8 (short-cycle tertiary to doctoral) -> ``tertiary``;
* ``urban``: H_URBRURAL (1 urban, 2 rural);
* ``religion``: Q289 (0 none -> ``unaffiliated``; 1 Roman Catholic, 2 Protestant, 3 Orthodox, 8 other
  Christian -> ``christian``; 4 -> ``jewish``; 5 -> ``muslim``; 6 -> ``hindu``; 7 -> ``buddhist``;
  9 -> ``other``). WVS has no folk-religion code, so a persona's ``folk_religion`` counts as ``other``.

Negative (missing) codes leave the respondent out of that cut only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents.demographics.tables import EDUCATION_LEVELS
from deeppersona_agents.errors import ConfigError

GROUPS = ("sex", "age_band", "education", "urban", "religion")
AGE_CUTS = (30, 50)
MIN_AGE = 18
RELIGION_LEVELS = ("christian", "muslim", "unaffiliated", "hindu", "buddhist", "jewish", "other")
WVS_VARIABLES = {"sex": "Q260", "age_band": "Q262", "education": "Q275", "urban": "H_URBRURAL", "religion": "Q289"}
_WVS_CODES: dict[str, dict[int, str]] = {
    "sex": {1: "male", 2: "female"},
    "education": {0: "less_than_primary", 1: "primary", 2: "lower_secondary", 3: "upper_secondary",
                  4: "upper_secondary", 5: "tertiary", 6: "tertiary", 7: "tertiary", 8: "tertiary"},
    "urban": {1: "urban", 2: "rural"},
    "religion": {0: "unaffiliated", 1: "christian", 2: "christian", 3: "christian", 4: "jewish", 5: "muslim",
                 6: "hindu", 7: "buddhist", 8: "christian", 9: "other"},
}


def age_labels(cuts: Sequence[int] = AGE_CUTS) -> list[str]:
    """Band labels for ``cuts``: (30, 50) -> ``18-29``, ``30-49``, ``50+``."""
    edges = [MIN_AGE, *cuts]
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ConfigError(f"age cuts {list(cuts)} must rise above {MIN_AGE}; e.g. 30,50")
    return [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:], strict=False)] + [f"{edges[-1]}+"]


def age_band(ages: Iterable[Any], cuts: Sequence[int] = AGE_CUTS) -> pd.Series:
    """The band of each age (missing below 18 or when not a number)."""
    labels = age_labels(cuts)
    values = pd.to_numeric(pd.Series(list(ages)), errors="coerce")
    index = np.searchsorted(np.asarray(cuts), values.to_numpy(float), side="right")
    out = pd.Series([labels[i] for i in np.minimum(index, len(labels) - 1)], dtype=object)
    out[~(values >= MIN_AGE)] = None
    return out


def levels(group: str, cuts: Sequence[int] = AGE_CUTS) -> list[str]:
    """The levels of a group variable, in report order (the first is the base of the gaps)."""
    table = {"sex": ["male", "female"], "age_band": age_labels(cuts), "education": list(EDUCATION_LEVELS),
             "urban": ["urban", "rural"], "religion": list(RELIGION_LEVELS)}
    if group not in table:
        raise ConfigError(f"unknown subgroup {group!r}; choose from {', '.join(GROUPS)}")
    return table[group]


def parse_by(by: str | Sequence[str] | None) -> list[str]:
    """Group names from ``"sex,age_band"`` or a list (checked)."""
    names = [b.strip() for b in (by.split(",") if isinstance(by, str) else by or []) if b.strip()]
    for name in names:
        levels(name)
    return names


def wvs7_groups(frame: pd.DataFrame, by: Sequence[str], cuts: Sequence[int] = AGE_CUTS) -> pd.DataFrame:
    """Subgroup levels per respondent of an official WVS-7 frame (one column per group, None = missing)."""
    out = pd.DataFrame(index=frame.index)
    for group in by:
        column = WVS_VARIABLES[group]
        if column not in frame.columns:
            raise ConfigError(f"the file has no {column} column, needed for by={group!r}; use the official file",
                              param="by")
        codes = pd.to_numeric(frame[column], errors="coerce")
        if group == "age_band":
            out[group] = age_band(codes, cuts).to_numpy()
        else:
            out[group] = codes.map(_WVS_CODES[group]).astype(object).where(codes.isin(list(_WVS_CODES[group])), None)
    return out


def ipip_groups(frame: pd.DataFrame, by: Sequence[str], cuts: Sequence[int] = AGE_CUTS) -> pd.DataFrame:
    """Subgroups of an OpenPsychometrics file from its ``gender`` (1 male, 2 female) and ``age`` columns."""
    out = pd.DataFrame(index=frame.index)
    for group in by:
        if group == "sex" and "gender" in frame.columns:
            out[group] = pd.to_numeric(frame["gender"], errors="coerce").map({1: "male", 2: "female"}).astype(object)
        elif group == "age_band" and "age" in frame.columns:
            out[group] = age_band(frame["age"], cuts).to_numpy()
        else:
            raise ConfigError(f"the IPIP file has no column for by={group!r} (it has gender and age at most)",
                              param="by")
    return out.where(out.notna(), None)


def persona_groups(records: Iterable[dict[str, Any]], cuts: Sequence[int] = AGE_CUTS) -> pd.DataFrame:
    """Subgroup levels per persona (index: persona id) from persona records (``core`` and its demographics)."""
    rows = []
    for record in records:
        core = record.get("core") or {}
        demo = core.get("demographics") or {}
        urban = demo.get("urban")
        religion = demo.get("religion")
        rows.append({
            "persona_id": str(record.get("id")),
            "sex": str(core.get("gender", "")).lower() if str(core.get("gender", "")).lower() in ("male", "female")
            else None,
            "age": core.get("age"),
            "education": demo.get("education") if demo.get("education") in EDUCATION_LEVELS else None,
            "urban": None if urban is None else ("urban" if urban else "rural"),
            "religion": "other" if religion == "folk_religion" else (religion if religion in RELIGION_LEVELS
                                                                       else None),
        })
    if not rows:
        raise ConfigError("the personas file holds no personas; pass the personas the survey was run on")
    frame = pd.DataFrame(rows).drop_duplicates("persona_id", keep="last").set_index("persona_id")
    frame.insert(1, "age_band", age_band(frame.pop("age"), cuts).to_numpy())
    return frame


def read_personas(path: str | Path, cuts: Sequence[int] = AGE_CUTS) -> pd.DataFrame:
    """:func:`persona_groups` of a personas JSONL file (``deeppersona population`` output)."""
    try:
        with Path(path).open(encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read personas {path}: {exc}; pass the personas.jsonl the survey used") from None
    return persona_groups(records, cuts)


def grouped_shares(values: np.ndarray, weights: np.ndarray, keys: np.ndarray, n_keys: int,
                   support: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted code counts and valid respondent counts per key (``keys`` < 0: left out).

    Returns:
        (n_keys x n_codes) weighted counts and the number of valid respondents per key.
    """
    codes = np.asarray(support, float)
    on = np.isin(values, codes) & (keys >= 0) & np.isfinite(weights)
    idx = keys[on] * len(codes) + np.searchsorted(codes, values[on])
    counts = np.bincount(idx, weights=weights[on], minlength=n_keys * len(codes)).reshape(n_keys, len(codes))
    n_valid = np.bincount(keys[on], minlength=n_keys)
    return counts, n_valid


SUBGROUP_COLUMNS = ["country", "item", "group", "group_value", "value", "share", "n_valid"]


def subgroup_marginals(frame: pd.DataFrame, supports: dict[str, list[int]], groups: pd.DataFrame, country_col: str,
                       weight_col: str | None, cuts: Sequence[int] = AGE_CUTS) -> pd.DataFrame:
    """Weighted shares per country x item x subgroup level (rows in :data:`SUBGROUP_COLUMNS`)."""
    weights = frame[weight_col].astype(float).to_numpy() if weight_col else np.ones(len(frame))
    country_codes, countries = pd.factorize(frame[country_col].astype(str), sort=True)
    parts = []
    for group in groups.columns:
        names = levels(group, cuts)
        level_index = pd.Categorical(groups[group], categories=names).codes.astype(int)
        keys = np.where(level_index >= 0, country_codes * len(names) + level_index, -1)
        for item, support in supports.items():
            values = pd.to_numeric(frame[item], errors="coerce").to_numpy(float)
            counts, n_valid = grouped_shares(values, weights, keys, len(countries) * len(names), support)
            totals = counts.sum(axis=1)
            present = np.flatnonzero(totals > 0)
            k = len(support)
            parts.append(pd.DataFrame({
                "country": np.repeat(np.asarray(countries, dtype=object)[present // len(names)], k),
                "item": item, "group": group,
                "group_value": np.repeat(np.asarray(names, dtype=object)[present % len(names)], k),
                "value": np.tile(support, len(present)),
                "share": (counts[present] / totals[present, None]).ravel(),
                "n_valid": np.repeat(n_valid[present], k)}))
    if not parts:
        return pd.DataFrame(columns=SUBGROUP_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SUBGROUP_COLUMNS]
