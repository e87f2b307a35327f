"""The output folder of a population run: durable, resumable, refuses mixed configurations.

Layout of ``out/``:

- ``personas.jsonl``: one persona record per line, appended and flushed as each one finishes
  (a killed process loses at most the persona being written; its torn tail is repaired on resume);
- ``failures.jsonl``: ``{"index", "stage", "error"}`` per failed attempt, compacted at the end of
  a run to the latest failure of each index still missing;
- ``manifest.json``: the run's fingerprint (everything that decides what persona *i* is), ``n``,
  and after each run a summary; written atomically.

Only the process holding ``out/.lock`` writes; a second run on the same folder is refused. The
lock is ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows; the OS drops it when the
process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import IO, Any

from deeppersona_agents._io import (
    iter_records,
    lock_file,
    repair_tail,
    unlock_file,
    write_json_atomic,
    write_jsonl_atomic,
)
from deeppersona_agents._resume import fingerprint_hash, open_manifest
from deeppersona_agents.errors import ConfigError

PERSONAS, FAILURES, MANIFEST, LOCK = "personas.jsonl", "failures.jsonl", "manifest.json", ".lock"
OUR_FILES = (PERSONAS, FAILURES, MANIFEST)
_REMEDY = "remove that line to keep the rest and resume, or pass force=True to start the population over"


class PopulationStore:
    """Owns ``out/`` for one run: checks it, resumes it, appends to it.

    Args:
        out: Output folder (created if missing).
        fingerprint: What decides persona *i* (country, seed, config, model, tree, cohort, inputs).
        n: Personas wanted (indices ``0..n-1``).
        force: Discard an existing run in ``out`` instead of refusing a different configuration.
    """

    def __init__(self, out: Path, fingerprint: dict[str, Any], n: int, *, force: bool = False) -> None:
        self.out = Path(out)
        self.fingerprint = fingerprint
        self.n = n
        self.force = force
        self.done: set[int] = set()
        self.failed_before: int = 0
        self._personas: IO[str] | None = None
        self._failures: IO[str] | None = None
        self._lock: IO[str] | None = None
        self.started = time.time()

    # ---- opening -----------------------------------------------------------------------------
    def open(self) -> set[int]:
        """Check, lock and prepare the folder; return the indices already done."""
        created, had_lock = not self.out.exists(), (self.out / LOCK).exists()
        self._make_folder()
        self._take_lock()
        try:
            stored = open_manifest(self.out, MANIFEST, PERSONAS, self.fingerprint, force=self.force,
                                   files=OUR_FILES, what="a population")
            if stored is not None and int(stored.get("n", 0)) > self.n:
                raise ConfigError(
                    f"{self.out} was started with n={stored['n']}; resume with n={stored['n']} or more "
                    "(a population can grow, not shrink), or pass force=True to start over", param="n")
        except ConfigError:  # refused: leave the folder exactly as it was
            self._release_lock()
            if not had_lock:
                (self.out / LOCK).unlink(missing_ok=True)
            if created:
                self.out.rmdir()
            raise
        self.done = self._scan_personas()
        self._write_manifest(status="running")
        repair_tail(self.out / FAILURES)
        self._personas = (self.out / PERSONAS).open("a", encoding="utf-8")
        self._failures = (self.out / FAILURES).open("a", encoding="utf-8")
        return set(self.done)

    def _make_folder(self) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"out={self.out} is a file; give a folder, e.g. ke/", param="out")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create out={self.out}: {exc.strerror or exc}; choose a writable folder",
                              param="out") from None
        if not os.access(self.out, os.W_OK | os.X_OK):
            raise ConfigError(f"out={self.out} is not writable; choose a writable folder", param="out")

    def _take_lock(self) -> None:
        self._lock = (self.out / LOCK).open("w")
        if not lock_file(self._lock):
            self._lock.close()
            self._lock = None
            raise ConfigError(f"another run is writing to {self.out}; wait for it or choose another out folder",
                              param="out")

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _scan_personas(self) -> set[int]:
        """Indices in ``personas.jsonl``; repairs a torn last line left by a killed process."""
        path = self.out / PERSONAS
        if not path.exists():
            return set()
        repair_tail(path)
        done: set[int] = set()
        for number, record in iter_records(path, remedy=_REMEDY, param="force"):
            index = record.get("index")
            if not isinstance(index, int) or not 0 <= index < self.n:
                raise ConfigError(
                    f"{path}, line {number}: index {index!r} is not a persona index of this run (0..{self.n - 1}); "
                    "remove that line, or pass force=True to start over", param="force"
                )
            if index in done:
                raise ConfigError(f"{path}, line {number}: persona {index} appears twice; remove one of the lines")
            done.add(index)
        return done

    # ---- writing -----------------------------------------------------------------------------
    def add(self, index: int, record: dict[str, Any]) -> None:
        """Append one finished persona and flush it to the operating system."""
        assert self._personas is not None, "open() the store first"
        if index in self.done:  # pragma: no cover - the runner never schedules an index twice
            return
        self._personas.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._personas.flush()
        self.done.add(index)

    def fail(self, index: int, stage: str, error: str) -> None:
        """Record a failed persona (it stays missing and is retried on the next run)."""
        assert self._failures is not None, "open() the store first"
        self._failures.write(json.dumps({"index": index, "stage": stage, "error": error}, ensure_ascii=False) + "\n")
        self._failures.flush()

    def sort_by_index(self) -> None:
        """Rewrite ``personas.jsonl`` in index order (atomically; reads one line at a time)."""
        assert self._personas is not None, "open() the store first"
        self._personas.flush()
        path = self.out / PERSONAS
        offsets: list[tuple[int, int, int]] = []
        with path.open("rb") as fh:
            position = 0
            for line in fh:
                if line.strip():
                    offsets.append((_index_of(line), position, len(line)))
                position += len(line)
        if [i for i, _, _ in offsets] == sorted(i for i, _, _ in offsets):
            return
        tmp = path.with_name(f".{path.name}.tmp")
        with path.open("rb") as src, tmp.open("wb") as dst:
            for _, start, length in sorted(offsets):
                src.seek(start)
                dst.write(src.read(length))
            dst.flush()
            os.fsync(dst.fileno())
        self._personas.close()
        tmp.replace(path)
        self._personas = path.open("a", encoding="utf-8")

    def missing(self) -> list[int]:
        """Indices not yet done, in order."""
        return [i for i in range(self.n) if i not in self.done]

    def close(self, summary: dict[str, Any] | None = None) -> None:
        """Flush, compact failures, write the final manifest and release the lock."""
        for fh in (self._personas, self._failures):
            if fh is not None:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
        self._personas = self._failures = None
        self._compact_failures()
        status = "complete" if len(self.done) >= self.n else "incomplete"
        self._write_manifest(status=status, summary=summary)
        if self._lock is not None:
            unlock_file(self._lock)
            self._lock.close()
            self._lock = None

    def _compact_failures(self) -> None:
        path = self.out / FAILURES
        if not path.exists():
            return
        latest: dict[int, dict[str, Any]] = {}
        for line in path.read_bytes().splitlines():  # diagnostics only: an unreadable line is dropped, never fatal
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            index = record.get("index") if isinstance(record, dict) else None
            if isinstance(index, int) and index not in self.done:
                latest[index] = record
        write_jsonl_atomic(path, (latest[index] for index in sorted(latest)))

    def _write_manifest(self, status: str, summary: dict[str, Any] | None = None) -> None:
        manifest = {
            "format": "deeppersona-population/1",
            "status": status,
            "n": self.n,
            "done": len(self.done),
            "fingerprint": self.fingerprint,
            "fingerprint_hash": fingerprint_hash(self.fingerprint),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        if summary is not None:
            manifest["summary"] = summary
        write_json_atomic(self.out / MANIFEST, manifest)

_INDEX = re.compile(rb'"index":\s*(\d+)')


def _index_of(line: bytes) -> int:
    """A record's index, read from the line's head when it is there (records start id, seed, index)."""
    match = _INDEX.search(line, 0, 400)
    return int(match.group(1)) if match else int(json.loads(line)["index"])
