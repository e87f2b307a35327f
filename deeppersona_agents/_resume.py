"""Resumable runs: a folder's manifest records the fingerprint of what it holds; a rerun resumes it or is refused.

Used by population runs (``population/store.py``) and survey runs (``simulation/run.py``) alike: a
fingerprint is everything that decides the output; a rerun with the same fingerprint resumes, a changed
one is refused with the changed keys named (``config.attributes: 12 -> 50``), ``force`` wipes the run's
files first, and a log without a manifest is never touched. Files are written through ``_io.py``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from deeppersona_agents.errors import ConfigError


def fingerprint_hash(fingerprint: dict[str, Any]) -> str:
    """A short stable hash of a fingerprint."""
    blob = json.dumps(fingerprint, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def fingerprint_diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The changed keys as ``config.attributes: 12 -> 50; seed: 1 -> 2`` (nested keys dotted)."""
    old, new = _flat(before), _flat(after)
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "; ".join(f"{k}: {_short(old.get(k))} -> {_short(new.get(k))}" for k in changed)


def open_manifest(folder: Path, manifest: str, log: str, fingerprint: dict[str, Any], *, force: bool,
                  files: Iterable[str], what: str) -> dict[str, Any] | None:
    """Check ``folder`` before a run resumes it; return the stored manifest (``None`` for a fresh run).

    Args:
        folder: The run's output folder (it exists).
        manifest: File name of the manifest in ``folder``.
        log: File name of the run's log; a log without a manifest cannot be resumed safely.
        fingerprint: What decides the output of this run.
        force: Delete ``files`` first and start over.
        files: The run's own files (the only ones ``force`` deletes).
        what: The run's kind for messages (``"a population"``, ``"a survey run"``).

    Raises:
        ConfigError: The manifest is unreadable or records another fingerprint, or a log has no manifest.
    """
    path = folder / manifest
    if force:
        for name in files:
            (folder / name).unlink(missing_ok=True)
        return None
    if not path.exists():
        if (folder / log).exists():
            raise ConfigError(f"{folder} holds a {log} without a {manifest}, so it cannot be resumed safely; "
                              "choose another out folder, or pass force=True to start over", param="force")
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is unreadable ({exc}); pass force=True to start over", param="force") from None
    if not isinstance(stored, dict):
        raise ConfigError(f"{path} is not a manifest (not a JSON object); pass force=True to start over",
                          param="force")
    before = stored.get("fingerprint", {})
    if before != fingerprint:
        raise ConfigError(
            f"{folder} holds {what} made with a different configuration ({fingerprint_diff(before, fingerprint)}); "
            "resume with the same options, choose another out folder, or pass force=True to discard it and "
            "start over", param="force")
    return stored


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"config": {"attributes": 5}}`` -> ``{"config.attributes": 5}`` (so a changed option is named)."""
    if not isinstance(value, dict) or not value:
        return {prefix: value} if prefix else {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
