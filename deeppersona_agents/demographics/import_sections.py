"""Sections from the public copies' formats, for ``demographics import`` (see :mod:`.importers`).

Sits beside the shipped tables: each function reads one user file with the parsing shared with
``scripts/data/`` and returns a section with ``source``, ``year``, ``precision`` and ``copy`` (the file's
name, format and sha256). Errors name the file and what to give instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from deeppersona_agents.demographics import activity_rule, copies, ilostat
from deeppersona_agents.errors import ConfigError

MARITAL = "pop_xwap_sex_age_mts_nb"
PathLike = str | Path


def existing_file(path: PathLike) -> Path:
    """``path`` as a Path, refused when it is not an existing file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path} not found (or not a file); download the official file or copy first")
    return path


def copy_record(path: Path, form: str) -> dict[str, str]:
    """The ``copy`` entry of an imported section: the file given, its format and sha256."""
    return {"file": path.name, "format": form, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def m49_of(iso3: str) -> int:
    """The UN M49 (ISO numeric) code of a country."""
    import pycountry

    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        raise ConfigError(f"{iso3!r} is not an ISO-3 country code", param="country")
    return int(found.numeric)


def read_copy_frame(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """A copy's data frame (``.rda`` or CSV), errors as :class:`ConfigError`."""
    try:
        return copies.read_frame(path, name, columns)
    except (ImportError, ValueError) as err:
        raise ConfigError(f"cannot read {path} as the {name} copy: {err}") from None


def latest(values: pd.Series, year: int | None) -> int:
    """``year`` if given, else the latest of ``values``."""
    return int(values.max()) if year is None else int(year)


def message(err: Exception) -> str:
    """An error's text without the quotes ``KeyError`` adds; decoding errors say how to fix the file."""
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8 text; save the file as UTF-8 CSV"
    return str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)

def _country_body(path: Path, frame: pd.DataFrame, column: str, iso3: str, year: int | None,
                  build: Callable[[pd.DataFrame, int, int], dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """``(year, build(frame, m49, year))`` from the country's rows (``column``: M49 codes; latest year by default)."""
    m49 = m49_of(iso3)
    rows = frame[frame[column] == m49]
    if rows.empty:
        raise ConfigError(f"{path} has no rows for {iso3} (M49 {m49})")
    year = latest(rows["year"], year)
    try:
        return year, build(frame, m49, year)
    except (KeyError, ValueError) as err:
        raise ConfigError(f"{path}: {message(err)}") from None


def wpp_copy_section(path: Path, iso3: str, year: int | None) -> dict[str, Any]:
    """The ``age_sex`` section from the WPP 2024 copy (latest year by default)."""
    frame = read_copy_frame(path, copies.WPP_FRAME, copies.WPP_COLUMNS)
    year, body = _country_body(path, frame, "locationId", iso3, year, copies.wpp_age_sex)
    return {"source": f"UN DESA Population Division, World Population Prospects 2024: population by 5-year group "
                      f"and sex, {year}, thousands (copy {path.name})",
            "year": year, "precision": "checked", "copy": copy_record(path, "WPP 2024 copy (wpp_age_sex_fiveyr)"),
            "notes": "85+ is the sum of the groups 85-89 … 100+; persons divided by 1,000.", **body}


def import_education(path: PathLike, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``education`` section from the Wittgenstein Centre copy (latest year by default)."""
    path = existing_file(path)
    frame = read_copy_frame(path, copies.WIC_FRAME, copies.WIC_COLUMNS)
    year, body = _country_body(path, frame, "country_code", iso3, year, copies.wic_education)
    return {"source": f"Wittgenstein Centre Human Capital Data Explorer: population by age, sex and education, "
                      f"{year}, six-level scheme (copy {path.name})",
            "year": year, "precision": "checked", "copy": copy_record(path, "Wittgenstein Centre copy (past_epop)"),
            "notes": "No Education + Incomplete Primary = less_than_primary; Post Secondary = tertiary; 5-year "
                     "groups summed into the bands.", **body}


def import_urban(path: PathLike, iso3: str, year: int | None) -> dict[str, Any]:
    """The ``urban`` section from the OWID WUP 2018 table for ``year`` (the table's year by default)."""
    path = existing_file(path)
    if year is None:
        raise ConfigError(f"{path}: WUP runs to 2050 (projections); give year, or wpp (its year is used)",
                          param=("year", "wpp"))
    try:
        frame = copies.read_wup(path)
        share = copies.urban_share(frame, copies.wup_entity(frame, iso3), int(year))
    except (KeyError, ValueError) as err:
        raise ConfigError(f"{path}: {message(err)}") from None
    return {"source": f"UN DESA, World Urbanization Prospects 2018: urban and rural population, {year} "
                      f"(copy {path.name})",
            "year": int(year), "precision": "checked", "copy": copy_record(path, "OWID WUP 2018 table"),
            "notes": f"share = urban / (urban + rural) in {year}.", "share": round(share, 5)}


def import_religion(path: PathLike, iso3: str, year: int | None = None) -> dict[str, Any]:
    """The ``religion`` section from Pew's 2010-2020 percentages file (latest year by default)."""
    path = existing_file(path)
    try:
        frame = copies.read_pew_2025(path)
        m49 = m49_of(iso3)
        years = [y for code, y in frame.index if code == m49]
        if not years:
            raise KeyError(f"no country row for {iso3} (M49 {m49})")
        year = max(years) if year is None else int(year)
        percent = copies.pew_percent(frame, m49, year)
    except (KeyError, ValueError) as err:
        raise ConfigError(f"{path}: {message(err)}") from None
    percent["folk_religion"] = 0.0
    total = sum(percent.values())
    return {"source": f"Pew Research Center, religious composition by country 2010-2020 (June 2025), {year} "
                      f"(copy {path.name})",
            "year": year, "precision": "checked", "copy": copy_record(path, "Pew 2025 percentages"),
            "notes": "Percentages / 100; Pew's Other_religions (folk religions included) is shipped as other, "
                     "folk_religion 0.",
            "shares": {k: round(v / total, 6) for k, v in percent.items()}}


def occupation_section(path: Path, name: str, rows: list[dict[str, str]], year: int | None) -> dict[str, Any]:
    """The ``occupation`` section from survey ILOSTAT rows by occupation (latest ISCO-08 year by default)."""
    try:
        year, body, _ = ilostat.occupation_body(rows, year)
    except ValueError as err:
        raise ConfigError(f"{path}: {err}") from None
    return {"source": f"ILOSTAT, {name.upper()} (survey-based employment by occupation, ISCO-08), {year} "
                      f"(copy {path.name})",
            "year": year, "precision": "checked", "copy": copy_record(path, f"ILOSTAT rows {name}"),
            "notes": "Shares among the employed with a known ISCO-08 major group; cells the file omits count as 0.",
            **body}


def marital_section(path: Path, rows: list[dict[str, str]], iso3: str, year: int | None,
                    age_sex: dict) -> dict[str, Any]:
    """The ``marital_status`` section from ILOSTAT rows by marital status (latest split year by default)."""
    try:
        year, by_sex = ilostat.marital_counts(rows, iso3, year)
        body = ilostat.marital_body(by_sex, age_sex, path.name)
    except ValueError as err:
        raise ConfigError(f"{path}: {err}") from None
    return {"source": f"ILOSTAT, POP_XWAP_SEX_AGE_MTS_NB (population by sex, age and marital status), {year} "
                      f"(copy {path.name})",
            "year": year, "precision": "derived", "copy": copy_record(path, f"ILOSTAT rows {MARITAL}"),
            "notes": ilostat.MARITAL_NOTES.format(year=year), **body}


def activity_section(files: dict[str, tuple[Path, list[dict[str, str]]]], iso3: str, year: int,
                     age_sex: dict) -> dict[str, Any]:
    """The ``activity`` section from the three ILO modelled rate files by the stated rule."""
    try:
        rates = activity_rule.rates({k: rows for k, (_, rows) in files.items()}, iso3, year)
    except KeyError as err:
        raise ConfigError(f"{message(err)}; give year with a year every file has", param="year") from None
    bands = age_sex["bands"]
    body = {sex: activity_rule.activity_for_sex(rates[sex], sex, age_sex[sex][bands.index("15-19")],
                                                age_sex[sex][bands.index("20-24")]) for sex in rates}
    return {"source": f"ILO modelled estimates: labour-force participation, unemployment and youth NEET rates "
                      f"by sex and age, {year}; split into bands and inactive reasons by the rule in notes",
            "year": year, "precision": "derived",
            "copy": [copy_record(path, f"ILOSTAT rows {name}") for name, (path, _) in files.items()],
            "notes": activity_rule.NOTES, **body}
