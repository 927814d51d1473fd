"""The `accord` command line."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from pydantic import ValidationError

from bot.runtime import logs
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.data_rights_cli import data_rights
from bot.sandbox.clock import MovableClock
from bot.settings import Settings

if TYPE_CHECKING:
    from stages.rmp import Evidence
    from storage.database import Database

cli = typer.Typer(help="Accord: collaborative business relationships the BS 11000 / ISO 44001 way, in Slack.")
db = typer.Typer(help="The database schema.", no_args_is_help=True)
cli.add_typer(db, name="db")
cli.add_typer(data_rights)


CONSOLE_STATE = Path(".accord")
# The commands that can read the console's data; the others talk to Slack, which the console emulates itself.
READS_CONSOLE = {"export", "nudges", "db"}


@dataclass(frozen=True)
class ConsoleState:
    """What `accord console --state-dir DIR` keeps in DIR: its database, and its workspace together with how far
    its clock was moved (`time +91d`), so that other commands read the same data at the same moment."""

    directory: Path

    @property
    def database_file(self) -> Path:
        return self.directory / "console.db"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database_file}"

    @property
    def workspace_file(self) -> Path:
        return self.directory / "workspace.json"

    @property
    def command(self) -> str:
        """The command that fills this directory."""
        return "accord console" + ("" if self.directory == CONSOLE_STATE else f" --state-dir {self.directory}")

    def clock(self) -> MovableClock:
        """The console's clock: the wall clock moved on as far as the console moved it."""
        if not self.workspace_file.is_file():
            return MovableClock()
        saved = json.loads(self.workspace_file.read_text(encoding="utf-8"))
        return MovableClock(offset=timedelta(seconds=saved["clock_offset_seconds"]))


@cli.callback()
def _setup(
    ctx: typer.Context,
    console_dir: Annotated[
        Path | None,
        typer.Option(
            "--console",
            metavar="DIR",
            help="Read the data `accord console` keeps in DIR (its --state-dir, .accord by default), at the "
            "console's time: for export, nudges --dry-run and db.",
        ),
    ] = None,
) -> None:
    # Settings are checked once here, before any command runs: a bad value is named, not shown as a traceback.
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            typer.echo(f"{name}: {problem['msg']} (got {problem.get('input')!r})", err=True)
        raise typer.Exit(2) from None
    clock = None
    if console_dir is None:
        unusable = _database_problem(settings.database_url)
        if unusable:
            _fail(f"DATABASE_URL: {unusable}")
    else:
        state = _console_state(ConsoleState(console_dir), ctx.invoked_subcommand)
        settings = settings.model_copy(update={"database_url": state.database_url})
        clock = state.clock()
    logs.configure(settings.log_level)
    # The process's one bootstrap, for every command; it opens the database only when a command first asks.
    process = Bootstrap(settings, clock=clock)
    ctx.obj = process
    ctx.call_on_close(process.close)


def _console_state(state: ConsoleState, command: str | None) -> ConsoleState:
    """`state`, once it is known to hold the console's data and `command` to be one that can read it."""
    if command not in READS_CONSOLE:
        _fail(
            f"accord {command} does not read the console's data: run it without --console "
            f"(the console runs the app and its nudges itself: {state.command})"
        )
    if not state.database_file.is_file():
        _fail(f"There is no console data in {state.directory}: run {state.command} first")
    return state


def _console(ctx: typer.Context) -> ConsoleState | None:
    """The console's state, when the command was given --console."""
    directory = ctx.find_root().params.get("console_dir")
    return ConsoleState(directory) if isinstance(directory, Path) else None


def _fail(message: str) -> NoReturn:
    """One line saying what is wrong and what to do, and exit 2: never a traceback."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _bootstrap(ctx: typer.Context) -> Bootstrap:
    process = ctx.obj
    assert isinstance(process, Bootstrap), "the callback builds the bootstrap before any command runs"
    return process


def _database_problem(url: str) -> str | None:
    """Why the database at `url` cannot be opened, found before a command fails on it with a long traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        return "not a database URL: use sqlite:///path/to/accord.db or postgresql+psycopg://user:password@host/db"
    file = _sqlite_file(url)
    if file is None:
        return None
    folder = file.parent.absolute()
    if folder.is_dir():
        return None
    why = "is not a directory" if folder.exists() else "does not exist"
    return f"{url} is a file in {folder}, which {why}: create that directory, or name a file in one that exists"


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database URL (a valid one); None for an in-memory one or another database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if not file or file == ":memory:" or parsed.query.get("uri"):
        return None
    return Path(file)


@cli.command()
def console(
    state_dir: Annotated[
        Path, typer.Option(help="Where the console keeps its database and workspace.")
    ] = CONSOLE_STATE,
    fresh: Annotated[bool, typer.Option(help="Start again from the demo workspace, forgetting everything.")] = False,
) -> None:
    """Try Accord in an offline Slack workspace in this terminal: no Slack account needed."""
    logs.configure("WARNING")  # the console's screen is the output; only problems should interrupt it
    from bot.sandbox import console as terminal
    from bot.sandbox.demo import GLOBEX, PEOPLE
    from bot.sandbox.harness import Sandbox

    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    state = ConsoleState(state_dir)
    # A distributed app, as Slack's Marketplace apps are: the demo workspace has installed it, Globex has not yet.
    sandbox = Sandbox(state.database_url, workspace_file=state.workspace_file, installs=True)
    try:
        if GLOBEX[0] not in sandbox.emulator.workspaces:
            sandbox.add_workspace(*GLOBEX)
        sandbox.install_again(first=PEOPLE[0][0])
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
            from bot.runtime.scheduler import grace_period_purge, schedule

            every_seconds = settings.nudge_interval_seconds
            purge = grace_period_purge(process)
            background = schedule(process.nudger, every_seconds=every_seconds, blocking=False, purge=purge)
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


def _require_sending(settings: Settings, what: str) -> None:
    """Stop, saying what is missing, unless this process can send to Slack (one token, or the installations')."""
    missing = settings.missing_for_sending()
    if missing:
        typer.echo(f"{what}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.", err=True)
        raise typer.Exit(2)


@cli.command()
def scheduler(
    ctx: typer.Context,
    every: Annotated[int | None, typer.Option(help="Seconds between runs (default NUDGE_INTERVAL_SECONDS).")] = None,
    parent: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process is gone.")] = None,
) -> None:
    """Run the nudge job on its own, for a deployment that splits web and scheduler processes."""
    from bot.runtime.scheduler import exit_with_parent, grace_period_purge, schedule

    if parent is not None:
        exit_with_parent(parent)
    process = _bootstrap(ctx)
    _require_sending(process.settings, "The scheduler sends Slack messages")
    _prepare_database(process.database)
    every_seconds = every or process.settings.nudge_interval_seconds
    schedule(process.nudger, every_seconds=every_seconds, blocking=True, purge=grace_period_purge(process)).start()


@cli.command()
def work(
    ctx: typer.Context,
    processes: Annotated[int | None, typer.Option(help="Work processes (default WORK_PROCESSES, at least 1).")] = None,
) -> None:
    """Do the work acknowledged by web processes elsewhere (PostgreSQL), taken from the shared inbox."""
    from bot.runtime.work_processes import run_work_processes

    process = _bootstrap(ctx)
    _require_sending(process.settings, "Work processes answer in Slack")
    _prepare_database(process.database)
    run_work_processes(process, max(processes or process.settings.work_processes, 1))


@cli.command()
def nudges(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print what would be sent now, and to whom.")] = False,
) -> None:
    """Run the nudge job once now (or, with --dry-run, show what it would send)."""
    process = _bootstrap(ctx)
    if dry_run:
        from bot.nudges.preview import preview

        _teams(ctx, _database_to_read(ctx))
        typer.echo(preview(process.nudger))
        return
    state = _console(ctx)
    if state is not None:
        _fail(
            "With --console, accord nudges only shows what is due: add --dry-run "
            f"(the console sends its nudges itself when its time moves: time +1d in {state.command})"
        )
    _require_sending(process.settings, "accord nudges sends Slack messages")
    _prepare_database(process.database)
    report = process.nudger.run()
    typer.echo(f"{report.enqueued} queued, {report.sent} sent, {report.deferred} deferred, {report.failed} failed.")


class Format(StrEnum):
    md = "md"
    html = "html"
    json = "json"


STANDARD_OUTPUT = Path("-")


@cli.command()
def export(
    ctx: typer.Context,
    relationship: Annotated[str, typer.Argument(help="The relationship's name.")],
    out: Annotated[Path | None, typer.Option(help="Where to write the plan (-: standard output).")] = None,
    format: Annotated[Format, typer.Option("--format", help="md, html or json.")] = Format.md,
    evidence_pack: Annotated[
        Path | None, typer.Option(help="Write the evidence pack (a zip) for a certification audit here.")
    ] = None,
    team: Annotated[str | None, typer.Option(help="The workspace (team id), if the database holds several.")] = None,
) -> None:
    """Write a relationship's Relationship Management Plan (to a file or standard output), or its evidence pack."""
    from bot.records.evidence_pack import write_pack
    from stages import relationship_service, rmp
    from stages.catalogue import default_catalogue
    from stages.errors import RelationshipNotFound

    if out is None and evidence_pack is None:
        _fail(
            "Say where to write: --out FILE (- for standard output) with --format md, html or json, "
            "or --evidence-pack FILE.zip"
        )
    _check_writable("--out", out, f"plan.{format.value}")
    if evidence_pack == STANDARD_OUTPUT:
        _fail("--evidence-pack: the evidence pack is a zip of many files: name a file for it, e.g. pack.zip")
    _check_writable("--evidence-pack", evidence_pack, "pack.zip")
    process = _bootstrap(ctx)
    database = _database_to_read(ctx)
    team_id = _team(ctx, database, team)
    try:
        found = relationship_service.find_relationship(database.uow(team_id), relationship)
    except RelationshipNotFound as missing:
        hint = f" Did you mean {' or '.join(missing.suggestions)}?" if missing.suggestions else ""
        _fail(f"There is no relationship called {relationship!r} in workspace {_workspace(database, team_id)}.{hint}")
    now = process.clock.now()
    deps = process.deps
    evidence = rmp.evidence(
        database.uow(team_id), default_catalogue(), found.id or 0, now, deps.health, deps.meeting_cadence_days
    )
    if out == STANDARD_OUTPUT:
        typer.echo(_render_plan(evidence, format))
    elif out is not None:
        with _writing("--out", out):
            out.write_text(_render_plan(evidence, format), encoding="utf-8")
        typer.echo(f"Wrote the plan of {found.name} to {out}.")
    if evidence_pack is not None:
        with _writing("--evidence-pack", evidence_pack):
            files = write_pack(evidence, evidence_pack)
        # The plan may be on standard output: the confirmation must not run into it.
        typer.echo(
            f"Wrote the evidence pack of {found.name} ({len(files)} files) to {evidence_pack}.",
            err=out == STANDARD_OUTPUT,
        )


def _render_plan(evidence: "Evidence", format: Format) -> str:
    from bot.records.evidence_pack import plan_json
    from bot.records.plan_document import render_html, render_markdown

    match format:
        case Format.md:
            return render_markdown(evidence.plan)
        case Format.html:
            return render_html(evidence.plan)
        case Format.json:
            return json.dumps(plan_json(evidence), indent=2, sort_keys=True)


def _check_writable(option: str, path: Path | None, example: str) -> None:
    """Stop, before any work, when `path` cannot be written: its folder is missing or a file, or it is a folder."""
    if path is None or path == STANDARD_OUTPUT:
        return
    if path.is_dir():
        _fail(f"{option}: {path} is a folder: name a file in it, e.g. {path / example}")
    nearest = next(folder for folder in path.parents if folder.exists())
    if not nearest.is_dir():
        _fail(f"{option}: {nearest} is a file, not a folder: name a file in a folder that exists")
    if nearest != path.parent:
        _fail(f"{option}: the folder {path.parent} does not exist: create it first, or name a file in one that exists")


@contextmanager
def _writing(option: str, path: Path) -> Iterator[None]:
    """What the checks could not foresee (no permission, a full disk) is still one line, not a traceback."""
    try:
        yield
    except OSError as error:
        _fail(f"{option}: cannot write {path}: {error.strerror or error}")


def _database_to_read(ctx: typer.Context) -> "Database":
    """The database, migrated, for a command that reads it (see `_existing_database`)."""
    database = _existing_database(ctx)
    _prepare_database(database)
    return database


def _existing_database(ctx: typer.Context) -> "Database":
    """The database, for a command that only reads it: an SQLite file that is not there is named, never created."""
    process = _bootstrap(ctx)
    file = _sqlite_file(process.settings.database_url)
    if file is not None and not file.is_file():
        _fail(f"There is no database at {file.absolute()} (DATABASE_URL): {_where_the_data_is(ctx)}")
    return process.database


def _where_the_data_is(ctx: typer.Context) -> str:
    """The fix for a database with nothing to read: the console's data, or Accord's own database, is elsewhere."""
    state = _console(ctx)
    if state is not None:
        return f"create a relationship in the console first ({state.command})"
    if ConsoleState(CONSOLE_STATE).database_file.is_file():
        command = ctx.command_path.removeprefix(ctx.find_root().command_path)
        return (
            f"the console's data is in {CONSOLE_STATE}: add --console {CONSOLE_STATE} after accord, "
            f"as in accord --console {CONSOLE_STATE}{command} ..."
        )
    return "set DATABASE_URL to Accord's database, or try Accord offline first with accord console"


def _teams(ctx: typer.Context, database: "Database") -> list[str]:
    """The workspaces in `database`: at least one, or the command has nothing to read."""
    from sqlalchemy.engine import make_url

    known = database.team_ids()
    if not known:
        state = _console(ctx)
        holder = (
            f"The console's data in {state.directory}"
            if state is not None
            else f"The database {make_url(database.url).render_as_string(hide_password=True)}"
        )
        _fail(f"{holder} holds no workspace yet: {_where_the_data_is(ctx)}")
    return known


def _team(ctx: typer.Context, database: "Database", wanted: str | None) -> str:
    known = _teams(ctx, database)
    if wanted is not None:
        if wanted not in known:
            _fail(
                f"No workspace {wanted} in this database: it holds {_listed(database, known)}; "
                "give one of their ids to --team."
            )
        return wanted
    if len(known) != 1:
        _fail(f"Say which workspace with --team: this database holds {_listed(database, known)}.")
    return known[0]


def _workspace(database: "Database", team_id: str) -> str:
    """The workspace's name as Accord last heard it from Slack, else its id."""
    from stages.directory import KnownNames

    with database.uow(team_id).reading() as uow:
        return KnownNames(uow.directory.among([team_id])).workspace(team_id)


def _listed(database: "Database", team_ids: list[str]) -> str:
    """Workspaces by name, each with the id that --team takes."""
    return ", ".join(
        f"{name} ({team_id})" if name != team_id else team_id
        for team_id, name in ((t, _workspace(database, t)) for t in team_ids)
    )


@db.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (DATABASE_URL)."""
    database = _bootstrap(ctx).database
    database.upgrade(revision)
    typer.echo(f"Database at revision {database.revision()}.")


@db.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's schema revision."""
    typer.echo(_existing_database(ctx).revision() or "empty (run: accord db upgrade)")


def _prepare_database(database: "Database") -> None:
    """The embedded SQLite file is migrated on start; a shared PostgreSQL must be migrated on purpose."""
    if database.is_sqlite:
        database.upgrade()
    elif not database.at_head():
        typer.echo("The database schema is out of date: run `accord db upgrade` first.", err=True)
        raise typer.Exit(2)


def main() -> None:
    cli()
