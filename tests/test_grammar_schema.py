"""The schema the embedded model decodes with keeps length bounds the grammar can afford."""

from __future__ import annotations

import re

from deeppersona_agents.embedded import MAX_GRAMMAR_LENGTH, grammar_schema


def _pattern(schema: dict) -> re.Pattern[str]:
    return re.compile(grammar_schema(schema)["pattern"])


def test_min_length_is_enforced_by_the_decoding_pattern():
    story = _pattern({"type": "string", "minLength": 40})
    assert not story.match("Faith Mohammed")
    assert story.match("At nineteen she left the farm to train as a nurse in the city.")


def test_short_max_length_is_kept_and_long_one_dropped():
    short = _pattern({"type": "string", "minLength": 1, "maxLength": 10})
    assert short.match("a" * 10) and not short.match("a" * 11)
    long = _pattern({"type": "string", "maxLength": MAX_GRAMMAR_LENGTH + 1000})
    assert long.match("a" * (MAX_GRAMMAR_LENGTH + 5000))


def test_prose_pattern_rejects_json_syntax_and_leaves_enums_alone():
    prose = _pattern({"type": "string"})
    assert not prose.match('{"name": "x"}')
    assert grammar_schema({"type": "string", "enum": ["a", "b"]}) == {"type": "string", "enum": ["a", "b"]}


def test_small_integer_range_becomes_an_enum_the_grammar_enforces():
    import json

    from llama_cpp import LlamaGrammar

    score = grammar_schema({"type": "integer", "minimum": 1, "maximum": 5, "title": "Score"})
    assert score == {"type": "integer", "title": "Score", "enum": [1, 2, 3, 4, 5]}
    assert grammar_schema({"type": "integer", "minimum": 0})["minimum"] == 0  # open range left alone
    LlamaGrammar.from_json_schema(json.dumps({"type": "object", "properties": {"s": score}, "required": ["s"]}),
                                  verbose=False)
