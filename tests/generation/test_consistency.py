"""Consistency: the rule checks on a hand-built persona, and the review loop that rewrites flagged values."""

from __future__ import annotations

import copy
import re

import pytest
from langgraph.runtime import Runtime

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.generation.review import review_enabled, review_node
from deeppersona_agents.generation.rules import rule_findings
from tests.conftest import run_ctx
from tests.fakes import FakeChatModel

SMOKING = "Physical and Health Characteristics > Substance Use Details > Tobacco and Nicotine > Age Started Smoking"
SHARE = "Demographic Information > Economic Profile > Income > Share of Household Income Contributed"
YEARS_MARRIED = "Relationships and Social Networks > Romantic Life > Marriage and Long-Term Commitment > Years Married"
NEIGHBOURHOOD = "Demographic Information > Local Environment > Neighbourhood Description"
EDUCATION = "Education and Learning > Educational Attainment > Highest Completed Level"
MARITAL = "Demographic Information > Marital and Legal Family Status > Legal Marital Status"
SETTLEMENT = "Demographic Information > Local Environment > Settlement Type"


def llm(path: str, value: object) -> dict:
    return {"path": path, "value": value, "stratum": "near", "provenance": "llm"}


#: A consistent divorced nurse in Nairobi: no rule fires on it.
CLEAN = {
    "core": {"name": "Amina Osoro", "age": 34, "gender": "female", "city": "Nairobi", "country": "KEN",
             "country_name": "Kenya", "occupation": "nurse",
             "demographics": {"activity": "employed", "isco_major": 2, "education": "tertiary",
                              "marital_status": "divorced_separated", "religion": "christian",
                              "language": "Swahili;English", "urban": True}},
    "core_sources": {"name": "table", "age": "anchor", "gender": "table", "city": "table", "country": "anchor",
                     "occupation": "anchor"},
    "anchor_attributes": [],
    "bio": "Moved to Nairobi after her divorce; raises two children alone.",
    "config": {"current_year": 2026},
    "facts": [{"kind": "person", "text": "Brian Wafula (son, age 13)"},
              {"kind": "person", "text": "Peter Wafula (ex-husband, age 41)"},
              {"kind": "event", "text": "2019: left Kakamega for Nairobi"}],
    "attributes": [llm(SMOKING, 17.0), llm(SHARE, 100.0), llm(YEARS_MARRIED, 8.0),
                   llm(NEIGHBOURHOOD, "a crowded block of flats off Jogoo Road")],
}


def test_the_clean_persona_has_no_findings(tree):
    assert rule_findings(CLEAN, tree) == []


def _set(state: dict, where: str, value: object) -> None:
    *keys, last = where.split(".")
    target = state
    for key in keys:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[int(last) if isinstance(target, list) else last] = value


@pytest.mark.parametrize(
    ("changes", "path", "needle"),
    [
        ({"attributes.0.value": 77.8}, SMOKING, "outside 0-34"),  # an age above the person's age
        ({"attributes.1.value": 140.0}, SHARE, "outside 0-100"),  # a share above 100 %
        ({"core.demographics.education": "primary"}, EDUCATION, "below what a nurse needs"),
        ({"core.demographics.education": "lower_secondary", "core.occupation": "shop assistant",
          "core.demographics.isco_major": 2}, EDUCATION, "below"),  # by ISCO group, whatever the title
        ({"core.demographics.marital_status": "married"}, MARITAL, "biography says 'divorce'"),
        ({"bio": "", "facts.1.text": "Peter Wafula (husband, age 41)"}, "facts", "current partner"),
        ({"bio": "", "core.demographics.marital_status": "never_married", "facts": []}, YEARS_MARRIED,
         "never married"),
        ({"core.demographics.urban": False, "attributes.3.value": "a quiet street of small shops"}, SETTLEMENT,
         "Nairobi is urban"),
        ({"attributes.3.value": "a small village two hours from town"}, NEIGHBOURHOOD, "rural"),
        ({"facts.0.text": "Brian Wafula (son, age 30)"}, "facts", "child aged 30"),
    ],
)
def test_each_rule_fires_on_its_contradiction(tree, changes, path, needle):
    state = copy.deepcopy(CLEAN)
    for where, value in changes.items():
        _set(state, where, value)
    findings = rule_findings(state, tree)
    assert [p for p, _ in findings] == [path]
    assert needle in findings[0][1]


def test_review_is_on_for_remote_models_and_off_for_local_decoders():
    from langchain_openai import ChatOpenAI

    remote = ChatOpenAI(model="x", api_key="not-needed", base_url="http://127.0.0.1:9/v1")
    assert review_enabled(GenerationConfig(), remote) is True
    assert review_enabled(GenerationConfig(), FakeChatModel()) is False  # the embedded model's kind
    assert review_enabled(GenerationConfig(review=True), FakeChatModel()) is True
    assert review_enabled(GenerationConfig(review=False), remote) is False


class FlaggingModel(FakeChatModel):
    """Flags the values named ``flag`` (else those numbered 3 and 7) in the review call; records every call's keys."""

    def __init__(self, flag: list[str] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "schemas", [])
        object.__setattr__(self, "prompts", [])
        object.__setattr__(self, "flag", flag)
        object.__setattr__(self, "responder", self._respond)

    def _respond(self, schema: dict, prompt: str) -> dict | None:
        self.schemas.append(list(schema.get("properties", {})))
        self.prompts.append(prompt)
        if schema.get("title") == "Contradictions":
            numbers = [int(re.search(rf"^(\d+)\. {re.escape(name)}: ", prompt, re.M)[1])
                       for name in self.flag] if self.flag else [3, 7]
            return {"contradictions": [{"number": numbers[0], "reason": "contradicts the stories"},
                                       {"number": numbers[1], "reason": "impossible at this age"}]}
        return None


def test_the_review_rewrites_exactly_the_flagged_values(deps, tree):
    config = GenerationConfig(attributes=4, review=True, numbered_keys=True)
    state = {**copy.deepcopy(CLEAN), "config": config.model_dump(mode="json")}
    state["attributes"] += [llm("Physical and Health Characteristics > Sleep > Chronotype", "night owl"),
                            llm("Hobbies, Interests, and Lifestyle > Gardening and Growing > Pest Control Approach",
                                "ash from the cooking fire"),
                            llm("Career and Work Identity > Career History > Biggest Career Setback",
                                "moved off nights after a false charting accusation")]
    flagged = [state["attributes"][2]["path"], state["attributes"][6]["path"]]
    model = FlaggingModel([p.split(" > ")[-1] for p in flagged])
    deps = type(deps)(model, deps.embeddings, deps.tree, deps.leaf_vectors, deps.config)
    before = {a["path"]: a["value"] for a in state["attributes"]}
    out = review_node(state, Runtime(context=run_ctx()), deps)
    after = {a["path"]: a["value"] for a in out["attributes"]}
    changed = [p for p in before if before[p] != after.get(p)]
    assert changed == flagged
    assert out["usage"]["llm_calls"] == 2  # the review and one rewrite batch
    assert model.schemas[-1][:2] == ["a1", "a2"]
    for key, path in zip(("a1", "a2"), flagged, strict=True):  # flagged first (each with its reason), then spares
        name = re.escape(tree.leaves[tree.index(path)].path[-1])
        assert re.search(rf"^{key}: {name}\b.*contradicted them", model.prompts[-1], re.M), key
    assert out["consistency"] == {"found": 2, "fixed": 2, "remaining": []}


def test_a_generated_persona_records_its_consistency(embeddings):
    p = generate_persona({"age": "34", "occupation": "nurse"}, country="KEN", seed=3, model=FlaggingModel(),
                         embeddings=embeddings, config=GenerationConfig(attributes=40, review=True))
    c = p.manifest.consistency
    assert c.found >= 2 and c.fixed >= 2 and c.found == c.fixed + len(c.remaining)
    assert len(p.sampled_attributes()) == 40


def test_a_value_the_review_lists_twice_is_rewritten_once(deps, tree):
    class Twice(FakeChatModel):
        def __init__(self) -> None:
            super().__init__()
            object.__setattr__(self, "schemas", [])
            object.__setattr__(self, "responder", self._respond)

        def _respond(self, schema: dict, prompt: str) -> dict | None:
            self.schemas.append(list(schema.get("properties", {})))
            if schema.get("title") == "Contradictions":
                return {"contradictions": [{"number": 2, "reason": "contradicts the stories"},
                                           {"number": 2, "reason": "said again"}]}
            return None

    model = Twice()
    deps = type(deps)(model, deps.embeddings, deps.tree, deps.leaf_vectors, deps.config)
    state = {**copy.deepcopy(CLEAN), "config": GenerationConfig(attributes=4, review=True).model_dump(mode="json")}
    out = review_node(state, Runtime(context=run_ctx()), deps)
    assert out["consistency"]["found"] == 1 and out["consistency"]["fixed"] == 1
    assert len(set(model.schemas[-1])) == len(model.schemas[-1]) == 2  # the value once, plus one spare


def test_the_review_reads_core_ledger_hobbies_and_every_value_but_not_the_stories(deps):
    state = {**copy.deepcopy(CLEAN), "config": GenerationConfig(attributes=4, review=True).model_dump(mode="json"),
             "stories": ["At nineteen she left Kakamega to train as a nurse in Nairobi."],
             "values": "Family first.", "hobbies": ["church choir", "draughts"]}
    model = FlaggingModel()
    deps = type(deps)(model, deps.embeddings, deps.tree, deps.leaf_vectors, deps.config)
    review_node(state, Runtime(context=run_ctx()), deps)
    prompt = model.prompts[0]
    assert "Name: Amina Osoro" in prompt and '"background": "Moved to Nairobi' in prompt
    assert all(f"- {f['kind']}: {f['text']}" in prompt for f in CLEAN["facts"])
    assert "Hobbies: church choir, draughts" in prompt
    assert [n for n in range(1, 5) if re.search(rf"^{n}\. .+: ", prompt, re.M)] == [1, 2, 3, 4]
    assert "a crowded block of flats off Jogoo Road" in prompt and "17 years" in prompt
    # the ledger stands for the stories (their people, places and dated events); the review does not repeat them
    assert "At nineteen" not in prompt and "Family first." not in prompt
