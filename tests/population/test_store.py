"""The output folder: torn tails, corrupted lines, changed configurations, locks, compaction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.population.store import PopulationStore

FP = {"country": "KEN", "seed": 1, "config": {"attributes": 12}}


def record(i: int) -> dict:
    return {"id": f"p{i}", "seed": 100 + i, "index": i, "core": {"age": 30}}


def test_appends_resume_and_finish_in_index_order(tmp_path):
    store = PopulationStore(tmp_path, FP, 4)
    assert store.open() == set()
    for i in (2, 0):
        store.add(i, record(i))
    store.close()
    again = PopulationStore(tmp_path, FP, 4)
    assert again.open() == {0, 2}
    assert again.missing() == [1, 3]
    for i in (3, 1):
        again.add(i, record(i))
    again.sort_by_index()
    again.close()
    lines = (tmp_path / "personas.jsonl").read_text().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [0, 1, 2, 3]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["done"] == 4 and manifest["fingerprint"] == FP


def test_a_torn_last_line_is_dropped_and_a_whole_one_kept(tmp_path):
    store = PopulationStore(tmp_path, FP, 5)
    store.open()
    store.add(0, record(0))
    store.close()
    path = tmp_path / "personas.jsonl"
    with path.open("a") as fh:
        fh.write(json.dumps(record(1)))  # whole record, newline lost
    assert PopulationStore(tmp_path, FP, 5).open() == {0, 1}
    with path.open("a") as fh:
        fh.write(json.dumps(record(2))[:25])  # killed mid-write
    store = PopulationStore(tmp_path, FP, 5)
    assert store.open() == {0, 1}
    store.close()
    assert path.read_text().endswith("\n")
    assert len(path.read_text().splitlines()) == 2


def test_a_corrupted_middle_line_is_refused_with_its_line_number(tmp_path):
    store = PopulationStore(tmp_path, FP, 5)
    store.open()
    store.add(0, record(0))
    store.close()
    path = tmp_path / "personas.jsonl"
    path.write_text(path.read_text() + "{not json\n" + json.dumps(record(1)) + "\n")
    with pytest.raises(ConfigError, match=r"line 2 is corrupted.*force=True") as refused:
        PopulationStore(tmp_path, FP, 5).open()
    assert refused.value.param == "force"


def test_duplicates_and_foreign_indices_are_refused(tmp_path):
    store = PopulationStore(tmp_path, FP, 3)
    store.open()
    store.add(0, record(0))
    store.close()
    path = tmp_path / "personas.jsonl"
    path.write_text(path.read_text() * 2)
    with pytest.raises(ConfigError, match="appears twice"):
        PopulationStore(tmp_path, FP, 3).open()
    path.write_text(json.dumps(record(7)) + "\n")
    with pytest.raises(ConfigError, match="not a persona index"):
        PopulationStore(tmp_path, FP, 3).open()


def test_a_changed_configuration_is_refused_unless_forced(tmp_path):
    store = PopulationStore(tmp_path, FP, 3)
    store.open()
    store.add(0, record(0))
    store.close()
    changed = {**FP, "config": {"attributes": 50}}
    match = r"different configuration \(config.attributes: 12 -> 50\).*force=True"
    with pytest.raises(ConfigError, match=match) as refused:
        PopulationStore(tmp_path, changed, 3).open()
    assert refused.value.param == "force"
    forced = PopulationStore(tmp_path, changed, 3, force=True)
    assert forced.open() == set()
    forced.close()
    assert (tmp_path / "personas.jsonl").read_text() == ""


def test_a_population_may_grow_but_not_shrink(tmp_path):
    store = PopulationStore(tmp_path, FP, 3)
    store.open()
    store.close()
    with pytest.raises(ConfigError, match="n=3 or more") as refused:
        PopulationStore(tmp_path, FP, 2).open()
    assert refused.value.param == "n"
    grown = PopulationStore(tmp_path, FP, 6)
    assert grown.open() == set()
    grown.close()


def test_personas_without_a_manifest_are_not_touched(tmp_path):
    (tmp_path / "personas.jsonl").write_text(json.dumps(record(0)) + "\n")
    with pytest.raises(ConfigError, match="without a manifest.json"):
        PopulationStore(tmp_path, FP, 3).open()


def test_a_second_writer_is_refused(tmp_path):
    first = PopulationStore(tmp_path, FP, 3)
    first.open()
    with pytest.raises(ConfigError, match="another run is writing"):
        PopulationStore(tmp_path, FP, 3).open()
    first.close()
    PopulationStore(tmp_path, FP, 3).open()  # the lock was released


#: Imports the store where ``fcntl`` does not exist (Windows); ``msvcrt.locking`` is played by a registry.
WITHOUT_FCNTL = """
import importlib, os, sys, types
import deeppersona_agents.population  # third-party libraries import as usual (they know their platform)
del sys.modules["deeppersona_agents.population.store"]
del sys.modules["deeppersona_agents._io"]  # the lock lives in _io: re-import it without fcntl
sys.modules["fcntl"] = None  # from here, import fcntl raises ImportError, as on Windows
held = set()
def locking(fd, mode, nbytes):
    key = (os.fstat(fd).st_ino, os.lseek(fd, 0, os.SEEK_CUR), nbytes)
    if mode == msvcrt.LK_UNLCK:
        held.discard(key)
    elif key in held:
        raise PermissionError(13, "locked")
    else:
        held.add(key)
msvcrt = types.SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0, locking=locking)
sys.modules["msvcrt"] = msvcrt
store = importlib.import_module("deeppersona_agents.population.store")
from deeppersona_agents.errors import ConfigError
PopulationStore = store.PopulationStore
assert importlib.import_module("deeppersona_agents._io").fcntl is None
first = PopulationStore(sys.argv[1], {"seed": 1}, 2)
first.open()
try:
    PopulationStore(sys.argv[1], {"seed": 1}, 2).open()
    raise SystemExit("a second writer got in")
except ConfigError:
    pass
first.close()
PopulationStore(sys.argv[1], {"seed": 1}, 2).open()
print("ok")
"""


def test_the_package_imports_and_locks_without_fcntl(tmp_path):
    done = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_failures_are_compacted_to_the_latest_per_missing_index(tmp_path):
    store = PopulationStore(tmp_path, FP, 3)
    store.open()
    store.fail(1, "values", "first try")
    store.fail(1, "fill_attributes", "second try")
    store.fail(2, "anchor", "boom")
    store.add(2, record(2))
    store.close()
    rows = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert rows == [{"index": 1, "stage": "fill_attributes", "error": "second try"}]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        PopulationStore(target, FP, 3).open()
    with pytest.raises(ConfigError, match="cannot create out="):
        PopulationStore(target / "sub", FP, 3).open()
