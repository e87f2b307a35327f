"""Simulated answers as persons: one answer distribution per respondent and item.

Sits between ``answers.csv`` (one row per answer, sample or log-probability code) and every metric in
:mod:`~deeppersona_agents.comparison`. A person is the unit of analysis: ``n_simulated`` counts persons,
the bootstrap resamples persons, and a person's rows for one item (``--samples k`` draws, several waves,
or log-probability rows weighted by ``weight``) become that person's share of each code, which sums to 1.
The population share of a code is the person-weight-weighted mean of those person shares (person weights
are 1 unless the respondents were raked, see :mod:`~deeppersona_agents.comparison.weighting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from deeppersona_agents.errors import ConfigError


@dataclass
class Panel:
    """One country x method slice of the answers: persons and, per item, each person's code shares.

    Attributes:
        persons: persona ids, in row order of every matrix.
        matrices: item -> (n_persons x n_codes) array; row i holds person i's shares of the item's
            codes (rows of persons without a valid answer are all zero).
        supports: item -> the codes (columns of its matrix), ascending.
        weights: one weight per person (1 unless raked).
    """

    persons: np.ndarray
    matrices: dict[str, np.ndarray] = field(default_factory=dict)
    supports: dict[str, np.ndarray] = field(default_factory=dict)
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.weights is None:
            self.weights = np.ones(len(self.persons))

    def valid(self, item: str) -> np.ndarray:
        """Boolean mask of persons with at least one valid answer to ``item``."""
        return self.matrices[item].sum(axis=1) > 0

    def shares(self, item: str, mask: np.ndarray | None = None) -> np.ndarray | None:
        """Person-weighted shares of the item's codes (among ``mask`` persons), or None without answers."""
        assert self.weights is not None
        w = self.weights * self.valid(item)
        if mask is not None:
            w = w * mask
        total = w.sum()
        return None if total <= 0 else (w @ self.matrices[item]) / total

    def with_weights(self, weights: np.ndarray) -> Panel:
        """The same panel with other person weights."""
        return Panel(self.persons, self.matrices, self.supports, np.asarray(weights, float))


def person_matrix(person_index: np.ndarray, n_persons: int, answers: np.ndarray, support: np.ndarray,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Each person's weighted share of each ``support`` code; answers off the support are ignored."""
    answers = np.asarray(answers, float)
    w = np.ones(len(answers)) if weights is None else np.asarray(weights, float)
    on = np.isin(answers, support) & np.isfinite(w) & (w > 0)
    codes = np.searchsorted(support, answers[on])
    out = np.zeros((n_persons, len(support)))
    np.add.at(out, (person_index[on], codes), w[on])
    totals = out.sum(axis=1, keepdims=True)
    np.divide(out, totals, out=out, where=totals > 0)
    return out


def build_panels(answers: pd.DataFrame, supports: dict[tuple[str, str], np.ndarray]) -> dict[tuple[str, str], Panel]:
    """Panels per (country, method) for the items with a support (``supports[(country, item)]``).

    Rows with a missing answer, a code off the item's scale or a non-positive ``weight`` are ignored;
    extra columns (``sample``, ``wave``, ``reason`` ...) are ignored too.
    """
    panels: dict[tuple[str, str], Panel] = {}
    weights_col = "weight" in answers.columns
    for (country, method), block in answers.groupby(["country", "method"], sort=True):
        block = block.reset_index(drop=True)
        persons, person_index = _factorize(block["persona_id"])
        panel = Panel(persons)
        for item, rows in block.groupby("item", sort=True):
            support = supports.get((str(country), str(item)))
            if support is None:
                continue
            values = pd.to_numeric(rows["answer"], errors="coerce").to_numpy(float)
            w = pd.to_numeric(rows["weight"], errors="coerce").fillna(0).to_numpy(float) if weights_col else None
            matrix = person_matrix(person_index[rows.index.to_numpy()], len(persons), values, support, w)
            if matrix.any():
                panel.matrices[str(item)] = matrix
                panel.supports[str(item)] = support
        if panel.matrices:
            panels[(str(country), str(method))] = panel
    return panels


def _factorize(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(ids.astype(str), sort=True)
    if (codes < 0).any():
        raise ConfigError("answers have rows without a persona_id; every answer must name its respondent")
    return np.asarray(uniques, dtype=object), codes

