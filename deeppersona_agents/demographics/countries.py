"""Country codes: which countries have tables, and normalising what users type."""

from __future__ import annotations

from pathlib import Path

import pycountry

from deeppersona_agents.errors import ConfigError


def supported_countries(tables_dir: str | Path | None = None) -> list[str]:
    """ISO-3 codes with a demographic table (shipped, or in ``tables_dir``, the run's ``config.tables_dir``)."""
    from deeppersona_agents.demographics.tables import shipped_countries

    codes = set(shipped_countries())
    folder = Path(tables_dir) if tables_dir else None
    if folder is not None and folder.is_dir():
        codes |= {p.stem for p in folder.glob("*.json") if len(p.stem) == 3 and p.stem.isupper()}
    return sorted(codes)


def resolve_country(code: str, tables_dir: str | Path | None = None) -> str:
    """Normalise a country given as ISO-3, ISO-2 or English name to a supported ISO-3 code.

    ``tables_dir`` adds the countries of a folder of rebuilt tables to the shipped ones.

    Raises:
        ConfigError: unknown or unsupported country, listing the supported ones.
    """
    text = (code or "").strip()
    found = None
    if text:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            found = None
    iso3 = found.alpha_3 if found else text.upper()
    supported = supported_countries(tables_dir)
    if iso3 not in supported:
        raise ConfigError(f"unknown or unsupported country {code!r}; use an ISO-3 code from: {', '.join(supported)}")
    return iso3


def country_name(iso3: str) -> str:
    """English short name of a country."""
    found = pycountry.countries.get(alpha_3=iso3)
    return found.name if found else iso3


def alpha2(iso3: str) -> str:
    """The ISO-2 code of an ISO-3 code (names, places and languages are keyed by it)."""
    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        raise ConfigError(f"country {iso3!r} is not an ISO-3 code")
    return found.alpha_2
