"""Bad input to ``generate``, ``population``, ``enrich`` and ``export``: clean refusals, nothing written."""

from __future__ import annotations

import json
import shutil

import pytest

from deeppersona_agents.cli import app
from tests.bad_inputs.harness import FAKE, HUGE_LINE, NOT_UTF8, case, run_bad, runner, write

GEN = "generate --quiet --attributes 12"
POP = f"population --quiet --factory {FAKE} --attributes 12 --country KEN -n 2"
ENR = f"enrich --quiet --factory {FAKE} --attributes 12 --country KEN"


@pytest.fixture(scope="module")
def root(tmp_path_factory, good_run):
    root = tmp_path_factory.mktemp("gen")
    write(root, "good/persona.json", '{"kept": true}\n')
    shutil.copytree(good_run, root / "run")
    write(root, "empty.json", "")
    write(root, "empty.jsonl", "")
    write(root, "latin1.json", NOT_UTF8)
    write(root, "latin1.jsonl", NOT_UTF8)
    write(root, "truncated.json", '{"version": "1", "categ')
    write(root, "truncated.jsonl", '{"persona": "A nurse in Nairobi."}\n{"persona": "A tea pick')
    write(root, "huge.jsonl", '{"persona": "' + HUGE_LINE + '"}\n')
    write(root, "huge.txt", HUGE_LINE + "\n")
    write(root, "numbers.json", "[1, 2]")
    write(root, "blank_record.jsonl", "{}\n")
    write(root, "one.jsonl", '{"persona": "A retired teacher in Mombasa."}\n')
    write(root, "a_file", "not a folder\n")
    (root / "a_folder").mkdir()
    write(root, "run_garbage/personas.jsonl", "garbage\n")
    return root


GENERATE = [
    case("gen-k-too-large", f"{GEN} --attributes 100000 --out {{root}}/out.json", "attributes", "at most"),
    case("gen-k-too-large-keeps-good", f"{GEN} --attributes 100000 --out {{root}}/good/persona.json", "at most"),
    case("gen-k-negative", f"{GEN} --attributes -5 --out {{root}}/out.json", "--attributes"),
    case("gen-k-not-a-number", f"{GEN} --attributes many --out {{root}}/out.json", "--attributes", code=2),
    case("gen-unknown-flag", f"{GEN} --colour red --out {{root}}/out.json", "--colour", code=2),
    case("gen-country", f"{GEN} --country XYZ --out {{root}}/out.json", "XYZ", "ISO-3"),
    case("gen-anchor-no-value", f"{GEN} --anchor age --out {{root}}/out.json", "key=value", "--anchor age=34"),
    case("gen-anchor-age-range", f"{GEN} --anchor age=-3 --out {{root}}/out.json", "age", "out of range"),
    case("gen-tree-empty", f"{GEN} --tree {{root}}/empty.json --out {{root}}/out.json", "empty.json"),
    case("gen-tree-not-utf8", f"{GEN} --tree {{root}}/latin1.json --out {{root}}/out.json", "latin1.json", "utf-8"),
    case("gen-tree-truncated", f"{GEN} --tree {{root}}/truncated.json --out {{root}}/out.json", "truncated.json"),
    case("gen-tree-is-folder", f"{GEN} --tree {{root}}/a_folder --out {{root}}/out.json", "a_folder"),
    case("gen-tree-missing", f"{GEN} --tree {{root}}/nope.json --out {{root}}/out.json", "nope.json"),
    case("gen-out-is-folder", f"{GEN} --out {{root}}/a_folder", "is a folder", "file name"),
    case("gen-cache-is-folder", f"{GEN} --cache {{root}}/a_folder --out {{root}}/out.json", "response cache",
         "--cache"),
    case("gen-dry-run-one-price", f"{GEN} --dry-run --price-in 1 --out {{root}}/out.json", "--price-out"),
    case("gen-dry-run-negative-price", f"{GEN} --dry-run --price-in -1 --price-out 1 --out {{root}}/out.json",
         "--price-in", code=2),
    case("gen-out-parent-missing", f"{GEN} --out {{root}}/no/such/p.json", "does not exist", "create it"),
    case("gen-out-under-file", f"{GEN} --out {{root}}/a_file/p.json", "a_file"),
    case("gen-out-dotdot-missing", f"{GEN} --out {{root}}/no/../../no2/p.json", "does not exist"),
    case("gen-batch-zero", f"{GEN} --batch-size 0 --out {{root}}/out.json", "--batch-size"),
    case("gen-min-age", f"{GEN} --min-age 200 --out {{root}}/out.json", "--min-age"),
    case("gen-demographics", f"{GEN} --demographics bogus --out {{root}}/out.json", "--demographics", "'census'",
         "'uniform'", code=2),
    case("gen-method", f"{GEN} --structured-method xml --out {{root}}/out.json", "--structured-method",
         "'json_schema'", "'function_calling'", "'json_mode'", code=2),
    case("gen-summary-style", f"{GEN} --summary-style epic --out {{root}}/out.json", "--summary-style", "'concise'",
         "'detailed'", code=2),
    case("gen-seed-negative", f"{GEN} --seed -1 --out {{root}}/out.json", "seed"),
    case("gen-bio-huge", [*GEN.split(), "--bio", HUGE_LINE, "--out", "{root}/out.json"], "--bio", "characters"),
    case("gen-anchor-huge", [*GEN.split(), "--anchor", "hobby=" + HUGE_LINE, "--out", "{root}/out.json"],
         "--anchor", "characters"),
    case("gen-base-url-no-model", f"{GEN} --base-url http://127.0.0.1:9/v1 --out {{root}}/out.json", "--model"),
]

POPULATION = [
    case("pop-factory-os-system", f"{POP} --out {{root}}/new --factory os:system", "os:system", "chat model"),
    case("pop-factory-builtin-dict", f"{POP} --out {{root}}/new --factory builtins:dict", "builtins:dict",
         "chat model"),
    case("pop-factory-not-callable", f"{POP} --out {{root}}/new --factory tests.bad_inputs.harness:FAKE",
         "callable"),
    case("pop-factory-no-colon", f"{POP} --out {{root}}/new --factory tests.fakes", "module:function"),
    case("pop-factory-missing-module", f"{POP} --out {{root}}/new --factory no_such_mod:f", "no_such_mod"),
    case("pop-k-too-large", f"{POP} --out {{root}}/new --attributes 100000", "attributes", "at most"),
    case("pop-n-zero", f"{POP} --out {{root}}/new -n 0", "at least 1"),
    case("pop-cache-is-folder", f"{POP} --out {{root}}/new --cache {{root}}/a_folder", "response cache", "--cache"),
    case("pop-n-text", f"{POP} --out {{root}}/new -n two", "-n", code=2),
    case("pop-country", f"{POP} --out {{root}}/new --country ATLANTIS", "ATLANTIS"),
    case("pop-engine", f"{POP} --out {{root}}/new --engine warp", "--engine", "'local'", "'ray'", code=2),
    case("pop-concurrency", f"{POP} --out {{root}}/new --concurrency 0", "concurrency"),
    case("pop-rps", f"{POP} --out {{root}}/new --requests-per-second -1", "requests-per-second"),
    case("pop-where-code", [*POP.split(), "--out", "{root}/new", "--where",
                            "@pd.io.common.os.system('touch pwned') == 0"], "--where"),
    case("pop-where-syntax", [*POP.split(), "--out", "{root}/new", "--where", "age >>> 3"], "--where"),
    case("pop-where-column", [*POP.split(), "--out", "{root}/new", "--where", "salary > 3"], "salary"),
    case("pop-out-is-file", f"{POP} --out {{root}}/a_file", "a_file"),
    case("pop-out-under-file", f"{POP} --out {{root}}/a_file/run", "--out"),
    case("pop-min-age", f"{POP} --out {{root}}/new --min-age 3", "min-age"),
    case("pop-demographics", f"{POP} --out {{root}}/new --demographics bogus", "'census'", code=2),
    case("pop-base-url-no-model", "population --quiet --country KEN -n 2 --out {root}/new --base-url "
         "http://127.0.0.1:9/v1", "--model"),
    case("pop-no-country", f"population --quiet --factory {FAKE} -n 2 --out {{root}}/new", "--country", code=2),
    case("pop-resume-other-config", f"{POP} --out {{root}}/run --attributes 13", "--force"),
    case("pop-corrupted-run", f"{POP} --out {{root}}/run_garbage", "manifest.json", "--force"),
    case("pop-method", f"{POP} --out {{root}}/new --structured-method xml", "'json_schema'", code=2),
]

ENRICH = [
    case("enrich-empty", f"{ENR} {{root}}/empty.jsonl --out {{root}}/new", "empty.jsonl", "no personas"),
    case("enrich-not-utf8", f"{ENR} {{root}}/latin1.jsonl --out {{root}}/new", "latin1.jsonl", "utf-8"),
    case("enrich-truncated-line", f"{ENR} {{root}}/truncated.jsonl --out {{root}}/new", "line 2", "fix"),
    case("enrich-truncated-json", f"{ENR} {{root}}/truncated.json --out {{root}}/new", "truncated.json"),
    case("enrich-huge-jsonl-line", f"{ENR} {{root}}/huge.jsonl --out {{root}}/new", "line 1", "characters"),
    case("enrich-huge-text-line", f"{ENR} {{root}}/huge.txt --out {{root}}/new", "line 1", "characters"),
    case("enrich-numbers", f"{ENR} {{root}}/numbers.json --out {{root}}/new", "record 1"),
    case("enrich-blank-record", f"{ENR} {{root}}/blank_record.jsonl --out {{root}}/new", "record 1", "persona"),
    case("enrich-missing", f"{ENR} {{root}}/nope.jsonl --out {{root}}/new", "nope.jsonl"),
    case("enrich-folder", f"{ENR} {{root}}/a_folder --out {{root}}/new", "a_folder"),
    case("enrich-n-too-many", f"{ENR} {{root}}/one.jsonl -n 5 --out {{root}}/new", "more than"),
    case("enrich-factory", f"{ENR} {{root}}/one.jsonl --out {{root}}/new --factory os:system", "os:system"),
    case("enrich-country", f"{ENR} {{root}}/one.jsonl --out {{root}}/new --country XYZ", "XYZ"),
    case("enrich-k-too-large", f"{ENR} {{root}}/one.jsonl --out {{root}}/new --attributes 100000", "at most"),
]

EXPORT = [
    case("export-missing-folder", "export {root}/nope", "nope"),
    case("export-empty-folder", "export {root}/a_folder", "a_folder"),
    case("export-garbage", "export {root}/run_garbage", "line 1"),
    case("export-folder-is-file", "export {root}/a_file", "a_file"),
    case("export-out-is-file", "export {root}/run --out {root}/a_file", "a_file"),
    case("export-no-parquet", "export {root}/run --no-parquet", "--parquet"),
]


@pytest.mark.parametrize("item", GENERATE + POPULATION + ENRICH + EXPORT, ids=lambda c: c.id)
def test_bad_input_is_refused_cleanly(root, item):
    run_bad(root, item)
    assert not (root / "pwned").exists()


@pytest.mark.parametrize("n", [2, 3])
def test_a_torn_failures_line_does_not_block_the_folder(tmp_path, good_run, n):
    """Issue 24 item 4: a run killed mid-way through a failures line resumes; good personas are kept."""
    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}), encoding="utf-8")
    kept = (out / "personas.jsonl").read_text(encoding="utf-8").splitlines()
    with (out / "failures.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"index": 2, "stage": "fill", "error": "timeout"}\n{"index": 2, "sta')
    done = runner.invoke(app, [*POP.split()[:-1], str(n), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"{n}/{n} personas" in " ".join(done.output.split())
    lines = (out / "personas.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == kept and len(lines) == n
    for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)  # no torn line is left
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "complete"


def test_a_failure_recorded_after_a_torn_tail_is_kept(tmp_path, good_run):
    """The torn failures line is repaired before appending, so the next failure is a whole line, not lost."""
    from deeppersona_agents.population.store import PopulationStore

    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    fingerprint = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["fingerprint"]
    (out / "failures.jsonl").write_text('{"index": 2, "sta', encoding="utf-8")
    store = PopulationStore(out, fingerprint, 4)
    assert store.open() == {0, 1}
    store.fail(3, "fill", "timeout")
    store.close()
    records = [json.loads(line) for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == [{"index": 3, "stage": "fill", "error": "timeout"}]
