"""Build the ``activity`` section of the country tables from ILO modelled estimates (ILOSTAT, 2023).

Inputs, per country, are extracts under ``$DEEPPERSONA_DATA_COPIES/ilostat/`` holding the 2023 rows
copied verbatim from the ILOSTAT copy ``open-numbers/ddf--ilo--ilostat`` (``PROVENANCE.json`` there
says which pages): ``eap_2wap_sex_age_rt`` (labour-force participation rate, LFPR, for 15-24, 25-54,
55-64, 65+), ``une_2eap_sex_age_rt`` (unemployment rate for 15-24 and 25+) and ``eip_2eet_sex_rt``
(share of 15-24 not in employment, education or training, NEET); plus the country file's own
``age_sex`` counts, used only to weight 15-19 against 20-24.

The rule (:mod:`deeppersona_agents.demographics.activity_rule`), the same for every country and sex
(the constants are assumptions, not data):

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

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import COUNTRIES_DIR, M49, copies_dir, copy_record, write_section  # noqa: E402

# The rule lives in the package (``demographics import`` applies it too).
from deeppersona_agents.demographics.activity_rule import BANDS, NOTES, activity_for_sex, rates  # noqa: E402
from deeppersona_agents.demographics.ilostat import read_rows  # noqa: E402

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
SOURCE = (
    "ILO modelled estimates (ILOSTAT copy), 2023: labour-force participation rate by sex and age "
    "(EAP_2WAP_SEX_AGE_RT), unemployment rate by sex and age (UNE_2EAP_SEX_AGE_RT), youth NEET rate by sex "
    "(EIP_2EET_SEX_RT); split into bands and inactive reasons by the rule in notes"
)


def country_inputs(iso3: str, copies: Path) -> dict[str, dict[str, float]]:
    """Per sex: LFPR for 15-24/25-54/55-64/65+, unemployment for 15-24/25+, NEET 15-24 (fractions)."""
    rows = {}
    for indicator in PATHS:
        path = copies / "ilostat" / indicator / f"{iso3.lower()}.csv"
        rows[indicator] = read_rows(path)
        for row in rows[indicator]:
            if row["ref_area"] != iso3.lower() or row["time"] != YEAR:
                raise ValueError(f"{path}: unexpected row {row}")
    return rates(rows, iso3, int(YEAR))


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
