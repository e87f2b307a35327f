"""Reading ILOSTAT rows (the ``open-numbers/ddf--ilo--ilostat`` copy's layout) into table sections.

Sits before the tables, shared by the builders in ``scripts/data/`` and ``demographics import``. A file
has the columns ``ref_area,sex,classif1[,classif2],time,<indicator>``: lower-case ISO3, ``sex_f`` /
``sex_m`` / ``sex_t``, values in thousands (``_nb``) or percent (``_rt``); the indicator names the
column holding the value.

* Occupation (``emp_temp_sex_ocu_nb``, ``emp_temp_sex_age_ocu_nb``, ``emp_2emp_sex_ocu_nb``): shares
  among the employed by ISCO major group.
* Marital status (``pop_xwap_sex_age_mts_nb``): the rule of :func:`marital_for_sex`, stated in
  :data:`MARITAL_NOTES`.

Data errors raise ``ValueError`` / ``KeyError``; callers add the file name and the remedy.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

SEX_CODES = {"male": "sex_m", "female": "sex_f"}
GROUPS = [str(g) for g in range(10)]
#: Occupation by age: ILOSTAT aggregate age class -> shipped band.
OCCUPATION_AGE = {"age_aggregate_y15_24": "15-24", "age_aggregate_y25_54": "25-54",
                  "age_aggregate_y55_64": "55-64", "age_aggregate_yge65": "65+"}
ALL_AGES = "age_aggregate_total"
MARITAL_BANDS = ["15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65+"]
STATUSES = ["never_married", "married", "divorced_separated", "widowed"]
STATUS_OF = {"mts_details_sgle": "never_married", "mts_details_mrd": "married", "mts_details_union": "married",
             "mts_details_sep": "divorced_separated", "mts_details_wid": "widowed"}
MARITAL_IGNORED = {"mts_details_x", "mts_details_total"}
MARITAL_NOTES = (
    "Shares of the ILOSTAT counts for {year}: never_married = single, married = married + union, "
    "divorced_separated = separated/divorced, widowed = widowed; not stated left out. 25-34..65+ as in the copy "
    "(checked). 15-19 and 20-24 are derived from the copy's 15-24 band: ever-married share logistic-linear in "
    "five-year age steps, fitted to the copy's 15-24 and 25-34 ever-married shares with age_sex weights; "
    "both keep the 15-24 mix among the ever married."
)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a file; the value is in the last column, whatever its name (also given as ``value``)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        value = reader.fieldnames[-1] if reader.fieldnames else "value"
        return [{**row, "value": row[value]} for row in reader]


def indicator(path: Path) -> str:
    """The indicator a file holds: the name of its last column (``emp_temp_sex_ocu_nb``, …)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    needed = {"ref_area", "sex", "time"}
    if not needed <= set(header) or header[-1] in needed | {"classif1", "classif2"}:
        raise ValueError(f"expected the columns ref_area,sex[,classif1[,classif2]],time,<indicator>; got {header}")
    return header[-1]


def code_of(row: dict[str, str]) -> str:
    """The occupation (or status) code of a row: ``classif2`` when present, else ``classif1``."""
    return row["classif2"] if row.get("classif2") else row["classif1"]


def latest_year(rows: list[dict[str, str]], prefix: str, skip: Iterable[int] = ()) -> int:
    """The latest year (not in ``skip``) with any row whose code starts with ``prefix``."""
    skip = set(skip)
    years = [int(r["time"]) for r in rows if code_of(r).startswith(prefix) and int(r["time"]) not in skip]
    if not years:
        raise ValueError(f"no {prefix} rows")
    return max(years)


def counts(rows: list[dict[str, str]], year: int, prefix: str, age: str | None = None) -> dict[str, dict[str, float]]:
    """Thousands per sex and code suffix (``prefix`` + group) for one year (and age class)."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    sexes = {code: sex for sex, code in SEX_CODES.items()}
    for row in rows:
        code = code_of(row)
        if int(row["time"]) != year or not code.startswith(prefix) or row["sex"] not in sexes:
            continue
        if age is not None and row["classif1"] != age:
            continue
        out[sexes[row["sex"]]][code[len(prefix):]] = float(row["value"])
    return out


def shares(values: dict[str, float], digits: int | None = 6) -> dict[str, float]:
    """Shares over ISCO major groups 0-9; groups the copy omits (suppressed cells) count as 0."""
    known = {g: values.get(g, 0.0) for g in GROUPS}
    total = sum(known.values())
    if total <= 0:
        raise ValueError(f"no employment in groups 0-9: {values}")
    return {g: v / total if digits is None else round(v / total, digits) for g, v in known.items()}


def band_range(code: str) -> tuple[int, int]:
    """(low, high) ages of an ILOSTAT band code: ``age_10yrbands_y25_34`` -> (25, 34), ``..._yge65`` -> (65, 200)."""
    if "_yge" in code:
        return int(code.rsplit("_yge", 1)[-1]), 200
    low, high = code.rsplit("_y", 1)[-1].split("_")
    return int(low), int(high)


def marital_counts(rows: list[dict[str, str]], iso3: str, year: int | None = None,
                   relabel: dict[str, str] | None = None,
                   ) -> tuple[int, dict[str, dict[tuple[int, int], dict[str, float]]]]:
    """The year (given, else the latest with a status split) and, per sex, counts by band and status.

    ``relabel`` maps a copy status code to the shipped status for a copy that labels it differently.
    """
    detailed = [r for r in rows
                if r.get("classif2") in STATUS_OF and r.get("classif1", "").startswith("age_10yrbands_")]
    if not detailed:
        raise ValueError("no marital-status split (mts_details_*) by 10-year band; only the union / "
                         "not-in-union aggregates?")
    year = max(int(r["time"]) for r in detailed) if year is None else int(year)
    out: dict[str, dict[tuple[int, int], dict[str, float]]] = {sex: {} for sex in SEX_CODES}
    sexes = {code: sex for sex, code in SEX_CODES.items()}
    for row in rows:
        if int(row["time"]) != year or row["sex"] not in sexes or not row["classif1"].startswith("age_10yrbands_"):
            continue
        if row["ref_area"].lower() != iso3.lower():
            raise ValueError(f"a row for {row['ref_area']!r}, not {iso3}")
        if row["classif1"].endswith("_total") or row["classif2"] in MARITAL_IGNORED:
            continue
        if row["classif2"] not in STATUS_OF:
            if row["classif2"].startswith("mts_aggregate_"):
                continue
            raise ValueError(f"unknown status {row['classif2']!r}")
        cell = out[sexes[row["sex"]]].setdefault(band_range(row["classif1"]), dict.fromkeys(STATUSES, 0.0))
        cell[(relabel or {}).get(row["classif2"], STATUS_OF[row["classif2"]])] += float(row["value"])
    if not all(out.values()):
        raise ValueError(f"no rows for both sexes in {year}")
    return year, out


def target_counts(bands: dict[tuple[int, int], dict[str, float]], where: str) -> dict[str, dict[str, float]]:
    """Counts for 15-24 and the target bands from 25-34 up, summing copy bands that fall inside each."""
    targets = {"15-24": (15, 24), "25-34": (25, 34), "35-44": (35, 44), "45-54": (45, 54), "55-64": (55, 64),
               "65+": (65, 200)}
    out = {}
    for name, (lo, hi) in targets.items():
        inside = sorted(b for b in bands if lo <= b[0] and b[1] <= hi)
        if not inside or inside[0][0] != lo or inside[-1][1] != hi or any(
                a[1] + 1 != b[0] for a, b in zip(inside, inside[1:], strict=False)):
            raise ValueError(f"{where}: the copy's bands {sorted(bands)} do not cover {name}")
        out[name] = {s: sum(bands[b][s] for b in inside) for s in STATUSES}
    return out


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def split_youth(e1524: float, e2534: float, w: list[float]) -> tuple[float, float]:
    """Ever-married shares at 15-19 and 20-24.

    logit e_k = a + b k for k = 0..3 (15-19, 20-24, 25-29, 30-34); ``w`` are the four populations.
    a is solved for the 15-24 mean, b (>= 0) for the 25-34 mean.
    """

    def fit_a(b: float) -> float:
        lo, hi = -60.0, 60.0
        for _ in range(200):
            mid = (lo + hi) / 2
            mean = (w[0] * _logistic(mid) + w[1] * _logistic(mid + b)) / (w[0] + w[1])
            lo, hi = (mid, hi) if mean < e1524 else (lo, mid)
        return (lo + hi) / 2

    def mean_2534(b: float) -> float:
        a = fit_a(b)
        return (w[2] * _logistic(a + 2 * b) + w[3] * _logistic(a + 3 * b)) / (w[2] + w[3])

    lo, hi = 0.0, 20.0
    if e1524 <= 0 or mean_2534(lo) >= e2534:
        hi = 0.0
    for _ in range(100):
        if hi == 0.0:
            break
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_2534(mid) < e2534 else (lo, mid)
    b = (lo + hi) / 2
    a = fit_a(b)
    return _logistic(a), _logistic(a + b)


def status_shares(counts4: dict[str, float]) -> dict[str, float]:
    """Four status shares rounded to 4 digits, the rounding put on the largest."""
    total = sum(counts4.values())
    out = {s: round(counts4[s] / total, 4) for s in STATUSES}
    top = max(out, key=lambda s: out[s])
    out[top] = round(out[top] + 1 - sum(out.values()), 4)
    return out


def five_year_weights(age_sex: dict, sex: str) -> list[float]:
    """Population at 15-19, 20-24, 25-29 and 30-34 from an ``age_sex`` section."""
    bands, values = age_sex["bands"], age_sex[sex]
    return [values[bands.index(b)] for b in ("15-19", "20-24", "25-29", "30-34")]


def marital_for_sex(counts6: dict[str, dict[str, float]], w: list[float]) -> dict[str, dict[str, float]]:
    """Shares per shipped band for one sex from counts for 15-24, 25-34 … 65+ (see :data:`MARITAL_NOTES`)."""
    young, next_band = counts6["15-24"], counts6["25-34"]

    def ever(c: dict[str, float]) -> float:
        return 1 - c["never_married"] / sum(c.values())

    e15, e20 = split_youth(ever(young), ever(next_band), w)
    ever_mix = {s: young[s] for s in STATUSES if s != "never_married"}
    total_ever = sum(ever_mix.values())
    out = {}
    for band, e in (("15-19", e15), ("20-24", e20)):
        mix = {s: (v / total_ever if total_ever else (1.0 if s == "married" else 0.0)) for s, v in ever_mix.items()}
        out[band] = status_shares({"never_married": 1 - e, **{s: e * m for s, m in mix.items()}})
    for band in MARITAL_BANDS[2:]:
        out[band] = status_shares(counts6[band])
    return out


def marital_body(by_sex: dict[str, dict[tuple[int, int], dict[str, float]]], age_sex: dict, where: str) -> dict:
    """The ``marital_status`` body (with ``band_precision``) from per-sex band counts and ``age_sex`` weights."""
    body: dict = {"band_precision": {b: ("derived" if b in ("15-19", "20-24") else "checked")
                                     for b in MARITAL_BANDS}}
    for sex in SEX_CODES:
        body[sex] = marital_for_sex(target_counts(by_sex[sex], f"{where} {sex}"), five_year_weights(age_sex, sex))
    return body


def occupation_body(rows: list[dict[str, str]], year: int | None = None, skip: Iterable[int] = (),
                    ) -> tuple[int, dict, dict[str, dict[str, float]]]:
    """Survey ISCO-08 shares: (year, section body, thousands per sex and code) from occupation rows.

    Rows by age (``classif2`` = occupation) use their all-ages class for the shares and add ``by_age``
    when every band of :data:`OCCUPATION_AGE` has both sexes. ``year`` defaults to the latest ISCO-08
    year not in ``skip``.
    """
    by_age = any(r.get("classif2") for r in rows)
    age = ALL_AGES if by_age else None
    base = [r for r in rows if r["classif1"] == ALL_AGES] if by_age else rows
    year = latest_year(base, "ocu_isco08_", skip) if year is None else int(year)
    totals = counts(rows, year, "ocu_isco08_", age)
    if set(totals) != set(SEX_CODES):
        raise ValueError(f"no ISCO-08 rows for both sexes in {year}")
    body: dict = {sex: shares(v) for sex, v in totals.items()}
    if by_age:
        bands = {cls: counts(rows, year, "ocu_isco08_", cls) for cls in OCCUPATION_AGE}
        if all(set(got) == set(SEX_CODES) for got in bands.values()):
            body["by_age"] = {sex: {OCCUPATION_AGE[cls]: shares(got[sex]) for cls, got in bands.items()}
                              for sex in SEX_CODES}
    return year, body, totals
