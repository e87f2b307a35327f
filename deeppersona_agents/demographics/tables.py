"""Country tables: the population structure the anchored core is drawn from.

One JSON file per country (``data/countries/ISO3.json``); the format is described in
``data/README.md``. Users who rebuilt a table from the official downloads (see
:mod:`deeppersona_agents.demographics.importers`) point ``DEEPPERSONA_DEMOGRAPHICS_DIR`` (or the
``tables_dir`` argument) at a folder of such files; those take precedence over the shipped ones.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.errors import ConfigError

AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]
ACTIVITY_BANDS = ["15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ACTIVITIES = ["employed", "unemployed", "student", "retired", "homemaker", "other_inactive"]
ISCO_MAJOR = [str(g) for g in range(10)]
#: Age bands of the optional ``occupation.by_age`` shares (ILOSTAT's aggregate bands).
OCCUPATION_BANDS = ["15-24", "25-54", "55-64", "65+"]
EDUCATION_BANDS = ["25-34", "35-44", "45-54", "55-64", "65+"]
EDUCATION_LEVELS = ["less_than_primary", "primary", "lower_secondary", "upper_secondary", "tertiary"]
MARITAL_BANDS = ACTIVITY_BANDS
MARITAL_STATUSES = ["never_married", "married", "divorced_separated", "widowed"]
RELIGIONS = ["christian", "muslim", "unaffiliated", "hindu", "buddhist", "folk_religion", "jewish", "other"]
SEXES = ("male", "female")
SECTIONS = ("age_sex", "activity", "occupation", "education", "marital_status", "urban", "religion")
#: Tolerance for shares summing to one.
SUM_TOL = 1e-3


def band_of(age: int, bands: list[str]) -> str:
    """The band label (``"25-34"``, ``"65+"``) that contains ``age``."""
    for band in bands:
        low, _, high = band.partition("-")
        if band.endswith("+"):
            if age >= int(band[:-1]):
                return band
        elif int(low) <= age <= int(high):
            return band
    raise ValueError(f"age {age} is outside the bands {bands[0]}..{bands[-1]}")


def band_range(band: str, top: int = 100) -> tuple[int, int]:
    """Inclusive (low, high) ages of a band; an open band ends at ``top``."""
    if band.endswith("+"):
        return int(band[:-1]), top
    low, high = band.split("-")
    return int(low), int(high)


def tables_fingerprint(tables_dir: str | Path | None = None) -> dict[str, str] | None:
    """The user's tables folder and a hash of its table files (what decides who is drawn), or ``None``.

    Population manifests record it and a resumed run must match it, so one run never mixes two
    sets of tables.
    """
    folder = Path(tables_dir) if tables_dir else None
    if folder is None:
        return None
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {"dir": str(folder.resolve()), "hash": digest.hexdigest()[:16], "files": str(len(files))}


def shipped_countries() -> list[str]:
    """ISO-3 codes with a shipped table."""
    return list(_shipped_codes())


@load_once
def _shipped_codes() -> tuple[str, ...]:
    folder = resources.files("deeppersona_agents.demographics") / "data" / "countries"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def load_table(iso3: str, tables_dir: str | Path | None = None) -> dict[str, Any]:
    """Load and check one country's table (``tables_dir`` first, then the shipped one).

    ``tables_dir`` is the run's folder (``GenerationConfig.tables_dir``); this never reads the environment.

    Raises:
        ConfigError: no table for the country, or the table breaks the format.
    """
    folder = Path(tables_dir) if tables_dir else None
    if folder is not None and (folder / f"{iso3}.json").exists():
        path = folder / f"{iso3}.json"
        return _load_path(str(path), path.stat().st_mtime_ns)
    if iso3 not in shipped_countries():
        raise ConfigError(
            f"no demographic table for {iso3!r}; supported countries: {', '.join(shipped_countries())}"
        )
    return _load_shipped(iso3)


@load_once
def _load_shipped(iso3: str) -> dict[str, Any]:
    ref = resources.files("deeppersona_agents.demographics") / "data" / "countries" / f"{iso3}.json"
    table = json.loads(ref.read_text(encoding="utf-8"))
    _raise_on_problems(table, f"shipped table {iso3}.json")
    return table


@lru_cache(maxsize=64)  # keyed by mtime: bounded so every edited version is not kept
def _load_path(path: str, mtime: int) -> dict[str, Any]:
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{path} is not valid JSON ({err}); rebuild it with `deeppersona demographics import`"
        ) from None
    _raise_on_problems(table, path)
    return table


def _raise_on_problems(table: dict[str, Any], where: str) -> None:
    problems = check_table(table)
    missing = missing_sections(table) if {"iso3", "name", "year"} <= set(table) else []
    if missing:
        raise ConfigError(f"{where}: " + missing_message(str(table["iso3"]), missing))
    if problems:
        raise ConfigError(f"{where} is malformed: " + "; ".join(problems[:8]))


def _check_shares(values: Any, keys: list[str], where: str, problems: list[str]) -> None:
    if not isinstance(values, dict) or sorted(values) != sorted(keys):
        got = sorted(values) if isinstance(values, dict) else type(values).__name__
        problems.append(f"{where}: expected keys {keys}, got {got}")
        return
    arr = np.array([values[k] for k in keys], float)
    if (arr < 0).any() or not np.isfinite(arr).all():
        problems.append(f"{where}: shares must be finite and >= 0")
    elif abs(arr.sum() - 1) > SUM_TOL:
        problems.append(f"{where}: shares sum to {arr.sum():.4f}, not 1")


def _check_banded(section: dict[str, Any], bands: list[str], keys: list[str], name: str, problems: list[str]) -> None:
    for sex in SEXES:
        by_band = section.get(sex)
        if not isinstance(by_band, dict) or sorted(by_band) != sorted(bands):
            problems.append(f"{name}.{sex}: expected bands {bands}")
            continue
        for band in bands:
            _check_shares(by_band[band], keys, f"{name}.{sex}.{band}", problems)


#: The ``demographics import`` option that fills each section.
IMPORT_FLAGS = {"age_sex": "--wpp", "activity": "--ilostat (LFPR, unemployment and NEET files)",
                "occupation": "--ilostat (employment by occupation)", "education": "--education",
                "marital_status": "--ilostat (population by marital status)", "urban": "--urban",
                "religion": "--religion"}


def missing_sections(table: dict[str, Any]) -> list[str]:
    """The sections a table lacks (a table added by ``demographics import`` may be partial)."""
    return [section for section in SECTIONS if section not in table]


def missing_message(iso3: str, missing: list[str]) -> str:
    """What to import before a partial table can be sampled."""
    how = "; ".join(f"{section}: {IMPORT_FLAGS[section]}" for section in missing)
    return (f"the {iso3} table lacks the sections {missing} and cannot be sampled yet; add them with "
            f"`deeppersona demographics import --country {iso3} --into FOLDER` and the options {how}")


def check_table(table: dict[str, Any]) -> list[str]:
    """Every problem with a country table, as readable strings (empty when the table is sound).

    A missing section is reported as ``missing section '<name>'``; the sections present are checked all
    the same (``demographics import`` writes partial tables of countries that are not shipped).
    """
    problems = [f"missing section {key!r}" for key in ("iso3", "name", "year", *SECTIONS) if key not in table]
    if any(key not in table for key in ("iso3", "name", "year")):
        return problems
    present = [section for section in SECTIONS if section in table]
    for section in present:
        src = table[section].get("source") if isinstance(table[section], dict) else None
        if not src or not str(src).strip():
            problems.append(f"{section}: missing 'source' (name the source and year)")
    if "age_sex" in table:
        age_sex = table["age_sex"]
        if age_sex.get("bands") != AGE_BANDS:
            problems.append(f"age_sex.bands must be {AGE_BANDS}")
        for sex in SEXES:
            counts = np.array(age_sex.get(sex, []), float)
            if counts.shape != (len(AGE_BANDS),) or (counts <= 0).any():
                problems.append(f"age_sex.{sex}: need {len(AGE_BANDS)} positive counts (thousands)")
    if "activity" in table:
        _check_banded(table["activity"], ACTIVITY_BANDS, ACTIVITIES, "activity", problems)
    if "occupation" in table:
        for sex in SEXES:
            _check_shares(table["occupation"].get(sex), ISCO_MAJOR, f"occupation.{sex}", problems)
        if "by_age" in table["occupation"]:
            by_age = table["occupation"]["by_age"]
            if not isinstance(by_age, dict):
                problems.append("occupation.by_age: expected {sex: {band: shares}}")
            else:
                _check_banded(by_age, OCCUPATION_BANDS, ISCO_MAJOR, "occupation.by_age", problems)
    if "education" in table:
        _check_banded(table["education"], EDUCATION_BANDS, EDUCATION_LEVELS, "education", problems)
    if "marital_status" in table:
        _check_banded(table["marital_status"], MARITAL_BANDS, MARITAL_STATUSES, "marital_status", problems)
    if "urban" in table:
        share = table["urban"].get("share")
        if not isinstance(share, (int, float)) or not 0 < share < 1:
            problems.append("urban.share must be a number between 0 and 1")
    if "religion" in table:
        _check_shares(table["religion"].get("shares"), RELIGIONS, "religion.shares", problems)
    if "activity" not in table:
        return problems
    for sex in SEXES:
        act = table["activity"].get(sex, {})
        old = act.get("65+", {}) if isinstance(act, dict) else {}
        young = act.get("15-19", {}) if isinstance(act, dict) else {}
        if old and young and old.get("retired", 0) < young.get("retired", 0):
            problems.append(f"activity.{sex}: retired share at 65+ is below that at 15-19")
        if young and old and young.get("student", 0) < old.get("student", 0):
            problems.append(f"activity.{sex}: student share at 15-19 is below that at 65+")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check table files given on the command line (or all shipped ones); print problems."""
    import sys

    paths = argv if argv is not None else sys.argv[1:]
    folder = resources.files("deeppersona_agents.demographics") / "data" / "countries"
    targets = [Path(p) for p in paths] or [Path(str(folder / f"{c}.json")) for c in shipped_countries()]
    bad = 0
    for path in targets:
        problems = check_table(json.loads(path.read_text(encoding="utf-8")))
        bad += bool(problems)
        print(f"{path.name}: {'ok' if not problems else ''}")
        for p in problems:
            print(f"  - {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
