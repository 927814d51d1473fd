"""The `accord` command line."""

import json
import os
import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from bot.runtime import logs
from bot.runtime.bootstrap import Bootstrap
from bot.settings import Settings

if TYPE_CHECKING:
    from storage.database import Database

cli = typer.Typer(help="Accord: collaborative business relationships the BS 11000 / ISO 44001 way, in Slack.")
db = typer.Typer(help="The database schema.", no_args_is_help=True)
cli.add_typer(db, name="db")


@cli.callback()
def _setup(ctx: typer.Context) -> None:
    # Settings are checked once here, before any command runs: a bad value is named, not shown as a traceback.
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            typer.echo(f"{name}: {problem['msg']} (got {problem.get('input')!r})", err=True)
        raise typer.Exit(2) from None
    unusable = _database_problem(settings.database_url)
    if unusable:
        typer.echo(f"DATABASE_URL: {unusable}", err=True)
        raise typer.Exit(2)
    logs.configure(settings.log_level)
    # The process's one bootstrap, for every command; it opens the database only when a command first asks.
    process = Bootstrap(settings)
    ctx.obj = process
    ctx.call_on_close(process.close)


def _bootstrap(ctx: typer.Context) -> Bootstrap:
    process = ctx.obj
    assert isinstance(process, Bootstrap), "the callback builds the bootstrap before any command runs"
    return process


def _database_problem(url: str) -> str | None:
    """Why the database at `url` cannot be opened, found before a command fails on it with a long traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL: use sqlite:///path/to/accord.db or postgresql+psycopg://user:password@host/db"
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if not file or file == ":memory:" or parsed.query.get("uri"):
        return None
    folder = Path(file).parent.absolute()
    if folder.is_dir():
        return None
    why = "is not a directory" if folder.exists() else "does not exist"
    return f"{url} is a file in {folder}, which {why}: create that directory, or name a file in one that exists"


@cli.command()
def console(
    state_dir: Annotated[Path, typer.Option(help="Where the console keeps its database and workspace.")] = Path(
        ".accord"
    ),
    fresh: Annotated[bool, typer.Option(help="Start again from the demo workspace, forgetting everything.")] = False,
) -> None:
    """Try Accord in an offline Slack workspace in this terminal: no Slack account needed."""
    logs.configure("WARNING")  # the console's screen is the output; only problems should interrupt it
    from bot.sandbox import console as terminal
    from bot.sandbox.harness import Sandbox

    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(f"sqlite:///{state_dir / 'console.db'}", workspace_file=state_dir / "workspace.json")
    try:
        terminal.main(sandbox)
    finally:
        sandbox.close()


@cli.command()
def run(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP requests instead of Socket Mode.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on in HTTP mode.")] = "0.0.0.0",  # noqa: S104
    port: Annotated[int, typer.Option(help="Port to listen on in HTTP mode.")] = 3000,
    workers: Annotated[int, typer.Option(help="Worker processes in HTTP mode.")] = 1,
    threads: Annotated[int, typer.Option(help="Threads per worker in HTTP mode.")] = 8,
    with_scheduler: Annotated[
        bool,
        typer.Option("--scheduler/--no-scheduler", help="Also run the nudge job (or leave it to `accord scheduler`)."),
    ] = True,
) -> None:
    """Connect to Slack: Socket Mode when SLACK_APP_TOKEN is set, or HTTP mode with --http."""
    process = _bootstrap(ctx)
    settings = process.settings
    socket_mode = not http
    missing = settings.missing_for(socket_mode=socket_mode)
    if missing:
        how = "Socket Mode" if socket_mode else "HTTP mode"
        typer.echo(
            f"Accord cannot connect to Slack in {how}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set.\n"
            "Set them in the environment or in a .env file (see .env.example)"
            + (", or pass --http to serve HTTP requests instead." if socket_mode else ".")
            + "\nTo try Accord without a Slack workspace, run: accord console",
            err=True,
        )
        raise typer.Exit(2)
    _prepare_database(process.database)
    if http:
        from bot.runtime.server import serve

        # gunicorn forks its workers, so the nudge job runs beside them as a process of its own.
        job = _scheduler_process() if with_scheduler else None
        try:
            serve(process, host=host, port=port, workers=workers, threads=threads)
        finally:
            if job is not None:
                job.terminate()
                job.wait(timeout=30)
    else:
        from bot.runtime.socket_mode import connect

        background = None
        if with_scheduler:
            from bot.runtime.scheduler import schedule

            background = schedule(process.nudger, every_seconds=settings.nudge_interval_seconds, blocking=False)
            background.start()
        try:
            connect(process)
        finally:
            if background is not None:
                background.shutdown(wait=False)


def _scheduler_process() -> "subprocess.Popen[bytes]":
    # It watches this process, so that it ends with it even when this one is killed without a chance to stop it.
    command = [sys.executable, "-m", "bot", "scheduler", "--parent", str(os.getpid())]
    return subprocess.Popen(command)  # noqa: S603 (this interpreter, with arguments of our own)


@cli.command()
def scheduler(
    ctx: typer.Context,
    every: Annotated[int | None, typer.Option(help="Seconds between runs (default NUDGE_INTERVAL_SECONDS).")] = None,
    parent: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process is gone.")] = None,
) -> None:
    """Run the nudge job on its own, for a deployment that splits web and scheduler processes."""
    from bot.runtime.scheduler import exit_with_parent, schedule

    if parent is not None:
        exit_with_parent(parent)
    process = _bootstrap(ctx)
    if process.settings.slack_bot_token is None:
        typer.echo("The scheduler sends Slack messages: SLACK_BOT_TOKEN is not set.", err=True)
        raise typer.Exit(2)
    _prepare_database(process.database)
    every_seconds = every or process.settings.nudge_interval_seconds
    schedule(process.nudger, every_seconds=every_seconds, blocking=True).start()


@cli.command()
def work(
    ctx: typer.Context,
    processes: Annotated[int | None, typer.Option(help="Work processes (default WORK_PROCESSES, at least 1).")] = None,
) -> None:
    """Do the work acknowledged by web processes elsewhere (PostgreSQL), taken from the shared inbox."""
    from bot.runtime.work_processes import run_work_processes

    process = _bootstrap(ctx)
    if process.settings.slack_bot_token is None:
        typer.echo("Work processes answer in Slack: SLACK_BOT_TOKEN is not set.", err=True)
        raise typer.Exit(2)
    _prepare_database(process.database)
    run_work_processes(process, max(processes or process.settings.work_processes, 1))


@cli.command()
def nudges(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print what would be sent now, and to whom.")] = False,
) -> None:
    """Run the nudge job once now (or, with --dry-run, show what it would send)."""
    process = _bootstrap(ctx)
    _prepare_database(process.database)
    nudger = process.nudger
    if dry_run:
        from bot.nudges.preview import preview

        typer.echo(preview(nudger))
        return
    report = nudger.run()
    typer.echo(f"{report.enqueued} queued, {report.sent} sent, {report.deferred} deferred, {report.failed} failed.")


class Format(StrEnum):
    md = "md"
    html = "html"
    json = "json"


@cli.command()
def export(
    ctx: typer.Context,
    relationship: Annotated[str, typer.Argument(help="The relationship's name.")],
    out: Annotated[Path | None, typer.Option(help="Where to write the plan.")] = None,
    format: Annotated[Format, typer.Option("--format", help="md, html or json.")] = Format.md,
    evidence_pack: Annotated[
        Path | None, typer.Option(help="Write the evidence pack (a zip) for a certification audit here.")
    ] = None,
    team: Annotated[str | None, typer.Option(help="The workspace (team id), if the database holds several.")] = None,
) -> None:
    """Write a relationship's Relationship Management Plan, or its whole evidence pack, to a file."""
    from datetime import UTC, datetime

    from bot.records.evidence_pack import plan_json, write_pack
    from bot.records.plan_document import render_html, render_markdown
    from stages import relationship_service, rmp
    from stages.catalogue import default_catalogue
    from stages.errors import RelationshipNotFound

    if out is None and evidence_pack is None:
        typer.echo(
            "Say where to write: --out FILE (with --format md, html or json), or --evidence-pack FILE.zip", err=True
        )
        raise typer.Exit(2)
    database = _bootstrap(ctx).database
    _prepare_database(database)
    team_id = _team(database.team_ids(), team)
    try:
        found = relationship_service.find_relationship(database.uow(team_id), relationship)
    except RelationshipNotFound as missing:
        hint = f" Did you mean {' or '.join(missing.suggestions)}?" if missing.suggestions else ""
        typer.echo(f"There is no relationship called {relationship!r} in workspace {team_id}.{hint}", err=True)
        raise typer.Exit(2) from None
    evidence = rmp.evidence(database.uow(team_id), default_catalogue(), found.id or 0, datetime.now(UTC))
    if out is not None:
        renderers = {
            Format.md: lambda: render_markdown(evidence.plan),
            Format.html: lambda: render_html(evidence.plan),
            Format.json: lambda: json.dumps(plan_json(evidence), indent=2, sort_keys=True),
        }
        out.write_text(renderers[format](), encoding="utf-8")
        typer.echo(f"Wrote the plan of {found.name} to {out}.")
    if evidence_pack is not None:
        files = write_pack(evidence, evidence_pack)
        typer.echo(f"Wrote the evidence pack of {found.name} ({len(files)} files) to {evidence_pack}.")


def _team(known: list[str], wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in known:
            typer.echo(f"No workspace {wanted} in this database; it holds {', '.join(known) or 'none'}.", err=True)
            raise typer.Exit(2)
        return wanted
    if len(known) != 1:
        listing = ", ".join(known) or "none yet"
        typer.echo(f"Say which workspace with --team: this database holds {listing}.", err=True)
        raise typer.Exit(2)
    return known[0]


@db.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (DATABASE_URL)."""
    database = _bootstrap(ctx).database
    database.upgrade(revision)
    typer.echo(f"Database at revision {database.revision()}.")


@db.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's schema revision."""
    typer.echo(_bootstrap(ctx).database.revision() or "empty (run: accord db upgrade)")


def _prepare_database(database: "Database") -> None:
    """The embedded SQLite file is migrated on start; a shared PostgreSQL must be migrated on purpose."""
    if database.is_sqlite:
        database.upgrade()
    elif not database.at_head():
        typer.echo("The database schema is out of date: run `accord db upgrade` first.", err=True)
        raise typer.Exit(2)


def main() -> None:
    cli()
