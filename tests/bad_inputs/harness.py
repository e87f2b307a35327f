"""Shared by the bad-input suite: one tmp layout per module, one checker per case.

Every case runs a CLI command on a bad file, flag or path and asserts the contract of the README:
the exit code (1 bad input, 2 usage errors raised by Typer), a message naming the problem and the fix,
no traceback (no uncaught exception), and the layout byte-identical afterwards (no file left behind,
existing good output untouched).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from deeppersona_agents.cli import app

FAKE = "tests.fakes:FakeChatModel"
NOT_UTF8 = b"\xff\xfe\x00bad \xe9t\xe9\n"
HUGE_LINE = "a" * 150_000
runner = CliRunner()


@dataclass(frozen=True)
class Case:
    """One bad invocation: ``args`` (``{root}`` is the layout folder), the exit code and the words expected."""

    id: str
    args: tuple[str, ...]
    needles: tuple[str, ...] = ()
    code: int = 1


def case(id: str, args: str | list[str], *needles: str, code: int = 1) -> Case:
    """A :class:`Case`; ``args`` as a space-separated string or a list (for values with spaces)."""
    return Case(id, tuple(args.split() if isinstance(args, str) else args), needles, code)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def run_bad(root: Path, item: Case) -> str:
    """Run ``item`` in ``root`` and check the whole contract; return the flattened output."""
    before = snapshot(root)
    args = [a.replace("{root}", str(root)) for a in item.args]
    cwd = Path.cwd()
    os.chdir(root)
    try:
        result = runner.invoke(app, args)
    finally:
        os.chdir(cwd)
    after = snapshot(root)
    _restore(root, before, after)  # a failing case must not spoil the layout for the next ones
    text = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert "Traceback" not in text, result.output
    assert result.exit_code == item.code, f"exit {result.exit_code}, expected {item.code}:\n{result.output}"
    for needle in item.needles:
        assert needle.lower() in text.lower(), f"{needle!r} not in:\n{result.output}"
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (added or removed or changed), f"files added {added}, removed {removed}, changed {changed}"
    return text


def write(root: Path, name: str, content: str | bytes) -> Path:
    """Write a fixture file under ``root``."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _restore(root: Path, before: dict[str, bytes | None], after: dict[str, bytes | None]) -> None:
    for name in sorted(set(after) - set(before), reverse=True):
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for name, content in before.items():
        if content is not None and after.get(name) != content:
            (root / name).write_bytes(content)
