"""Build the ``marital_status`` section of the country tables from ILOSTAT (population by sex, age and marital status).

Sits before the product: it reads, per country, an extract under ``$DEEPPERSONA_DATA_COPIES/ilostat/``
(``pop_xwap_sex_age_mts_nb/<iso3>.csv``: the header plus the latest year's rows for women and men,
10-year age bands, statuses ``mts_details_*``, copied verbatim from the ILOSTAT copy
``open-numbers/ddf--ilo--ilostat``; ``PROVENANCE-marital.json`` there names the file, commit and
page offsets) and the country file's own ``age_sex`` counts; it writes ``marital_status`` with
:func:`_common.write_section`.

Rule (:mod:`deeppersona_agents.demographics.ilostat`), the same for every country and sex:

1. Statuses: never_married = single (``sgle``); married = married (``mrd``) + in a union (``union``);
   divorced_separated = ``sep``; widowed = ``wid``; not stated (``x``) is left out and the rest
   renormalised. A status row the copy omits counts as 0 (ILOSTAT drops empty cells).
2. 25-34, 35-44, 45-54, 55-64 and 65+ are the copy's bands (a target band may be the sum of several
   copy bands, e.g. 65-74 and 75+).
3. The copy's 15-24 band is split into 15-19 and 20-24: the share ever married follows a logistic
   curve that is linear in five-year steps (15-19, 20-24, 25-29, 30-34), fitted so that its
   population-weighted means (``age_sex`` weights) equal the copy's ever-married share at 15-24 and
   at 25-34; both youth bands keep the 15-24 mix of married / divorced-separated / widowed among
   the ever married. These two bands are ``derived``, the others ``checked`` (``band_precision``).

Run: ``DEEPPERSONA_DATA_COPIES=/work/data-copies .venv/bin/python scripts/data/ilostat_marital.py [ISO3 ...]``
(default: every country that has an extract). Prints, per country and sex, the TVD between the
shipped shares and the copy's shares at 15-24 and at 15+ (population-weighted).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import COUNTRIES_DIR, M49, copies_dir, copy_record, write_section  # noqa: E402

# The rule lives in the package (``demographics import`` applies it too); re-exported here for the tests.
from deeppersona_agents.demographics.ilostat import (  # noqa: E402
    MARITAL_NOTES as NOTES,
)
from deeppersona_agents.demographics.ilostat import (  # noqa: E402
    STATUSES,
    band_range,
    marital_body,
    marital_counts,
    marital_for_sex,
    read_rows,
    split_youth,
    target_counts,
)
from deeppersona_agents.demographics.ilostat import five_year_weights as _weights  # noqa: E402

REPO = "open-numbers/ddf--ilo--ilostat"
COMMIT = "c50d060595275a48961dbd0c5971eedea95ffad8"
INDICATOR = "pop_xwap_sex_age_mts_nb"
PATH = (f"datapoints/ddf--datapoints--{INDICATOR}--by--ref_area--sex--classif1--classif2--time/"
        f"ddf--datapoints--{INDICATOR}--by--ref_area-{{iso}}--sex--classif1--classif2--time.csv")
SEXES = {"male": "sex_m", "female": "sex_f"}
#: Countries whose copy labels a status differently, with the evidence (the rule goes into the section's notes).
RELABELLED = {
    "irn": ({"mts_details_union": "widowed"},
            "Iran's copy has no widowed series and its 'union' rows follow widowhood by age (2024: women 65+ "
            "1,895 of 3,407 thousand, women 15-24 under 0.1 %), so they are read as widowed."),
}
SOURCE = "ILOSTAT, labour force survey: working-age population by sex, age and marital status (POP_XWAP_SEX_AGE_MTS_NB)"
__all__ = ["STATUSES", "band_range", "marital_for_sex", "split_youth", "target_counts", "math"]


def read_extract(path: Path, iso3: str) -> tuple[int, dict[str, dict[tuple[int, int], dict[str, float]]]]:
    """The extract's year and, per sex, counts by (low, high) band and target status (``x`` left out)."""
    rows = read_rows(path)
    if not rows:
        raise ValueError(f"{path}: no rows")
    years = {r["time"] for r in rows}
    if len(years) != 1:
        raise ValueError(f"{path}: rows from several years {sorted(years)}; keep only the latest year")
    try:
        return marital_counts(rows, iso3, relabel=RELABELLED.get(iso3.lower(), ({}, ""))[0])
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def five_year_weights(table: dict, sex: str) -> list[float]:
    """Population at 15-19, 20-24, 25-29 and 30-34 from the file's own ``age_sex`` section."""
    return _weights(table["age_sex"], sex)


def copy_entry(iso3: str, copies: Path) -> dict:
    """The ``copy`` record: the ILOSTAT file, the extract and the pages it came from."""
    prov_path = copies / "ilostat" / "PROVENANCE-marital.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
    key = f"{INDICATOR}/{iso3.lower()}.csv"
    extra = {"extract": f"ilostat/{key}"}
    if key in prov:
        extra["offsets"] = prov[key]["offsets"]
    return copy_record(REPO, PATH.format(iso=iso3.lower()), COMMIT, **extra)


def build(iso3: str, copies: Path, countries_dir: Path = COUNTRIES_DIR) -> dict[str, dict[str, dict[str, float]]]:
    """Compute and write one country's ``marital_status`` section from its extract; return its body."""
    path = copies / "ilostat" / INDICATOR / f"{iso3.lower()}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no extract {path}; make it from the ILOSTAT copy (see scripts/data/README.md)")
    table = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))
    year, by_sex = read_extract(path, iso3)
    body = marital_body(by_sex, table["age_sex"], str(path))
    write_section(iso3, "marital_status", body, source=f"{SOURCE}, {year}", year=year, precision="derived",
                  copy=copy_entry(iso3, copies),
                  notes=" ".join(filter(None, [NOTES.format(year=year), RELABELLED.get(iso3.lower(), ({}, ""))[1]])),
                  countries_dir=countries_dir)
    return body


def check_against_copy(iso3: str, copies: Path, countries_dir: Path = COUNTRIES_DIR) -> dict[str, dict[str, float]]:
    """Per sex, TVD between the section and the copy at 15-24 and at 15+ (age_sex weights for the youth bands)."""
    table = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))
    _, by_sex = read_extract(copies / "ilostat" / INDICATOR / f"{iso3.lower()}.csv", iso3)
    section = table["marital_status"]
    out = {}
    for sex in SEXES:
        counts = target_counts(by_sex[sex], sex)
        w = five_year_weights(table, sex)
        youth = {s: (w[0] * section[sex]["15-19"][s] + w[1] * section[sex]["20-24"][s]) / (w[0] + w[1])
                 for s in STATUSES}
        shipped15 = {s: 0.0 for s in STATUSES}
        copy15 = {s: 0.0 for s in STATUSES}
        for band, c in counts.items():
            n = sum(c.values())
            shares = youth if band == "15-24" else section[sex][band]
            for s in STATUSES:
                shipped15[s] += n * shares[s]
                copy15[s] += c[s]
        young_copy = counts["15-24"]
        out[sex] = {"tvd_15_24": _tvd(youth, young_copy), "tvd_15": _tvd(shipped15, copy15)}
    return out


def _tvd(p: dict[str, float], q: dict[str, float]) -> float:
    sp, sq = sum(p.values()), sum(q.values())
    return sum(abs(p[s] / sp - q[s] / sq) for s in STATUSES) / 2


def main(argv: list[str] | None = None) -> int:
    """Rewrite the section for the given countries (default: all with an extract); exit 1 if a TVD passes 0.005."""
    copies = copies_dir()
    codes = [c.upper() for c in (argv if argv is not None else sys.argv[1:])]
    if not codes:
        have = {p.stem.upper() for p in (copies / "ilostat" / INDICATOR).glob("*.csv")}
        codes = sorted(have & set(M49))
    worst = 0.0
    for iso3 in codes:
        build(iso3, copies)
        for sex, c in check_against_copy(iso3, copies).items():
            worst = max(worst, *c.values())
            print(f"{iso3} {sex:6s} TVD vs copy: 15-24 {c['tvd_15_24']:.5f}  15+ {c['tvd_15']:.5f}")
    return 1 if worst > 0.005 else 0


if __name__ == "__main__":
    raise SystemExit(main())
