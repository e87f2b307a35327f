"""Reading the public copies of the official sources into table sections (WPP, Wittgenstein, WUP, Pew).

Sits before the tables: the builders in ``scripts/data/`` (shipped tables) and ``demographics import``
(a user's own tables) both turn these copies into sections, so the parsing lives here once. ILOSTAT
rows are read by :mod:`deeppersona_agents.demographics.ilostat`.

Formats:

* UN WPP 2024 by 5-year group and sex: the data frame ``wpp_age_sex_fiveyr`` of ``chitrams/populaR``
  (``locationId`` = UN M49, ``year``, ``sexId`` Male/Female/Both sexes, ``ageStart``, ``population`` persons).
* Wittgenstein Centre v2 (2018): the data frame ``past_epop`` of ``guyabel/wcde`` (``country_code`` = M49,
  ``year``, ``age`` "25--29" … "100+", ``education``, ``sex``, ``epop`` thousands).
* UN WUP 2018, OWID table: ``Entity``, ``Year`` and the urban and rural population columns.
* Pew religious composition 2010-2020 (June 2025), percentages: ``Countrycode`` = M49, ``Year``, ``Level``
  (1 = country) and one column per group.

Data errors raise ``KeyError`` (a country or year not in the copy) or ``ValueError`` (a malformed copy);
callers add the file name and the remedy.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents.demographics.tables import AGE_BANDS, EDUCATION_BANDS, EDUCATION_LEVELS, band_of

WPP_FRAME = "wpp_age_sex_fiveyr"
WPP_COLUMNS = ["locationId", "year", "sexId", "ageStart", "population"]
WIC_FRAME = "past_epop"
WIC_COLUMNS = ["country_code", "year", "age", "education", "sex", "epop"]
SEX_LABELS = {"male": "Male", "female": "Female"}
#: Level in the Wittgenstein six-level scheme -> shipped level.
WIC_LEVELS = {"No Education": "less_than_primary", "Incomplete Primary": "less_than_primary", "Primary": "primary",
              "Lower Secondary": "lower_secondary", "Upper Secondary": "upper_secondary",
              "Post Secondary": "tertiary"}
WUP_URBAN = "Urban population 1950-2050 (UN World Urbanization Prospects 2018)"
WUP_RURAL = "Rural population 1950-2050 (UN World Urbanization Prospects 2018)"
#: The WUP copy's entity name where it differs from the ISO short name.
WUP_ENTITY = {
    "ARG": "Argentina", "AUS": "Australia", "BGD": "Bangladesh", "BRA": "Brazil", "CAN": "Canada", "CHN": "China",
    "COL": "Colombia", "DEU": "Germany", "EGY": "Egypt", "ESP": "Spain", "ETH": "Ethiopia", "FRA": "France",
    "GBR": "United Kingdom", "IDN": "Indonesia", "IND": "India", "IRN": "Iran", "ITA": "Italy", "JPN": "Japan",
    "KEN": "Kenya", "KOR": "South Korea", "MEX": "Mexico", "NGA": "Nigeria", "PAK": "Pakistan", "PHL": "Philippines",
    "POL": "Poland", "RUS": "Russia", "TUR": "Turkey", "USA": "United States", "VNM": "Vietnam", "ZAF": "South Africa",
}
#: Pew 2025 column for each shipped religion copied as is (folk and other are both in ``Other_religions``).
PEW_COLUMNS = {"christian": "Christians", "muslim": "Muslims", "unaffiliated": "Religiously_unaffiliated",
               "hindu": "Hindus", "buddhist": "Buddhists", "jewish": "Jews"}
PEW_OTHER = "Other_religions"


def read_frame(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """A copy's data frame from an R ``.rda`` file (object ``name``) or a CSV export of it.

    Raises:
        ImportError: an ``.rda`` file without the ``rdata`` package (the ``data`` extra).
        ValueError: the file lacks ``columns``.
    """
    if path.suffix.lower() in (".rda", ".rdata"):
        try:
            import rdata
        except ImportError:
            raise ImportError("reading .rda copies needs rdata: pip install 'deeppersona-agents[data]'") from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # tibble classes fall back to data.frame, as wanted
            try:
                frames = rdata.read_rda(str(path))
            except Exception as err:  # rdata raises many types on a file that is not R data
                raise ValueError(f"{path} is not a readable R data file ({type(err).__name__}: {err})") from None
        if name not in frames:
            raise ValueError(f"{path} holds {sorted(frames)}, not the data frame {name!r}")
        frame = frames[name]
    else:
        try:
            frame = pd.read_csv(path, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ValueError(f"{path} is not a readable UTF-8 CSV ({err})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    return frame


def wpp_rows(frame: pd.DataFrame, m49: int, year: int) -> pd.DataFrame:
    """The WPP copy's rows for one country (M49) and year."""
    rows = frame[(frame["locationId"] == m49) & (frame["year"] == year)]
    if rows.empty:
        raise KeyError(f"{WPP_FRAME} has no rows for M49 {m49} in {year}")
    return rows


def wpp_age_sex(frame: pd.DataFrame, m49: int, year: int) -> dict[str, Any]:
    """The ``age_sex`` body: 18 bands (0-4 … 80-84, 85+) by sex in thousands; 85-89 … 100+ summed into 85+."""
    rows = wpp_rows(frame, m49, year)
    body: dict[str, Any] = {"unit": "thousands", "bands": AGE_BANDS}
    for sex, label in SEX_LABELS.items():
        part = rows[rows["sexId"].astype(str) == label]
        starts = part["ageStart"].astype(int)
        if sorted(starts) != list(range(0, 101, 5)):
            raise ValueError(f"M49 {m49} {year} {label}: expected 5-year groups 0..100+, got starts {sorted(starts)}")
        band = np.minimum(starts // 5, len(AGE_BANDS) - 1)
        persons = part["population"].groupby(band.to_numpy()).sum()
        body[sex] = [round(float(persons[i]) / 1000, 4) for i in range(len(AGE_BANDS))]
    return body


def _first_age(group: str) -> int:
    return int(str(group).rstrip("+").split("--")[0])


def wic_counts(frame: pd.DataFrame, m49: int, year: int) -> pd.DataFrame:
    """Thousands by (sex, band) x shipped level for one country, ages 25 and over (six-level scheme only)."""
    rows = frame[(frame["country_code"] == m49) & (frame["year"] == year) & frame["education"].isin(list(WIC_LEVELS))]
    rows = rows[rows["age"].map(_first_age) >= 25]
    if rows.empty:
        raise KeyError(f"{WIC_FRAME} has no rows for M49 {m49} in {year}")
    expected = len(WIC_LEVELS) * 2 * rows["age"].nunique()
    if len(rows) != expected or rows["epop"].isna().any():
        raise ValueError(f"M49 {m49} {year}: expected {expected} complete rows (6 levels x 2 sexes x ages), "
                         f"got {len(rows)} with {int(rows['epop'].isna().sum())} missing")
    rows = rows.assign(band=rows["age"].map(lambda g: band_of(_first_age(g), EDUCATION_BANDS)),
                       level=rows["education"].map(WIC_LEVELS), sex=rows["sex"].astype(str))
    return rows.pivot_table(index=["sex", "band"], columns="level", values="epop", aggfunc="sum")


def wic_education(frame: pd.DataFrame, m49: int, year: int) -> dict[str, Any]:
    """The ``education`` body: shares of the five levels by sex and band 25-34 … 65+."""
    table = wic_counts(frame, m49, year)
    body: dict[str, Any] = {}
    for sex, label in SEX_LABELS.items():
        body[sex] = {}
        for band in EDUCATION_BANDS:
            row = table.loc[(label, band), EDUCATION_LEVELS].astype(float)
            body[sex][band] = {level: round(float(row[level] / row.sum()), 6) for level in EDUCATION_LEVELS}
    return body


def read_wup(path: Path) -> pd.DataFrame:
    """The WUP copy indexed by (entity, year) with ``urban`` and ``rural`` persons."""
    frame = pd.read_csv(path, encoding="utf-8-sig").rename(columns={WUP_URBAN: "urban", WUP_RURAL: "rural"})
    missing = {"Entity", "Year", "urban", "rural"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame.set_index(["Entity", "Year"])[["urban", "rural"]]


def wup_entity(frame: pd.DataFrame, iso3: str) -> str:
    """The WUP entity name of a country (known spelling, else the ISO names)."""
    import pycountry

    found = pycountry.countries.get(alpha_3=iso3)
    names = [WUP_ENTITY.get(iso3)] + ([getattr(found, k, None) for k in ("common_name", "name", "official_name")]
                                      if found else [])
    entities = set(frame.index.get_level_values(0))
    for name in names:
        if name and name in entities:
            return name
    raise KeyError(f"the WUP copy has no entity for {iso3} (tried {[n for n in names if n]})")


def urban_share(frame: pd.DataFrame, entity: str, year: int) -> float:
    """Urban share of the population of one entity in one year."""
    if (entity, year) not in frame.index:
        raise KeyError(f"the WUP copy has no row for {entity!r} in {year}")
    row = frame.loc[(entity, year)]
    return float(row["urban"] / (row["urban"] + row["rural"]))


def read_pew_2025(path: Path) -> pd.DataFrame:
    """Country rows (Level 1) of the Pew 2025 percentages file, indexed by (M49 code, year)."""
    frame = pd.read_csv(path, encoding="utf-8-sig")
    missing = [c for c in ["Countrycode", "Year", "Level", PEW_OTHER, *PEW_COLUMNS.values()] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    return frame[frame["Level"] == 1].set_index(["Countrycode", "Year"])


def pew_percent(frame: pd.DataFrame, m49: int, year: int) -> dict[str, float]:
    """Percentages of the six named groups and ``other`` (Pew's Other_religions, folk religions included)."""
    if (m49, year) not in frame.index:
        raise KeyError(f"the Pew file has no country row for M49 {m49} in {year}")
    row = frame.loc[(m49, year)]
    percent = {key: float(row[column]) for key, column in PEW_COLUMNS.items()}
    percent["other"] = float(row[PEW_OTHER])
    return percent
