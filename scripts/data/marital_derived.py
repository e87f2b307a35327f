"""Build ``marital_status`` where ILOSTAT has no status split for the country (a stated rule on named inputs).

Sits before the product, beside ``ilostat_marital.py`` (whose rule and extracts it reuses through
:mod:`deeppersona_agents.demographics.ilostat`). Two cases, both ``precision: derived``:

* **Aggregates only** (``AGGREGATE_PEERS``): the country's ILOSTAT file has only ``mts_aggregate_1`` (not in a
  union) and ``mts_aggregate_2`` (married or in a union) by 10-year band. married = aggregate 2; aggregate 1 is
  split into never married / divorced-separated / widowed in the mean proportions (unweighted over the named
  peers) those three statuses have among the not-in-union in the peers' status splits, per sex and band.
  Extract: ``$DEEPPERSONA_DATA_COPIES/ilostat/pop_xwap_sex_age_mts_agg/<iso3>.csv`` (the latest year's
  aggregate rows, verbatim; ``PROVENANCE-marital-aggregate.json`` names the file, commit and pages).
* **No file at all** (``BORROW_PEERS``; no public copy of a national marital-status-by-age table was found): the
  four status shares per sex and band are the unweighted mean of the named peers' shares.

Either way the bands 25-34 … 65+ come out as above and 15-19 / 20-24 are split from 15-24 by the rule of
``ilostat_marital.py`` with the country's own ``age_sex`` weights.

Run: ``DEEPPERSONA_DATA_COPIES=/work/data-copies .venv/bin/python scripts/data/marital_derived.py [ISO3 ...]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import COUNTRIES_DIR, copies_dir, copy_record, write_section  # noqa: E402
from ilostat_marital import COMMIT, INDICATOR, PATH, REPO, copy_entry  # noqa: E402

from deeppersona_agents.demographics.ilostat import (  # noqa: E402
    SEX_CODES,
    STATUSES,
    marital_counts,
    marital_for_sex,
    read_rows,
    target_counts,
)
from deeppersona_agents.demographics.ilostat import five_year_weights as weights  # noqa: E402

AGGREGATE = "pop_xwap_sex_age_mts_agg"
#: Countries with only the union / not-in-union aggregates -> peers whose split of the not-in-union is borrowed.
#: Western European peers with a status split for DEU; ESP, the Southern European one, for ITA (low divorce: the
#: French and British mix would give Italian women 65+ 13 % divorced-separated against Spain's 8 %); KOR, the only
#: East Asian country with a recent status split in the copy (CHN's is from 2000), for JPN.
AGGREGATE_PEERS = {"DEU": ["ESP", "FRA", "GBR"], "ITA": ["ESP"], "JPN": ["KOR"]}
#: Countries with no ILOSTAT marital file -> peers whose status shares are borrowed whole: neighbours in the same
#: region that have a status split in the copy (Botswana is the only Southern African one; Spain, France, the UK
#: and Russia the European ones the extracts hold; the Philippines and Viet Nam the South-East Asian ones).
BORROW_PEERS = {"IDN": ["PHL", "VNM"], "POL": ["ESP", "FRA", "GBR", "RUS"], "ZAF": ["BWA"]}
NOT_IN_UNION = ["never_married", "divorced_separated", "widowed"]
SOURCE = "ILOSTAT, labour force survey: population by sex, age and marital status (POP_XWAP_SEX_AGE_MTS_NB)"


def peer_shares(iso3: str, copies: Path) -> tuple[int, dict[str, dict[str, dict[str, float]]]]:
    """A peer's year and status shares per sex and band (15-24 … 65+) from its detailed extract."""
    path = copies / "ilostat" / INDICATOR / f"{iso3.lower()}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no extract {path} for the peer {iso3}; make it first (see ilostat_marital.py)")
    year, by_sex = marital_counts(read_rows(path), iso3)
    out = {}
    for sex in SEX_CODES:
        counts = target_counts(by_sex[sex], f"{path} {sex}")
        out[sex] = {band: {s: c[s] / sum(c.values()) for s in STATUSES} for band, c in counts.items()}
    return year, out


def mean_peers(peers: list[str], copies: Path, statuses: list[str] = STATUSES,
               ) -> tuple[list[int], dict[str, dict[str, dict[str, float]]]]:
    """The peers' years and the unweighted mean over peers of each peer's mix of ``statuses`` (summing to 1),
    per sex and band."""
    got = [peer_shares(p, copies) for p in peers]

    def mix(shares: dict[str, float]) -> dict[str, float]:
        total = sum(shares[s] for s in statuses)
        return {s: shares[s] / total for s in statuses}

    mean = {sex: {band: {s: sum(mix(g[1][sex][band])[s] for g in got) / len(got) for s in statuses}
                  for band in got[0][1][sex]} for sex in SEX_CODES}
    return [g[0] for g in got], mean


def aggregate_counts(iso3: str, copies: Path) -> tuple[int, dict[str, dict[str, dict[str, float]]]]:
    """Year and, per sex and target band, thousands not in a union (``1``) and married or in a union (``2``)."""
    path = copies / "ilostat" / AGGREGATE / f"{iso3.lower()}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no extract {path}; copy the aggregate rows of the ILOSTAT file there")
    rows = read_rows(path)
    years = {r["time"] for r in rows}
    if len(years) != 1:
        raise ValueError(f"{path}: rows from several years {sorted(years)}; keep only the latest year")
    out: dict[str, dict[str, dict[str, float]]] = {sex: {} for sex in SEX_CODES}
    bands = {"y15_24": "15-24", "y25_34": "25-34", "y35_44": "35-44", "y45_54": "45-54", "y55_64": "55-64",
             "yge65": "65+"}
    for row in rows:
        sex = next(s for s, c in SEX_CODES.items() if c == row["sex"])
        band = bands[row["classif1"].removeprefix("age_10yrbands_")]
        out[sex].setdefault(band, {})[row["classif2"].removeprefix("mts_aggregate_")] = float(row["value"])
    for sex, by_band in out.items():
        missing = [b for b in bands.values() if set(by_band.get(b, {})) != {"1", "2"}]
        if missing:
            raise ValueError(f"{path}: {sex} lacks aggregate 1 and 2 for {missing}")
    return int(years.pop()), out


def split_aggregates(agg: dict[str, dict[str, dict[str, float]]], peers: dict[str, dict[str, dict[str, float]]],
                     ) -> dict[str, dict[str, dict[str, float]]]:
    """Counts per sex, band and status: married = aggregate 2, aggregate 1 split by the peers' not-in-union mix."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for sex, by_band in agg.items():
        out[sex] = {}
        for band, got in by_band.items():
            mix = peers[sex][band]
            out[sex][band] = {"married": got["2"], **{s: got["1"] * mix[s] for s in NOT_IN_UNION}}
    return out


def build(iso3: str, copies: Path, countries_dir: Path = COUNTRIES_DIR) -> dict:
    """Compute and write the derived ``marital_status`` section of one country; return its body."""
    if iso3 not in AGGREGATE_PEERS and iso3 not in BORROW_PEERS:
        raise KeyError(f"{iso3} is in neither AGGREGATE_PEERS nor BORROW_PEERS")
    table = json.loads((countries_dir / f"{iso3}.json").read_text(encoding="utf-8"))
    if iso3 in AGGREGATE_PEERS:
        peers = AGGREGATE_PEERS[iso3]
        years, mean = mean_peers(peers, copies, NOT_IN_UNION)
        year, agg = aggregate_counts(iso3, copies)
        counts = split_aggregates(agg, mean)
        prov = json.loads((copies / "ilostat" / "PROVENANCE-marital-aggregate.json").read_text(encoding="utf-8"))
        key = f"{AGGREGATE}/{iso3.lower()}.csv"
        own = [copy_record(REPO, PATH.format(iso=iso3.lower()), COMMIT, extract=f"ilostat/{key}",
                           offsets=prov[key]["offsets"])]
        notes = (f"Derived: married = the copy's {year} 'married or in union' (mts_aggregate_2); 'not in union' "
                 f"(mts_aggregate_1) split into never_married / divorced_separated / widowed in the unweighted mean "
                 f"proportions of those statuses among the not-in-union of {', '.join(peers)} (ILOSTAT status "
                 f"splits, {', '.join(f'{p} {y}' for p, y in zip(peers, years, strict=True))}), per sex and 10-year "
                 f"band; 15-19/20-24 split from 15-24 by the ilostat_marital rule with age_sex weights.")
    else:
        peers = BORROW_PEERS[iso3]
        years, mean = mean_peers(peers, copies)
        year = max(years)
        counts = {sex: {band: {s: v * 1000 for s, v in shares.items()} for band, shares in mean[sex].items()}
                  for sex in SEX_CODES}
        own = []
        notes = (f"Derived, no national series: ILOSTAT has no marital-status file for {iso3} and no public copy of a "
                 f"national table by age and sex was found; the status shares per sex and band are the unweighted "
                 f"mean of {', '.join(f'{p} {y}' for p, y in zip(peers, years, strict=True))} (ILOSTAT status "
                 f"splits); 15-19/20-24 split from 15-24 by the ilostat_marital rule with {iso3}'s age_sex weights.")
    body: dict = {"band_precision": {b: "derived" for b in ("15-19", "20-24", "25-34", "35-44", "45-54", "55-64",
                                                              "65+")}}
    for sex in SEX_CODES:
        body[sex] = marital_for_sex(counts[sex], weights(table["age_sex"], sex))
    write_section(iso3, "marital_status", body, source=f"{SOURCE}, {year}; derived by a stated rule",
                  year=year, precision="derived", copy=own + [copy_entry(p, copies) for p in peers], notes=notes,
                  countries_dir=countries_dir)
    return body


def main(argv: list[str] | None = None) -> int:
    """Rewrite the section for the given countries (default: all named here); print 15+ shares."""
    copies = copies_dir()
    codes = [c.upper() for c in (argv if argv is not None else sys.argv[1:])] or sorted(AGGREGATE_PEERS | BORROW_PEERS)
    for iso3 in codes:
        body = build(iso3, copies)
        for sex in SEX_CODES:
            mid = body[sex]["35-44"]
            print(f"{iso3} {sex:6s} 35-44: " + "  ".join(f"{s} {mid[s]:.3f}" for s in STATUSES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
