"""IPIP answers -> keyed trait scores -> ``trait:`` rows on the reference loader's grid."""

from __future__ import annotations

import pandas as pd
import pytest

from deeppersona_agents.comparison.references import trait_marginals
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation import load_instrument
from deeppersona_agents.simulation.traits import trait_rows


def test_trait_rows_reverse_key_and_match_the_reference_loader():
    ipip = load_instrument("ipip50")
    ext = [it for it in ipip.items if it.factor == "Extraversion"]
    answers = pd.DataFrame([{"persona_id": "p", "country": "USA", "method": "deep", "item": it.code,
                             "answer": 5} for it in ipip.items])
    rows = trait_rows(answers, ipip)
    score = rows.set_index("item")["answer"]["trait:EXT"]
    plus = sum(it.key == "+" for it in ext)
    assert score == pytest.approx(round((5 * plus + 1 * (len(ext) - plus)) / len(ext), 6))  # "-" items: 6 - 5
    wide = answers.pivot(index="persona_id", columns="item", values="answer").assign(country="USA")
    ref = trait_marginals(wide, ipip, "country")
    assert ref[(ref["item"] == "trait:EXT") & (ref["share"] == 1.0)]["value"].tolist() == [score]
    incomplete = answers[answers["item"] != ext[0].code]
    assert "trait:EXT" not in set(trait_rows(incomplete, ipip)["item"])  # as the reference: complete sets only
    with pytest.raises(ConfigError, match="logprobs"):
        trait_rows(pd.concat([answers, answers]).assign(weight=0.5), ipip)
