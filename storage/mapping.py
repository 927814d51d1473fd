"""Copying between frozen domain dataclasses and table rows, field by field, by name."""

from dataclasses import fields
from typing import Any, TypeVar

from sqlmodel import SQLModel

E = TypeVar("E")


def row_values(entity: Any, *, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The entity's dataclass fields by name, for the table columns of the same names."""
    return {field.name: getattr(entity, field.name) for field in fields(entity) if field.name not in skip}


def entity_from_row(cls: type[E], row: SQLModel, **converted: Any) -> E:
    """Build a `cls` dataclass from the row's columns of the same names; `converted` overrides some of them."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in converted}  # type: ignore[arg-type]
    return cls(**values, **converted)
