"""`python -m tests.e2e.counted_engines RECORD ARG...` runs `accord ARG...`, writing to RECORD the URL of each
database engine the process (or a child it forks) creates, the moment it creates it, so that a process stopped
by a signal has left its count behind."""

import sys
from pathlib import Path
from typing import Any

import sqlalchemy


def main() -> None:
    record, args = Path(sys.argv[1]), sys.argv[2:]
    create_engine = sqlalchemy.create_engine

    def counted(url: Any, **options: Any) -> sqlalchemy.Engine:
        with record.open("a", encoding="utf-8") as out:
            out.write(f"{url}\n")
        return create_engine(url, **options)

    sqlalchemy.create_engine = counted  # before the storage code imports it by name
    from bot.runtime.cli import cli

    cli(args, prog_name="accord")


if __name__ == "__main__":
    main()
