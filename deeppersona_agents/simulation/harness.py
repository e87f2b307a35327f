"""One harness for every comparison method and the depth ablation.

``run_methods`` asks the same personas the same items once per method (``deep`` once per depth in
``depths``, labelled ``deep@k50`` etc.), so the answer sets differ only in how the respondent is
described.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents.persona import Persona
from deeppersona_agents.simulation.instruments import Instrument
from deeppersona_agents.simulation.respondents import Relevance
from deeppersona_agents.simulation.survey import SurveyModel


def run_methods(
    personas: Sequence[Persona],
    chat_model: BaseChatModel | None = None,
    *,
    instrument: str | Instrument = "wvs7",
    items: Sequence[str] | None = None,
    methods: Sequence[str] = ("deep", "cultural", "shallow", "oneliner", "bare"),
    depths: Sequence[int] = (),
    depth: int | None = None,
    embeddings: Embeddings | None = None,
    mode: str = "item",
    block_size: int = 20,
    samples: int = 1,
    concurrency: int = 8,
    structured_method: str = "json_schema",
    seed: int = 0,
    progress: bool = False,
) -> pd.DataFrame:
    """Answers of every method (rows: persona_id, country, item, answer, method, sample, wave, reason).

    ``depth`` is the plain ``deep`` run's (None = all attributes); each of ``depths`` adds a ``deep@k<depth>`` run.
    ``progress`` shows each run's calls as a bar (see :class:`SurveyModel`).
    """
    runs: list[tuple[str, str, int | None]] = [(m, m, depth if m == "deep" else None) for m in methods]
    runs += [(f"deep@k{k}", "deep", k) for k in depths]
    # one ranker for every deep run: each persona's attribute vectors are computed once
    ranker = Relevance(embeddings) if any(method == "deep" for _, method, _ in runs) else None
    frames = []
    for label, method, shown in runs:
        sim = SurveyModel(personas, chat_model, instrument=instrument, items=items, method=method, depth=shown,
                          embeddings=ranker, mode=mode, block_size=block_size, samples=samples,
                          concurrency=concurrency, structured_method=structured_method, rng=seed,
                          progress=progress)
        sim.step()
        frame = pd.DataFrame(sim.rows)
        frame["method"] = label
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
