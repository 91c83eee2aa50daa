"""Comparing two evaluation runs: which questions a change fixed, which it broke, and how each kind moved."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .evaluation import GoldFileError
from .significance import SIGNIFICANT_BELOW, flips_p_value


@dataclass(frozen=True)
class Flip:
    id: str
    kind: str
    question: str
    before: str  # the earlier answer ("" for a refusal)
    after: str


@dataclass(frozen=True)
class Comparison:
    fixed: tuple[Flip, ...]  # wrong before, right now
    broken: tuple[Flip, ...]  # right before, wrong now
    # kind -> metric -> (before, after): share of questions right, share answered wrongly
    deltas: dict[str, dict[str, tuple[float | None, float | None]]]
    # the chance of a split of fixed and broken at least this uneven if the change made no difference
    # (significance.flips_p_value); None when no question flipped
    p_value: float | None = None

    @property
    def could_be_chance(self) -> bool:
        return self.p_value is not None and self.p_value >= SIGNIFICANT_BELOW


def load_results(path: Path) -> dict[str, dict]:
    """An earlier `hoidap eval --out` file, by question id."""
    results = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            results[str(row["id"])] = row
            bool(row["correct"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise GoldFileError(f"{path} line {number}: not a result line of hoidap eval --out "
                                f"({error.__class__.__name__}: {error}); write one with --out") from None
    return results


def _shares(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row.get("kind", "unknown")].append(row)
        groups["all"].append(row)
    return {kind: {"correct": round(sum(bool(r["correct"]) for r in members) / len(members), 3),
                   "wrongly_answered": round(sum(bool(r.get("found")) and not r["correct"] for r in members)
                                             / len(members), 3)}
            for kind, members in groups.items()}


def compare(previous: dict[str, dict], current: list[dict]) -> Comparison:
    """Questions present in both runs are compared by id; metric deltas are over the questions of both."""
    shared = [row for row in current if str(row["id"]) in previous]
    fixed, broken = [], []
    for row in shared:
        before = previous[str(row["id"])]
        if bool(before["correct"]) == bool(row["correct"]):
            continue
        flip = Flip(str(row["id"]), row.get("kind", "unknown"), row.get("question") or row.get("query", ""),
                    before.get("answer") or before.get("summary") or "",
                    row.get("answer") or row.get("summary") or "")
        (fixed if row["correct"] else broken).append(flip)
    old = _shares([previous[str(row["id"])] for row in shared])
    new = _shares(shared)
    deltas = {kind: {metric: (old.get(kind, {}).get(metric), value) for metric, value in metrics.items()}
              for kind, metrics in new.items()}
    return Comparison(tuple(fixed), tuple(broken), deltas, flips_p_value(len(fixed), len(broken)))
