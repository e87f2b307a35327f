"""Rebuild a country's tables from the official downloads.

* UN WPP: population by single age (or 5-year group) and sex, the bulk CSV
  (``WPP2024_Population1JanuaryBySingleAgeSex_Medium_1950-2023.csv.gz`` and friends): columns
  ``ISO3_code``, ``Time``, ``AgeGrpStart``, ``PopMale``, ``PopFemale`` (thousands), optionally
  ``Variant``.
* ILOSTAT: employment by sex and occupation, ISCO-08 major groups (indicator
  ``EMP_TEMP_SEX_OCU_NB``), the bulk CSV with columns ``ref_area``, ``sex`` (``SEX_M``/``SEX_F``),
  ``classif1`` (``OCU_ISCO08_0`` .. ``OCU_ISCO08_9``), ``time``, ``obs_value``.

Each importer returns a table section; :func:`import_country` writes a whole table that starts
from the shipped one and replaces the sections rebuilt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.demographics.tables import AGE_BANDS, check_table, load_table
from deeppersona_agents.errors import ConfigError

WPP_COLUMNS = ["ISO3_code", "Time", "AgeGrpStart", "PopMale", "PopFemale"]
ILO_COLUMNS = ["ref_area", "sex", "classif1", "time", "obs_value"]


def _read(path: str | Path, columns: list[str], key: str, iso3: str) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path} not found; download the official file first")
    try:
        header = pd.read_csv(path, nrows=0, sep=None, engine="python", encoding="utf-8-sig")
    except Exception as err:
        raise ConfigError(f"cannot read {path} as CSV: {err}") from None
    sep = ";" if ";" in header.columns[0] else ","
    header = pd.read_csv(path, nrows=0, sep=sep, encoding="utf-8-sig")
    missing = [c for c in columns if c not in header.columns]
    if missing:
        raise ConfigError(f"{path} lacks the columns {missing}; is it the right official file?")
    usecols = columns + [c for c in ("Variant",) if c in header.columns]
    chunks = pd.read_csv(path, sep=sep, usecols=usecols, chunksize=500_000, encoding="utf-8-sig", low_memory=False)
    rows = pd.concat([c[c[key] == iso3] for c in chunks])
    if rows.empty:
        raise ConfigError(f"{path} has no rows for {iso3}")
    return rows


def import_wpp(path: str | Path, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``age_sex`` section from a WPP population-by-age-and-sex CSV (latest year by default)."""
    rows = _read(path, WPP_COLUMNS, "ISO3_code", iso3)
    if "Variant" in rows.columns:
        variants = rows["Variant"].unique()
        rows = rows[rows["Variant"] == ("Medium" if "Medium" in variants else variants[0])]
    year = int(rows["Time"].max()) if year is None else int(year)
    rows = rows[rows["Time"] == year]
    if rows.empty:
        raise ConfigError(f"{path} has no {iso3} rows for {year}")
    starts = rows["AgeGrpStart"].astype(int).clip(upper=85)
    band = starts.map(lambda a: AGE_BANDS[min(a // 5, 17)])
    grouped = rows.assign(band=band).groupby("band")[["PopMale", "PopFemale"]].sum()
    missing = [b for b in AGE_BANDS if b not in grouped.index]
    if missing:
        raise ConfigError(f"{path}: {iso3} {year} lacks ages for bands {missing}")
    grouped = grouped.loc[AGE_BANDS]
    return {
        "source": f"UN DESA Population Division, World Population Prospects, imported from {Path(path).name}",
        "year": year, "precision": "checked", "unit": "thousands", "bands": AGE_BANDS,
        "male": [round(float(v), 3) for v in grouped["PopMale"]],
        "female": [round(float(v), 3) for v in grouped["PopFemale"]],
        "notes": "rebuilt by `deeppersona demographics import` from the official file",
    }


def import_ilostat(path: str | Path, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``occupation`` section from an ILOSTAT employment-by-sex-and-occupation CSV."""
    rows = _read(path, ILO_COLUMNS, "ref_area", iso3)
    rows = rows[rows["classif1"].astype(str).str.match(r"^OCU_ISCO08_\d$")]
    if rows.empty:
        raise ConfigError(f"{path} has no ISCO-08 major-group rows (classif1 OCU_ISCO08_0..9) for {iso3}")
    year = int(rows["time"].max()) if year is None else int(year)
    rows = rows[rows["time"].astype(int) == year]
    section: dict[str, Any] = {
        "source": f"ILOSTAT, employment by sex and occupation (ISCO-08), {year}, imported from {Path(path).name}",
        "year": year, "precision": "checked",
        "notes": "shares among the employed with a known occupation (OCU_ISCO08_X excluded)",
    }
    for sex, code in (("male", "SEX_M"), ("female", "SEX_F")):
        part = rows[rows["sex"] == code]
        counts = np.zeros(10)
        for row in part.itertuples():
            counts[int(str(row.classif1)[-1])] += float(row.obs_value)
        if counts.sum() <= 0:
            raise ConfigError(f"{path}: no {sex} employment counts for {iso3} {year}")
        shares = np.round(counts / counts.sum(), 6)
        shares[int(np.argmax(shares))] += 1 - shares.sum()
        section[sex] = {str(g): float(s) for g, s in enumerate(shares)}
    return section


def import_country(
    iso3: str, into: str | Path, *, wpp: str | Path | None = None, ilostat: str | Path | None = None,
    year: int | None = None,
) -> Path:
    """Write ``into/ISO3.json``: the current table with the sections rebuilt from the given files."""
    if wpp is None and ilostat is None:
        raise ConfigError("nothing to import; pass --wpp FILE and/or --ilostat FILE")
    folder = Path(into)
    table = json.loads(json.dumps(load_table(iso3, folder if (folder / f"{iso3}.json").exists() else None)))
    if wpp is not None:
        section = import_wpp(wpp, iso3, year)
        table["age_sex"] = section
        table["year"] = section["year"]
    if ilostat is not None:
        table["occupation"] = import_ilostat(ilostat, iso3, year)
    problems = check_table(table)
    if problems:
        raise ConfigError("the rebuilt table is malformed: " + "; ".join(problems[:5]))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create {folder}: {err}") from None
    target = folder / f"{iso3}.json"
    write_text_atomic(target, json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    return target
