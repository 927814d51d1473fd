"""`accord tenant ...` and `accord person ...`: a tenant's data exported or purged, a person's exported or erased.

The helpers of `bot.runtime.cli` (its bootstrap, its one-line failures, its checks of where to write) are
imported inside each command, as that module imports this one to register the commands.
"""

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from storage.database import Database

tenant = typer.Typer(
    help="A tenant's data (a workspace, or an Enterprise Grid org installed as one): export it, or purge it.",
    no_args_is_help=True,
)
person = typer.Typer(help="What Accord holds about one person: export it, or erase them.", no_args_is_help=True)
data_rights = typer.Typer()
data_rights.add_typer(tenant, name="tenant")
data_rights.add_typer(person, name="person")

_USER_ID = re.compile(r"[A-Z0-9]{2,32}")  # how Slack spells user ids (U…, W…)
TenantArgument = Annotated[str, typer.Argument(help="The tenant's id: a workspace (T…) or an org (E…).")]
UserArgument = Annotated[str, typer.Argument(help="The person's Slack user id (U…): their profile's Copy member ID.")]
TeamOption = Annotated[
    str | None, typer.Option(help="The tenant (team id), if the person is in several the database holds.")
]
YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


@tenant.command("export")
def tenant_export(
    ctx: typer.Context,
    tenant_id: TenantArgument,
    out: Annotated[Path | None, typer.Option(help="The zip to write (one JSON and one CSV file per table).")] = None,
) -> None:
    """Write every record of a tenant (the installation without its tokens) to a zip of JSON and CSV."""
    from bot.runtime.cli import STANDARD_OUTPUT, _bootstrap, _check_writable, _database_to_read, _fail, _writing
    from storage.tenant_export import export_tenant

    if out is None or out == STANDARD_OUTPUT:
        _fail("--out: the export is a zip of many files: name a file for it, e.g. --out tenant.zip")
    _check_writable("--out", out, "tenant.zip")
    database = _database_to_read(ctx)
    _known_tenant(database, tenant_id)
    with _writing("--out", out):
        counts = export_tenant(database, tenant_id, out, _bootstrap(ctx).clock.now())
    typer.echo(f"Wrote {sum(counts.values())} records of {_named(database, tenant_id)} to {out}.")


@tenant.command("purge")
def tenant_purge(ctx: typer.Context, tenant_id: TenantArgument, yes: YesOption = False) -> None:
    """Delete every record of a tenant now, its audit trail included. It cannot be undone."""
    from bot.runtime.cli import _database_to_read, _listed
    from storage.tenancy import known_tenants
    from storage.tenant_purge import purge_tenant

    database = _database_to_read(ctx)
    known = known_tenants(database)
    if tenant_id not in known:
        holds = f"it holds {_listed(database, known)}" if known else "it holds no tenant"
        typer.echo(f"Nothing of {tenant_id} is in this database ({holds}): nothing to purge.")
        return
    name = _named(database, tenant_id)
    if not yes:
        typer.confirm(f"Delete every record of {name}, its audit trail included? It cannot be undone", abort=True)
    typer.echo(f"Purged {name}: {purge_tenant(database, tenant_id)} records deleted.")


@tenant.command("rekey")
def tenant_rekey(ctx: typer.Context) -> None:
    """Encrypt every stored token again with the newest key of ACCORD_ENCRYPTION_KEY (its first), so that the
    older keys after it can then be removed."""
    from bot.runtime.cli import _bootstrap, _existing_database, _fail
    from storage.token_cipher import TokenCipher, UnknownTokenKey, rekey

    key = _bootstrap(ctx).settings.accord_encryption_key
    if key is None:
        _fail("ACCORD_ENCRYPTION_KEY: set the new key first, then the old ones, comma-separated")
    try:
        count = rekey(_existing_database(ctx), TokenCipher(key.get_secret_value()))
    except (ValueError, UnknownTokenKey) as problem:
        _fail(f"ACCORD_ENCRYPTION_KEY: {problem}; nothing was changed")
    typer.echo(f"Encrypted {count} tokens again with the newest key: the older keys can now be removed.")


@person.command("export")
def person_export(
    ctx: typer.Context,
    user_id: UserArgument,
    out: Annotated[Path | None, typer.Option(help="Where to write the JSON (-: standard output).")] = None,
    team: TeamOption = None,
) -> None:
    """Write everything Accord holds about a person, as JSON."""
    from bot.runtime.cli import STANDARD_OUTPUT, _bootstrap, _check_writable, _database_to_read, _fail, _writing
    from storage.person_erasure import person_records

    if out is None:
        _fail("Say where to write: --out FILE.json (- for standard output)")
    _check_writable("--out", out, "person.json")
    _check_user(user_id)
    database = _database_to_read(ctx)
    tenant_id = _person_tenant(database, user_id, team)
    if tenant_id is None:
        typer.echo(f"Accord holds nothing about {user_id} in this database: nothing to export.", err=True)
        return
    records = person_records(database, tenant_id, user_id)
    document = {
        "person": user_id,
        "tenant": tenant_id,
        "exported_at": _bootstrap(ctx).clock.now().isoformat(),
        "records": records,
        "about": "Every record of this tenant that names the person, by table; times are UTC (ISO 8601).",
    }
    text = json.dumps(document, indent=2, sort_keys=True)
    if out == STANDARD_OUTPUT:
        typer.echo(text)
        return
    with _writing("--out", out):
        out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {sum(len(rows) for rows in records.values())} records about {user_id} to {out}.")


@person.command("erase")
def person_erase(ctx: typer.Context, user_id: UserArgument, team: TeamOption = None, yes: YesOption = False) -> None:
    """Replace a person's identity everywhere, audit trail included, with a pseudonym ("erased person 3")."""
    from bot.runtime.cli import _bootstrap, _database_to_read
    from stages.pseudonyms import erased_name
    from storage.person_erasure import erase_person

    _check_user(user_id)
    database = _database_to_read(ctx)
    tenant_id = _person_tenant(database, user_id, team)
    if tenant_id is None:
        typer.echo(f"Nothing in this database names {user_id}: nothing to erase.")
        return
    name = _named(database, tenant_id)
    if not yes:
        typer.confirm(f"Erase {user_id} from {name}? Who they were cannot be recovered", abort=True)
    erasure = erase_person(database, tenant_id, user_id, _bootstrap(ctx).clock.now())
    if erasure is None:
        typer.echo(f"Nothing in {name} names {user_id}: nothing to erase.")
        return
    typer.echo(
        f"Erased {user_id} from {name}: {erasure.changed} records now say {erased_name(erasure.pseudonym)}, "
        f"{erasure.deleted} deleted, {erasure.cancelled} unsent messages cancelled."
    )


def _check_user(user_id: str) -> None:
    from bot.runtime.cli import _fail

    if not _USER_ID.fullmatch(user_id):
        _fail(
            f"{user_id!r} is not a Slack user id: it looks like U0123ABCD "
            "(in Slack, the person's profile, ⋮, Copy member ID)"
        )


def _known_tenant(database: "Database", tenant_id: str) -> None:
    from bot.runtime.cli import _fail, _listed
    from storage.tenancy import known_tenants

    known = known_tenants(database)
    if tenant_id not in known:
        holds = f"it holds {_listed(database, known)}" if known else "it holds no tenant yet"
        _fail(f"No tenant {tenant_id} in this database: {holds}.")


def _person_tenant(database: "Database", user_id: str, team: str | None) -> str | None:
    """The tenant to look for the person in: `team`, else the only one naming them (None: none does)."""
    from bot.runtime.cli import _fail, _listed
    from storage.person_erasure import tenants_naming

    if team is not None:
        _known_tenant(database, team)
        return team
    naming = tenants_naming(database, user_id)
    if len(naming) > 1:
        _fail(f"Say which tenant with --team: {user_id} is in {_listed(database, naming)}.")
    return naming[0] if naming else None


def _named(database: "Database", tenant_id: str) -> str:
    from bot.runtime.cli import _listed

    return _listed(database, [tenant_id])
