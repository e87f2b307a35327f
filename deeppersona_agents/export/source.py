"""What an export reads (a population folder or a personas file) and how it writes (all or nothing).

The first step of every exporter in this package: :func:`open_source` checks the input before anything
is written; :func:`staged_folder` builds the output in a hidden sibling folder and moves it into place
only when it is complete, so a failed export leaves nothing behind and a forced one replaces only an
earlier export.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deeppersona_agents._io import iter_records
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona
from deeppersona_agents.population.store import MANIFEST, PERSONAS

_WHAT = "a folder with the personas.jsonl of `deeppersona population` (or `enrich`), or a personas .jsonl file"


@dataclass(frozen=True)
class Source:
    """A population to export: where its personas are and, for a population folder, its manifest."""

    path: Path
    personas_file: Path
    manifest: dict[str, Any] | None

    def personas(self) -> Iterator[Persona]:
        """Each persona, checked against the record format (streamed, so a large run stays in bounds).

        Raises:
            ConfigError: a line is not a persona record (with its line number and the remedy).
        """
        for number, record in iter_records(self.personas_file, remedy="fix or remove that line and export again"):
            try:
                yield Persona.model_validate(record)
            except ValueError as exc:
                first = str(exc).splitlines()[0]
                raise ConfigError(f"{self.personas_file}, line {number} is not a persona record ({first}); "
                                  "fix or remove that line and export again") from None

    @property
    def fingerprint(self) -> dict[str, Any]:
        """What decided the run (country, seed, config, model, tree), or ``{}`` for a bare personas file."""
        return dict((self.manifest or {}).get("fingerprint") or {})


def open_source(path: str | Path) -> Source:
    """Check ``path`` and return the :class:`Source` to read.

    Raises:
        ConfigError: missing path, a folder without personas, an unreadable manifest or no personas at all.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path} does not exist; give {_WHAT}")
    if path.is_dir():
        personas_file = path / PERSONAS
        if not personas_file.is_file():
            raise ConfigError(f"{path} has no {PERSONAS}; give {_WHAT}")
    elif path.suffix == ".jsonl":
        personas_file = path
    else:
        raise ConfigError(f"{path} is not a population folder or a .jsonl file; give {_WHAT}")
    manifest = None
    if path.is_dir() and (path / MANIFEST).is_file():
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path / MANIFEST} is not valid JSON ({exc}); restore it or export "
                              f"{personas_file} alone") from None
    if not _has_a_record(personas_file):
        raise ConfigError(f"{personas_file} holds no personas; run `deeppersona population` first")
    return Source(path, personas_file, manifest if isinstance(manifest, dict) else None)


def _has_a_record(path: Path) -> bool:
    with path.open("rb") as fh:
        return any(line.strip() for line in fh)


def check_new_output(out: Path, force: bool, ours: Callable[[Path], bool], kind: str, param: str = "out") -> None:
    """Refuse ``out`` before any work: it exists (without ``force``), is not ours to replace, or is not writable.

    Args:
        out: The output folder or file.
        force: Replace an earlier export at ``out``.
        ours: True when an existing ``out`` is an earlier export of this kind (safe to replace).
        kind: What is written, for messages ("Hugging Face dataset folder").
        param: The parameter (or CLI flag) that named ``out``.
    """
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        if not force:
            raise ConfigError(f"{out} already exists; pass force=True to replace it or choose a new {kind}",
                              param=(param, "force"))
        if not ours(out):
            article = "an" if kind[0] in "AEIOU" else "a"
            raise ConfigError(f"{out} exists and is not {article} {kind} written by deeppersona, so force=True "
                              f"will not replace it; choose a new {kind}", param=param)
    parent = out.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"{out}: folder {parent} does not exist; create it or choose another place", param=param)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{out}: folder {parent} is not writable; choose a writable place", param=param)


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield a hidden folder beside ``out``; when the block succeeds it replaces ``out``, else it is removed."""
    out = Path(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.resolve().parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.{stage.name.rsplit('.', 2)[-2]}.old")
        out.rename(old)
    stage.chmod(0o755)
    stage.rename(out)
    if old is not None:
        shutil.rmtree(old) if old.is_dir() else old.unlink()
