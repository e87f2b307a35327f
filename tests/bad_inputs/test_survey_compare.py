"""Bad input to ``survey``, ``compare`` and ``reference wvs7/ipip``: clean refusals, nothing written."""

from __future__ import annotations

import shutil

import pytest

from deeppersona_agents.cli import app
from tests.bad_inputs.harness import NOT_UTF8, case, run_bad, runner, write

ANSWERS = "persona_id,country,item,answer,method\n" + "".join(
    f"p{i},KEN,Q57,{1 + i % 2},deep\n" for i in range(6))
MARGINALS = "country,item,value,share,n_valid\nKEN,Q57,1,0.1,1000\nKEN,Q57,2,0.9,1000\n"
WVS_HEADER = '"B_COUNTRY_ALPHA";"W_WEIGHT";"Q57"\n'


@pytest.fixture(scope="module")
def root(tmp_path_factory, good_run):
    root = tmp_path_factory.mktemp("survey")
    shutil.copy(good_run / "personas.jsonl", root / "personas.jsonl")
    write(root, "answers.csv", ANSWERS)
    write(root, "marginals.csv", MARGINALS)
    write(root, "good/metrics.csv", "kept\n")
    write(root, "good/answers.csv", "kept\n")
    write(root, "empty.csv", "")
    write(root, "empty.jsonl", "")
    write(root, "latin1.jsonl", NOT_UTF8)
    write(root, "latin1.csv", NOT_UTF8)
    write(root, "latin1.json", NOT_UTF8)
    write(root, "truncated.jsonl", (good_run / "personas.jsonl").read_text().splitlines()[0][:500] + "\n")
    write(root, "personas.csv", "name,age\nAmina,34\n")
    write(root, "instrument.json", '{"name": "x", "items": [')
    write(root, "shares_text.csv", "country,item,value,share,n_valid\nKEN,Q57,1,lots,10\nKEN,Q57,2,few,10\n")
    write(root, "no_share.csv", "country,item,value,n_valid\nKEN,Q57,1,10\n")
    write(root, "answers_no_method.csv", "persona_id,country,item,answer\np1,KEN,Q57,1\n")
    write(root, "answers_weight_comma.csv", 'persona_id,country,item,answer,method,weight\np1,KEN,Q57,1,deep,"1,5"\n')
    write(root, "answers_words.csv", "persona_id,country,item,answer,method\np1,KEN,Q57,yes,deep\n")
    write(root, "wvs_weight_comma.csv", WVS_HEADER + '"KEN";"1,5";"1"\n"KEN";"0,5";"2"\n')
    write(root, "wvs_no_country.csv", '"W_WEIGHT";"Q57"\n"1";"1"\n')
    write(root, "wvs_good.csv", WVS_HEADER + '"KEN";"1";"1"\n"KEN";"1";"2"\n')
    write(root, "ipip_no_country.csv", "EXT1\tEXT2\n1\t2\n")
    write(root, "a_file", "not a folder\n")
    (root / "a_folder").mkdir()
    return root


SUR = "survey {root}/personas.jsonl --items Q57"
SURVEY = [
    case("survey-not-utf8", "survey {root}/latin1.jsonl --out {root}/new", "latin1.jsonl", "utf-8"),
    case("survey-empty", "survey {root}/empty.jsonl --out {root}/new", "empty.jsonl", "empty"),
    case("survey-truncated", "survey {root}/truncated.jsonl --out {root}/new", "record 1"),
    case("survey-csv-as-personas", "survey {root}/personas.csv --out {root}/new", "personas.csv"),
    case("survey-missing-file", "survey {root}/nope.jsonl --out {root}/new", "nope.jsonl"),
    case("survey-folder-as-file", "survey {root}/a_folder --out {root}/new", "a_folder"),
    case("survey-unknown-item", "survey {root}/personas.jsonl --items NOPE --out {root}/new", "NOPE"),
    case("survey-unknown-item-keeps-good", "survey {root}/personas.jsonl --items NOPE --out {root}/good", "NOPE"),
    case("survey-instrument-name", f"{SUR} --instrument nosuch --out {{root}}/new", "nosuch"),
    case("survey-instrument-truncated", f"{SUR} --instrument {{root}}/instrument.json --out {{root}}/new",
         "instrument.json"),
    case("survey-instrument-not-utf8", f"{SUR} --instrument {{root}}/latin1.json --out {{root}}/new",
         "latin1.json"),
    case("survey-method", f"{SUR} --method psychic --out {{root}}/new", "psychic", "'deep'", "'bare'", code=2),
    case("survey-depth-negative", f"{SUR} --depth -2 --out {{root}}/new", "--depth", code=2),
    case("survey-depth-negative-one", f"{SUR} --depth -1 --out {{root}}/new", "--depth", code=2),  # 0: no attributes
    case("survey-samples-zero", f"{SUR} --samples 0 --out {{root}}/new", "--samples", code=2),
    case("survey-waves-zero", f"{SUR} --waves 0 --out {{root}}/new", "--waves", code=2),
    case("survey-out-is-file", f"{SUR} --out {{root}}/a_file", "a_file"),
    case("survey-out-under-file", f"{SUR} --out {{root}}/a_file/new", "--out"),
    case("survey-structured-method", f"{SUR} --structured-method xml --out {{root}}/new", "'json_schema'", code=2),
    case("survey-no-out", "survey {root}/personas.jsonl", "--out", code=2),
]

CMP = "compare {root}/answers.csv --bootstrap 10"
COMPARE = [
    case("compare-ref-empty", f"{CMP} --reference {{root}}/empty.csv --out {{root}}/new", "empty.csv"),
    case("compare-ref-not-utf8", f"{CMP} --reference {{root}}/latin1.csv --out {{root}}/new", "latin1.csv",
         "utf-8"),
    case("compare-ref-shares-text", f"{CMP} --reference {{root}}/shares_text.csv --out {{root}}/new", "share"),
    case("compare-ref-no-share", f"{CMP} --reference {{root}}/no_share.csv --out {{root}}/new", "share"),
    case("compare-ref-missing", f"{CMP} --reference {{root}}/nope.csv --out {{root}}/new", "nope.csv"),
    case("compare-out-is-file", f"{CMP} --reference {{root}}/marginals.csv --out {{root}}/a_file", "a_file"),
    case("compare-out-under-file", f"{CMP} --reference {{root}}/marginals.csv --out {{root}}/a_file/x", "--out"),
    case("compare-answers-empty", "compare {root}/empty.csv --reference {root}/marginals.csv --out {root}/new",
         "empty.csv"),
    case("compare-answers-not-utf8", "compare {root}/latin1.csv --reference {root}/marginals.csv --out {root}/new",
         "latin1.csv", "utf-8"),
    case("compare-answers-columns",
         "compare {root}/answers_no_method.csv --reference {root}/marginals.csv --out {root}/new", "method"),
    case("compare-answers-weight-comma",
         "compare {root}/answers_weight_comma.csv --reference {root}/marginals.csv --out {root}/new", "weight"),
    case("compare-answers-words",
         "compare {root}/answers_words.csv --reference {root}/marginals.csv --out {root}/new", "answer"),
    case("compare-bootstrap-negative", "compare {root}/answers.csv --reference {root}/marginals.csv --bootstrap -1 "
         "--out {root}/new", "--bootstrap", code=2),
    case("compare-ref-swapped-keeps-good",
         "compare {root}/answers.csv --reference {root}/answers.csv --out {root}/good", "answers.csv"),
]

REFERENCE = [
    case("wvs-not-utf8", "reference wvs7 {root}/latin1.csv --out {root}/ref.csv", "latin1.csv", "utf-8"),
    case("wvs-empty", "reference wvs7 {root}/empty.csv --out {root}/ref.csv", "empty.csv"),
    case("wvs-no-country", "reference wvs7 {root}/wvs_no_country.csv --out {root}/ref.csv", "B_COUNTRY_ALPHA"),
    case("wvs-weight-comma", "reference wvs7 {root}/wvs_weight_comma.csv --out {root}/ref.csv", "W_WEIGHT"),
    case("wvs-country-absent", "reference wvs7 {root}/wvs_good.csv --countries ZZZ --out {root}/ref.csv", "ZZZ"),
    case("wvs-item-absent", "reference wvs7 {root}/wvs_good.csv --items NOPE --out {root}/ref.csv", "items"),
    case("wvs-out-folder", "reference wvs7 {root}/wvs_good.csv --out {root}/a_folder", "is a folder"),
    case("wvs-missing", "reference wvs7 {root}/nope.csv --out {root}/ref.csv", "nope.csv"),
    case("wvs-keeps-good", "reference wvs7 {root}/latin1.csv --out {root}/good/metrics.csv", "latin1.csv"),
    case("ipip-empty", "reference ipip {root}/empty.csv --out {root}/ref.csv", "empty.csv"),
    case("ipip-not-utf8", "reference ipip {root}/latin1.csv --out {root}/ref.csv", "latin1.csv", "utf-8"),
    case("ipip-no-country", "reference ipip {root}/ipip_no_country.csv --out {root}/ref.csv", "country"),
    case("ipip-out-under-file", "reference ipip {root}/ipip_no_country.csv --out {root}/a_file/ref.csv", "a_file"),
]


@pytest.mark.parametrize("item", SURVEY + COMPARE + REFERENCE, ids=lambda c: c.id)
def test_bad_input_is_refused_cleanly(root, item):
    run_bad(root, item)


def test_compare_keeps_plots_inside_out(tmp_path):
    """Country and item values are data: ``../../X`` never names a file outside ``--out``."""
    evil = "../../X"
    answers = write(tmp_path, "in/answers.csv", ANSWERS.replace("KEN", evil).replace("Q57", "../Q57"))
    reference = write(tmp_path, "in/ref.csv", MARGINALS.replace("KEN", evil).replace("Q57", "../Q57"))
    out = tmp_path / "a" / "b" / "out"
    done = runner.invoke(app, ["compare", str(answers), "--reference", str(reference), "--out", str(out),
                               "--bootstrap", "10"])
    assert done.exit_code == 0, done.output
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p.parent.name != "in"]
    assert outside == []
    pngs = sorted(p.name for p in out.glob("*.png"))  # the item plot and the variance plot, both inside
    assert pngs and all(".." not in name and "/" not in name for name in pngs)
    assert {name for name in pngs if "Q57" in name} == {"_X__Q57.png"}
