"""Footprint: how long `import deeppersona_agents` takes and how much disk the runtime install needs.

Import time: best of 5 fresh interpreters (the first import after install also compiles .pyc; not counted).
Install size: the runtime dependency closure of `deeppersona-agents` without extras, summed over the files
each installed distribution lists in its RECORD, counted as `du` counts them (allocated blocks), plus the
package's own files. A fresh offline venv cannot be built here (the local index lacks wheels for Python 3.12).
Run it in the project's .venv: `python benchmarks/bench_footprint.py`.
The extras (`ray`, `notebook`, `dev` ...) are listed apart with what they would add.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "deeppersona-agents"


def import_seconds(statement: str, runs: int = 5) -> float:
    """Best wall time of ``statement`` over ``runs`` fresh interpreters."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    subprocess.run([sys.executable, "-c", statement], check=True, capture_output=True)  # warm the .pyc files
    times = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
             for _ in range(runs)]
    return min(times)


def _name(text: str) -> str:
    return text.lower().replace("_", "-").replace(".", "-")


def closure(roots: list[str], extras_of: dict[str, set[str]] | None = None) -> set[str]:
    """Normalised names of the installed distributions ``roots`` need (markers evaluated for this interpreter)."""
    seen: set[str] = set()
    todo = [(name, (extras_of or {}).get(name, set())) for name in roots]
    while todo:
        name, extras = todo.pop()
        if name in seen and not extras:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"  (not installed: {name})")
            continue
        for text in dist.requires or []:
            req = Requirement(text)
            wanted = req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras})
            if wanted and (_name(req.name) not in seen or req.extras):
                todo.append((_name(req.name), set(req.extras)))
    return seen


def _disk(path: Path) -> int:
    return path.stat().st_blocks * 512  # what du counts


def dist_bytes(name: str) -> int:
    """Disk bytes of the files an installed distribution's RECORD lists (the project: its package folders)."""
    if name == _name(PROJECT):
        folders = [ROOT / "deeppersona_agents", ROOT / "surveys"]
        return sum(_disk(p) for f in folders for p in f.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    dist = metadata.distribution(name)
    paths = (Path(str(dist.locate_file(file))) for file in dist.files or [])
    return sum(_disk(p) for p in paths if p.is_file())


def main() -> None:
    """Print import times and the install size of the runtime closure and of each extra."""
    print(f"import deeppersona_agents: {import_seconds('import deeppersona_agents') * 1000:.0f} ms (best of 5)")
    print(f"import deeppersona_agents.cli: {import_seconds('import deeppersona_agents.cli') * 1000:.0f} ms")
    runtime = closure([_name(PROJECT)])
    sizes = {name: dist_bytes(name) for name in runtime}
    total = sum(sizes.values())
    print(f"runtime install (no extras): {total / 1e6:.0f} MB ({total / 2**30:.2f} GiB) in {len(runtime)} "
          "distributions; largest:")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {size / 1e6:8.1f} MB  {name}")
    extras = metadata.distribution(PROJECT).metadata.get_all("Provides-Extra") or []
    for extra in extras:
        added = closure([_name(PROJECT)], {_name(PROJECT): {extra}}) - runtime
        size = sum(dist_bytes(n) for n in added if _installed(n))
        print(f"extra [{extra}] adds {size / 1e6:.0f} MB ({', '.join(sorted(added)) or 'nothing'})")


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    main()
