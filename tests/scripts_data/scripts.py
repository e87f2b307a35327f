"""Import the table builders of scripts/data/ (plain scripts, not a package) and stage fixture copies."""

from __future__ import annotations

import hashlib
import importlib
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "data"
COUNTRIES = ROOT / "deeppersona_agents" / "demographics" / "data" / "countries"


def load(name: str) -> ModuleType:
    """A builder module; its folder goes on sys.path because the builders import ``_common`` by name."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


def stage(copy: dict, copies: Path, data: bytes) -> dict:
    """Write fixture bytes where the copy lives under ``copies``; return the record with the fixture's sha256."""
    path = copies / copy["repository"] / copy["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {**copy, "sha256": hashlib.sha256(data).hexdigest()}


def country_files(folder: Path, *iso3: str) -> Path:
    """Copies of shipped country files to let a builder write into."""
    folder.mkdir(parents=True, exist_ok=True)
    for code in iso3:
        shutil.copy(COUNTRIES / f"{code}.json", folder / f"{code}.json")
    return folder
