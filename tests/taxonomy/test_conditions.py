"""The applies_if vocabulary: evaluation per fact, facts from a core, validation, the shipped tree's conditions."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from deeppersona_agents.taxonomy import AttributeTree
from deeppersona_agents.taxonomy.conditions import PersonFacts, always_true, applies, problems, satisfiable
from deeppersona_agents.taxonomy.stats import tree_stats
from deeppersona_agents.taxonomy.validate import check_conditions, validate_tree
from tests.taxonomy.test_validate import clean_tree, leaf

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
import classify_leaf_conditions as script  # noqa: E402

ADULT = PersonFacts(age=40, sex="female", activity="employed", partner="has", children="has", settlement="urban",
                    religiosity="believer", education="tertiary", country="KEN")


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        ({"age": [18, None]}, PersonFacts(age=18), True),
        ({"age": [18, None]}, PersonFacts(age=17), False),
        ({"age": [None, 54]}, PersonFacts(age=55), False),
        ({"age": [40, 60]}, PersonFacts(age=60), True),
        ({"sex": ["female"]}, PersonFacts(sex="female"), True),
        ({"sex": ["female"]}, PersonFacts(sex="male"), False),
        ({"activity": ["employed", "self_employed"]}, PersonFacts(activity="self_employed"), True),
        ({"activity": ["employed"]}, PersonFacts(activity="retired"), False),
        ({"activity": ["student"]}, PersonFacts(activity="inactive"), False),
        ({"partner": ["has"]}, PersonFacts(partner="has"), True),
        ({"partner": ["has"]}, PersonFacts(partner="had"), False),
        ({"partner": ["never"]}, PersonFacts(partner="never"), True),
        ({"partner": ["has", "had"]}, PersonFacts(partner="ever"), True),  # partial: has or had
        ({"partner": ["had"]}, PersonFacts(partner="ever"), False),
        ({"partner": ["had", "never"]}, PersonFacts(partner="single"), True),  # partial: had or never
        ({"partner": ["never"]}, PersonFacts(partner="single"), False),
        ({"children": ["has"]}, PersonFacts(children="has"), True),
        ({"children": ["none"]}, PersonFacts(children="has"), False),
        ({"settlement": ["rural"]}, PersonFacts(settlement="rural"), True),
        ({"settlement": ["rural"]}, PersonFacts(settlement="urban"), False),
        ({"religiosity": ["believer"]}, PersonFacts(religiosity="believer"), True),
        ({"religiosity": ["believer"]}, PersonFacts(religiosity="nonbeliever"), False),
        ({"education": ["tertiary"]}, PersonFacts(education="tertiary"), True),
        ({"education": ["tertiary"]}, PersonFacts(education="upper_secondary"), False),
        ({"country": ["IND", "NPL"]}, PersonFacts(country="IND"), True),
        ({"country": ["IND", "NPL"]}, PersonFacts(country="KEN"), False),
        ({"country": ["africa"]}, PersonFacts(country="KEN"), True),  # continent groups (GeoNames)
        ({"country": ["africa"]}, PersonFacts(country="BRA"), False),
    ],
)
def test_each_fact_is_tested(condition, facts, expected):
    assert applies(condition, facts) is expected


@pytest.mark.parametrize("field", ["age", "sex", "activity", "partner", "children", "settlement", "religiosity",
                                   "education", "country"])
def test_a_test_on_an_unknown_fact_never_holds(field):
    condition = {"age": [0, None]} if field == "age" else {field: ["KEN" if field == "country" else "x"]}
    everything = {"age": [0, 120]} if field == "age" else condition
    assert not applies(everything, PersonFacts())


def test_all_and_any_combine():
    both = {"all": [{"partner": ["has"]}, {"age": [18, None]}]}
    either = {"any": [{"children": ["has"]}, {"activity": ["homemaker"]}]}
    assert applies(both, ADULT) and not applies(both, PersonFacts(partner="has", age=17))
    assert applies(either, PersonFacts(activity="homemaker")) and not applies(either, PersonFacts(children="none"))
    assert applies(None, PersonFacts()) and applies({}, PersonFacts())  # no condition: applies to everyone


@pytest.mark.parametrize(
    ("demographics", "extra", "field", "value"),
    [
        ({"marital_status": "married"}, {}, "partner", "has"),
        ({"marital_status": "widowed"}, {}, "partner", "had"),
        ({"marital_status": "divorced_separated"}, {}, "partner", "had"),
        ({"marital_status": "never_married"}, {}, "partner", None),  # may be dating: unknown
        ({"marital_status": "never_married"}, {"partner": "never"}, "partner", "never"),  # the ledger knows
        ({}, {"children": 3}, "children", "has"),
        ({}, {"children": 0}, "children", "none"),
        ({"children": 2}, {}, "children", "has"),
        ({}, {}, "children", None),
        ({"urban": False}, {}, "settlement", "rural"),
        ({"urban": None}, {}, "settlement", None),
        ({"religion": "muslim"}, {}, "religiosity", "believer"),
        ({"religion": "unaffiliated"}, {}, "religiosity", "nonbeliever"),
        ({"activity": "pupil"}, {}, "activity", "student"),
        ({"activity": "other_inactive"}, {}, "activity", "inactive"),
        ({"activity": "employed"}, {}, "activity", "employed"),
        ({"education": "tertiary"}, {}, "education", "tertiary"),
    ],
)
def test_facts_from_a_core(demographics, extra, field, value):
    core = {"age": 34, "gender": "female", "country": "KEN", "occupation": "nurse", "demographics": demographics}
    facts = PersonFacts.from_core(core, **extra)
    assert getattr(facts, field) == value
    assert (facts.age, facts.sex, facts.country) == (34, "female", "KEN")


def test_a_farmer_is_self_employed_and_an_unknown_gender_is_unknown():
    core = {"age": 50, "gender": "nonbinary", "country": "IND", "occupation": "Rice Farmer",
            "demographics": {"activity": "employed"}}
    facts = PersonFacts.from_core(core)
    assert facts.activity == "self_employed" and facts.sex is None


@pytest.mark.parametrize(
    ("condition", "needle"),
    [
        ({"job": ["employed"]}, "unknown key"),
        ({"activity": ["working"]}, "unknown values"),
        ({"activity": []}, "non-empty list"),
        ({"partner": "has"}, "non-empty list"),
        ({"age": [18]}, "[min, max]"),
        ({"age": [None, None]}, "[min, max]"),
        ({"age": [-1, 30]}, "[min, max]"),
        ({"country": ["Narnia"]}, "unknown values"),
        ({"partner": ["has"], "age": [18, None]}, "exactly one key"),
        ({"all": []}, "non-empty list"),
        ({"any": [{"sex": ["other"]}]}, "any[0].sex has unknown values"),
    ],
)
def test_bad_vocabulary_is_named(condition, needle):
    found = list(problems(condition))
    assert found and needle in found[0]


@pytest.mark.parametrize(
    ("condition", "possible"),
    [
        ({"all": [{"partner": ["has"]}, {"partner": ["never"]}]}, False),
        ({"all": [{"age": [60, None]}, {"age": [None, 30]}]}, False),
        ({"age": [50, 40]}, False),
        ({"all": [{"country": ["africa"]}, {"country": ["IND"]}]}, False),
        ({"any": [{"all": [{"sex": ["male"]}, {"sex": ["female"]}]}, {"age": [18, None]}]}, True),
        ({"all": [{"sex": ["female"]}, {"age": [12, 54]}]}, True),
    ],
)
def test_satisfiability(condition, possible):
    assert satisfiable(condition) is possible


def test_a_condition_allowing_every_value_restricts_nothing():
    assert always_true({"partner": ["has", "had", "never"]}) and always_true({"age": [0, 120]})
    assert not always_true({"partner": ["has", "had"]}) and not always_true({"age": [18, None]})


@pytest.mark.parametrize(
    ("condition", "needle"),
    [
        ({"marital": ["married"]}, "unknown key"),
        ({"all": [{"children": ["has"]}, {"children": ["none"]}]}, "never hold"),
        ({"sex": ["female", "male"]}, "restricts nothing"),
    ],
)
def test_validator_rejects_bad_and_impossible_conditions(condition, needle):
    data = clean_tree()
    leaf(data)["applies_if"] = condition
    found = [p for p in validate_tree(AttributeTree.from_dict(data)) if p.rule == "conditions"]
    assert len(found) == 1 and needle in found[0].message
    assert found[0].path.endswith(leaf(data)["name"])


def test_validator_rejects_conditions_on_inner_nodes_and_passes_good_ones():
    data = clean_tree()
    data["categories"][0]["children"][0]["applies_if"] = {"partner": ["has"]}
    assert [p.rule for p in validate_tree(AttributeTree.from_dict(data))] == ["conditions"]
    good = clean_tree()
    leaf(good)["applies_if"] = {"all": [{"partner": ["has"]}, {"age": [18, None]}]}
    assert validate_tree(AttributeTree.from_dict(good)) == []


def test_shipped_tree_has_over_a_thousand_valid_conditions(tree):
    assert len(tree.conditions) >= 1000
    assert list(check_conditions(tree)) == []
    stats = tree_stats(tree)
    assert stats["conditional_leaves"] == len(tree.conditions)
    assert set(stats["conditions_by_fact"]) >= {"activity", "partner", "children", "age", "sex", "religiosity"}


@pytest.mark.parametrize(
    ("path", "condition"),
    [
        ("Relationships and Social Networks > Romantic Life > Couple Life and Routines > Date Night Frequency",
         {"partner": ["has"]}),
        ("Relationships and Social Networks > Children and Parenting > Family Planning > "
         "Reasons for Staying Child-Free",
         {"children": ["none"]}),
        ("Career and Work Identity > Entrepreneurship and Self-Employment > Running a Business > "
         "Biggest Business Risk Taken", {"activity": ["self_employed"]}),
        ("Demographic Information > Land, Livestock and Smallholdings > Livestock Kept", {"settlement": ["rural"]}),
        ("Physical and Health Characteristics > Fitness and Physical Ability > Age-Related Fitness Decline",
         {"age": [40, None]}),
        ("Lifestyle and Daily Routine > Personal Finance Habits > Bills and Household Costs > Money Talks With Partner",
         {"partner": ["has"]}),
    ],
)
def test_the_issue_examples_carry_their_condition(tree, path, condition):
    assert tree.leaf(path).applies_if == condition


@pytest.mark.parametrize(
    "path",
    ["Psychological and Cognitive Aspects > Personality Traits > Core Trait Dimensions > Extraversion",
     "Core Values, Beliefs, and Philosophy > Views on Family and Relationships > View on Divorce",
     "Relationships and Social Networks > Children and Parenting > Parental Status",
     "Career and Work Identity > Career Goals and Aspirations > Dream Job"],
)
def test_leaves_that_apply_to_everyone_have_no_condition(tree, path):
    assert tree.leaf(path).applies_if is None


def test_conditions_do_not_change_the_vectors_key_but_do_change_the_content_hash(tree):
    data = {"version": tree.version, "categories": [c.model_dump(exclude_none=True) for c in tree.categories]}
    data["categories"][0]["children"][0]["children"][0]["applies_if"] = {"age": [30, None]}
    changed = AttributeTree.from_dict(data)
    assert changed.text_hash == tree.text_hash and changed.content_hash != tree.content_hash


def test_script_writes_conditions_review_overrides_and_keeps_one_line_each(tmp_path):
    data = clean_tree()
    first = f"{data['categories'][0]['name']} > Main Group > {leaf(data)['name']}"
    group = data["categories"][0]["children"][0]["children"]
    second = f"{data['categories'][0]['name']} > Main Group > {group[1]['name']}"
    assert script.apply_conditions(data, {first: {"partner": ["has"]}, "Nowhere > Leaf": {"age": [1, 2]}}) == 1
    assert script.apply_conditions(data, {first: {"age": [5, 6]}}) == 0  # kept: not overwritten
    assert script.apply_conditions(data, {first: None, second: {"sex": ["male"]}}, overwrite=True) == 2
    text = script.tree_text(data)
    assert '"applies_if": {"sex": ["male"]}' in text and json.loads(text) == data
    tree = AttributeTree.from_dict(json.loads(text))
    assert tree.conditions == {second: {"sex": ["male"]}}


def test_script_pre_filter_picks_situational_leaves_and_skips_decided_ones():
    data = copy.deepcopy(clean_tree())
    group = data["categories"][0]["children"][0]["children"]
    group.append({"name": "Date Night Habits", "description": "how often the couple goes out", "type": "text"})
    group.append({"name": "Relationship With Manager", "description": "how they get on with their boss"})
    tree = AttributeTree.from_dict(data)
    picked = [tree.leaves[i].path[-1] for i in script.candidates(tree)]
    assert picked == ["Date Night Habits", "Relationship With Manager"]
    manager = next(leaf.key for leaf in tree.leaves if leaf.path[-1] == "Relationship With Manager")
    assert manager not in {tree.leaves[i].key for i in script.candidates(tree, {manager})}
