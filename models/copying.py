"""Every row of one database into another of the same schema: SQLite → PostgreSQL when a district's bot
grows into a province's (`donorbot db copy --to URL`), or back for a portable copy.

Tables are copied parents first (`metadata.sorted_tables`, by their foreign keys), each in primary-key order
and in batches, so memory stays flat however big the file; the whole copy is one transaction on the target,
so a copy that fails leaves the target as empty as it was. The target must hold no rows (the schema only):
merging two databases is not a copy. On PostgreSQL the id sequences are then moved past the copied ids,
so the next registration does not collide with a copied one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.tables import Base

BATCH = 1000


class TargetNotEmpty(Exception):
    """The target database already holds rows (its table names in the message)."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


async def counts(connection: AsyncConnection) -> dict[str, int]:
    found: dict[str, int] = {}
    for table in tables():
        found[table.name] = int(await connection.scalar(select(func.count()).select_from(table)) or 0)
    return found


async def copy_all(source: AsyncEngine, target: AsyncEngine) -> list[Copied]:
    """Copies every table; raises `TargetNotEmpty` before writing anything if the target has rows."""
    copied: list[Copied] = []
    async with source.connect() as reader, target.begin() as writer:
        if held := [name for name, rows in (await counts(writer)).items() if rows]:
            raise TargetNotEmpty(", ".join(held))
        for table in tables():
            rows = 0
            order = list(table.primary_key.columns) or list(table.columns)
            result = await reader.stream(select(table).order_by(*order))
            async for batch in result.mappings().partitions(BATCH):
                await writer.execute(insert(table), [dict(row) for row in batch])
                rows += len(batch)
            copied.append(Copied(table.name, rows))
        if writer.dialect.name == "postgresql":
            await _move_sequences(writer)
    return copied


async def _move_sequences(connection: AsyncConnection) -> None:
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1
            ):
                continue
            sequence = await connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence is None:
                continue
            highest = f'(SELECT MAX("{column.name}") FROM "{table.name}")'
            await connection.execute(
                text(f"SELECT setval(:sequence, COALESCE({highest}, 1), {highest} IS NOT NULL)"),
                {"sequence": sequence},
            )
