"""The functions that change the Tripletex connection, the wizard, the links and the transfer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most `size` items, so bulk work grows with pages, not items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
