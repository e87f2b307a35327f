"""Shared by the table builders in ``scripts/data/``: where the copies live and how a section is written.

Each builder reads a local copy of an official source (never at product run time), computes one or
more sections of ``deeppersona_agents/demographics/data/countries/ISO3.json`` and writes them with
:func:`write_section`, which records where the figures came from.

Copies are looked up under ``DEEPPERSONA_DATA_COPIES`` (default ``../data-copies`` beside the checkout);
they are not part of the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COUNTRIES_DIR = ROOT / "deeppersona_agents" / "demographics" / "data" / "countries"
PRECISIONS = ("checked", "derived")

#: The 30 shipped countries with their UN M49 codes.
M49 = {
    "ARG": 32, "AUS": 36, "BGD": 50, "BRA": 76, "CAN": 124, "CHN": 156, "COL": 170, "DEU": 276, "EGY": 818,
    "ESP": 724, "ETH": 231, "FRA": 250, "GBR": 826, "IDN": 360, "IND": 356, "IRN": 364, "ITA": 380, "JPN": 392,
    "KEN": 404, "KOR": 410, "MEX": 484, "NGA": 566, "PAK": 586, "PHL": 608, "POL": 616, "RUS": 643, "TUR": 792,
    "USA": 840, "VNM": 704, "ZAF": 710,
}


def copies_dir() -> Path:
    """Folder holding the local copies of the sources."""
    return Path(os.environ.get("DEEPPERSONA_DATA_COPIES") or ROOT.parent / "data-copies")


def copy_record(repo: str, path: str, commit: str, **extra: Any) -> dict[str, Any]:
    """The ``copy`` entry of a section: which public copy the figures were read from."""
    return {"repository": repo, "path": path, "commit": commit, **extra}


def write_section(
    iso3: str,
    name: str,
    body: dict[str, Any],
    *,
    source: str,
    year: int,
    precision: str,
    copy: dict[str, Any] | list[dict[str, Any]],
    notes: str = "",
    countries_dir: Path = COUNTRIES_DIR,
) -> None:
    """Replace one section of a country file, keeping the others and the key order.

    ``precision`` is ``checked`` (figures as in the copy, only re-grouped or normalised) or ``derived``
    (computed from named inputs by a stated rule; say the rule in ``notes``).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "derived" and not notes:
        raise ValueError(f"{iso3} {name}: a derived section must state its inputs and rule in notes")
    path = countries_dir / f"{iso3}.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    section = {"source": source, "year": year, "precision": precision, "copy": copy}
    if notes:
        section["notes"] = notes
    section.update(body)
    table[name] = section
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
