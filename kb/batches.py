"""Long id lists in batches: an `IN (...)` query per batch stays within the database's
limit on bound parameters, and only one batch of rows is in memory at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int = 500) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items, in order."""
    pool = list(items)
    for start in range(0, len(pool), size):
        yield pool[start : start + size]
