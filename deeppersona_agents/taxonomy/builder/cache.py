"""Append-only JSONL cache so an interrupted build resumes where it stopped."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from deeppersona_agents._io import JsonlLog, read_log


class StageCache:
    """One JSONL file per stage: ``{"scope", "key", "value"}`` lines, flushed as they are written.

    ``scope`` names what produced the values (model, base tree); lines of another scope are
    ignored, so re-running in the same folder with a different model asks again.
    """

    def __init__(self, folder: Path, stage: str, scope: str = "") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{stage}.jsonl"
        self.scope = scope
        self._lock = threading.Lock()
        self.values: dict[str, Any] = {}
        for row in read_log(self.path, remedy=f"delete that line (it is redone) or the whole {self.path.name}"):
            if row.get("scope", "") == scope:
                self.values[row["key"]] = row["value"]
        self._log = JsonlLog(self.path)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def put(self, key: str, value: Any) -> None:
        """Record a finished item durably."""
        with self._lock:
            self.values[key] = value
            self._log.append({"scope": self.scope, "key": key, "value": value})
