from __future__ import annotations

import json
from pathlib import Path

from deeppersona_agents.population import ModelSpec

K = 12
FAKE = "tests.fakes:FakeChatModel"


def fake_spec(**kwargs) -> ModelSpec:
    return ModelSpec(factory=FAKE, kwargs=kwargs)


def read_lines(folder: Path, name: str = "personas.jsonl") -> list[dict]:
    path = Path(folder) / name
    if not path.exists():
        return []
    raw = path.read_text(encoding="utf-8")
    assert raw == "" or raw.endswith("\n"), "torn last line"
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def persona_bytes(folder: Path) -> bytes:
    """The run's personas.jsonl exactly as written (two identical runs must give the same bytes)."""
    return (Path(folder) / "personas.jsonl").read_bytes()
