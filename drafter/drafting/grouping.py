"""Placeholder grouping (replaced by the themed grouping): contiguous runs of facts."""

from __future__ import annotations

from collections.abc import Sequence


def group_facts(texts: Sequence[str], max_groups: int = 5) -> list[list[int]]:
    n = len(texts)
    if n <= max_groups:
        return [[i] for i in range(n)]
    size, extra = divmod(n, max_groups)
    groups, start = [], 0
    for g in range(max_groups):
        end = start + size + (1 if g < extra else 0)
        groups.append(list(range(start, end)))
        start = end
    return groups


def join_group(items: Sequence[str]) -> str:
    return "，".join(item.rstrip("。；，") for item in items)
