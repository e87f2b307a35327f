"""Reference distributions from the official survey files (never shipped: users bring their copy).

* WVS-7 country or cross-national CSV (``;``-separated, quoted header, UTF-8 with BOM; country in
  ``B_COUNTRY_ALPHA``, weight in ``W_WEIGHT``), or ``.sav`` / ``.dta`` through pyreadstat;
* OpenPsychometrics IPIP-FFM ``data-final.csv`` (tab-separated, EXT1...OPN10, 0 = missed, ISO-2
  ``country``) and the older BIG5 file (E1...O10).

Output rows: ``country, item, value, share, n_valid`` — weighted shares of the item's valid codes
(negative and off-scale codes excluded). The IPIP loader adds trait-score distributions as rows whose
item is ``trait:<factor code>`` (``trait:EXT`` ...), which never collide with item codes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pycountry

from deeppersona_agents._read import not_utf8, numeric_column, read_user_csv
from deeppersona_agents.comparison.associations import ASSOCIATION_COLUMNS, microdata_associations
from deeppersona_agents.comparison.subgroups import (
    AGE_CUTS,
    SUBGROUP_COLUMNS,
    WVS_VARIABLES,
    ipip_groups,
    parse_by,
    subgroup_marginals,
    wvs7_groups,
)
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation.instruments import Instrument, load_instrument, trait_scores

MARGINAL_COLUMNS = ["country", "item", "value", "share", "n_valid"]
TRAIT_PREFIX = "trait:"


def _header(path: Path) -> tuple[str, list[str]]:
    """Separator and column names of a delimited file (from its first line only)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    if not first.strip():
        raise ConfigError(f"{path} is empty or starts with a blank line; give the survey file with its header row")
    sep = max([";", ",", "\t"], key=first.count)
    return sep, next(csv.reader([first], delimiter=sep), [])


def _read_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if path.suffix.lower() in (".sav", ".dta"):
        try:
            import pyreadstat  # type: ignore[import-not-found]
        except ImportError:
            raise ConfigError(f"{path.name} needs pyreadstat: pip install pyreadstat (or use the CSV file)") from None
        reader = pyreadstat.read_sav if path.suffix.lower() == ".sav" else pyreadstat.read_dta
        frame, _ = reader(str(path), usecols=columns)
        return frame
    sep, names = _header(path)
    wanted = [c for c in names if columns is None or c in columns]
    return read_user_csv(path, "survey file", sep=sep, encoding="utf-8-sig", usecols=wanted, low_memory=False)


def _share_rows(country: object, item: str, values: pd.Series, weights: pd.Series, support: list) -> list[dict]:
    """Weighted share of each ``support`` value among the ``values`` that lie on it (none if no weight)."""
    valid = values.isin(support)
    total = float(weights[valid].sum())
    if total <= 0:
        return []
    n_valid = int(valid.sum())
    return [{"country": str(country), "item": item, "value": value,
             "share": float(weights[valid & (values == value)].sum()) / total, "n_valid": n_valid}
            for value in support]


def weighted_marginals(
    frame: pd.DataFrame, instrument: Instrument, items: list[str], country_col: str, weight_col: str | None
) -> pd.DataFrame:
    """Shares of valid codes per country x item (rows in :data:`MARGINAL_COLUMNS`)."""
    rows = []
    weights = frame[weight_col].astype(float) if weight_col else pd.Series(1.0, index=frame.index)
    for country, group in frame.groupby(country_col, sort=True):
        w_group = weights.loc[group.index]
        for code in items:
            values = pd.to_numeric(group[code], errors="coerce")
            rows += _share_rows(country, code, values, w_group, instrument.item(code).codes)
    return pd.DataFrame(rows, columns=MARGINAL_COLUMNS)


def trait_codes(instrument: Instrument) -> dict[str, str]:
    """Marginals item name per factor: ``trait:`` + the factor's item-code stem (``trait:EXT``).

    Falls back to the factor name (non-alphanumerics as ``_``) when its items share no stem; rename
    :func:`~deeppersona_agents.simulation.instruments.trait_scores` keys with this to compare them.
    """
    stems: dict[str, set[str]] = {}
    for item in instrument.items:
        if item.factor is not None:
            stems.setdefault(item.factor, set()).add(re.sub(r"\d+$", "", item.code))
    return {factor: TRAIT_PREFIX + (next(iter(s)) if len(s) == 1 else re.sub(r"\W+", "_", factor))
            for factor, s in stems.items()}


def trait_marginals(frame: pd.DataFrame, instrument: Instrument, country_col: str,
                    weight_col: str | None = None) -> pd.DataFrame:
    """Shares of trait scores per country x factor, scored as :func:`trait_scores` does.

    The score is the mean of the factor's keyed items, so a respondent who answered all ``n`` of them
    lands on a grid of ``1/n`` steps (0.1 for IPIP-50's ten items per factor, 1.0 ... 5.0). Values are
    that exact mean (rounded to 6 decimals only to absorb float noise): the grid is already discrete,
    so no binning is needed and nothing is lost, and simulated ``trait_scores`` of complete answer sets
    fall on the same values. The support lists every grid point, zero shares included, as item rows do.
    Respondents missing any item of a factor (0, blank or off-scale) are skipped for that factor;
    factors with an item absent from ``frame`` are left out. ``n_valid`` counts complete respondents.
    """
    # Keying comes from trait_scores itself: a single answered item scores as its keyed value.
    keyed: dict[str, dict[int, float]] = {
        it.code: {c: cast(float, trait_scores({it.code: c}, instrument)[it.factor]) for c in it.codes}
        for it in instrument.items if it.factor is not None
    }
    weights = frame[weight_col].astype(float) if weight_col else pd.Series(1.0, index=frame.index)
    rows = []
    for factor, name in trait_codes(instrument).items():
        codes = [it.code for it in instrument.items if it.factor == factor]
        if not set(codes) <= set(frame.columns):
            continue
        scored = pd.DataFrame({c: pd.to_numeric(frame[c], errors="coerce").map(keyed[c]) for c in codes})
        score = scored.mean(axis=1, skipna=False).round(6)  # NaN unless every item was answered
        low, high = (sum(f(keyed[c].values()) for c in codes) for f in (min, max))
        support = [round(k / len(codes), 6) for k in range(round(low), round(high) + 1)]
        for country, group in score.groupby(frame[country_col], sort=True):
            rows += _share_rows(country, name, group, weights.loc[group.index], support)
    return pd.DataFrame(rows, columns=MARGINAL_COLUMNS)


def _wvs7_frame(path: Path, countries: list[str] | None, items: list[str] | None,
                extra: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The official file's rows (optionally some countries) with the requested items and ``extra`` columns."""
    instrument = load_instrument("wvs7")
    header = _header(path)[1] if path.suffix.lower() not in (".sav", ".dta") else None
    if header is not None and "B_COUNTRY_ALPHA" not in header:
        raise ConfigError(f"{path.name} has no B_COUNTRY_ALPHA column; is it an official WVS-7 file?")
    present = [c for c in (items or instrument.codes) if header is None or c in header]
    if not present:
        raise ConfigError(f"{path.name} holds none of the requested items")
    frame = _read_table(path, ["B_COUNTRY_ALPHA", "W_WEIGHT", *present, *extra])
    if "W_WEIGHT" in frame.columns:
        frame["W_WEIGHT"] = numeric_column(frame, "W_WEIGHT", path)
    if countries:
        frame = frame[frame["B_COUNTRY_ALPHA"].isin([c.upper() for c in countries])]
        if frame.empty:
            raise ConfigError(f"none of {countries} is in {path.name}")
    return frame, present


def wvs7_marginals(path: str | Path, countries: list[str] | None = None,
                   items: list[str] | None = None) -> pd.DataFrame:
    """Weighted (``W_WEIGHT``) shares per country and item from an official WVS-7 file."""
    frame, present = _wvs7_frame(Path(path), countries, items, [])
    weight = "W_WEIGHT" if "W_WEIGHT" in frame.columns else None
    return weighted_marginals(frame, load_instrument("wvs7"), present, "B_COUNTRY_ALPHA", weight)


def wvs7_reference(path: str | Path, countries: list[str] | None = None, items: list[str] | None = None,
                   by: str | list[str] | None = None, age_cuts: tuple[int, ...] = AGE_CUTS) -> dict[str, pd.DataFrame]:
    """Everything ``compare`` needs from an official WVS-7 file, read once.

    Returns:
        ``marginals`` (:data:`MARGINAL_COLUMNS`), ``associations`` (weighted Spearman per pair of ordered
        items, see :mod:`~deeppersona_agents.comparison.associations`) and, when ``by`` names subgroups,
        ``subgroups`` (weighted shares per subgroup level, see :mod:`~deeppersona_agents.comparison.subgroups`).
    """
    groups = parse_by(by)
    frame, present = _wvs7_frame(Path(path), countries, items, [WVS_VARIABLES[g] for g in groups])
    instrument = load_instrument("wvs7")
    weight = "W_WEIGHT" if "W_WEIGHT" in frame.columns else None
    supports = {code: instrument.item(code).codes for code in present}
    ordered = {code: s for code, s in supports.items() if instrument.item(code).scale != "nominal"}
    out = {"marginals": weighted_marginals(frame, instrument, present, "B_COUNTRY_ALPHA", weight),
           "associations": microdata_associations(frame, ordered, "B_COUNTRY_ALPHA", weight)}
    if groups:
        out["subgroups"] = subgroup_marginals(frame, supports, wvs7_groups(frame, groups, age_cuts),
                                              "B_COUNTRY_ALPHA", weight, age_cuts)
    return out


def _iso3(code: object) -> str | None:
    found = pycountry.countries.get(alpha_2=str(code).strip().upper()) if isinstance(code, str) else None
    return found.alpha_3 if found else None


def ipip_marginals(path: str | Path, countries: list[str] | None = None) -> pd.DataFrame:
    """Per-country item shares and trait-score distributions from the OpenPsychometrics IPIP-FFM or BIG5 file.

    Unweighted (the files carry no weights); 0 = missed is excluded. Item rows come first with integer
    values; trait rows (item ``trait:EXT`` ..., see :func:`trait_marginals`) follow, so ``value`` holds
    ints and floats (object dtype) and the CSV keeps item values as ``1``, not ``1.0``.
    """
    instrument = load_instrument("ipip50")
    frame = _ipip_frame(Path(path), countries)
    items = weighted_marginals(frame, instrument, [i.code for i in instrument.items if i.code in frame.columns],
                               "country", None)
    traits = trait_marginals(frame, instrument, "country")
    if traits.empty:
        return items
    return pd.concat([items.astype({"value": object}), traits.astype({"value": object})], ignore_index=True)


def _ipip_frame(path: Path, countries: list[str] | None) -> pd.DataFrame:
    """The OpenPsychometrics file with EXT1...OPN10 item names and ISO-3 countries (optionally some only)."""
    frame = _read_table(path)
    if "EXT1" not in frame.columns:  # BIG5 (2012): E1 ... O10 -> EXT1 ... OPN10
        mapping = {f"{b}{n}": f"{f}{n}" for b, f in zip("EACNO", ["EXT", "AGR", "CSN", "EST", "OPN"], strict=True)
                   for n in range(1, 11)}
        frame = frame.rename(columns=mapping)
    if "country" not in frame.columns:
        raise ConfigError(f"{path.name} has no 'country' column; is it the OpenPsychometrics file?")
    frame["country"] = frame["country"].map(_iso3)
    frame = frame.dropna(subset=["country"])
    if countries:
        frame = frame[frame["country"].isin([c.upper() for c in countries])]
    return frame


def ipip_subgroups(path: str | Path, by: list[str], countries: list[str] | None = None,
                   age_cuts: tuple[int, ...] = AGE_CUTS) -> pd.DataFrame:
    """Item shares per subgroup from an OpenPsychometrics file with ``gender`` / ``age`` columns (BIG5 2012).

    Unweighted; rows in :data:`~deeppersona_agents.comparison.subgroups.SUBGROUP_COLUMNS`. The IPIP-FFM
    ``data-final.csv`` has no demographic columns, so only ``sex`` and ``age_band`` from the BIG5 file work.
    """
    instrument = load_instrument("ipip50")
    frame = _ipip_frame(Path(path), countries)
    groups = ipip_groups(frame, parse_by(by), age_cuts)
    supports = {it.code: it.codes for it in instrument.items if it.code in frame.columns}
    return subgroup_marginals(frame, supports, groups, "country", None, age_cuts)


def reference_sibling(reference: str | Path, kind: str) -> Path:
    """Where ``reference wvs7`` writes the ``kind`` (subgroups, associations) table beside the marginals."""
    path = Path(reference)
    return path.with_name(f"{path.stem}_{kind}.csv")


def read_marginals(path: str | Path) -> pd.DataFrame:
    """A marginals CSV written by the loaders (or by hand in the same columns)."""
    frame = read_user_csv(path, "reference marginals")
    missing = {"country", "item", "value", "share"} - set(frame.columns)
    if missing:
        raise ConfigError(f"{path} lacks columns {sorted(missing)}; expected {', '.join(MARGINAL_COLUMNS)}")
    frame["value"], frame["share"] = numeric_column(frame, "value", path), numeric_column(frame, "share", path)
    if not np.isfinite(frame["share"]).all():
        raise ConfigError(f"{path} has non-numeric shares")
    return frame


def read_reference_table(path: str | Path, kind: str) -> pd.DataFrame:
    """A reference ``subgroups`` or ``associations`` CSV written by ``deeppersona reference wvs7``."""
    required = {"subgroups": SUBGROUP_COLUMNS, "associations": ASSOCIATION_COLUMNS}[kind]
    try:
        frame = pd.read_csv(path, dtype={"country": str, "group_value": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise ConfigError(f"cannot read reference {kind} {path}: {exc}") from None
    missing = set(required) - set(frame.columns)
    if missing:
        raise ConfigError(f"{path} lacks columns {sorted(missing)}; write it with `deeppersona reference wvs7 "
                          f"FILE --by ...` (expected {', '.join(required)})")
    return frame
