"""Build ``deeppersona_agents/demographics/data/names.json``: person names for locales Faker has none for.

Sits before the product: ``demographics/names.py`` draws from these lists for the locales below and from
Faker for every other locale. Faker's ``am_ET``, ``ar_EG``, ``en_AU`` and ``en_PH`` have no person names of
their own and silently answer with US English ones; each gets a list here, read from a public copy
(:data:`COPIES`; repository, path, commit, licence and SHA-256), stored under ``$DEEPPERSONA_DATA_COPIES/names``.

- ``am_ET`` (Ethiopia): Amharic given names marked Male or Female in the Ge'ez Frontier Foundation's merged
  name list. Ethiopians carry no family name: the second name is the father's given name, so the family
  position is drawn from the male list (``family_from: male``).
- ``ar_EG`` (Egypt): Arabic given names by sex from Faker's ``ar_AA`` (pan-Arab) provider. Its family names
  are Levantine and Gulf clan names, so they are not used: Egyptians' second name is the father's given
  name (``family_from: male``).
- ``en_AU`` (Australia): faker-js ``en_AU`` female, male and family names.
- ``en_PH`` (Philippines): family names from the *Catálogo alfabético de apellidos* (1849) transcribed in
  jkga/katalogo; no sourced list of Philippine given names was found, so given names are Faker's ``en_US``
  lists (``given_from: en_US``), a stated stand-in.

Usage: ``python scripts/data/build_names.py [--copies DIR] [--out PATH]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, copies_dir  # noqa: E402

OUT = ROOT / "deeppersona_agents" / "demographics" / "data" / "names.json"
MIN_NAMES = 100

COPIES: dict[str, dict[str, Any]] = {
    "geezorg": {
        "repository": "geezorg/data", "commit": "3904462cff427a8d9991f8fc5d9f9d7aa80023ff",
        "path": "amharic/toponymic/BA-SGC-PhoneBook-SingleNames-Merged-20080604.txt", "licence": "CC-BY-SA-4.0",
        "local": "geezorg-data/BA-SGC-PhoneBook-SingleNames-Merged-20080604.txt",
        "sha256": "af0fcf29295e8617a8b6cdbbcdb08c4fe9f62295447a2e5485befea33ea68375",
    },
    "faker_js_first": {
        "repository": "faker-js/faker", "commit": "e3858f221bb3b6e1278933c0b8e0d98da6854e52",
        "path": "src/locales/en_AU/person/first_name.ts", "licence": "MIT", "local": "faker-js-en_AU/first_name.ts",
        "sha256": "4cb8c2e86dbd0e140d5be251d05cd0e76541a8166d0b4b5fdd420cac5b125323",
    },
    "faker_js_last": {
        "repository": "faker-js/faker", "commit": "e3858f221bb3b6e1278933c0b8e0d98da6854e52",
        "path": "src/locales/en_AU/person/last_name.ts", "licence": "MIT", "local": "faker-js-en_AU/last_name.ts",
        "sha256": "ea59ac2aaba6bfa6034635ba9ab79725c0730e34f89271fbddce3424f5690323",
    },
    "katalogo": {
        "repository": "jkga/katalogo", "commit": "66a325fc59ed17a3302ac3204eb4f47ef38dfd15",
        "path": "src/contents/data.json", "licence": "MIT", "local": "katalogo/data.json",
        "sha256": "b1edfbc5efce90b8304469cf97fa67d9a145721cf59ee04b4631ca1f131bcf9f",
    },
    "faker_ar_AA": {"package": "faker", "version": "40.63.0", "path": "faker/providers/person/ar_AA/__init__.py",
                    "licence": "MIT"},
}


def _read(copies: Path, key: str) -> str:
    record = COPIES[key]
    path = copies / record["local"]
    if not path.exists():
        raise SystemExit(f"missing copy {path}: take {record['path']} from {record['repository']} "
                         f"at {record['commit']}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise SystemExit(f"{path} differs from the recorded copy ({record['sha256']}); update COPIES")
    return data.decode("utf-8-sig")


def _unique(names: list[str]) -> list[str]:
    """Names in first-seen order, spaces tidied; ``A / B`` spelling variants become two names."""
    seen: dict[str, None] = {}
    for entry in names:
        for part in entry.split("/"):
            name = " ".join(part.split())
            if name:
                seen.setdefault(name, None)
    return list(seen)


def geezorg_names(text: str) -> dict[str, list[str]]:
    """Male and female names from the merged Amharic list (name, type, alternate spelling; tab-separated)."""
    out: dict[str, list[str]] = {"male": [], "female": []}
    for line in text.splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 2:
            continue
        kind = parts[1].strip().lower()
        if kind in out:
            out[kind].append(parts[0])
    return {k: _unique(v) for k, v in out.items()}


def ts_array(text: str, key: str) -> list[str]:
    """The quoted strings of ``key: [ ... ]`` in a faker-js locale file."""
    match = re.search(rf"\b{key}:\s*\[(.*?)\]", text, re.S)
    if match is None:
        raise SystemExit(f"no '{key}' list in the faker-js file")
    items = re.findall(r"'((?:[^'\\]|\\.)*)'" + r'|"((?:[^"\\]|\\.)*)"', match.group(1))
    return _unique([single or double for single, double in items])


def katalogo_names(text: str) -> list[str]:
    """All surnames of the catalogue (a list of one-letter objects, each a list of names)."""
    return _unique([name for letter in json.loads(text) for names in letter.values() for name in names])


def faker_arabic() -> dict[str, list[str]]:
    """Male and female given names of Faker's ``ar_AA`` person provider (the installed copy)."""
    record = COPIES["faker_ar_AA"]
    if version("faker") != record["version"]:
        raise SystemExit(f"faker {version('faker')} installed, the record names {record['version']}; update COPIES")
    from faker.providers.person.ar_AA import Provider

    return {"male": _unique(list(Provider.first_names_male)), "female": _unique(list(Provider.first_names_female))}


def build(copies: Path) -> dict[str, Any]:
    """The names file's content, one entry per locale."""
    ethiopian = geezorg_names(_read(copies, "geezorg"))
    arabic = faker_arabic()
    first = _read(copies, "faker_js_first")
    table: dict[str, Any] = {
        "am_ET": {**ethiopian, "family_from": "male", "source": ["geezorg"]},
        "ar_EG": {**arabic, "family_from": "male", "source": ["faker_ar_AA"]},
        "en_AU": {"male": ts_array(first, "male"), "female": ts_array(first, "female"),
                  "family": ts_array(_read(copies, "faker_js_last"), "generic"),
                  "source": ["faker_js_first", "faker_js_last"]},
        "en_PH": {"family": katalogo_names(_read(copies, "katalogo")), "given_from": "en_US", "source": ["katalogo"]},
    }
    for locale, entry in table.items():
        for key in ("male", "female", "family"):
            if key in entry and len(entry[key]) < MIN_NAMES:
                raise SystemExit(f"{locale}: only {len(entry[key])} {key} names, fewer than {MIN_NAMES}")
        entry["source"] = [{k: v for k, v in COPIES[key].items() if k not in ("local", "sha256")}
                           for key in entry["source"]]
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=Path, default=copies_dir() / "names")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    table = build(args.copies)
    args.out.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    for locale, entry in table.items():
        counts = ", ".join(f"{k} {len(entry[k])}" for k in ("male", "female", "family") if k in entry)
        print(f"{locale}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
