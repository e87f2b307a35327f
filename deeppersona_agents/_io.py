"""Durable file output shared by every writer: atomic whole-file writes and append-only JSONL logs.

A whole file (a persona, a manifest, a CSV, a report) is written to a temporary file beside its
target and renamed into place, so a reader or a killed process never leaves half a file. A log
(``personas.jsonl``, ``failures.jsonl``, QA results, survey answers) is appended one flushed line
at a time; a process killed mid-line leaves a torn tail, which :func:`repair_tail` removes (or
completes, when the tail is a whole record that only lacks its newline) before the log is read or
appended to again. Every writer in the package goes through here, so every file is repaired the
same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from deeppersona_agents.errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (fsynced)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_jsonl_atomic(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Write ``records`` as JSON lines atomically (a whole file, not a log)."""
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_csv_atomic(path: str | Path, frame: Any) -> None:
    """Write a pandas DataFrame (or a list of row dicts) as CSV atomically."""
    import pandas as pd

    table = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(list(frame))
    write_text_atomic(path, table.to_csv(index=False))


def repair_tail(path: str | Path) -> None:
    """Make a log whole again after a kill: drop a torn last line, or finish a whole record with a newline."""
    target = Path(path)
    if not target.exists():
        return
    size = target.stat().st_size
    if size == 0:
        return
    with target.open("rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        start = size
        while start > 0:  # find the last newline, reading backwards in blocks
            step = min(1 << 16, start)
            fh.seek(start - step)
            cut = fh.read(step).rfind(b"\n")
            if cut >= 0:
                start = start - step + cut + 1
                break
            start -= step
        fh.seek(start)
        tail = fh.read()
        try:
            whole = isinstance(json.loads(tail), dict)
        except (json.JSONDecodeError, UnicodeDecodeError):
            whole = False
        if whole:
            fh.seek(size)
            fh.write(b"\n")
        else:
            fh.truncate(start)


def iter_records(path: str | Path, *, remedy: str = "remove that line",
                 param: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for each line of a JSONL log; a corrupted line raises ``ConfigError``.

    Call :func:`repair_tail` first: only a line inside the file (not a torn tail) counts as corrupted.
    ``param`` is the parameter the ``remedy`` names (``force``), if any.
    """
    target = Path(path)
    with target.open(encoding="utf-8", errors="strict") as fh:
        number = 0
        try:
            for number, line in enumerate(fh, 1):  # noqa: B007 - number is used after a decode error
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    record = None
                if not isinstance(record, dict):
                    raise ConfigError(f"{target}, line {number} is corrupted (not a JSON record); {remedy}",
                                      param=param)
                yield number, record
        except UnicodeDecodeError:
            raise ConfigError(f"{target}, after line {number}: not UTF-8 text; {remedy}", param=param) from None


class JsonlLog:
    """An append-only JSON-lines log: repaired on open, one flushed line per record.

    Args:
        path: The log file (created with its folder if missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_tail(self.path)
        self._fh: IO[bytes] | None = self.path.open("ab")

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and flush it to the operating system."""
        if self._fh is None:
            raise ValueError(f"{self.path} is closed")
        self._fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self._fh.flush()

    def close(self, *, sync: bool = True) -> None:
        """Flush (and fsync) and close; safe to call twice."""
        if self._fh is None:
            return
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None

    def __enter__(self) -> JsonlLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_log(path: str | Path, *, remedy: str = "remove that line", param: str | None = None) -> list[dict[str, Any]]:
    """Every record of a log after repairing its tail (``[]`` when the file does not exist)."""
    target = Path(path)
    if not target.exists():
        return []
    repair_tail(target)
    return [record for _, record in iter_records(target, remedy=remedy, param=param)]


def lock_file(fh: IO[str]) -> bool:
    """Take an exclusive lock on an open file without waiting; ``False`` when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError on POSIX, PermissionError on Windows
        return False
    return True


def unlock_file(fh: IO[str]) -> None:
    """Release :func:`lock_file`'s lock (closing the file releases it too on POSIX)."""
    if fcntl is not None:
        fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
