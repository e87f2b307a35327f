"""Big Five trait scores from IPIP answers, as rows ``deeppersona compare`` reads.

Sits after the survey (answers) and before the comparison: each respondent's answers to a factor's
items are reverse-keyed and averaged (:func:`~deeppersona_agents.simulation.instruments.trait_scores`)
into a row whose item is ``trait:EXT`` ... — the name and the value grid the IPIP reference loader
(:func:`~deeppersona_agents.comparison.references.trait_marginals`) writes, so simulated and real trait
distributions compare directly. As in the reference, a factor is scored only for respondents who
answered all of its items.
"""

from __future__ import annotations

import pandas as pd

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation.instruments import Instrument, trait_scores

#: The columns that identify one respondent's answer set (those present are kept).
RESPONDENT = ["persona_id", "country", "method", "sample", "wave"]


def trait_rows(answers: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per respondent x factor: ``item`` = ``trait:<code>``, ``answer`` = the keyed mean score.

    Args:
        answers: Sampled answers (``persona_id, country, item, answer, method`` ...), one row per answer.
        instrument: The instrument with factors and keys (IPIP-50).

    Raises:
        ConfigError: the answers are weighted log-probability rows (score sampled answers instead).
    """
    from deeppersona_agents.comparison.references import trait_codes

    if "weight" in answers.columns and answers.duplicated(
            [c for c in [*RESPONDENT, "item"] if c in answers.columns]).any():
        raise ConfigError("trait scores need one sampled answer per item; run the survey without logprobs")
    names = trait_codes(instrument)
    factors = {f: [it.code for it in instrument.items if it.factor == f] for f in names}
    keys = [c for c in RESPONDENT if c in answers.columns]
    rows = []
    for values, group in answers.dropna(subset=["answer"]).groupby(keys, sort=True):
        given = {str(i): int(a) for i, a in zip(group["item"], group["answer"], strict=True)}
        scores = trait_scores(given, instrument)
        for factor, codes in factors.items():
            score = scores[factor]
            if all(code in given for code in codes) and score is not None:
                rows.append({**dict(zip(keys, values, strict=True)), "item": names[factor],
                             "answer": round(float(score), 6)})
    return pd.DataFrame(rows, columns=[*keys, "item", "answer"])
