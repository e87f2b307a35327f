"""Stage-1 builder end to end on a small Q&A fixture, with a fake returning realistic extractions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.taxonomy.builder import build_taxonomy
from deeppersona_agents.taxonomy.builder.graph import BuilderDeps
from deeppersona_agents.taxonomy.builder.inputs import read_pairs
from tests.fakes import FakeChatModel

DATA = Path(__file__).parents[1] / "data" / "qa_small.jsonl"
EXTRACTIONS = {
    "sleep": [("Physical and Health Characteristics", ["Sleep", "Night Waking Worries"])],
    "grocery": [("Lifestyle and Daily Routine", ["Household Budgeting", "Grocery Budget Approach"]),
                ("Relationships and Social Networks", ["Household", "Number of Dependants"])],
    "football": [("Hobbies, Interests, and Lifestyle", ["Sports", "Football"])],
    "netflix": [("Media Consumption and Engagement", ["Streaming", "Netflix Subscription"]),
                ("Demographic Information", ["Income", "Household Earnings"]),
                ("Demographic Information", ["Income", "Annual Income"])],
}


def responder(schema: dict, prompt: str) -> dict | None:
    title, low = schema.get("title"), prompt.lower()
    if title == "PairLabel":
        generic = "python" in low or "capital of" in low
        return {"rationale": "Depends on who asks." if not generic else "Same answer for everyone.",
                "label": "non_personalizable" if generic else "personalizable"}
    if title == "Extraction":
        request = low.split("request:")[-1]
        found = [p for word, paths in EXTRACTIONS.items() if word in request for p in paths]
        return {"paths": [{"category": c, "levels": levels} for c, levels in found]}
    if title == "PathVerdicts":
        verdicts = []
        for index, path in re.findall(r"^(\d+)\. (.+)$", prompt, flags=re.M):
            if path.endswith("> Football"):
                verdicts.append({"index": int(index), "decision": "rewrite",
                                 "rewritten": ["Sports", "Favourite Team Sport"]})
            else:
                verdicts.append({"index": int(index), "decision": "keep", "rewritten": None})
        return {"verdicts": verdicts}
    return None  # LeafSpecs: the generic realistic answer


def make_deps(tmp_path: Path, embeddings, base=None, model=None, concurrency: int = 2) -> BuilderDeps:
    return BuilderDeps(model=model or FakeChatModel(responder=responder), embeddings=embeddings, base=base,
                       work_dir=tmp_path / "work", concurrency=concurrency)


def test_reads_three_formats_and_reports_bad_lines():
    pairs, bad = read_pairs(DATA)
    assert len(pairs) == 6  # the chat record holds two pairs
    assert [line for line, _ in bad] == [4, 6]
    assert "not JSON" in bad[0][1] and "JSON object" in bad[1][1]


def test_builds_a_fresh_tree_from_qa(tmp_path, embeddings):
    report = build_taxonomy(DATA, make_deps(tmp_path, embeddings))
    keys = {leaf.key for leaf in report.tree.leaves}
    assert "Physical and Health Characteristics > Sleep > Night Waking Worries" in keys
    assert "Hobbies, Interests, and Lifestyle > Sports > Favourite Team Sport" in keys  # rewritten from a value
    assert not any("Netflix" in k for k in keys)  # brand dropped by the naming rules
    income = {k for k in keys if k.startswith("Demographic Information > Income")}
    assert len(income) == 1  # "household earnings" and "annual income" merged by similarity
    c = report.counts
    assert c["pairs"] == 6 and c["bad_lines"] == 2
    assert c["classified_personalizable"] == 4 and c["classified_non_personalizable"] == 2
    assert c["extracted_paths"] == 7 and c["similar_merged"] >= 1 and c["new_leaves"] == len(keys)
    assert all(leaf.description and leaf.type for leaf in report.tree.leaves)
    assert report.usage["llm_calls"] == 6 + 4 + 1 + 1  # classify each pair, extract 4, one filter and describe batch


def test_grows_the_shipped_tree_without_merging_curated_siblings(tmp_path, embeddings, tree):
    report = build_taxonomy(DATA, make_deps(tmp_path, embeddings, base=tree))
    grown = {leaf.key for leaf in report.tree.leaves}
    assert {leaf.key for leaf in tree.leaves} <= grown
    # candidates close to a curated leaf join it; only the three with no curated counterpart are new
    assert grown - {leaf.key for leaf in tree.leaves} == {
        "Demographic Information > Income > Household Earnings",
        "Lifestyle and Daily Routine > Household Budgeting > Grocery Budget Approach",
        "Relationships and Social Networks > Household > Number of Dependants",
    }
    assert "Physical and Health Characteristics > Sleep > Night Waking Worries" not in grown
    assert "Physical and Health Characteristics > Sleep > Night Wakings" in grown
    assert report.counts["new_leaves"] == 3 and report.counts["similar_merged"] >= 3
    assert report.tree.version == f"{tree.version}+grown"
    kept = {k: v for k, v in report.tree.conditions.items() if k in tree.conditions}
    assert kept == tree.conditions  # curated leaves keep their applies_if
    assert "conditional_new_leaves" not in report.counts  # not asked: no conditions stage work


def conditions_responder(schema: dict, prompt: str) -> dict | None:
    if schema.get("title") == "LeafConditions":
        listed = dict(re.findall(r"^(\d+)\. (.+?):", prompt, flags=re.M))
        return {"conditional": [
            {"index": int(i), "reason": "only people with dependants", "any_of": [[
                {"field": "children", "values": ["has"], "min_age": None, "max_age": None},
                {"field": "age", "values": [], "min_age": 18, "max_age": None}]]}
            for i, path in listed.items() if path.endswith("Number of Dependants")]}
    return responder(schema, prompt)


def test_infers_conditions_for_new_leaves_only_when_asked(tmp_path, embeddings):
    model = FakeChatModel(responder=conditions_responder)
    deps = make_deps(tmp_path, embeddings, model=model)
    deps.infer_conditions = True
    report = build_taxonomy(DATA, deps)
    key = "Relationships and Social Networks > Household > Number of Dependants"
    assert report.tree.conditions == {key: {"all": [{"children": ["has"]}, {"age": [18, None]}]}}
    assert report.counts["conditional_new_leaves"] == 1 and report.counts["conditions_failed"] == 0
    assert report.usage["llm_calls"] == 6 + 4 + 1 + 1 + 1  # one conditions batch on top
    plain = build_taxonomy(DATA, make_deps(tmp_path / "plain", embeddings))
    assert plain.tree.conditions == {} and "conditional_new_leaves" not in plain.counts


def test_a_leaf_that_becomes_a_branch_drops_its_condition():
    from deeppersona_agents.taxonomy.builder.assemble import add_paths

    cats = [{"name": "Lifestyle and Daily Routine", "children": [
        {"name": "Commute", "type": "text", "description": "x", "applies_if": {"activity": ["employed"]}}]}]
    add_paths(cats, [["Lifestyle and Daily Routine", "Commute", "Commute Mode"]])
    commute = cats[0]["children"][0]
    assert "applies_if" not in commute and commute["children"][0]["name"] == "Commute Mode"


class Crash(BaseException):  # like KeyboardInterrupt: not an error the pipeline may retry
    pass


def test_resumes_after_interruption(tmp_path, embeddings):
    calls = {"n": 0}

    def crash_after_three(schema: dict, prompt: str) -> dict | None:
        calls["n"] += 1
        if calls["n"] > 3:
            raise Crash("killed")
        return responder(schema, prompt)

    with pytest.raises(Crash):
        build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=FakeChatModel(responder=crash_after_three),
                                       concurrency=1))
    cached = (tmp_path / "work" / "classify.jsonl").read_text().splitlines()
    assert len(cached) == 3
    resumed = FakeChatModel(responder=responder)
    report = build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=resumed))
    assert resumed.calls == 3 + 4 + 1 + 1  # the three classified pairs are not asked again
    assert report.counts["classified_personalizable"] == 4
    again = FakeChatModel(responder=responder)
    build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=again))
    assert again.calls == 0  # everything cached: a finished build re-runs for free

    class OtherModel(FakeChatModel):
        @property
        def model_name(self) -> str:
            return "another-model"

    other = OtherModel(responder=responder)
    build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=other))
    assert other.calls == 6 + 4 + 1 + 1  # another model's answers are not reused


def test_cli_build(tmp_path, monkeypatch):
    import deeppersona_agents.llm as llm

    monkeypatch.setattr(llm, "resolve_chat_model", lambda *a, **k: FakeChatModel(responder=responder))
    out = tmp_path / "tree.json"
    result = CliRunner().invoke(app, ["taxonomy", "build", str(DATA), "--into", str(out), "--fresh"])
    assert result.exit_code == 0, result.output
    assert "skipped line 4" in result.output and "skipped line 6" in result.output
    assert "classified_personalizable" in result.output
    data = json.loads(out.read_text())
    assert {c["name"] for c in data["categories"]} >= {"Physical and Health Characteristics"}


def test_cli_build_missing_input(tmp_path):
    result = CliRunner().invoke(app, ["taxonomy", "build", str(tmp_path / "nope.jsonl"), "--into",
                                      str(tmp_path / "t.json")])
    assert result.exit_code == 1 and "not a readable file" in result.output
    assert not (tmp_path / "t.json").exists()


def test_llm_confirmation_can_veto_similarity_merges(tmp_path, embeddings):
    def never_same(schema: dict, prompt: str) -> dict | None:
        if schema.get("title") == "SameAttribute":
            return {"rationale": "Different things.", "same": False}
        return responder(schema, prompt)

    deps = make_deps(tmp_path, embeddings, model=FakeChatModel(responder=never_same))
    deps.confirm_merges = True
    report = build_taxonomy(DATA, deps)
    income = {leaf.key for leaf in report.tree.leaves if leaf.key.startswith("Demographic Information > Income")}
    assert len(income) == 2 and report.counts["merges_vetoed"] >= 1 and report.counts["similar_merged"] == 0


def test_partially_personalizable_pairs_are_counted_apart_and_still_extracted(tmp_path, embeddings):
    seen: list[str] = []

    def sleep_is_partial(schema: dict, prompt: str) -> dict | None:
        if schema.get("title") == "PairLabel" and "sleep better" in prompt.lower():
            return {"rationale": "Knowing the asker's job and schedule would help, but general sleep advice works.",
                    "label": "partially_personalizable"}
        if schema.get("title") == "Extraction":
            seen.append(prompt.lower().split("request:")[-1])
        return responder(schema, prompt)

    model = FakeChatModel(responder=sleep_is_partial)
    report = build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=model))
    c = report.counts
    assert c["classified_partially_personalizable"] == 1
    assert c["classified_personalizable"] == 3 and c["classified_non_personalizable"] == 2
    assert len(seen) == 4 and any("sleep better" in s for s in seen)  # the partial pair goes on to extraction
    assert c["extracted_paths"] == 7
    keys = {leaf.key for leaf in report.tree.leaves}
    assert "Physical and Health Characteristics > Sleep > Night Waking Worries" in keys
    cached = [json.loads(line) for line in (tmp_path / "work" / "classify.jsonl").read_text().splitlines()]
    partial = [row for row in cached if "partially_personalizable" in json.dumps(row)]
    assert len(partial) == 1 and "schedule" in json.dumps(partial[0])  # the rationale is kept with the label


def test_filter_drop_verdict_removes_the_path_and_counts_it(tmp_path, embeddings):
    def drop_dependants(schema: dict, prompt: str) -> dict | None:
        answer = responder(schema, prompt)
        if schema.get("title") == "PathVerdicts":
            listed = dict(re.findall(r"^(\d+)\. (.+)$", prompt, flags=re.M))
            for verdict in answer["verdicts"]:
                if listed[str(verdict["index"])].endswith("> Number of Dependants"):
                    verdict.update(decision="drop", rewritten=None)
        return answer

    report = build_taxonomy(DATA, make_deps(tmp_path, embeddings, model=FakeChatModel(responder=drop_dependants)))
    keys = {leaf.key for leaf in report.tree.leaves}
    assert not any("Dependants" in k for k in keys)
    assert not any(k.startswith("Relationships and Social Networks") for k in keys)  # its only path was dropped
    assert "Lifestyle and Daily Routine > Household Budgeting > Grocery Budget Approach" in keys  # same pair, kept
    c = report.counts
    assert c["filter_candidates"] == 6  # 7 extracted, the Netflix path fails the naming rules before the LLM
    assert c["filter_dropped"] == 1 and c["filter_kept"] == 5

    baseline = build_taxonomy(DATA, make_deps(tmp_path / "baseline", embeddings))
    assert baseline.counts["filter_dropped"] == 0 and baseline.counts["filter_kept"] == 6
    assert "Relationships and Social Networks > Household > Number of Dependants" in \
        {leaf.key for leaf in baseline.tree.leaves}


def test_second_filter_repair_removes_echoes_and_empty_branches():
    from deeppersona_agents.taxonomy.builder import assemble

    def leaf(name: str) -> dict:
        return {"name": name, "description": "", "type": "text"}

    categories = [
        {"name": "Lifestyle and Daily Routine", "description": "", "children": [
            {"name": "Sleep", "description": "", "children": [leaf("sleep"), leaf("Bedtime Routine")]},
            {"name": "Meals", "description": "", "children": [leaf("Meals")]},  # only an echo: branch goes too
            {"name": "Commute", "description": "", "children": []},
        ]},
        {"name": "Core Values, Beliefs, and Philosophy", "description": "", "children": [
            {"name": "Faith", "description": "", "children": []},
        ]},
    ]
    removed = assemble.repair(categories)
    assert categories == [
        {"name": "Lifestyle and Daily Routine", "description": "", "children": [
            {"name": "Sleep", "description": "", "children": [leaf("Bedtime Routine")]},
        ]},
    ]
    # sleep echo, Meals echo, then the emptied Meals branch, Commute, Faith (the emptied category is not counted)
    assert removed == 5


def test_second_filter_merges_duplicate_siblings_before_repair():
    from deeppersona_agents.taxonomy.builder import assemble

    cat = {"name": "Demographic Information", "description": "", "children": [
        {"name": "Income", "description": "", "children": [
            {"name": "Annual Income", "description": "", "type": "text"},
            {"name": "annual  income", "description": "", "type": "text"},
            {"name": "Income", "description": "", "type": "text"},
        ]},
        {"name": "income", "description": "", "children": [{"name": "Income Source", "description": "",
                                                             "type": "text"}]},
    ]}
    assemble.merge_exact(cat)
    removed = assemble.repair([cat])
    assert removed == 1  # the "Income" leaf under "Income"
    assert [c["name"] for c in cat["children"]] == ["Income"]
    assert sorted(c["name"] for c in cat["children"][0]["children"]) == ["Annual Income", "Income Source"]


def test_progress_callback_reports_each_llm_stage_to_completion(tmp_path, embeddings):
    events: list[tuple[str, int, int]] = []
    deps = make_deps(tmp_path, embeddings)
    deps.on_progress = lambda stage, done, total: events.append((stage, done, total))
    build_taxonomy(DATA, deps)
    stages = list(dict.fromkeys(stage for stage, _, _ in events))
    assert stages == ["classify", "extract", "filter", "describe"]
    expected_totals = {"classify": 6, "extract": 4, "filter": 1, "describe": 1}
    for stage in stages:
        mine = [(done, total) for s, done, total in events if s == stage]
        assert {total for _, total in mine} == {expected_totals[stage]}
        assert [done for done, _ in mine] == list(range(expected_totals[stage] + 1))  # 0, 1, ..., total
    # a finished build re-runs from the cache: every stage reports 0 of 0 at once
    events.clear()
    build_taxonomy(DATA, deps)
    assert events == [("classify", 0, 0), ("extract", 0, 0), ("filter", 0, 0), ("describe", 0, 0)]
