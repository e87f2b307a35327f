"""Builds the ``religion`` section of the country files from Pew's religious composition 2020 (a persona's religion).

Copies:
- Pew Research Center, *Religious Composition 2010-2020* (June 2025), percentages file, as bundled verbatim by
  ``wladimirchagas/Hana-s-flag-game`` (read by pages, reassembled, sha256 equal to the one that repository records).
  Its ``Other_religions`` includes folk religions.
- Pew, *Global Religious Futures* (2015), counts for 2010-2050 (copy ``ParadiseN1/religion_composition``), which
  lists folk religions apart from other religions; used only to split ``Other_religions``.

Rule: christian, muslim, unaffiliated, hindu, buddhist and jewish are the 2020 percentages / 100. ``Other_religions``
(2020) is split into folk_religion and other in the ratio folk : other of the 2015 file's 2020 counts (``<10,000``
read as 0; all to other when both are 0). The split makes the section ``derived``.

Run: ``.venv/bin/python scripts/data/build_religion.py [ISO3 ...]`` (all 30 countries by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from _common import COUNTRIES_DIR, M49, copy_record, write_section
from _copies import local_copy, tvd

from deeppersona_agents.demographics.copies import PEW_COLUMNS, pew_percent, read_pew_2025
from deeppersona_agents.demographics.tables import RELIGIONS

PEW_2025 = copy_record(
    "wladimirchagas/Hana-s-flag-game", "scripts/data/pew-religious-composition-2010-2020-percentages.csv",
    "cfe949567747176b8196f039a6cce63e6e42b13e",
    sha256="0634d9ff61bcce57c4e9aecd5fdcdd84e01cd465089b39450fd85527c0351d2f",
    publisher_file="Religious-Composition-2010-2020-dataset.zip (Pew Research Center, June 2025), percentages table",
)
PEW_2015 = copy_record(
    "ParadiseN1/religion_composition", "Religious_Composition_by_Country_2010-2050.csv",
    "bd31d724a525d88796eb398aed7fa639607d941d",
    sha256="6c24a2abe4da8b422eb8e1ab4d487a82d71edf6eb53597df949b558a0b263865",
)
YEAR = 2020
SOURCE = ("Pew Research Center, religious composition by country 2010-2020 (June 2025), shares for 2020; folk "
          "religions split from other religions with Pew Global Religious Futures (2015), 2020 counts")
NOTES = ("Derived: Pew 2025 Other_religions (folk included) split into folk_religion and other in the ratio "
         "Folk Religions : Other Religions of the 2015 file's 2020 counts ('<10,000' = 0); the other six groups "
         "are the 2020 percentages / 100.")
COLUMNS = PEW_COLUMNS


def read_pew_2015(path: Path) -> pd.DataFrame:
    """Country rows of the 2015 counts file, indexed by (country name, year); counts as numbers."""
    frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str)
    frame = frame[frame["level"].str.strip() == "1"]
    for column in ("Folk Religions", "Other Religions"):
        text = frame[column].str.strip().str.replace(",", "", regex=False)
        frame[column] = pd.to_numeric(text.where(~text.str.startswith("<"), "0"))
    frame["Year"] = frame["Year"].astype(int)
    frame["Country"] = frame["Country"].str.strip()
    return frame.set_index(["Country", "Year"])


def folk_fraction(counts_2015: pd.DataFrame, country: str, year: int = YEAR) -> float:
    """Folk religions as a fraction of folk + other religions in the 2015 file."""
    if (country, year) not in counts_2015.index:
        raise KeyError(f"the 2015 Pew file has no row for {country!r} in {year}")
    row = counts_2015.loc[(country, year)]
    both = row["Folk Religions"] + row["Other Religions"]
    return float(row["Folk Religions"] / both) if both > 0 else 0.0


def religion_shares(pew_2025: pd.DataFrame, counts_2015: pd.DataFrame, m49: int, year: int = YEAR) -> dict:
    """The section's ``shares`` for one country, summing to 1."""
    percent = pew_percent(pew_2025, m49, year)
    folk = folk_fraction(counts_2015, str(pew_2025.loc[(m49, year)]["Country"]), year)
    other = percent.pop("other")
    percent["folk_religion"] = other * folk
    percent["other"] = other * (1 - folk)
    total = sum(percent.values())
    return {key: round(percent[key] / total, 6) for key in RELIGIONS}


def main(argv: list[str] | None = None, countries_dir: Path = COUNTRIES_DIR, copies: Path | None = None) -> int:
    """Write the section for the named countries (default all 30) and print the check against the copies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries", nargs="*", default=sorted(M49), help="ISO-3 codes (default: all 30)")
    args = parser.parse_args(argv)
    try:
        pew_2025 = read_pew_2025(local_copy(PEW_2025, copies))
        counts_2015 = read_pew_2015(local_copy(PEW_2015, copies))
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'iso3':5} {'Pew rows sum':>12} {'TVD vs Pew 2025 (7 groups)':>27} {'folk share':>10} {'TVD vs old':>10}")
    worst = 0.0
    for iso3 in args.countries:
        old = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8")).get("religion", {})
        shares = religion_shares(pew_2025, counts_2015, M49[iso3])
        write_section(iso3, "religion", {"shares": shares}, source=SOURCE, year=YEAR, precision="derived",
                      copy=[PEW_2025, PEW_2015], notes=NOTES, countries_dir=countries_dir)
        written = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))["religion"]["shares"]
        row = pew_2025.loc[(M49[iso3], YEAR)]
        pew = [*(row[c] for c in COLUMNS.values()), row["Other_religions"]]
        ours = [*(written[k] for k in COLUMNS), written["folk_religion"] + written["other"]]
        distance = tvd(ours, pew)
        worst = max(worst, distance)
        before = f"{tvd([old['shares'][k] for k in RELIGIONS], [written[k] for k in RELIGIONS]):.4f}" if old else "-"
        print(f"{iso3:5} {sum(pew):12.4f} {distance:27.1e} {written['folk_religion']:10.4f} {before:>10}")
    print(f"largest TVD between the written shares (folk + other merged) and Pew 2025: {worst:.1e}")
    return 0 if worst <= 0.005 else 1


if __name__ == "__main__":
    raise SystemExit(main())
