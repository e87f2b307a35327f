"""Survey answers vs real data: reference loaders, persons, metrics, subgroups, associations, report.

Data flow: simulation/ answers.csv + references (official WVS-7 / IPIP files) [+ personas] -> units (persons)
-> metrics, subgroups and associations (fidelity), census weighting -> report and plots.
"""

from deeppersona_agents.comparison.compare import (
    Comparison,
    compare_all,
    compare_answers,
    read_answers,
)
from deeppersona_agents.comparison.metrics import ItemComparison, compare_item
from deeppersona_agents.comparison.plots import plot_items, write_plots
from deeppersona_agents.comparison.references import (
    ipip_marginals,
    read_marginals,
    wvs7_marginals,
    wvs7_reference,
)
from deeppersona_agents.comparison.report import markdown_report
from deeppersona_agents.comparison.subgroups import read_personas

__all__ = [
    "Comparison",
    "ItemComparison",
    "compare_all",
    "compare_answers",
    "compare_item",
    "ipip_marginals",
    "markdown_report",
    "plot_items",
    "read_answers",
    "read_marginals",
    "read_personas",
    "write_plots",
    "wvs7_marginals",
    "wvs7_reference",
]
