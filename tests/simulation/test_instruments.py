"""Instruments against the reference copies in ../shared/data; parsing; IPIP scoring."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation import load_instrument, parse_answer, trait_scores

PAPER_ITEMS = ["Q45", "Q46", "Q57", "Q184", "Q209", "Q218", "Q254"]


@pytest.fixture(scope="module")
def wvs():
    return load_instrument("wvs7")


@pytest.fixture(scope="module")
def ipip():
    return load_instrument("ipip50")


def test_wvs_has_the_paper_items_and_thirty_more(wvs):
    assert set(PAPER_ITEMS) <= set(wvs.codes)
    assert len(wvs.codes) >= len(PAPER_ITEMS) + 30 and len(set(wvs.codes)) == len(wvs.codes)
    assert all(wvs.source and wvs.version and wvs.licence for _ in [0])
    assert set(wvs.missing_codes) == {-1, -2, -3, -4, -5}


def test_wvs_facts(wvs):
    assert wvs.item("Q57").codes == [1, 2]
    assert "electronic petition" in wvs.item("Q218").text and "Signing a petition" in wvs.item("Q209").text
    assert wvs.item("Q254").codes == [1, 2, 3, 4]  # code 5 is off-scale
    assert wvs.item("Q184").codes == list(range(1, 11))


def test_wvs_items_state_their_direction(wvs):
    for item in wvs.items:
        if item.scale == "nominal":
            assert item.direction.startswith("unordered"), item.code
        elif item.scale == "ordinal":
            assert item.direction.startswith("higher = "), item.code
        else:  # binary: both codes spelled out
            assert item.direction.startswith("1 = ") and ", 2 = " in item.direction, item.code
    assert wvs.item("Q46").direction == "higher = less happy"  # 4 = "Not at all happy"
    assert wvs.item("Q164").direction == "higher = God more important"  # 10 = "Very important"
    assert wvs.item("Q240").direction == "higher = further right"


def test_wvs_codes_and_labels_match_the_codebook(wvs, shared_data):
    codebook = json.loads((shared_data / "wvs7_codebook" / "codebook.json").read_text())
    label_differences = {("Q8", 1), ("Q11", 1), ("Q17", 1), ("Q152", 2), ("Q152", 3)}  # codebook abbreviations
    for item in wvs.items:
        choices = {int(k): v for k, v in codebook[item.code]["choices"].items() if int(k) > 0}
        expected = set(choices) - ({5} if item.code == "Q254" else set())
        assert set(item.codes) == expected, item.code
        if len(choices) <= 7:
            for code, label in item.options.items():
                if (item.code, code) not in label_differences:
                    assert label.lower() == choices[code].lower(), (item.code, code, label, choices[code])


def test_ipip_items_and_keys_match_the_reference(ipip, shared_data):
    with (shared_data / "ipip50_items.csv").open() as fh:
        rows = {r["ipip_ffm_code"]: r for r in csv.DictReader(fh)}
    assert [it.code for it in ipip.items] == sorted(rows, key=lambda c: int(rows[c]["presentation_position"]))
    for item in ipip.items:
        ref = rows[item.code]
        assert item.key == ref["key"] and item.text == ref["text"], item.code
        assert ref["factor"].startswith(item.factor)
        assert item.codes == [1, 2, 3, 4, 5]


def test_ipip_scoring_reverses_negative_keys(ipip):
    plus = {it.code: 5 for it in ipip.items if it.key == "+"}
    minus = {it.code: 1 for it in ipip.items if it.key == "-"}
    assert set(trait_scores({**plus, **minus}, ipip).values()) == {5.0}
    assert set(trait_scores({c: 3 for c in [*plus, *minus]}, ipip).values()) == {3.0}
    scores = trait_scores({"EXT1": 4, "EXT2": 2, "AGR1": None}, ipip)
    assert scores["Extraversion"] == pytest.approx(4.0) and scores["Agreeableness"] is None


@pytest.mark.parametrize(("reply", "code"), [
    ("2", 2), ("2. Quite happy", 2), ("I would say 3.", 3), ("Quite happy", 2), ('{"answer": 4}', 4), (1, 1),
    ("7", None), ("1 or 2", None), ("", None), ("banana", None), ("2.5", None), (True, None), ("-1", None),
])
def test_parse_answer(wvs, reply, code):
    assert parse_answer(reply, wvs.item("Q46")) == code


Q57 = load_instrument("wvs7").item("Q57")
WORDS = ["1", "2", "7", "0", "12", "Most people can be trusted", "Need to be very careful", "maybe", "answer:", "."]


@given(st.lists(st.sampled_from(WORDS), max_size=4))
def test_parse_answer_reads_only_what_the_reply_says(words):
    text = " ".join(words)
    named = {int(w) for w in words if w in ("1", "2")}  # valid codes the reply names
    code = parse_answer(text, Q57)
    if len(named) == 1:
        assert code == next(iter(named))
    elif named:
        assert code is None  # two codes: ambiguous, never a guess
    elif any(w.isdigit() for w in words):
        assert code is None  # only off-scale numbers
    else:
        labels = {label.lower(): c for c, label in Q57.options.items()}
        assert code == labels.get(text.lower().strip(" .!\"'"))  # a label on its own, or nothing


def test_unknown_instrument_and_item(wvs):
    with pytest.raises(ConfigError, match="unknown instrument"):
        load_instrument("gss")
    with pytest.raises(ConfigError, match="Q999"):
        wvs.item("Q999")
