"""Bad input to ``export --hf / --tinytroupe / --edsl``: clean refusals, nothing written, earlier output kept."""

from __future__ import annotations

import shutil
import sys

import pytest

from tests.bad_inputs.harness import NOT_UTF8, case, run_bad, write


@pytest.fixture(scope="module")
def root(tmp_path_factory, good_run):
    root = tmp_path_factory.mktemp("export")
    shutil.copytree(good_run, root / "run")
    lines = (good_run / "personas.jsonl").read_text(encoding="utf-8").splitlines()
    write(root, "empty_run/personas.jsonl", "")
    write(root, "blank.jsonl", "\n\n")
    write(root, "latin1.jsonl", NOT_UTF8)
    write(root, "not_persona.jsonl", lines[0] + "\n" + '{"persona": "A nurse in Nairobi."}\n')
    write(root, "garbage.jsonl", lines[0] + "\ngarbage\n")
    write(root, "table.csv", "name,age\nAmina,30\n")
    write(root, "bad_manifest/personas.jsonl", lines[0] + "\n")
    write(root, "bad_manifest/manifest.json", '{"fingerprint": ')
    write(root, "theirs/notes.txt", "keep me\n")
    write(root, "mine.json", '{"settings": true}\n')
    write(root, "a_file", "not a folder\n")
    (root / "no_personas").mkdir()
    return root


EXPORT = [
    case("hf-source-missing", "export {root}/nope --hf {root}/hf", "nope", "does not exist"),
    case("tt-source-missing", "export {root}/nope.jsonl --tinytroupe {root}/tt", "does not exist"),
    case("hf-folder-without-personas", "export {root}/no_personas --hf {root}/hf", "personas.jsonl"),
    case("hf-empty-population", "export {root}/empty_run --hf {root}/hf", "holds no personas"),
    case("tt-blank-jsonl", "export {root}/blank.jsonl --tinytroupe {root}/tt", "holds no personas"),
    case("edsl-empty-population", "export {root}/empty_run --edsl {root}/a.json", "holds no personas"),
    case("hf-not-utf8", "export {root}/latin1.jsonl --hf {root}/hf", "latin1.jsonl", "utf-8"),
    case("hf-not-a-persona", "export {root}/not_persona.jsonl --hf {root}/hf", "line 2", "not a persona record"),
    case("tt-not-a-persona", "export {root}/not_persona.jsonl --tinytroupe {root}/tt", "line 2"),
    case("edsl-garbage-line", "export {root}/garbage.jsonl --edsl {root}/a.json", "line 2", "corrupted"),
    case("hf-source-is-csv", "export {root}/table.csv --hf {root}/hf", "table.csv", ".jsonl"),
    case("hf-bad-manifest", "export {root}/bad_manifest --hf {root}/hf", "manifest.json", "not valid JSON"),
    case("hf-out-exists", "export {root}/run --hf {root}/theirs", "already exists", "--force"),
    case("hf-force-not-ours", "export {root}/run --hf {root}/theirs --force", "not a Hugging Face", "--hf"),
    case("tt-out-exists", "export {root}/run --tinytroupe {root}/theirs", "--force", "--tinytroupe"),
    case("tt-force-not-ours", "export {root}/run --tinytroupe {root}/theirs --force", "not a TinyTroupe"),
    case("edsl-out-exists", "export {root}/run --edsl {root}/mine.json", "already exists", "--force"),
    case("edsl-force-not-ours", "export {root}/run --edsl {root}/mine.json --force", "not an EDSL"),
    case("edsl-out-is-folder", "export {root}/run --edsl {root}/theirs", ".json"),
    case("edsl-out-suffix", "export {root}/run --edsl {root}/agents.csv", ".json", ".jsonl"),
    case("hf-out-parent-missing", "export {root}/run --hf {root}/no/such/hf", "does not exist", "--hf"),
    case("hf-out-under-file", "export {root}/run --hf {root}/a_file/hf", "a_file"),
    case("edsl-out-parent-missing", "export {root}/run --edsl {root}/no/such/a.json", "does not exist"),
    case("same-path-twice", "export {root}/run --hf {root}/x --tinytroupe {root}/x", "different paths"),
    case("hf-bad-license", ["export", "{root}/run", "--hf", "{root}/hf", "--license", "Apache 2.0: yes"],
         "licence identifier"),
    case("nothing-to-export", "export {root}/run --no-parquet", "--parquet", "--hf"),
    case("hf-no-path", "export {root}/run --hf", "--hf", code=2),
]


@pytest.mark.parametrize("item", EXPORT, ids=lambda c: c.id)
def test_bad_export_is_refused_cleanly(root, item):
    run_bad(root, item)


def test_a_later_format_failing_writes_no_earlier_one(root):
    """Every output is checked before the first is written: an EDSL file in the way stops the HF export too."""
    run_bad(root, case("hf-then-edsl-exists", "export {root}/run --hf {root}/hf --edsl {root}/mine.json",
                       "--edsl", "--force"))


def test_missing_pyarrow_names_the_extra(root, monkeypatch):
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    run_bad(root, case("hf-no-pyarrow", "export {root}/run --hf {root}/hf", "pip install 'deeppersona-agents[hf]'"))
    run_bad(root, case("parquet-no-pyarrow", "export {root}/run --parquet", "deeppersona-agents[hf]"))
