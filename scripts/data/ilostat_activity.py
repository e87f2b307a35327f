"""Build the ``activity`` section of the country tables from ILO modelled estimates (ILOSTAT, 2023).

Inputs, per country, are extracts under ``$DEEPPERSONA_DATA_COPIES/ilostat/`` holding the 2023 rows
copied verbatim from the ILOSTAT copy ``open-numbers/ddf--ilo--ilostat`` (``PROVENANCE.json`` there
says which pages): ``eap_2wap_sex_age_rt`` (labour-force participation rate, LFPR, for 15-24, 25-54,
55-64, 65+), ``une_2eap_sex_age_rt`` (unemployment rate for 15-24 and 25+) and ``eip_2eet_sex_rt``
(share of 15-24 not in employment, education or training, NEET); plus the country file's own
``age_sex`` counts, used only to weight 15-19 against 20-24.

The rule, the same for every country and sex (the constants are assumptions, not data):

1. employed = LFPR x (1 - u) and unemployed = LFPR x u, with u(15-24) for 15-19 and 20-24 and
   u(25+) for every older band.
2. 25-34, 35-44 and 45-54 all take LFPR(25-54); 55-64 and 65+ take their own series.
3. LFPR(15-19) and LFPR(20-24) split LFPR(15-24): the odds of taking part are ``ODDS_20_24`` times
   higher at 20-24, solved so that the population-weighted mean is LFPR(15-24).
4. Students at 15-24 are the inactive minus the inactive NEET; inactive NEET = NEET - LFPR x u
   (unemployed youth are counted as out of education), floored at 0, with the same population share
   in 15-19 and 20-24 (capped at a band's inactive share, the excess moved to the other band).
5. Students at 25-34 and 35-44 are ``STUDENT_CARRY`` times the student share at 20-24 (capped at the
   band's inactive share); none from 45.
6. Of the inactive who are not students, the retired share is ``RETIRED[band]`` x LFPR(25-54) of the
   same sex (only those who worked in prime age retire); of the rest, ``HOMEMAKER[sex]`` keep house
   and the others are ``other_inactive``.

Run: ``.venv/bin/python scripts/data/ilostat_activity.py [ISO3 ...]`` (default: all 30 countries).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import COUNTRIES_DIR, M49, copies_dir, copy_record, write_section  # noqa: E402

REPO = "open-numbers/ddf--ilo--ilostat"
COMMIT = "c50d060595275a48961dbd0c5971eedea95ffad8"
PATHS = {
    "eap_2wap_sex_age_rt": "datapoints/ddf--datapoints--eap_2wap_sex_age_rt--by--ref_area--sex--classif1--time/"
    "ddf--datapoints--eap_2wap_sex_age_rt--by--ref_area-{iso}--sex--classif1--time.csv",
    "une_2eap_sex_age_rt": "datapoints/ddf--datapoints--une_2eap_sex_age_rt--by--ref_area--sex--classif1--time.csv",
    "eip_2eet_sex_rt": "datapoints/ddf--datapoints--eip_2eet_sex_rt--by--ref_area--sex--time.csv",
}
YEAR = "2023"
SEXES = {"male": "sex_m", "female": "sex_f"}
BANDS = ["15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ACTIVITIES = ["employed", "unemployed", "student", "retired", "homemaker", "other_inactive"]

ODDS_20_24 = 5.0
STUDENT_CARRY = {"25-34": 0.2, "35-44": 0.05}
RETIRED = {"35-44": 0.02, "45-54": 0.15, "55-64": 0.65, "65+": 0.95}
HOMEMAKER = {"female": 0.7, "male": 0.1}

SOURCE = (
    "ILO modelled estimates (ILOSTAT copy), 2023: labour-force participation rate by sex and age "
    "(EAP_2WAP_SEX_AGE_RT), unemployment rate by sex and age (UNE_2EAP_SEX_AGE_RT), youth NEET rate by sex "
    "(EIP_2EET_SEX_RT); split into bands and inactive reasons by the rule in notes"
)
NOTES = (
    "Derived from ILO modelled LFPR (15-24, 25-54, 55-64, 65+), unemployment (15-24, 25+) and youth NEET, 2023. "
    f"Rule: employed = LFPR x (1-u), unemployed = LFPR x u (u 15-24 for 15-19/20-24, u 25+ above); 25-34/35-44/45-54 "
    f"take LFPR 25-54; LFPR 15-19 vs 20-24 split with participation odds {ODDS_20_24:g}x higher at 20-24, "
    "population-weighted (age_sex) to LFPR 15-24; students 15-24 = inactive minus inactive NEET (NEET - LFPR x u), "
    "same inactive-NEET share in both youth bands; students 25-34/35-44 = "
    f"{STUDENT_CARRY['25-34']:g}/{STUDENT_CARRY['35-44']:g} x the 20-24 student share; retired = "
    + ", ".join(f"{b} {r:g}" for b, r in RETIRED.items())
    + " x LFPR 25-54 (same sex) of the non-student inactive; of the rest homemaker "
    f"{HOMEMAKER['female']:g} (women) / {HOMEMAKER['male']:g} (men), else other_inactive. "
    "The inactive split has no source (assumed constants, see scripts/data/ilostat_activity.py)."
)


def read_rates(path: Path, iso3: str) -> dict[tuple[str, str], float]:
    """Rates (as fractions) of one extract, keyed by (sex code, classif1 or '')."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    value = path.parent.name
    out = {}
    for row in rows:
        if row["ref_area"] != iso3.lower() or row["time"] != YEAR:
            raise ValueError(f"{path}: unexpected row {row}")
        out[(row["sex"], row.get("classif1", ""))] = float(row[value]) / 100
    return out


def country_inputs(iso3: str, copies: Path) -> dict[str, dict[str, float]]:
    """Per sex: LFPR for 15-24/25-54/55-64/65+, unemployment for 15-24/25+, NEET 15-24 (fractions)."""
    folder = copies / "ilostat"
    lfpr = read_rates(folder / "eap_2wap_sex_age_rt" / f"{iso3.lower()}.csv", iso3)
    une = read_rates(folder / "une_2eap_sex_age_rt" / f"{iso3.lower()}.csv", iso3)
    neet = read_rates(folder / "eip_2eet_sex_rt" / f"{iso3.lower()}.csv", iso3)
    out = {}
    for sex, code in SEXES.items():
        out[sex] = {
            "lfpr_15_24": lfpr[(code, "age_ythadult_y15_24")],
            "lfpr_25_54": lfpr[(code, "age_aggregate_y25_54")],
            "lfpr_55_64": lfpr[(code, "age_aggregate_y55_64")],
            "lfpr_65": lfpr[(code, "age_aggregate_yge65")],
            "lfpr_15": lfpr[(code, "age_ythadult_yge15")],
            "u_15_24": une[(code, "age_ythadult_y15_24")],
            "u_25": une[(code, "age_ythadult_yge25")],
            "u_15": une[(code, "age_ythadult_yge15")],
            "neet": neet[(code, "")],
        }
    return out


def split_youth(lfpr: float, w15: float, w20: float, odds: float = ODDS_20_24) -> tuple[float, float]:
    """LFPR at 15-19 and 20-24 with odds ratio ``odds`` whose ``w``-weighted mean is ``lfpr``."""

    def pair(x: float) -> tuple[float, float]:
        return 1 / (1 + math.exp(-x)), 1 / (1 + math.exp(-x - math.log(odds)))

    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        a, b = pair(mid)
        if (w15 * a + w20 * b) / (w15 + w20) < lfpr:
            lo = mid
        else:
            hi = mid
    return pair((lo + hi) / 2)


def _rounded(shares: dict[str, float]) -> dict[str, float]:
    out = {k: round(max(shares[k], 0.0), 4) for k in ACTIVITIES}
    top = max(out, key=out.get)
    out[top] = round(out[top] + 1 - sum(out.values()), 4)
    return out


def activity_for_sex(r: dict[str, float], sex: str, w15: float, w20: float) -> dict[str, dict[str, float]]:
    """The shares per band for one sex, by the module's rule."""
    l15, l20 = split_youth(r["lfpr_15_24"], w15, w20)
    lfpr = {"15-19": l15, "20-24": l20, "25-34": r["lfpr_25_54"], "35-44": r["lfpr_25_54"],
            "45-54": r["lfpr_25_54"], "55-64": r["lfpr_55_64"], "65+": r["lfpr_65"]}
    inactive_neet = max(0.0, r["neet"] - r["lfpr_15_24"] * r["u_15_24"])
    i15, i20 = inactive_neet, inactive_neet
    if i20 > 1 - l20:
        i15, i20 = i15 + (i20 - (1 - l20)) * w20 / w15, 1 - l20
    if i15 > 1 - l15:
        i15, i20 = 1 - l15, min(1 - l20, i20 + (i15 - (1 - l15)) * w15 / w20)
    student = {"15-19": 1 - l15 - i15, "20-24": 1 - l20 - i20}
    for band, carry in STUDENT_CARRY.items():
        student[band] = min(1 - lfpr[band], carry * student["20-24"])
    out = {}
    for band in BANDS:
        u = r["u_15_24"] if band in ("15-19", "20-24") else r["u_25"]
        rest = 1 - lfpr[band] - student.get(band, 0.0)
        retired = RETIRED.get(band, 0.0) * r["lfpr_25_54"] * rest
        home = HOMEMAKER[sex] * (rest - retired)
        out[band] = _rounded({
            "employed": lfpr[band] * (1 - u), "unemployed": lfpr[band] * u, "student": student.get(band, 0.0),
            "retired": retired, "homemaker": home, "other_inactive": rest - retired - home,
        })
    return out


def youth_weights(table: dict, sex: str) -> tuple[float, float]:
    """Population at 15-19 and 20-24 from the file's own ``age_sex`` section."""
    bands, counts = table["age_sex"]["bands"], table["age_sex"][sex]
    return counts[bands.index("15-19")], counts[bands.index("20-24")]


def copy_records(iso3: str, copies: Path) -> list[dict]:
    """One ``copy`` entry per ILOSTAT file read, with the extract and the pages it came from."""
    prov_path = copies / "ilostat" / "PROVENANCE.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8"))["files"] if prov_path.exists() else {}
    out = []
    for indicator, path in PATHS.items():
        extract = f"{indicator}/{iso3.lower()}.csv"
        extra = {"extract": f"ilostat/{extract}"}
        if extract in prov:
            extra["offsets"] = prov[extract]["offsets"]
        out.append(copy_record(REPO, path.format(iso=iso3.lower()), COMMIT, **extra))
    return out


def build(iso3: str, copies: Path, countries_dir: Path = COUNTRIES_DIR) -> dict[str, dict[str, dict[str, float]]]:
    """Compute and write one country's ``activity`` section; return its body."""
    table = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))
    rates = country_inputs(iso3, copies)
    body = {sex: activity_for_sex(rates[sex], sex, *youth_weights(table, sex)) for sex in SEXES}
    write_section(iso3, "activity", body, source=SOURCE, year=2023, precision="derived",
                  copy=copy_records(iso3, copies), notes=NOTES, countries_dir=countries_dir)
    return body


def check_against_copy(iso3: str, copies: Path, countries_dir: Path = COUNTRIES_DIR) -> dict[str, dict[str, float]]:
    """Per sex, the section's LFPR and employed share at 15+ (age_sex weights) and the copy's figures."""
    table = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))
    rates = country_inputs(iso3, copies)
    bands = table["age_sex"]["bands"]
    out = {}
    for sex in SEXES:
        counts = dict(zip(bands, table["age_sex"][sex], strict=True))
        weight = {b: sum(v for k, v in counts.items() if _in_band(k, b)) for b in BANDS}
        total = sum(weight.values())
        act = table["activity"][sex]
        lfpr = sum(weight[b] * (act[b]["employed"] + act[b]["unemployed"]) for b in BANDS) / total
        emp = sum(weight[b] * act[b]["employed"] for b in BANDS) / total
        r = rates[sex]
        out[sex] = {"lfpr_15": lfpr, "copy_lfpr_15": r["lfpr_15"], "employed_15": emp,
                    "copy_employed_15": r["lfpr_15"] * (1 - r["u_15"])}
    return out


def _in_band(five_year: str, band: str) -> bool:
    lo = int(five_year.rstrip("+").split("-")[0])
    b_lo, _, b_hi = band.rstrip("+").partition("-")
    return lo >= int(b_lo) and (not b_hi or lo <= int(b_hi))


def main(argv: list[str] | None = None) -> int:
    """Rewrite the activity section for the given (default: all) countries and print the 15+ check."""
    codes = [c.upper() for c in (argv if argv is not None else sys.argv[1:])] or sorted(M49)
    copies = copies_dir()
    for iso3 in codes:
        build(iso3, copies)
        for sex, c in check_against_copy(iso3, copies).items():
            print(f"{iso3} {sex:6s} LFPR15+ {c['lfpr_15']:.3f} (copy {c['copy_lfpr_15']:.3f})  "
                  f"employed15+ {c['employed_15']:.3f} (copy LFPRx(1-u) {c['copy_employed_15']:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
