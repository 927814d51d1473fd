"""Everything a tenant's data holds, as a zip a person can read without Accord: each table as JSON and as CSV,
and a manifest saying what is in it. The installation's tokens are left out, and so are the health check's
single answers and the hashes of who answered: they are anonymous, shown only as aggregates of enough people
(the plan and the evidence pack hold those), and one answer alone could be told apart."""

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.database import Database
from storage.mapping import table
from storage.tables import HealthAnswerRow, HealthRespondentRow
from storage.tenancy import SECRET_COLUMNS, owned, plain, reading, tenant_tables

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)


# Tables whose rows are never exported one by one (their counts are, in the manifest).
WITHHELD = frozenset({table(HealthAnswerRow).name, table(HealthRespondentRow).name})


def export_tenant(database: Database, tenant_id: str, path: Path, now: datetime) -> dict[str, int]:
    """Write the tenant's rows of every table but the withheld ones to the zip at `path`; how many rows each
    table written had."""
    with reading(database) as connection:
        withheld = {
            t.name: connection.execute(select(func.count()).select_from(t).where(owned(t, tenant_id))).scalar_one()
            for t in tenant_tables()
            if t.name in WITHHELD
        }
        tables = {
            t.name: ([c.name for c in t.columns if c.name not in SECRET_COLUMNS.get(t.name, ())], rows)
            for t in tenant_tables()
            if t.name not in WITHHELD
            for rows in [[plain(row, t) for row in connection.execute(select(t).where(owned(t, tenant_id)))]]
        }
    counts = {name: len(rows) for name, (_, rows) in tables.items()}
    manifest = {
        "tenant": tenant_id,
        "exported_at": now.isoformat(),
        "tables": counts,
        "left_out": {name: sorted(columns) for name, columns in SECRET_COLUMNS.items()},
        "withheld": {
            "rows": withheld,
            "why": "The health check's answers are anonymous: only aggregates of enough people are shown (in the "
            "plan and the evidence pack), and a single answer could be told apart.",
        },
        "about": "Every record Accord holds of this tenant: one JSON and one CSV file per table. Times are UTC "
        "(ISO 8601); before, after, content and detail hold JSON. The installation's tokens are left out.",
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        for name, (columns, rows) in tables.items():
            archive.writestr(f"json/{name}.json", json.dumps(rows, indent=2, sort_keys=True))
            archive.writestr(f"csv/{name}.csv", _csv(columns, rows))
    return counts


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_inert(row[column]) for column in columns] for row in rows)
    return out.getvalue()


def _inert(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula, shown as text: quoting the cell alone does not stop it."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
