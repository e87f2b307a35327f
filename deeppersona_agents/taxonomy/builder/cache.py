"""Append-only JSONL cache so an interrupted build resumes where it stopped."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


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
        if self.path.exists():
            for raw in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError:
                    continue  # a line torn by a kill mid-write is simply redone
                if row.get("scope", "") == scope:
                    self.values[row["key"]] = row["value"]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def put(self, key: str, value: Any) -> None:
        """Record a finished item durably."""
        line = json.dumps({"scope": self.scope, "key": key, "value": value}, ensure_ascii=False) + "\n"
        with self._lock:
            self.values[key] = value
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
