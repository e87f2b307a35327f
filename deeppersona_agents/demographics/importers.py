"""Rebuild or add a country's tables from official downloads or public copies (``demographics import``).

Sits beside the shipped tables: the user's files become ``ISO3.json`` in a folder read through
``DEEPPERSONA_DEMOGRAPHICS_DIR``. Accepted files (the format is recognised from the columns):

* ``age_sex``: the UN WPP bulk CSV (``ISO3_code``, ``Time``, ``AgeGrpStart``, ``PopMale``, ``PopFemale``,
  thousands; optionally ``Variant``), or the WPP 2024 copy ``wpp_age_sex_fiveyr`` (``.rda`` of
  ``chitrams/populaR`` or a CSV of that frame).
* ``occupation``: the ILOSTAT bulk CSV (``ref_area``, ``sex`` ``SEX_M``/``SEX_F``, ``classif1``
  ``OCU_ISCO08_0..9``, ``time``, ``obs_value``), or ILOSTAT rows ``ref_area,sex,classif1[,classif2],time,
  <indicator>`` of ``emp_temp_sex_ocu_nb`` / ``emp_temp_sex_age_ocu_nb``.
* ``marital_status``: ILOSTAT rows of ``pop_xwap_sex_age_mts_nb`` (needs ``age_sex``).
* ``activity``: ILOSTAT rows of ``eap_2wap_sex_age_rt``, ``une_2eap_sex_age_rt`` and ``eip_2eet_sex_rt``
  together (needs ``age_sex``).
* ``education``: the Wittgenstein Centre copy ``past_epop`` (``.rda`` of ``guyabel/wcde`` or CSV).
* ``urban``: the OWID table of UN WUP 2018. ``religion``: Pew's 2010-2020 percentages file (2025).

Parsing is shared with the builders in ``scripts/data/`` (:mod:`~deeppersona_agents.demographics.copies`,
:mod:`~deeppersona_agents.demographics.ilostat`, :mod:`~deeppersona_agents.demographics.activity_rule`).
Every imported section records ``source``, ``year``, ``precision`` and ``copy`` (the file given and its
sha256). A country that is not shipped starts empty; its file may stay partial until every section is in
(:func:`~deeppersona_agents.demographics.tables.missing_sections`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.demographics import activity_rule, ilostat
from deeppersona_agents.demographics.import_sections import (
    MARITAL,
    PathLike,
    activity_section,
    copy_record,
    existing_file,
    import_education,
    import_religion,
    import_urban,
    marital_section,
    message,
    occupation_section,
    wpp_copy_section,
)
from deeppersona_agents.demographics.tables import AGE_BANDS, check_table, shipped_countries
from deeppersona_agents.errors import ConfigError

WPP_COLUMNS = ["ISO3_code", "Time", "AgeGrpStart", "PopMale", "PopFemale"]
ILO_COLUMNS = ["ref_area", "sex", "classif1", "time", "obs_value"]
OCCUPATION = ("emp_temp_sex_ocu_nb", "emp_temp_sex_age_ocu_nb")





def _header(path: Path) -> list[str]:
    try:
        header = pd.read_csv(path, nrows=0, sep=None, engine="python", encoding="utf-8-sig")
    except Exception as err:
        raise ConfigError(f"cannot read {path} as CSV: {message(err)}") from None
    return [str(c) for c in header.columns]




def _read(path: PathLike, columns: list[str], key: str, iso3: str) -> pd.DataFrame:
    path = existing_file(path)
    header = _header(path)
    sep = ";" if len(header) == 1 and ";" in header[0] else ","
    header = pd.read_csv(path, nrows=0, sep=sep, encoding="utf-8-sig").columns
    missing = [c for c in columns if c not in header]
    if missing:
        raise ConfigError(f"{path} lacks the columns {missing}; is it the right official file?")
    usecols = columns + [c for c in ("Variant",) if c in header]
    chunks = pd.read_csv(path, sep=sep, usecols=usecols, chunksize=500_000, encoding="utf-8-sig", low_memory=False)
    rows = pd.concat([c[c[key] == iso3] for c in chunks])
    if rows.empty:
        raise ConfigError(f"{path} has no rows for {iso3}")
    return rows


def import_wpp(path: PathLike, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``age_sex`` section from the WPP bulk CSV or the WPP 2024 copy (latest year by default)."""
    path = existing_file(path)
    if path.suffix.lower() in (".rda", ".rdata") or "locationId" in _header(path):
        return wpp_copy_section(path, iso3, year)
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
        "source": f"UN DESA Population Division, World Population Prospects, imported from {path.name}",
        "year": year, "precision": "checked", "copy": copy_record(path, "UN WPP bulk CSV"),
        "unit": "thousands", "bands": AGE_BANDS,
        "male": [round(float(v), 3) for v in grouped["PopMale"]],
        "female": [round(float(v), 3) for v in grouped["PopFemale"]],
        "notes": "rebuilt by `deeppersona demographics import` from the official file",
    }


















def import_ilostat(path: PathLike, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``occupation`` section from an ILOSTAT bulk CSV or ILOSTAT rows by occupation."""
    path = existing_file(path)
    if "obs_value" not in _header(path):
        name, rows = _ilostat_rows(path, iso3)
        if name not in OCCUPATION:
            raise ConfigError(f"{path} holds {name}, not employment by occupation ({' or '.join(OCCUPATION)})")
        return occupation_section(path, name, rows, year)
    rows = _read(path, ILO_COLUMNS, "ref_area", iso3)
    rows = rows[rows["classif1"].astype(str).str.match(r"^OCU_ISCO08_\d$")]
    if rows.empty:
        raise ConfigError(f"{path} has no ISCO-08 major-group rows (classif1 OCU_ISCO08_0..9) for {iso3}")
    year = int(rows["time"].max()) if year is None else int(year)
    rows = rows[rows["time"].astype(int) == year]
    section: dict[str, Any] = {
        "source": f"ILOSTAT, employment by sex and occupation (ISCO-08), {year}, imported from {path.name}",
        "year": year, "precision": "checked", "copy": copy_record(path, "ILOSTAT bulk CSV"),
        "notes": "shares among the employed with a known occupation (OCU_ISCO08_X excluded)",
    }
    for sex, code in (("male", "SEX_M"), ("female", "SEX_F")):
        counts = np.zeros(10)
        for row in rows[rows["sex"] == code].itertuples():
            counts[int(str(row.classif1)[-1])] += float(row.obs_value)
        if counts.sum() <= 0:
            raise ConfigError(f"{path}: no {sex} employment counts for {iso3} {year}")
        shares = np.round(counts / counts.sum(), 6)
        shares[int(np.argmax(shares))] += 1 - shares.sum()
        section[sex] = {str(g): float(s) for g, s in enumerate(shares)}
    return section


def _ilostat_rows(path: Path, iso3: str) -> tuple[str, list[dict[str, str]]]:
    try:
        name = ilostat.indicator(path)
        rows = [r for r in ilostat.read_rows(path) if r["ref_area"].lower() == iso3.lower()]
    except (ValueError, KeyError) as err:
        raise ConfigError(f"cannot read {path} as ILOSTAT rows: {message(err)}") from None
    if not rows:
        raise ConfigError(f"{path} has no rows for {iso3} (ref_area {iso3.lower()})")
    return name, rows








def _base_table(iso3: str, folder: Path) -> dict[str, Any]:
    target = folder / f"{iso3}.json"
    if target.exists():
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{target} is not a readable table ({err}); move it away or pick another into folder",
                              param="into") from None
    if iso3 in shipped_countries():
        from deeppersona_agents.demographics.tables import _load_shipped

        return json.loads(json.dumps(_load_shipped(iso3)))
    from deeppersona_agents.demographics.countries import country_name

    return {"iso3": iso3, "name": country_name(iso3)}


def import_country(
    iso3: str, into: PathLike, *, wpp: PathLike | None = None,
    ilostat: PathLike | Sequence[PathLike] | None = None, education: PathLike | None = None,
    urban: PathLike | None = None, religion: PathLike | None = None, year: int | None = None,
) -> Path:
    """Write ``into/ISO3.json``: the table so far with the sections rebuilt from the given files.

    The table so far is ``into/ISO3.json`` if it exists, else the shipped table, else an empty one (a country
    that is not shipped); the result may still lack sections (``tables.missing_sections``). Returns the path.
    """
    files = [ilostat] if isinstance(ilostat, (str, Path)) else list(ilostat or [])
    if wpp is None and not files and education is None and urban is None and religion is None:
        raise ConfigError("nothing to import; give wpp, ilostat, education, urban or religion (a file each)",
                          param=("wpp", "ilostat", "education", "urban", "religion"))
    folder = Path(into)
    table = _base_table(iso3, folder)
    if wpp is not None:
        table["age_sex"] = import_wpp(wpp, iso3, year)
        table["year"] = table["age_sex"]["year"]
    table_year = year if year is not None else table.get("year")
    if education is not None:
        table["education"] = import_education(education, iso3, year)
    if urban is not None:
        table["urban"] = import_urban(urban, iso3, table_year)
    if religion is not None:
        table["religion"] = import_religion(religion, iso3, year)
    activity: dict[str, tuple[Path, list[dict[str, str]]]] = {}
    for raw in files:
        path = existing_file(raw)
        if "obs_value" in _header(path):
            table["occupation"] = import_ilostat(path, iso3, year)
            continue
        name, rows = _ilostat_rows(path, iso3)
        needs_age = name == MARITAL or name in activity_rule.INPUTS
        if needs_age and "age_sex" not in table:
            raise ConfigError(f"{path} ({name}) is split into age bands with the population by age: give wpp "
                              "in the same run or import it first", param="wpp")
        if name in OCCUPATION:
            table["occupation"] = occupation_section(path, name, rows, year)
        elif name == MARITAL:
            table["marital_status"] = marital_section(path, rows, iso3, year, table["age_sex"])
        elif name in activity_rule.INPUTS:
            activity[name] = (path, rows)
        elif name == "emp_2emp_sex_ocu_nb":
            raise ConfigError(f"{path}: the ILO modelled series merges ISCO groups 6 and 9; give the survey-based "
                              f"series ({' or '.join(OCCUPATION)}) instead", param="ilostat")
        else:
            raise ConfigError(f"{path} holds the ILOSTAT series {name!r}; import reads "
                              f"{', '.join([*OCCUPATION, MARITAL, *activity_rule.INPUTS])}", param="ilostat")
    if activity:
        lacking = [name for name in activity_rule.INPUTS if name not in activity]
        if lacking:
            raise ConfigError(f"the activity section needs the ILOSTAT series {lacking} as well; give all three "
                              "(participation, unemployment, NEET) in ilostat", param="ilostat")
        if table_year is None:
            raise ConfigError("the ILO modelled rates run into projections: give year or wpp", param=("year", "wpp"))
        table["activity"] = activity_section(activity, iso3, int(table_year), table["age_sex"])
    table.setdefault("year", table_year or max(v["year"] for v in table.values() if isinstance(v, dict)))
    problems = [p for p in check_table(table) if not p.startswith("missing section")]
    if problems:
        raise ConfigError("the rebuilt table is malformed: " + "; ".join(problems[:5]))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create {folder}: {err}") from None
    target = folder / f"{iso3}.json"
    write_text_atomic(target, json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    return target
