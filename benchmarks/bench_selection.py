"""(b) Attribute selection alone at k = 200: milliseconds per call without facts and with a person's facts.

Both variants run interleaved in one process on the shipped tree and its shipped vectors, so machine
load affects them alike; the difference is the cost of the ``applies_if`` filter (issue 27).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents.generation.selection import select_leaves  # noqa: E402
from deeppersona_agents.taxonomy import load_tree  # noqa: E402
from deeppersona_agents.taxonomy.conditions import PersonFacts  # noqa: E402
from deeppersona_agents.taxonomy.vectors import SHIPPED_VECTORS  # noqa: E402

PEOPLE = [
    PersonFacts(age=19, sex="female", activity="student", partner="never", children="none", settlement="urban",
                religiosity="believer", education="upper_secondary", country="KEN"),
    PersonFacts(age=80, sex="male", activity="retired", partner="had", settlement="rural", religiosity="believer",
                education="primary", country="KEN"),
    PersonFacts(age=41, sex="female", activity="employed", partner="has", children="has", settlement="urban",
                religiosity="believer", education="tertiary", country="KEN"),
]


def main(n: int, k: int) -> None:
    tree = load_tree()
    folder = Path(__file__).resolve().parents[1] / "deeppersona_agents" / "taxonomy" / "data"
    vectors = np.load(folder / SHIPPED_VECTORS).astype(np.float32)
    rng = np.random.default_rng(0)
    cores = rng.standard_normal((n, vectors.shape[1])).astype(np.float32)
    cores /= np.linalg.norm(cores, axis=1, keepdims=True)
    select_leaves(tree, vectors, cores[0], k, np.random.default_rng(0), facts=PEOPLE[0])  # warm caches
    plain, filtered = [], []
    for i, core in enumerate(cores):
        start = time.perf_counter()
        select_leaves(tree, vectors, core, k, np.random.default_rng(i))
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        select_leaves(tree, vectors, core, k, np.random.default_rng(i), facts=PEOPLE[i % len(PEOPLE)])
        filtered.append(time.perf_counter() - start)
    a, b = 1000 * statistics.median(plain), 1000 * statistics.median(filtered)
    print(f"k={k}, n={n}, {len(tree.leaves)} leaves, {len(tree.conditions)} conditional")
    print(f"  without facts: {a:.2f} ms per selection (median)")
    print(f"  with facts:    {b:.2f} ms per selection (median), {100 * (b - a) / a:+.1f} %")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("-k", type=int, default=200)
    args = parser.parse_args()
    main(args.n, args.k)
