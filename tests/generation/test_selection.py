from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeppersona_agents.errors import ConfigError, TaxonomyError
from deeppersona_agents.generation.select_attributes import person_facts
from deeppersona_agents.generation.selection import PrefixIndex, applicable_mask, select_leaves, stratum_quotas
from deeppersona_agents.taxonomy import AttributeTree
from deeppersona_agents.taxonomy.conditions import PersonFacts
from deeppersona_agents.taxonomy.vectors import leaf_vectors


@pytest.fixture(scope="module")
def vectors(tree, embeddings):
    return leaf_vectors(tree, embeddings)


@pytest.fixture(scope="module")
def core_vector_nurse(embeddings):
    return np.asarray(embeddings.embed_query("34-year-old nurse in Nairobi who sings in a church choir"), np.float32)


@pytest.fixture(scope="module")
def core(core_vector_nurse):
    return core_vector_nurse


@pytest.mark.parametrize("k", [1, 10, 50, 200, 250])
def test_exactly_k_distinct_leaves_in_ratio(tree, vectors, core, k):
    picks = select_leaves(tree, vectors, core, k, np.random.default_rng(1))
    assert len(picks) == k and len({i for i, _ in picks}) == k
    counts = Counter(s for _, s in picks)
    for name, share in (("near", 0.5), ("mid", 0.3), ("far", 0.2)):
        assert abs(counts[name] - share * k) <= 1


def test_near_stratum_is_closer_to_the_core_than_far(tree, vectors, core):
    picks = select_leaves(tree, vectors, core, 200, np.random.default_rng(2))
    sims = {s: np.mean([vectors[i] @ core for i, t in picks if t == s]) for s in ("near", "mid", "far")}
    assert sims["near"] > sims["mid"] > sims["far"]


def test_selection_is_deterministic_per_seed(tree, vectors, core):
    a = select_leaves(tree, vectors, core, 100, np.random.default_rng(5))
    b = select_leaves(tree, vectors, core, 100, np.random.default_rng(5))
    c = select_leaves(tree, vectors, core, 100, np.random.default_rng(6))
    assert a == b and a != c


def test_walk_spreads_over_all_categories(tree, vectors, core):
    picks = select_leaves(tree, vectors, core, 200, np.random.default_rng(3))
    cats = Counter(tree.leaves[i].category for i, _ in picks)
    assert len(cats) == 12


def test_include_and_exclude_categories(tree, vectors, core):
    inc = select_leaves(tree, vectors, core, 60, np.random.default_rng(1), include=["Media Consumption and Engagement"])
    assert {tree.leaves[i].category for i, _ in inc} == {"Media Consumption and Engagement"}
    exc = select_leaves(tree, vectors, core, 200, np.random.default_rng(1), exclude=["Demographic Information"])
    assert "Demographic Information" not in {tree.leaves[i].category for i, _ in exc}


def test_taken_leaves_are_never_selected(tree, vectors, core):
    taken = frozenset(leaf.key for leaf in tree.leaves[:500])
    picks = select_leaves(tree, vectors, core, 300, np.random.default_rng(1), taken=taken)
    assert not {tree.leaves[i].key for i, _ in picks} & taken


def test_k_above_candidates_is_a_clear_error(tree, vectors, core):
    with pytest.raises(ConfigError, match="at most"):
        select_leaves(tree, vectors, core, len(tree.leaves) + 1, np.random.default_rng(1))


@settings(max_examples=200, deadline=None)
@given(k=st.integers(0, 400), sizes=st.lists(st.integers(0, 200), min_size=3, max_size=3),
       ratio=st.lists(st.integers(0, 9), min_size=3, max_size=3).filter(lambda r: sum(r) > 0))
def test_quotas_sum_to_k_and_respect_sizes(k, sizes, ratio):
    k = min(k, sum(sizes))
    quotas = stratum_quotas(k, sizes, ratio)
    assert sum(quotas) == k and all(0 <= q <= s for q, s in zip(quotas, sizes, strict=True))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 60), seed=st.integers(0, 2**16))
def test_walk_sample_draws_distinct_items(n, seed):
    paths = [("A", "x", f"l{i}") for i in range(30)] + [("B", f"l{i}") for i in range(5)] + [("C", "y", "z", "w")]
    picks = PrefixIndex(paths).walk(range(len(paths)), n, np.random.default_rng(seed))
    assert len(picks) == min(n, len(paths)) and len(set(picks)) == len(picks)


def test_walk_favours_small_branches_over_leaf_uniform_sampling():
    paths = [("Big", f"l{i}") for i in range(100)] + [("Small", f"s{i}") for i in range(5)]
    index = PrefixIndex(paths)
    small = [sum(paths[p][0] == "Small" for p in index.walk(range(len(paths)), 10, np.random.default_rng(s)))
             for s in range(50)]
    # drawing leaves uniformly would give 10 * 5/105 ~ 0.5 small leaves; the walk visits both branches evenly
    assert np.mean(small) >= 4 and min(small) >= 2


# --- conditions: leaves that only apply to some people ---------------------------------------------------

def make_core(age, gender, occupation, **demographics):
    return {"age": age, "gender": gender, "country": demographics.pop("country", "KEN"), "occupation": occupation,
            "city": "Nakuru", "demographics": demographics}


PEOPLE = {
    "19-year-old student, never had a partner": (
        PersonFacts.from_core(make_core(19, "female", "student", activity="student", marital_status="never_married",
                                   religion="christian", urban=True, education="upper_secondary"),
                              children=0, partner="never"),
        "19-year-old student at a university in Nairobi who has never dated"),
    "80-year-old widowed retiree": (
        PersonFacts.from_core(make_core(80, "male", "retired", activity="retired", marital_status="widowed",
                                   religion="christian", urban=False, education="primary"), children=4),
        "80-year-old retired widower in a village who misses his late wife"),
    "married parent of three": (
        PersonFacts.from_core(make_core(41, "female", "accountant", activity="employed", marital_status="married",
                                   religion="christian", urban=True, education="tertiary"), children=3),
        "41-year-old accountant, married mother of three children"),
    "child-free rural farmer": (
        PersonFacts.from_core(make_core(52, "male", "farmer", activity="employed", marital_status="married",
                                   religion="folk_religion", urban=False, education="primary"), children=0),
        "52-year-old farmer growing maize and keeping goats, no children"),
    "unemployed urban graduate": (
        PersonFacts.from_core(make_core(27, "male", "unemployed", activity="unemployed", marital_status="never_married",
                                   religion="muslim", urban=True, education="tertiary", country="EGY")),
        "27-year-old engineering graduate in Cairo looking for work"),
    "devout believer": (
        PersonFacts.from_core(make_core(45, "female", "homemaker", activity="homemaker", marital_status="married",
                                   religion="muslim", urban=True, education="lower_secondary", country="PAK"),
                              children=2),
        "45-year-old homemaker in Lahore who prays five times a day"),
    "non-believer": (
        PersonFacts.from_core(make_core(35, "female", "software developer", activity="employed",
                                   marital_status="divorced_separated", religion="unaffiliated", urban=True,
                                   education="tertiary", country="DEU"), children=0),
        "35-year-old divorced software developer in Berlin, an atheist"),
}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_no_selected_leaf_has_a_false_condition_and_k_and_strata_are_exact(tree, vectors, embeddings, who):
    from deeppersona_agents.taxonomy.conditions import applies

    facts, text = PEOPLE[who]
    vec = np.asarray(embeddings.embed_query(text), np.float32)
    mask = applicable_mask(tree, facts)
    assert 0 < (~mask).sum() < len(tree.conditions)  # some conditional leaves drop out, others stay
    picks = select_leaves(tree, vectors, vec, 200, np.random.default_rng(7), facts=facts)
    assert len(picks) == 200 and len({i for i, _ in picks}) == 200
    assert [tree.keys[i] for i, _ in picks if not applies(tree.leaves[i].applies_if, facts)] == []
    counts = Counter(s for _, s in picks)
    assert (counts["near"], counts["mid"], counts["far"]) == (100, 60, 40)
    assert len({tree.leaves[i].category for i, _ in picks}) == 12  # the even walk still spreads everywhere


def test_conditions_follow_the_person(tree):
    facts = {who: f for who, (f, _) in PEOPLE.items()}
    date_night = tree.index("Relationships and Social Networks > Romantic Life > Couple Life and Routines > "
                            "Date Night Frequency")
    child_free = tree.index("Relationships and Social Networks > Children and Parenting > Family Planning > "
                            "Reasons for Staying Child-Free")
    manager = tree.index("Career and Work Identity > Workplace Relationships > Relationship With Manager")
    business = tree.index("Career and Work Identity > Entrepreneurship and Self-Employment > Running a Business > "
                          "Biggest Business Risk Taken")
    masks = {who: applicable_mask(tree, f) for who, f in facts.items()}
    assert masks["married parent of three"][date_night] and not masks["80-year-old widowed retiree"][date_night]
    assert not masks["19-year-old student, never had a partner"][date_night]
    assert masks["child-free rural farmer"][child_free] and not masks["married parent of three"][child_free]
    assert masks["married parent of three"][manager] and not masks["unemployed urban graduate"][manager]
    assert masks["child-free rural farmer"][business] and not masks["married parent of three"][business]


def test_without_facts_or_conditions_the_walk_is_unchanged(tree, vectors, core_vector_nurse):
    # digests of today's walks, recorded before conditions existed (facts=None keeps them)
    for seed, k, digest in ((1, 200, "ea72dbf525176a7b"), (4, 50, "082788cd94f1fae1")):
        picks = select_leaves(tree, vectors, core_vector_nurse, k, np.random.default_rng(seed))
        text = "|".join(f"{tree.keys[i]}#{s}" for i, s in picks)
        assert hashlib.sha256(text.encode()).hexdigest()[:16] == digest
    def strip(node: dict) -> dict:
        node.pop("applies_if", None)
        for child in node.get("children") or []:
            strip(child)
        return node

    bare = AttributeTree.from_dict({"version": "x", "categories": [strip(c.model_dump(exclude_none=True))
                                                                   for c in tree.categories]})
    assert not bare.conditions
    facts = PEOPLE["non-believer"][0]
    assert select_leaves(bare, vectors, core_vector_nurse, 200, np.random.default_rng(1), facts=facts) == \
        select_leaves(tree, vectors, core_vector_nurse, 200, np.random.default_rng(1))


def test_too_few_applicable_leaves_is_a_clear_error(tree, vectors, core):
    facts = PEOPLE["19-year-old student, never had a partner"][0]
    applicable = int(applicable_mask(tree, facts).sum())
    with pytest.raises(ConfigError, match=rf"{applicable} attributes .* apply to this person \(age 19"):
        select_leaves(tree, vectors, core, applicable + 1, np.random.default_rng(1), facts=facts)
    picks = select_leaves(tree, vectors, core, applicable, np.random.default_rng(1), facts=facts)
    assert len(picks) == applicable


def test_a_malformed_condition_names_the_leaf(tree, vectors, core):
    data = {"version": "x", "categories": [c.model_dump(exclude_none=True) for c in tree.categories]}
    data["categories"][0]["children"][0]["children"][0]["applies_if"] = {"job": ["yes"]}
    broken = AttributeTree.from_dict(data)
    with pytest.raises(TaxonomyError, match="Full Name.*unknown key 'job'.*taxonomy validate"):
        select_leaves(broken, vectors, core, 10, np.random.default_rng(1), facts=PersonFacts(age=30))


def test_the_node_uses_the_persons_core():
    state = {"core": make_core(80, "male", "retired", activity="retired", marital_status="widowed", urban=False)}
    facts = person_facts(state)
    assert (facts.age, facts.activity, facts.partner, facts.settlement) == (80, "retired", "had", "rural")


def test_the_stories_ledger_tells_selection_about_children_and_partners():
    core = {"age": 40, "gender": "female", "country": "KEN", "occupation": "nurse",
            "demographics": {"activity": "employed", "marital_status": "never_married", "urban": True}}
    silent = person_facts({"core": core, "facts": []})
    assert silent.children is None and silent.partner is None  # unknown: conditional leaves are not asked
    ledger = [{"kind": "person", "text": "Brian (son, age 11)"},
              {"kind": "person", "text": "Otieno (ex-husband, age 45)"},
              {"kind": "place", "text": "Nairobi"}]
    told = person_facts({"core": core, "facts": ledger})
    assert told.children == "has" and told.partner == "had"
    remarried = person_facts({"core": core, "facts": [*ledger, {"kind": "person", "text": "Juma (husband, age 44)"}]})
    assert remarried.partner == "has"
