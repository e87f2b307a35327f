"""Locating and opening the local copies the table builders read (before any section is written).

A copy is named by the ``copy`` record a section carries (repository, path, commit, sha256). Its local
file sits at ``copies_dir()/<repository>/<path>``; the sha256 is checked before a builder reads it, so a
changed or partial copy fails loudly instead of producing different tables.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from _common import copies_dir


def local_copy(copy: dict[str, Any], root: Path | None = None) -> Path:
    """The checked local file of a copy record.

    Raises:
        FileNotFoundError: the copy is not under the copies folder (the message says how to make it).
        ValueError: the file's sha256 differs from the one recorded.
    """
    folder = root if root is not None else copies_dir()
    path = folder / copy["repository"] / copy["path"]
    if not path.exists():
        raise FileNotFoundError(
            f"no local copy at {path}; copy {copy['path']!r} of {copy['repository']} at commit {copy['commit']} there "
            "(see scripts/data/README.md) or point DEEPPERSONA_DATA_COPIES at the folder holding it"
        )
    want = copy.get("sha256")
    if want:
        got = hashlib.sha256(path.read_bytes()).hexdigest()
        if got != want:
            raise ValueError(f"{path}: sha256 {got} is not the recorded {want}; copy the file again, unchanged")
    return path


def read_rda(path: Path, name: str) -> pd.DataFrame:
    """One data frame from an R ``.rda`` file (needs the ``data`` extra: ``pip install -e .[data]``)."""
    try:
        import rdata
    except ImportError:
        raise ImportError("reading .rda copies needs rdata: pip install -e '.[data]'") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tibble classes fall back to data.frame, as wanted
        frames = rdata.read_rda(str(path))
    if name not in frames:
        raise KeyError(f"{path} holds {sorted(frames)}, not {name!r}")
    return frames[name]


def tvd(p: Any, q: Any) -> float:
    """Total variation distance between two non-negative vectors, each normalised to sum 1."""
    a = pd.Series(p, dtype=float).to_numpy()
    b = pd.Series(q, dtype=float).to_numpy()
    return float(abs(a / a.sum() - b / b.sum()).sum() / 2)
