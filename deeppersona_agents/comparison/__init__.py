"""Survey answers vs real distributions: reference loaders, per-item metrics, the comparison report.

Data flow: simulation/ answers.csv + references (official WVS-7 / IPIP files) -> metrics -> report and plots.
"""

from deeppersona_agents.comparison.compare import compare_answers, markdown_report, plot_items, read_answers
from deeppersona_agents.comparison.metrics import ItemComparison, compare_item
from deeppersona_agents.comparison.references import ipip_marginals, read_marginals, wvs7_marginals

__all__ = [
    "ItemComparison",
    "compare_answers",
    "compare_item",
    "ipip_marginals",
    "markdown_report",
    "plot_items",
    "read_answers",
    "read_marginals",
    "wvs7_marginals",
]
