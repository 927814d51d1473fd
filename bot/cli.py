"""The `accord` command line."""

import shutil
from pathlib import Path
from typing import Annotated

import typer

from bot import logs
from bot.settings import Settings

cli = typer.Typer(help="Accord: collaborative business relationships the BS 11000 / ISO 44001 way, in Slack.")
db = typer.Typer(help="The database schema.", no_args_is_help=True)
cli.add_typer(db, name="db")


@cli.callback()
def _setup() -> None:
    logs.configure(Settings().log_level)


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
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP requests instead of Socket Mode.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on in HTTP mode.")] = "0.0.0.0",  # noqa: S104
    port: Annotated[int, typer.Option(help="Port to listen on in HTTP mode.")] = 3000,
    workers: Annotated[int, typer.Option(help="Worker processes in HTTP mode.")] = 1,
    threads: Annotated[int, typer.Option(help="Threads per worker in HTTP mode.")] = 8,
) -> None:
    """Connect to Slack: Socket Mode when SLACK_APP_TOKEN is set, or HTTP mode with --http."""
    settings = Settings()
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
    _prepare_database(settings)
    if http:
        from bot.server import serve

        serve(settings, host=host, port=port, workers=workers, threads=threads)
    else:
        from bot.socket_mode import connect

        connect(settings)


@db.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (DATABASE_URL)."""
    from storage.database import Database

    database = Database(Settings().database_url)
    database.upgrade(revision)
    typer.echo(f"Database at revision {database.revision()}.")


@db.command("current")
def db_current() -> None:
    """Show the database's schema revision."""
    from storage.database import Database

    typer.echo(Database(Settings().database_url).revision() or "empty (run: accord db upgrade)")


def _prepare_database(settings: Settings) -> None:
    """The embedded SQLite file is migrated on start; a shared PostgreSQL must be migrated on purpose."""
    from storage.database import Database

    database = Database(settings.database_url)
    if database.is_sqlite:
        database.upgrade()
    elif not database.at_head():
        typer.echo("The database schema is out of date: run `accord db upgrade` first.", err=True)
        raise typer.Exit(2)
    database.dispose()


def main() -> None:
    cli()
