"""A reference to one outbox row: which kind, which row. What services return and tasks carry."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """The kinds of Tripletex object the outbox keeps equal to approved hours (registry.py)."""

    HOURS = "hours"  # a timesheet entry: the hours of one key
    SALARY_LINE = "salary_line"  # a lønnsart line (salary type specification): its count


class RowRef(NamedTuple):
    kind: Kind
    id: int

    @classmethod
    def parse(cls, value: object) -> RowRef:
        """A reference as a task carries it (JSON: a two-item list); refuses anything else."""
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(f"not a row reference: {value!r}")
        kind, row_id = value
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError(f"not a row id: {row_id!r}")
        return cls(Kind(kind), row_id)
