"""Builds the ``education`` section of the country files from the Wittgenstein Centre (a persona's highest level).

Copy: ``guyabel/wcde`` ``data/past_epop.rda``, frame ``past_epop``: population (thousands) by country (M49), year,
5-year age group, sex and education, Wittgenstein Centre Human Capital Data Explorer v2 (2018).
Rule: year 2020; the six-level scheme only (the 8-level detail of post-secondary is not read); No Education +
Incomplete Primary -> less_than_primary, Primary, Lower Secondary, Upper Secondary, Post Secondary -> tertiary;
the 5-year groups are summed into the bands 25-34 … 65+ (so each group weighs by its population) and each band
is divided by its total. Only regrouping, so the section is ``checked``.

Run: ``.venv/bin/python scripts/data/build_education.py [ISO3 ...]`` (all 30 countries by default).
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

from deeppersona_agents.demographics.copies import SEX_LABELS, WIC_LEVELS, wic_counts, wic_education
from deeppersona_agents.demographics.copies import WIC_FRAME as FRAME
from deeppersona_agents.demographics.tables import EDUCATION_BANDS, EDUCATION_LEVELS

COPY = copy_record(
    "guyabel/wcde", "data/past_epop.rda", "c8c1131beba29854c217e476e92d91e7d043ea4a",
    head="1856910d3ebeea8a40654967a7ebfcab4dbbbda3",
    sha256="321a58d58ac7673ffd998d7d8438c6185c017f210be6bcc51ed9702393d410ae",
)
YEAR = 2020
SOURCE = ("Wittgenstein Centre for Demography and Global Human Capital, Human Capital Data Explorer v2 (2018): "
          "population by age, sex and educational attainment, 2020 (projected from the 2015 base), six-level scheme")
NOTES = ("Highest level completed: No Education + Incomplete Primary = less_than_primary; Post Secondary = tertiary; "
         "5-year age groups summed into the bands.")
LEVELS, SEXES = WIC_LEVELS, SEX_LABELS


def counts(frame: pd.DataFrame, m49: int, year: int = YEAR) -> pd.DataFrame:
    """Thousands by (sex, band) x shipped level for one country, ages 25 and over."""
    return wic_counts(frame, m49, year)


def education(frame: pd.DataFrame, m49: int, year: int = YEAR) -> dict[str, Any]:
    """The section body: shares of the five levels by sex and band."""
    return wic_education(frame, m49, year)


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
    print(f"{'iso3':5} {'max TVD vs copy (10 rows)':>26} {'tertiary 25-34 m/f':>19} {'mean TVD vs old':>16}")
    worst = 0.0
    for iso3 in args.countries:
        old = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8")).get("education")
        body = education(frame, M49[iso3])
        write_section(iso3, "education", body, source=SOURCE, year=YEAR, precision="checked", copy=COPY, notes=NOTES,
                      countries_dir=countries_dir)
        written = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))["education"]
        table = counts(frame, M49[iso3])
        distances, changes = [], []
        for sex, label in SEXES.items():
            for band in EDUCATION_BANDS:
                ours = [written[sex][band][level] for level in EDUCATION_LEVELS]
                distances.append(tvd(ours, table.loc[(label, band), EDUCATION_LEVELS]))
                if old:
                    changes.append(tvd([old[sex][band][level] for level in EDUCATION_LEVELS], ours))
        worst = max(worst, max(distances))
        tertiary = f"{written['male']['25-34']['tertiary']:.3f}/{written['female']['25-34']['tertiary']:.3f}"
        before = f"{np.mean(changes):.4f}" if changes else "-"
        print(f"{iso3:5} {max(distances):26.1e} {tertiary:>19} {before:>16}")
    print(f"largest TVD between a written row and the copy: {worst:.1e}")
    return 0 if worst <= 0.005 else 1


if __name__ == "__main__":
    raise SystemExit(main())
