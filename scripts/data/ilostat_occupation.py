"""Build the ``occupation`` section of every country file from ILOSTAT extracts.

Sits before the product: it reads row extracts of three ILOSTAT series (copied verbatim from
``open-numbers/ddf--ilo--ilostat``, see ``scripts/data/README.md``) and writes shares among the
employed by ISCO-08 major group, per sex and, where the survey has it, per sex and age band.

Extracts live under ``$DEEPPERSONA_DATA_COPIES/ilostat/`` (default ``../data-copies/ilostat``):

* ``emp_temp_sex_age_ocu_nb/iso3.csv`` survey-based employment by sex, age and occupation (one year);
  its ``age_aggregate_total`` rows are the survey-based employment by sex and occupation.
* ``emp_temp_sex_ocu_nb/iso3.csv`` survey-based employment by sex and occupation (one year; also the
  ISCO-08/88 groups 6 and 9 used to split the modelled series).
* ``emp_2emp_sex_ocu_nb/iso3.csv`` ILO modelled employment by sex and occupation (groups 6 and 9
  merged as ``96``, no armed forces).
* ``PROVENANCE-occupation.json`` repository, path, commit and offsets read, per extract.

Run: ``python scripts/data/ilostat_occupation.py [ISO3 ...]``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import COUNTRIES_DIR, M49, copies_dir, copy_record, write_section  # noqa: E402

# Row parsing lives in the package (``demographics import`` reads the same files).
from deeppersona_agents.demographics.ilostat import (  # noqa: E402
    GROUPS,
    counts,
    latest_year,
    occupation_body,
    read_rows,
    shares,
)
from deeppersona_agents.demographics.ilostat import code_of as _code  # noqa: E402

BY_AGE, SURVEY, MODELLED = "emp_temp_sex_age_ocu_nb", "emp_temp_sex_ocu_nb", "emp_2emp_sex_ocu_nb"
SEXES = {"sex_m": "male", "sex_f": "female"}
TOTAL = "age_aggregate_total"
#: Countries without any survey ISCO year split the modelled 6+9 by the pooled ratio of these peers.
PEERS: dict[str, list[str]] = {}
#: Survey years left out because the copy's breakdown is implausible (stated in the section notes).
_JPN_BREAK = ("from 2023 the copy has no group 7 row, group 8 is 2.4 (men) and 6 (women) times its 2022 value "
              "and the groups add up to more than the total")
SKIP_YEARS = {"PAK": {2025: "its 2025 rows put 92% of women and 99% of men in group 0 (armed forces)"},
              "JPN": {2023: _JPN_BREAK, 2024: _JPN_BREAK, 2025: _JPN_BREAK}}
#: Facts about a country's rows that a reader of the section needs (appended to its notes).
COUNTRY_NOTES = {"JPN": "The copy has no group 0 or group 3 rows for Japan in any year, so both are 0.",
                 "RUS": "The copy has no group 0 (armed forces) rows for Russia, so group 0 is 0."}
SECTOR = "emp_2emp_sex_eco_nb"
#: Countries whose modelled 6+9 is split by the ILO modelled agriculture employment instead of the survey ratio,
#: with the reason (their only survey ISCO years are far too old to describe the split today).
SECTOR_SPLIT = {"CHN": "China's only survey ISCO rows are ISCO-88 2000 (group 9 = 1% of 6+9), when agriculture "
                       "still employed about half of workers; the modelled 6+9 is 49% (men) / 55% (women) in 2023"}
NOTES = ("Shares among the employed with a known ISCO-08 major group (not classified excluded; cells the copy "
         "omits, suppressed small counts, count as 0).")


def root_dir() -> Path:
    """Folder holding the ILOSTAT extracts."""
    return copies_dir() / "ilostat"












def unclassified_note(totals: dict[str, dict[str, float]], year: int) -> str:
    """A sentence giving the share of the employed without an ISCO group, when it is above 1%."""
    share = {sex: v.get("x", 0.0) / v["total"] for sex, v in totals.items() if v.get("total")}
    if max(share.values(), default=0.0) <= 0.01:
        return ""
    return (f" Not classified by occupation in {year}: male {share.get('male', 0):.1%}, "
            f"female {share.get('female', 0):.1%}.")


def provenance(root: Path, indicator: str, iso3: str) -> dict[str, Any]:
    """The ``copy`` record of one extract, from ``PROVENANCE-occupation.json``."""
    table = json.loads((root / "PROVENANCE-occupation.json").read_text(encoding="utf-8"))
    key = f"{indicator}/{iso3.lower()}.csv"
    if key not in table:
        raise KeyError(f"{key} has no entry in PROVENANCE-occupation.json; record where its rows were read")
    entry = table[key]
    return copy_record(entry["repository"], entry["path"], entry["commit"], offsets=entry["offsets"],
                       extract=key)


def ratio_source(root: Path, iso3: str) -> str | None:
    """The survey extract that gives the 6:9 split: the sex-by-occupation one, else the by-age one."""
    for indicator in (SURVEY, BY_AGE):
        path = root / indicator / f"{iso3.lower()}.csv"
        if path.exists() and any(_code(r).startswith(("ocu_isco08_", "ocu_isco88_")) for r in read_rows(path)):
            return indicator
    return None


def split_ratio(root: Path, iso3: str) -> tuple[dict[str, float], str]:
    """Share of group 6 in groups 6+9 per sex, from the country's latest survey ISCO-08 or ISCO-88 year."""
    indicator = ratio_source(root, iso3)
    if indicator is not None:
        rows = read_rows(root / indicator / f"{iso3.lower()}.csv")
        age = TOTAL if indicator == BY_AGE else None
        if age is not None:
            rows = [r for r in rows if r["classif1"] == TOTAL]
        for prefix in ("ocu_isco08_", "ocu_isco88_"):
            if any(_code(r).startswith(prefix) for r in rows):
                year = latest_year(rows, prefix)
                got = counts(rows, year, prefix, age)
                ratio = {sex: got[sex]["6"] / (got[sex]["6"] + got[sex]["9"]) for sex in SEXES.values()}
                return ratio, f"{iso3}'s survey-based ISCO-{prefix[8:10]} groups 6 and 9 in {year}"
    peers = PEERS.get(iso3)
    if not peers:
        raise ValueError(f"{iso3}: no survey ISCO rows to split 6+9 and no peers named in PEERS")
    got = [split_ratio(root, p)[0] for p in peers]
    ratio = {sex: sum(r[sex] for r in got) / len(got) for sex in SEXES.values()}
    return ratio, f"the mean survey-based 6:(6+9) ratio of {', '.join(peers)}"


def sector_ratio(root: Path, iso3: str, year: int, merged: dict[str, dict[str, float]],
                 ) -> tuple[dict[str, float], str]:
    """Share of group 6 in the modelled 6+9: agriculture employment (ILO modelled, by sex) over 6+9, at most 1."""
    rows = read_rows(root / SECTOR / f"{iso3.lower()}.csv")
    agr = counts(rows, year, "eco_aggregate_")
    ratio = {sex: min(1.0, agr[sex]["agr"] / merged[sex]["96"]) for sex in SEXES.values()}
    return ratio, (f"the rule group 6 = employment in agriculture (ILO modelled, EMP_2EMP_SEX_ECO_NB "
                   f"eco_aggregate_agr, {year}; all agricultural workers counted as skilled agricultural workers), "
                   f"group 9 = the rest of the modelled 6+9")


def _skip_note(skipped: dict[int, str]) -> str:
    """Sentences naming the skipped years; years sharing a reason are named together."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for year, why in sorted(skipped.items()):
        by_reason[why].append(year)
    return "".join(f" {'-'.join(map(str, (ys[0], ys[-1]))) if len(ys) > 1 else ys[0]} not used: {why}."
                   for why, ys in by_reason.items())


def survey_section(root: Path, iso3: str) -> dict[str, Any]:
    """A ``checked`` section from the survey series (by age when the by-age extract exists)."""
    skipped = SKIP_YEARS.get(iso3, {})
    by_age = _has_isco08(root / BY_AGE / f"{iso3.lower()}.csv")
    indicator = BY_AGE if by_age else SURVEY
    year, body, totals = occupation_body(read_rows(root / indicator / f"{iso3.lower()}.csv"), skip=skipped)
    notes = NOTES + unclassified_note(totals, year) + _skip_note(skipped)
    if "by_age" in body:
        notes += " by_age: the same survey by age band."
    series = ("employment by sex, age and occupation (ISCO-08), survey-based (EMP_TEMP_SEX_AGE_OCU_NB, all ages 15+)"
              if by_age else "employment by sex and occupation (ISCO-08), survey-based (EMP_TEMP_SEX_OCU_NB)")
    return {"body": body, "year": year, "copy": provenance(root, indicator, iso3), "notes": notes,
            "source": f"ILOSTAT, {series}, {year}"}


def modelled_section(root: Path, iso3: str) -> dict[str, Any]:
    """A ``derived`` section: ILO modelled groups, with 6+9 split by the survey ratio."""
    rows = read_rows(root / MODELLED / f"{iso3.lower()}.csv")
    year = latest_year(rows, "ocu_details_")
    merged = counts(rows, year, "ocu_details_")
    ratio, rule = sector_ratio(root, iso3, year, merged) if iso3 in SECTOR_SPLIT else split_ratio(root, iso3)
    body = {}
    for sex, values in merged.items():
        values = {g: v for g, v in values.items() if g not in ("96", "total")}
        values["6"] = merged[sex]["96"] * ratio[sex]
        values["9"] = merged[sex]["96"] * (1 - ratio[sex])
        body[sex] = shares(values)
    copies = [provenance(root, MODELLED, iso3)]
    source = SECTOR if iso3 in SECTOR_SPLIT else ratio_source(root, iso3)
    if source is not None:
        copies.append(provenance(root, source, iso3))
    why = f" Why not the survey ratio: {SECTOR_SPLIT[iso3]}." if iso3 in SECTOR_SPLIT else ""
    return {"body": body, "year": year, "copy": copies,
            "source": f"ILO modelled estimates, employment by sex and occupation (EMP_2EMP_SEX_OCU_NB), {year}",
            "notes": f"Groups 1-5, 7, 8 as modelled; the modelled 6+9 total split into 6 and 9 by {rule} "
                     f"(male {ratio['male']:.3f}, female {ratio['female']:.3f} in group 6); the series has no "
                     f"armed forces (group 0 = 0). The extract keeps {year}: the series runs to 2025 and its latest "
                     f"years are ILO nowcasts or projections.{why}"}


def build(iso3: str, root: Path | None = None, countries_dir: Path = COUNTRIES_DIR) -> dict[str, Any]:
    """Compute and write one country's occupation section; returns what was written."""
    root = root or root_dir()
    low = iso3.lower()
    if _has_isco08(root / BY_AGE / f"{low}.csv") or _has_isco08(root / SURVEY / f"{low}.csv"):
        made, precision = survey_section(root, iso3), "checked"
    elif (root / MODELLED / f"{low}.csv").exists():
        made, precision = modelled_section(root, iso3), "derived"
    else:
        raise FileNotFoundError(f"{iso3}: no ILOSTAT occupation extract under {root}; see scripts/data/README.md")
    if iso3 in COUNTRY_NOTES:
        made["notes"] += " " + COUNTRY_NOTES[iso3]
    write_section(iso3, "occupation", made["body"], source=made["source"], year=made["year"], precision=precision,
                  copy=made["copy"], notes=made["notes"], countries_dir=countries_dir)
    return {**made, "precision": precision}


def _has_isco08(path: Path) -> bool:
    return path.exists() and any(_code(r).startswith("ocu_isco08_") for r in read_rows(path))


def tvd(a: dict[str, float], b: dict[str, float]) -> float:
    """Total variation distance between two share dicts."""
    return 0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))


def copy_mix(root: Path, iso3: str) -> dict[str, dict[str, float]]:
    """Unrounded shares per sex straight from the extract (modelled: groups 6 and 9 merged as ``96``)."""
    low = iso3.lower()
    if _has_isco08(root / BY_AGE / f"{low}.csv"):
        rows = read_rows(root / BY_AGE / f"{low}.csv")
        year = latest_year([r for r in rows if r["classif1"] == TOTAL], "ocu_isco08_", SKIP_YEARS.get(iso3, {}))
        return {sex: shares(v, None) for sex, v in counts(rows, year, "ocu_isco08_", TOTAL).items()}
    if _has_isco08(root / SURVEY / f"{low}.csv"):
        rows = read_rows(root / SURVEY / f"{low}.csv")
        year = latest_year(rows, "ocu_isco08_", SKIP_YEARS.get(iso3, {}))
        return {sex: shares(v, None) for sex, v in counts(rows, year, "ocu_isco08_").items()}
    rows = read_rows(root / MODELLED / f"{low}.csv")
    got = counts(rows, latest_year(rows, "ocu_details_"), "ocu_details_")
    return {sex: {g: v / v_total for g, v in v_all.items() if g != "total"}
            for sex, v_all in got.items() for v_total in [sum(x for g, x in v_all.items() if g != "total")]}


def merge_69(mix: dict[str, float]) -> dict[str, float]:
    """Groups 6 and 9 merged as ``96`` (the modelled series' grouping)."""
    out = {g: v for g, v in mix.items() if g not in ("6", "9")}
    out["96"] = mix.get("6", 0.0) + mix.get("9", 0.0)
    return out


def main(argv: list[str] | None = None) -> int:
    """Rebuild the listed countries (default all 30); print the TVD vs the copy and vs the old table."""
    codes = [c.upper() for c in (argv if argv is not None else sys.argv[1:])] or sorted(M49)
    root = root_dir()
    print("iso3 sex    precision year  tvd_vs_copy  tvd_vs_old  by_age")
    for iso3 in codes:
        old = json.loads((COUNTRIES_DIR / f"{iso3}.json").read_text(encoding="utf-8"))["occupation"]
        made = build(iso3, root)
        shipped = json.loads((COUNTRIES_DIR / f"{iso3}.json").read_text(encoding="utf-8"))["occupation"]
        reference = copy_mix(root, iso3)
        for sex in ("male", "female"):
            ours = shipped[sex] if made["precision"] == "checked" else merge_69(shipped[sex])
            vs_old = tvd(shipped[sex], {g: old[sex][g] for g in GROUPS})
            print(f"{iso3} {sex:6} {made['precision']:9} {made['year']}  {tvd(ours, reference[sex]):.6f}     "
                  f"{vs_old:.4f}      {'yes' if 'by_age' in shipped else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
