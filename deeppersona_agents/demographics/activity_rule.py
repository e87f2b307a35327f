"""The rule that turns ILO modelled labour-force rates into the ``activity`` section (a stated rule, not data).

Sits before the tables, shared by ``scripts/data/ilostat_activity.py`` (shipped tables) and ``demographics
import`` (a user's tables). Inputs per sex: the labour-force participation rate (LFPR) for 15-24, 25-54,
55-64, 65+ and 15+ (``eap_2wap_sex_age_rt``), the unemployment rate for 15-24, 25+ and 15+
(``une_2eap_sex_age_rt``) and the youth NEET rate (``eip_2eet_sex_rt``), as fractions, plus the
population at 15-19 and 20-24. The rule is stated in :data:`NOTES` and in the builder's docstring; the
constants below are assumptions with no source.
"""

from __future__ import annotations

import math

BANDS = ["15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ACTIVITIES = ["employed", "unemployed", "student", "retired", "homemaker", "other_inactive"]
SEX_CODES = {"male": "sex_m", "female": "sex_f"}
#: Indicator -> the (classif1 or "") of each rate read, by key.
INPUTS = {
    "eap_2wap_sex_age_rt": {"lfpr_15_24": "age_ythadult_y15_24", "lfpr_25_54": "age_aggregate_y25_54",
                            "lfpr_55_64": "age_aggregate_y55_64", "lfpr_65": "age_aggregate_yge65",
                            "lfpr_15": "age_ythadult_yge15"},
    "une_2eap_sex_age_rt": {"u_15_24": "age_ythadult_y15_24", "u_25": "age_ythadult_yge25",
                            "u_15": "age_ythadult_yge15"},
    "eip_2eet_sex_rt": {"neet": ""},
}

ODDS_20_24 = 5.0
STUDENT_CARRY = {"25-34": 0.2, "35-44": 0.05}
RETIRED = {"35-44": 0.02, "45-54": 0.15, "55-64": 0.65, "65+": 0.95}
HOMEMAKER = {"female": 0.7, "male": 0.1}

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



def rates(rows_by_indicator: dict[str, list[dict[str, str]]], iso3: str, year: int) -> dict[str, dict[str, float]]:
    """Per sex, the rates of :data:`INPUTS` as fractions for one year.

    Raises:
        KeyError: a rate the rule needs is not in the rows (names the indicator, sex, age class and year).
    """
    out: dict[str, dict[str, float]] = {sex: {} for sex in SEX_CODES}
    for ind, wanted in INPUTS.items():
        got = {(r["sex"], r.get("classif1", "") or ""): float(r["value"]) / 100 for r in rows_by_indicator[ind]
               if int(r["time"]) == year and r["ref_area"].lower() == iso3.lower()}
        for sex, code in SEX_CODES.items():
            for key, cls in wanted.items():
                if (code, cls) not in got:
                    raise KeyError(f"{ind} has no {iso3} {code} {cls or 'total'} row for {year}")
                out[sex][key] = got[(code, cls)]
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
    top = max(out, key=lambda k: out[k])
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
