"""Builds the ``urban`` section of the country files from UN WUP 2018 (the urban/rural place a persona lives in).

Copy: ``owid/owid-datasets``, the OWID table of WUP 2018 annual urban and rural population at mid-year
(WUP files 19 and 20), one row per country name and year 1950-2050.
Rule: share = urban / (urban + rural) for 2023, a year present in the file, so the section is ``checked``.

Run: ``.venv/bin/python scripts/data/build_urban.py [ISO3 ...]`` (all 30 countries by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from _common import COUNTRIES_DIR, M49, copy_record, write_section
from _copies import local_copy

from deeppersona_agents.demographics.copies import WUP_ENTITY, WUP_RURAL, WUP_URBAN, read_wup
from deeppersona_agents.demographics.copies import urban_share as _share

DATASET = "Urban and rural population 1950-2050 - UN World Urbanization Prospects 2018"
COPY = copy_record(
    "owid/owid-datasets", f"datasets/{DATASET}/{DATASET}.csv", "9df0a2280a4b083031a6eeedf59687a96c1f1022",
    head="48c9992ae317b35ed327fc36d2af75fe8b3ef7ed",
    sha256="fdf8566b8716aa83e489203f0b7f62b07738ba94bf4c658ffbcc4a155e10e067",
)
YEAR = 2023
SOURCE = ("UN DESA Population Division, World Urbanization Prospects 2018: urban and rural population at mid-year "
          "(files 19 and 20), urban share for 2023")
NOTES = "share = urban / (urban + rural) in 2023, from populations rounded to thousands in the copy."
URBAN, RURAL, ENTITY = WUP_URBAN, WUP_RURAL, WUP_ENTITY


def read_copy(path: Path) -> pd.DataFrame:
    """The copy as a frame indexed by (entity, year) with ``urban`` and ``rural`` persons."""
    return read_wup(path)


def urban_share(frame: pd.DataFrame, entity: str, year: int = YEAR) -> float:
    """Urban share of the population of one entity in one year."""
    return _share(frame, entity, year)


def main(argv: list[str] | None = None, countries_dir: Path = COUNTRIES_DIR, copies: Path | None = None) -> int:
    """Write the section for the named countries (default all 30) and print the check against the copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries", nargs="*", default=sorted(M49), help="ISO-3 codes (default: all 30)")
    args = parser.parse_args(argv)
    try:
        frame = read_copy(local_copy(COPY, copies))
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'iso3':5} {'WUP 2023':>9} {'written':>8} {'|diff|':>8} {'old':>6}")
    worst = 0.0
    for iso3 in args.countries:
        old = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8")).get("urban", {})
        share = urban_share(frame, ENTITY[iso3])
        write_section(iso3, "urban", {"share": round(share, 5)}, source=SOURCE, year=YEAR, precision="checked",
                      copy=COPY, notes=NOTES, countries_dir=countries_dir)
        written = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))["urban"]["share"]
        diff = abs(written - share)
        worst = max(worst, diff)
        print(f"{iso3:5} {share:9.5f} {written:8.5f} {diff:8.1e} {old.get('share', float('nan')):6.3f}")
    print(f"largest difference between the written shares and the copy: {worst:.1e} (target <= 0.005)")
    return 0 if worst <= 0.005 else 1


if __name__ == "__main__":
    raise SystemExit(main())
