"""Bad input to ``taxonomy`` and ``demographics`` commands: clean refusals, nothing written."""

from __future__ import annotations

import pytest

from tests.bad_inputs.harness import HUGE_LINE, NOT_UTF8, case, run_bad, write


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tax")
    write(root, "good/tree.json", '{"kept": true}\n')
    write(root, "good/draws.csv", "kept\n")
    write(root, "empty.json", "")
    write(root, "empty.jsonl", "")
    write(root, "empty.csv", "")
    write(root, "latin1.json", NOT_UTF8)
    write(root, "latin1.jsonl", NOT_UTF8)
    write(root, "latin1.csv", NOT_UTF8)
    write(root, "truncated.json", '{"version": "1", "categories": [{"name": "Demo')
    write(root, "list.json", "[1, 2, 3]\n")
    write(root, "garbage.jsonl", "not json\n{\"messages\": \n")
    write(root, "huge.jsonl", '{"question": "Who are you?", "answer": "' + HUGE_LINE + '"}\n')
    write(root, "rake_columns.csv", "name,weight\nx,1\n")
    write(root, "rake_comma.csv", 'variable,value,share\nsex,female,"0,5"\nsex,male,"0,5"\n')
    write(root, "convs.jsonl", '{"question": "Where do you live?", "answer": "In Nairobi, near the market."}\n')
    write(root, "anchors_columns.csv", "colour,size\nred,3\n")
    write(root, "wpp_columns.csv", "a,b\n1,2\n")
    write(root, "a_file", "not a folder\n")
    write(root, "ilo_unknown.csv", "ref_area,sex,classif1,time,foo_bar_nb\nury,sex_f,x,2023,1\n")
    write(root, "ilo_other_country.csv",
          "ref_area,sex,classif1,time,emp_temp_sex_ocu_nb\nken,sex_f,ocu_isco08_1,2023,1\n")
    write(root, "ilo_modelled.csv", "ref_area,sex,classif1,time,emp_2emp_sex_ocu_nb\nury,sex_f,ocu_details_96,2023,1\n")
    write(root, "ilo_mts.csv", "ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb\n"
          "ury,sex_f,age_10yrbands_y15_24,mts_details_sgle,2022,1\n")
    write(root, "ilo_mts_aggregate.csv", "ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb\n"
          "deu,sex_f,age_10yrbands_y15_24,mts_aggregate_1,2020,1\n")
    write(root, "ilo_lfpr.csv",
          "ref_area,sex,classif1,time,eap_2wap_sex_age_rt\nken,sex_f,age_ythadult_y15_24,2023,40\n")
    write(root, "not_r.rda", "this is not R data\n")
    write(root, "wup_columns.csv", "Entity,Year,urban_pop\nUruguay,2023,1\n")
    (root / "a_folder").mkdir()
    return root


DIMPORT = "demographics import --country URY --into {root}/tables"

TAXONOMY = [
    case("tax-validate-empty", "taxonomy validate {root}/empty.json --no-near-duplicates", "empty.json"),
    case("tax-validate-not-utf8", "taxonomy validate {root}/latin1.json --no-near-duplicates", "latin1.json",
         "utf-8"),
    case("tax-validate-truncated", "taxonomy validate {root}/truncated.json --no-near-duplicates", "truncated.json"),
    case("tax-validate-list", "taxonomy validate {root}/list.json --no-near-duplicates", "list.json"),
    case("tax-validate-folder", "taxonomy validate {root}/a_folder --no-near-duplicates", "a_folder"),
    case("tax-validate-max-depth", "taxonomy validate --no-near-duplicates --max-depth -1", "--max-depth",
         code=2),
    case("tax-stats-truncated", "taxonomy stats {root}/truncated.json", "truncated.json"),
    case("tax-stats-missing", "taxonomy stats {root}/nope.json", "nope.json"),
    case("tax-stats-not-utf8", "taxonomy stats {root}/latin1.json", "latin1.json", "utf-8"),
    case("tax-import-not-utf8", "taxonomy import {root}/latin1.json --out {root}/t.json", "latin1.json", "utf-8"),
    case("tax-import-empty", "taxonomy import {root}/empty.json --out {root}/t.json", "empty.json"),
    case("tax-import-truncated", "taxonomy import {root}/truncated.json --out {root}/t.json", "truncated.json"),
    case("tax-import-list", "taxonomy import {root}/list.json --out {root}/t.json", "list.json"),
    case("tax-import-missing", "taxonomy import {root}/nope.json --out {root}/t.json", "nope.json"),
    case("tax-import-out-folder", "taxonomy import {root}/list.json --out {root}/a_folder", "a_folder"),
    case("tax-import-keeps-good", "taxonomy import {root}/latin1.json --out {root}/good/tree.json", "latin1.json"),
    case("tax-build-empty", "taxonomy build {root}/empty.jsonl --out {root}/t.json", "empty.jsonl"),
    case("tax-build-not-utf8", "taxonomy build {root}/latin1.jsonl --out {root}/t.json", "latin1.jsonl", "utf-8"),
    case("tax-build-garbage", "taxonomy build {root}/garbage.jsonl --out {root}/t.json", "garbage.jsonl"),
    case("tax-build-huge-line", "taxonomy build {root}/huge.jsonl --out {root}/t.json", "characters"),
    case("tax-build-folder", "taxonomy build {root}/a_folder --out {root}/t.json", "a_folder"),
    case("tax-build-out-folder", "taxonomy build {root}/garbage.jsonl --out {root}/a_folder", "a_folder"),
    case("tax-build-old-into", "taxonomy build {root}/garbage.jsonl --into {root}/a_folder", "a_folder",
         "--into is now --out"),
    case("tax-build-no-out", "taxonomy build {root}/garbage.jsonl", "Missing option", "--out", code=2),
    case("tax-build-threshold", "taxonomy build {root}/garbage.jsonl --out {root}/t.json --threshold 2",
         "--threshold", code=2),
    case("tax-build-base-truncated",
         "taxonomy build {root}/convs.jsonl --out {root}/t.json --base {root}/truncated.json", "truncated.json"),
    case("tax-show-unknown", "taxonomy show Nowhere", "Nowhere"),
    case("tax-show-tree-empty", ["taxonomy", "show", "Demographic Information", "--tree", "{root}/empty.json"],
         "empty.json"),
    case("tax-no-command", "taxonomy frobnicate", "frobnicate", code=2),
]

DSAMPLE = "demographics sample --country KEN -n 3"
DEMOGRAPHICS = [
    case("demo-sample-n-zero", "demographics sample --country KEN -n 0 --out {root}/d.csv", "-n", "at least"),
    case("demo-sample-count-zero", "demographics sample --country KEN --count 0 --out {root}/d.csv", "at least"),
    case("demo-sample-demographics", f"{DSAMPLE} --demographics random --out {{root}}/d.csv", "'census'",
         "'uniform'", code=2),
    case("demo-sample-country", "demographics sample --country XYZ -n 3 --out {root}/d.csv", "XYZ"),
    case("demo-sample-mode", f"{DSAMPLE} --mode random --out {{root}}/d.csv", "census"),
    case("demo-sample-where-code", [*DSAMPLE.split(), "--out", "{root}/d.csv", "--where",
                                    "@pd.io.common.os.system('touch pwned') == 0"], "--where"),
    case("demo-sample-where-call", [*DSAMPLE.split(), "--out", "{root}/d.csv", "--where", "age.__class__ == 1"],
         "--where"),
    case("demo-sample-rake-empty", f"{DSAMPLE} --rake {{root}}/empty.csv --out {{root}}/d.csv", "empty.csv"),
    case("demo-sample-rake-not-utf8", f"{DSAMPLE} --rake {{root}}/latin1.csv --out {{root}}/d.csv", "latin1.csv"),
    case("demo-sample-rake-columns", f"{DSAMPLE} --rake {{root}}/rake_columns.csv --out {{root}}/d.csv",
         "rake_columns.csv"),
    case("demo-sample-rake-share-comma", f"{DSAMPLE} --rake {{root}}/rake_comma.csv --out {{root}}/d.csv",
         "rake_comma.csv", "1.5"),
    case("demo-sample-out-folder", f"{DSAMPLE} --out {{root}}/a_folder", "is a folder"),
    case("demo-sample-keeps-good", f"{DSAMPLE} --mode random --out {{root}}/good/draws.csv", "census"),
    case("demo-sample-min-age", f"{DSAMPLE} --min-age 200 --out {{root}}/d.csv", "min"),
    case("demo-audit-empty", "demographics audit {root}/empty.csv --country KEN", "empty.csv"),
    case("demo-audit-not-utf8", "demographics audit {root}/latin1.csv --country KEN", "latin1.csv"),
    case("demo-audit-columns", "demographics audit {root}/anchors_columns.csv --country KEN", "'age' column",
         "demographics sample"),
    case("demo-audit-missing", "demographics audit {root}/nope.csv --country KEN", "nope.csv"),
    case("demo-audit-plot-folder", "demographics audit {root}/anchors_columns.csv --country KEN --plot "
         "{root}/a_folder", "a_folder", "is a folder"),
    case("demo-audit-draw-none", "demographics audit --country KEN -n 0 --source", "-n 0"),
    case("demo-audit-source-country", "demographics audit --country XYZ --source -n 10", "XYZ"),
    case("demo-import-country", "demographics import --country XYZ --out {root}/tables", "XYZ"),
    case("demo-import-wpp-empty", "demographics import --country KEN --out {root}/tables --wpp {root}/empty.csv",
         "empty.csv"),
    case("demo-import-wpp-not-utf8",
         "demographics import --country KEN --out {root}/tables --wpp {root}/latin1.csv", "latin1.csv"),
    case("demo-import-wpp-columns",
         "demographics import --country KEN --out {root}/tables --wpp {root}/wpp_columns.csv", "wpp_columns.csv"),
    case("demo-import-out-file", "demographics import --country KEN --out {root}/a_file --wpp "
         "{root}/wpp_columns.csv", "a_file"),
    case("demo-import-old-into", "demographics import --country XYZ --into {root}/tables", "XYZ",
         "--into is now --out"),
    case("demo-import-no-out", "demographics import --country KEN", "Missing option", "--out", code=2),
    case("demo-countries-extra", "demographics countries KEN", "KEN", code=2),
    case("demo-import-ilostat-series", f"{DIMPORT} --ilostat {{root}}/ilo_unknown.csv", "foo_bar_nb",
         "pop_xwap_sex_age_mts_nb"),
    case("demo-import-ilostat-country", f"{DIMPORT} --ilostat {{root}}/ilo_other_country.csv", "no rows for URY"),
    case("demo-import-ilostat-modelled", f"{DIMPORT} --ilostat {{root}}/ilo_modelled.csv", "merges",
         "survey-based"),
    case("demo-import-ilostat-not-utf8", f"{DIMPORT} --ilostat {{root}}/latin1.csv", "latin1.csv"),
    case("demo-import-ilostat-empty", f"{DIMPORT} --ilostat {{root}}/empty.csv", "empty.csv"),
    case("demo-import-marital-no-age", f"{DIMPORT} --ilostat {{root}}/ilo_mts.csv", "--wpp"),
    case("demo-import-marital-aggregate", "demographics import --country DEU --into {root}/tables --ilostat "
         "{root}/ilo_mts_aggregate.csv", "mts_details", "aggregates"),
    case("demo-import-activity-partial", "demographics import --country KEN --into {root}/tables --ilostat "
         "{root}/ilo_lfpr.csv", "une_2eap_sex_age_rt", "eip_2eet_sex_rt"),
    case("demo-import-rda-garbage", f"{DIMPORT} --wpp {{root}}/not_r.rda", "not_r.rda"),
    case("demo-import-education-garbage", f"{DIMPORT} --education {{root}}/not_r.rda", "not_r.rda"),
    case("demo-import-urban-no-year", f"{DIMPORT} --urban {{root}}/wup_columns.csv", "--year"),
    case("demo-import-urban-columns", f"{DIMPORT} --urban {{root}}/wup_columns.csv --year 2023", "missing columns"),
    case("demo-import-religion-not-utf8", f"{DIMPORT} --religion {{root}}/latin1.csv", "latin1.csv"),
    case("demo-import-education-missing", f"{DIMPORT} --education {{root}}/nope.csv", "nope.csv", "not found"),
]


@pytest.mark.parametrize("item", TAXONOMY + DEMOGRAPHICS, ids=lambda c: c.id)
def test_bad_input_is_refused_cleanly(root, item):
    run_bad(root, item)
    assert not (root / "pwned").exists()
