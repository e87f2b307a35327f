"""Bad input to ``evaluate intrinsic/qa/ablation/elo``: clean refusals, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_inputs.harness import HUGE_LINE, NOT_UTF8, case, run_bad, write

DATA = Path(__file__).resolve().parents[1] / "data" / "evaluation"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    write(root, "hub.jsonl", (DATA / "personahub_sample.jsonl").read_text(encoding="utf-8"))
    write(root, "good/intrinsic.csv", "kept\n")
    write(root, "empty.txt", "")
    write(root, "latin1.txt", NOT_UTF8)
    write(root, "table.csv", "name,age,job\nAmina,34,nurse\nJoe,50,driver\n")
    write(root, "huge.txt", "A nurse in Nairobi.\n" + HUGE_LINE + "\n")
    write(root, "truncated.jsonl", '{"persona": "A nurse in Nairobi."}\n{"persona": "A tea pi')
    write(root, "judgements.jsonl", '{"pair_id": "p1", "winner": "A"}\n')
    write(root, "key.jsonl", '{"pair_id": "p1", "a_source": "deep", "b_source": "hub"}\n')
    write(root, "key_columns.jsonl", '{"pair_id": "p1", "A": "deep", "B": "hub"}\n')
    write(root, "judgements_torn.jsonl", '{"pair_id": "p1", "winner": "A"}\n{"pair_id": "p2", "win')
    write(root, "judgements_latin1.jsonl", NOT_UTF8)
    write(root, "empty.jsonl", "")
    write(root, "a_file", "not a folder\n")
    (root / "a_folder").mkdir()
    return root


INTR = "evaluate intrinsic --out {root}/i.csv"
EVALUATE = [
    case("intrinsic-empty", f"{INTR} {{root}}/empty.txt", "empty.txt", "empty"),
    case("intrinsic-not-utf8", f"{INTR} {{root}}/latin1.txt", "latin1.txt", "utf-8"),
    case("intrinsic-csv-as-text", f"{INTR} {{root}}/table.csv", "table.csv", "csv"),
    case("intrinsic-huge-line", f"{INTR} {{root}}/huge.txt", "huge.txt", "characters"),
    case("intrinsic-truncated", f"{INTR} {{root}}/truncated.jsonl", "line 2"),
    case("intrinsic-missing", f"{INTR} {{root}}/nope.txt", "nope.txt", "check the path"),
    case("intrinsic-limit-zero", f"{INTR} {{root}}/hub.jsonl --limit 0", "--limit"),
    case("intrinsic-concurrency-zero", f"{INTR} {{root}}/hub.jsonl --concurrency 0", "--concurrency"),
    case("intrinsic-out-folder", "evaluate intrinsic {root}/hub.jsonl --out {root}/a_folder", "is a folder"),
    case("intrinsic-keeps-good", "evaluate intrinsic {root}/latin1.txt --out {root}/good/intrinsic.csv",
         "latin1.txt"),
    case("intrinsic-same-name-twice", f"{INTR} {{root}}/hub.jsonl {{root}}/hub.jsonl", "two sources"),
    case("intrinsic-no-source", "evaluate intrinsic", "SOURCES", code=2),
    case("qa-missing", "evaluate qa {root}/nope.txt --out {root}/qa", "nope.txt"),
    case("qa-out-is-file", "evaluate qa {root}/hub.jsonl --out {root}/a_file", "a_file"),
    case("qa-out-under-file", "evaluate qa {root}/hub.jsonl --out {root}/a_file/qa", "--out"),
    case("qa-empty", "evaluate qa {root}/empty.txt --out {root}/qa", "empty.txt"),
    case("qa-csv-as-text", "evaluate qa {root}/table.csv --out {root}/qa", "table.csv"),
    case("qa-default-out-not-created", "evaluate qa {root}/latin1.txt", "latin1.txt"),
    case("ablation-depths-text", "evaluate ablation {root}/hub.jsonl --depths a,b --out {root}/ab", "--depths"),
    case("ablation-depths-negative", "evaluate ablation {root}/hub.jsonl --depths=-1,5 --out {root}/ab", "--depths"),
    case("ablation-csv", "evaluate ablation {root}/table.csv --out {root}/ab", "table.csv"),
    case("ablation-out-is-file", "evaluate ablation {root}/hub.jsonl --out {root}/a_file", "a_file"),
    case("elo-empty", "evaluate elo {root}/empty.jsonl --key {root}/key.jsonl", "empty.jsonl"),
    case("elo-torn", "evaluate elo {root}/judgements_torn.jsonl --key {root}/key.jsonl", "line 2"),
    case("elo-not-utf8", "evaluate elo {root}/judgements_latin1.jsonl --key {root}/key.jsonl",
         "judgements_latin1.jsonl", "utf-8"),
    case("elo-key-missing", "evaluate elo {root}/judgements.jsonl --key {root}/nope.jsonl", "nope.jsonl"),
    case("elo-key-columns", "evaluate elo {root}/judgements.jsonl --key {root}/key_columns.jsonl", "a_source",
         "pairs_key.jsonl"),
    case("elo-permutations", "evaluate elo {root}/judgements.jsonl --key {root}/key.jsonl --permutations -1",
         "--permutations"),
    case("elo-out-folder", "evaluate elo {root}/judgements.jsonl --key {root}/key.jsonl --out {root}/a_folder",
         "a_folder"),
    case("elo-no-key", "evaluate elo {root}/judgements.jsonl", "--key", code=2),
]


@pytest.mark.parametrize("item", EVALUATE, ids=lambda c: c.id)
def test_bad_input_is_refused_cleanly(root, item):
    run_bad(root, item)
