"""Builds the ``age_sex`` section of the country files from UN WPP 2024 (the age and sex every persona is anchored on).

Copy: ``chitrams/populaR`` ``data/wpp_age_sex_fiveyr.rda`` (WPP 2024 estimates, persons by 5-year group and sex).
Rule: the 1 July 2023 rows of the country's M49 code; the groups 85-89 … 100+ are summed into 85+; persons are
divided by 1,000. Nothing else changes, so the section is ``checked``.

Run: ``.venv/bin/python scripts/data/build_age_sex.py [ISO3 ...]`` (all 30 countries by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import COUNTRIES_DIR, M49, copy_record, write_section
from _copies import local_copy, read_rda, tvd

from deeppersona_agents.demographics.copies import WPP_FRAME as FRAME
from deeppersona_agents.demographics.copies import wpp_age_sex, wpp_rows

COPY = copy_record(
    "chitrams/populaR", "data/wpp_age_sex_fiveyr.rda", "d2e3cea48874c27ba00476c52cfb4e200e61c97a",
    head="b1eb3b51ff9dcb192337d433646b3ccd85294a64",
    sha256="155b7017f55c9526bd7c532377fbcde111462524a394b77be6f2e725ce3440b6",
)
YEAR = 2023
SOURCE = ("UN DESA Population Division, World Population Prospects 2024 (estimates): population by 5-year age "
          "group and sex, 1 July 2023, thousands")
NOTES = "85+ is the sum of the WPP groups 85-89, 90-94, 95-99 and 100+; persons divided by 1,000."


def country_rows(frame: pd.DataFrame, m49: int, year: int = YEAR) -> pd.DataFrame:
    """The copy's rows for one country and year (all sexes, all groups)."""
    return wpp_rows(frame, m49, year)


def age_sex(frame: pd.DataFrame, m49: int, year: int = YEAR) -> dict[str, Any]:
    """The section body (parsing in :func:`deeppersona_agents.demographics.copies.wpp_age_sex`)."""
    return wpp_age_sex(frame, m49, year)


def cells(body: dict[str, Any]) -> np.ndarray:
    """The 36 age × sex counts of a section body, male bands first."""
    return np.array(body["male"] + body["female"], float)


def copy_cells(frame: pd.DataFrame, m49: int, year: int = YEAR) -> np.ndarray:
    """The same 36 cells read straight from the copy with a pivot (independent of :func:`age_sex`)."""
    rows = country_rows(frame, m49, year)
    table = rows.assign(open_band=rows["ageStart"].clip(upper=85)).pivot_table(
        index="open_band", columns=rows["sexId"].astype(str), values="population", aggfunc="sum"
    )
    return np.concatenate([table["Male"].to_numpy(), table["Female"].to_numpy()])


def main(argv: list[str] | None = None, countries_dir: Path = COUNTRIES_DIR, copies: Path | None = None) -> int:
    """Write the section for the named countries (default all 30) and print the check against the copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries", nargs="*", default=sorted(M49), help="ISO-3 codes (default: all 30)")
    args = parser.parse_args(argv)
    try:
        frame = read_rda(local_copy(COPY, copies), FRAME)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'iso3':5} {'total (M)':>10} {'TVD vs copy':>12} {'max |M+F-both| (persons)':>25} {'TVD vs old':>11}")
    worst = 0.0
    for iso3 in args.countries:
        m49 = M49[iso3]
        old = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8")).get("age_sex")
        body = age_sex(frame, m49)
        write_section(iso3, "age_sex", body, source=SOURCE, year=YEAR, precision="checked", copy=COPY, notes=NOTES,
                      countries_dir=countries_dir)
        written = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))["age_sex"]
        rows = country_rows(frame, m49)
        both = rows[rows["sexId"].astype(str) == "Both sexes"]["population"].sum()
        gap = abs(sum(written["male"]) * 1000 + sum(written["female"]) * 1000 - both)
        distance = tvd(cells(written), copy_cells(frame, m49))
        worst = max(worst, distance)
        before = f"{tvd(cells(old), cells(written)):.4f}" if old else "-"
        print(f"{iso3:5} {cells(written).sum() / 1000:10.2f} {distance:12.2e} {gap:25.1f} {before:>11}")
    print(f"largest TVD between the written sections and the copy: {worst:.2e} (target <= 0.005)")
    return 0 if worst <= 0.005 else 1


if __name__ == "__main__":
    raise SystemExit(main())
