"""Give the tree's leaves ``applies_if`` conditions: a rule pre-filter picks candidates, a chat model decides.

    python scripts/classify_leaf_conditions.py --model NAME --base-url URL [--tree FILE] [--out FILE]

Leaves whose path and description mention nothing situational (partners, children, work, study,
retirement, faith, sex-specific health, farming, ...) apply to everyone and are not sent; the rest go to
the model in batches of ``--batch`` leaves, in tree order, through the Stage-1 builder's machinery
(structured calls, a resumable per-batch cache in ``--work-dir``). Leaves that already carry a condition
keep it. Conditions decided by hand when checking the result (``--review``, default
``scripts/leaf_conditions_review.json``: ``{"conditions": {path: condition or null}}``) are applied last.
The result is written to ``--out`` (default: the tree file itself) with ``--version``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents.errors import DeepPersonaError  # noqa: E402
from deeppersona_agents.taxonomy import AttributeTree, Leaf, load_tree  # noqa: E402
from deeppersona_agents.taxonomy.builder.conditions import classify_conditions  # noqa: E402
from deeppersona_agents.taxonomy.builder.graph import BuilderDeps, run_items  # noqa: E402
from deeppersona_agents.taxonomy.conditions import describe  # noqa: E402
from deeppersona_agents.taxonomy.tree import SEP  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[1] / "deeppersona_agents" / "taxonomy" / "data" / \
    "human_attribute_tree.json"
REVIEW = Path(__file__).resolve().parent / "leaf_conditions_review.json"

#: Words that make a leaf a candidate: situations some people are in and others are not.
SITUATIONAL = re.compile(
    r"partner|spous|husband|wife|wives|marri|marital|wedding|divorc|widow|dating|romantic|boyfriend|girlfriend|"
    r"couple|in-law|fianc|sweetheart|\bdate\b|sex life|intima|"
    r"child|kids?\b|\bsons?\b|daughter|parenting|\bbaby|babies|toddler|pregnan|birth|grandchild|grandparent"
    r"|step-?famil|custody|nanny|nursery|"
    r"menstru|period pain|menopaus|prostate|breast|gyn|contracept|fertility|erectile|testic|ovar|"
    r"retire|pension|elderly|old age|late life|\bageing|aging|"
    r"employer|employee|\bboss|manager|supervisor|colleague|co-?worker|workplace|office|job|shift work|\bshifts?\b|"
    r"salary|wage|payslip|paycheck|promotion|overtime|commut|trade union|occupation|profession|career|"
    r"\bwork(s|ing|er|ers)?\b|"
    r"business|entrepreneur|self-employ|freelanc|customer|client|startup|company you|"
    r"unemploy|job search|job hunt|laid off|redundan|welfare|benefit|"
    r"student|tuition|homework|campus|lecture|semester|course|degree|thesis|dissertation|classmate|teacher|"
    r"school|universit|college|apprentic|exam|"
    r"homemak|housewife|househusband|stay-at-home|"
    r"relig|faith|pray|worship|church|mosque|temple|synagogue|congregation|sermon|scripture|spiritual|\bgod|"
    r"clergy|fasting|pilgrim|sacred|devotion|ritual|confession|"
    r"farm|livestock|cattle|crop|harvest|herd|smallhold|plot|irrigat|village|rural|urban|city|"
    r"military|veteran|conscript|caste|dowry|bride|snow|winter|"
    r"\b(ageing|aging|older|old age|later years|later life|elderly|greying|graying|grey hair|wrinkles?|hair loss|"
    r"bald|beard|facial hair|shaving|bra|moustache|mortgage|landlord|tenancy|renting|rented|household|romance|"
    r"sexual|devout|divine|prayers?|religious|worship|sabbath|halal|kosher|colleagues?|earnings?|income|studying|"
    r"classes|lessons|exams?|teachers?|garden|retirement|retired|decline|frailty|menopause|pregnancy|fathers?|"
    r"mothers?|sons?|daughters?|widowed|parents?|parenthood|office|job|faith|married|marriage)\b"
)


def candidates(tree: AttributeTree, decided: set[str] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """Indices of leaves the rules cannot clear as applying to everyone (not conditioned nor decided yet)."""
    return [i for i, leaf in enumerate(tree.leaves)
            if not leaf.applies_if and leaf.key not in decided
            and SITUATIONAL.search(f"{SEP.join(leaf.path[1:])} {leaf.description}".lower())]


def apply_conditions(data: dict, found: dict[str, dict | None], overwrite: bool = False) -> int:
    """Write conditions into the tree file's nested dicts (by joined path); returns how many were changed.

    Existing conditions are kept unless ``overwrite``; a ``None`` condition (with ``overwrite``) removes one.
    """
    count = 0

    def walk(node: dict, prefix: tuple[str, ...]) -> None:
        nonlocal count
        path = (*prefix, node["name"])
        if node.get("children") is None:
            key = SEP.join(path)
            if key in found and (overwrite or not node.get("applies_if")):
                if found[key] is None:
                    node.pop("applies_if", None)
                else:
                    node["applies_if"] = found[key]
                count += 1
            return
        for child in node["children"]:
            walk(child, path)

    for cat in data["categories"]:
        walk(cat, ())
    return count


def tree_text(data: dict) -> str:
    """The tree file's text: indented like the shipped file, each ``applies_if`` on one line."""
    compact: list[str] = []

    def mark(node: dict) -> None:
        if node.get("applies_if"):
            compact.append(json.dumps(node["applies_if"], ensure_ascii=False))
            node["applies_if"] = f"\x00{len(compact) - 1}\x00"
        for child in node.get("children") or []:
            mark(child)

    data = json.loads(json.dumps(data))
    for cat in data["categories"]:
        mark(cat)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: compact[int(m.group(1))], text)


def main() -> None:
    from deeppersona_agents.embedded import MiniLMEmbeddings
    from deeppersona_agents.llm import resolve_chat_model, resolve_structured_method

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, default=SHIPPED)
    ap.add_argument("--out", type=Path, default=None, help="default: overwrite --tree")
    ap.add_argument("--work-dir", type=Path, default=Path(".work/leaf-conditions"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--base-url", default=None)
    ap.add_argument("--structured-method", default=None)
    ap.add_argument("--batch", type=int, default=80)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--version", default=None, help="version of the written tree (default: unchanged)")
    ap.add_argument("--all", action="store_true", help="send every unconditioned leaf, not only candidates")
    ap.add_argument("--cached-only", action="store_true", help="write what the cache holds; ask nothing")
    ap.add_argument("--review", type=Path, default=REVIEW, help="hand decisions applied last")
    args = ap.parse_args()

    tree = load_tree(args.tree)
    deps = BuilderDeps(model=resolve_chat_model(args.model, base_url=args.base_url), embeddings=MiniLMEmbeddings(),
                       base=None, work_dir=args.work_dir,
                       structured_method=resolve_structured_method(args.structured_method),
                       concurrency=args.concurrency,
                       on_progress=lambda stage, done, total: print(f"  {stage} {done}/{total}", file=sys.stderr))
    cached = deps.cache("conditions").values
    decided = {key for batch in cached for key in batch.split("|")}  # answered before: not asked again
    picked = ([i for i, leaf in enumerate(tree.leaves) if not leaf.applies_if and leaf.key not in decided]
              if args.all else candidates(tree, decided))
    leaves: list[Leaf] = [tree.leaves[i] for i in picked]
    batches = [] if args.cached_only else [leaves[i : i + args.batch] for i in range(0, len(leaves), args.batch)]
    print(f"{len(tree.leaves)} leaves, {len(tree.conditions)} conditional, {len(decided)} decided before, "
          f"{len(leaves)} new candidates in {len(batches)} batches of up to {args.batch}", file=sys.stderr)
    try:
        values, usage, failed = run_items(
            deps, "conditions", batches, lambda b: "|".join(leaf.key for leaf in b),
            lambda b, u: classify_conditions(deps.model, [(leaf.path, leaf.description) for leaf in b],
                                             deps.structured_method, u),
            lambda r: r)
    except DeepPersonaError as exc:
        sys.exit(f"error: {exc}")
    found = {k: v for answer in values.values() for k, v in answer.items() if k in tree}
    data = json.loads(args.tree.read_text(encoding="utf-8"))
    if args.version:
        data["version"] = args.version
    added = apply_conditions(data, found)
    review = json.loads(args.review.read_text(encoding="utf-8"))["conditions"] if args.review.is_file() else {}
    reviewed = apply_conditions(data, review, overwrite=True)
    out = args.out or args.tree
    tmp = out.with_suffix(".tmp")
    tmp.write_text(tree_text(data), encoding="utf-8")
    result = AttributeTree.from_dict(json.loads(tmp.read_text(encoding="utf-8")), str(out))
    tmp.replace(out)
    fields = Counter(f for c in result.conditions.values() for f in describe(c))
    print(f"wrote {out}: {added} conditions from the model, {reviewed} from the review, "
          f"{len(result.conditions)} conditional leaves {dict(fields)}; "
          f"{failed} batch(es) failed (re-run to retry), {usage.llm_calls} calls", file=sys.stderr)


if __name__ == "__main__":
    main()
