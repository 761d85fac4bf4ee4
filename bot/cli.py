"""The `shopbot` command."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from handlers.catalog.formats import Format

# What a command needs is imported in the command (the platforms' libraries, the store,
# migrations), so `shopbot --help` and a catalog import start in a fraction of a second.
if TYPE_CHECKING:
    from bot.app import App
    from config import Settings
    from handlers.catalog.service import ImportProgress, ImportReport
    from handlers.core.i18n import I18n
    from handlers.products.semantic import VectorProgress
    from storage.db import Database

T = TypeVar("T")
cli = typer.Typer(
    help="ShopBot: the social-commerce chat bot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
catalog_cli = typer.Typer(help="Import and export the product catalog.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(catalog_cli, name="catalog")
err = Console(stderr=True, highlight=False, soft_wrap=True)
# --debug: everything logged, and the traceback of a failure instead of its one line.
_debug = False
# The settings' secrets, for a traceback printed outside logging (see main).
_secret_values: list[str] = []


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"shopbot {version('shopbot')}")
        raise typer.Exit()


@cli.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Log everything; show a failure's traceback")
    ] = False,
    _show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version"),
    ] = False,
) -> None:
    global _debug
    _debug = debug


def _settings() -> Settings:
    from bot import logs
    from config import SettingsError, load_settings
    from handlers.core.i18n import available_languages

    try:
        settings = load_settings(languages=available_languages())
    except SettingsError as error:
        err.print(f"shopbot: {error}", markup=False)
        raise typer.Exit(2) from None
    level = "DEBUG" if _debug else settings.log_level
    _secret_values[:] = _secrets(settings)
    logs.setup(level, settings.log_format, _secret_values)
    return settings


def _secrets(settings: Settings) -> list[str]:
    """What must never be logged: the tokens, the webhook secrets, the database password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found = [
        secret.get_secret_value()
        for secret in (
            settings.telegram_token,
            settings.discord_token,
            settings.telegram_webhook_secret,
            settings.shopify_webhook_secret,
            settings.woocommerce_webhook_secret,
        )
        if secret is not None
    ]
    try:
        password = make_url(settings.database_url).password
    except (ArgumentError, ValueError):
        password = None
    return [*found, str(password)] if password else found


def _run(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(coro)


async def _with_app(settings: Settings, body: Any) -> Any:
    """For commands that run the bot. On an SQLite file they hold its shared run lock,
    so `db restore` can tell that a bot is using it."""
    from bot.app import build_app

    app = build_app(settings)
    try:
        await app.db.check()
        with _run_lock(settings):
            return await body(app)
    finally:
        await app.close()


async def _with_db(settings: Settings, body: Any, must_exist: bool = False) -> Any:
    """For commands that only need the store: no features, jobs or platforms to build.
    `must_exist`: the command only reads, so a database file that is not there is
    refused rather than created empty. On an SQLite file the command holds the same
    shared lock as a running bot."""
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.check(must_exist)
        with _run_lock(settings):  # as a bot does: db restore must wait for it
            return await body(db)
    finally:
        await db.dispose()


def _run_lock(settings: Settings) -> AbstractContextManager[None]:
    """The shared lock on an SQLite database file (nothing to hold on PostgreSQL)."""
    from contextlib import nullcontext

    from storage.backup import running_on

    database = _sqlite_file(settings)
    return running_on(database) if database is not None else nullcontext()


def _say(settings: Settings, line: str) -> None:
    """A line for the operator: a log record when logs are JSON (a collector parses
    every line), else plain text."""
    if settings.log_format == "json":
        logging.getLogger("shopbot").info(line)
    else:
        err.print(line, markup=False)


def _where(settings: Settings) -> str:
    from storage.db import mask_url

    return mask_url(settings.database_url)


def _i18n(settings: Settings) -> I18n:
    from handlers.core.i18n import I18n, negotiate

    return I18n(negotiate([], settings.default_locale))


def _print_report(report: ImportReport, i18n: I18n, source: str) -> None:
    from handlers.catalog.service import summary

    err.print(summary(report, i18n, source), markup=False)


@cli.command()
def run(
    console: Annotated[
        bool, typer.Option(help="Also open the console chat beside the platforms")
    ] = False,
) -> None:
    """Start every platform with a token configured; with none, open the console chat."""
    from bot import serving

    settings = _settings()
    tokens = set(settings.platform_tokens)
    if not tokens and settings.http_port is not None:
        # A deployment (it serves HTTP) with no platform: the console chat would end at
        # once on a closed stdin, and a supervisor would restart it for ever.
        err.print(
            "shopbot: no platform token configured: set SHOPBOT_TELEGRAM_TOKEN or "
            "SHOPBOT_DISCORD_TOKEN (in the environment or .env)",
            markup=False,
        )
        raise typer.Exit(2)
    if not tokens:
        err.print(
            "No platform token configured (SHOPBOT_TELEGRAM_TOKEN, SHOPBOT_DISCORD_TOKEN): "
            f"opening the console chat on {_where(settings)}.",
            markup=False,
        )
        _run(_with_app(settings, lambda app: _console(app, "you", demo=True)))
        return

    def started() -> None:
        where = ", ".join(sorted(tokens))
        _say(settings, f"ShopBot running on {where} with {_where(settings)}; Ctrl+C stops it.")

    _run(_with_app(settings, lambda app: serving.platforms(app, sorted(tokens), console, started)))


async def _console(app: App, user: str, demo: bool) -> None:
    from bot import serving
    from handlers.core.i18n import N_

    def loaded(report: ImportReport) -> None:
        i18n = _i18n(app.settings)
        _print_report(report, i18n, i18n.t(N_("demo catalog")))

    await serving.console_chat(app, user, demo, loaded)


@cli.command()
def chat(
    user: Annotated[str, typer.Option("--as", help="Who you are in the chat")] = "you",
) -> None:
    """Chat with the bot in this terminal (or pipe lines in: one message per line)."""
    settings = _settings()
    _run(_with_app(settings, lambda app: _console(app, user, demo=False)))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from storage.migrate import current_revision, head_revision, upgrade

    settings = _settings()

    async def body(db: Database) -> None:
        before = await current_revision(db)
        await upgrade(db)
        err.print(f"database at revision {head_revision()} (was {before or 'empty'})")

    _run(_with_db(settings, body))


@db_cli.command("current")
def db_current() -> None:
    """Show the applied migration revision."""
    from storage.migrate import current_revision, head_revision

    settings = _settings()

    async def body(db: Database) -> None:
        current = await current_revision(db)
        state = "up to date" if current == head_revision() else f"head is {head_revision()}"
        typer.echo(f"{current or 'empty'} ({state})")

    _run(_with_db(settings, body, must_exist=True))


@db_cli.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Where the copy goes (new file)")],
) -> None:
    """Copy the SQLite database consistently, also while the bot runs (PostgreSQL: the
    command to use instead)."""
    import time

    from storage.backup import BackupError, backup

    settings = _settings()
    database = _sqlite_file(settings)
    if database is None:
        err.print(
            "shopbot: db backup copies SQLite databases; for PostgreSQL use pg_dump:\n"
            f"  pg_dump --format=custom --file={file} '{_pg_dump_url(settings)}'",
            markup=False,
        )
        raise typer.Exit(2)
    started = time.monotonic()
    err.print(f"backing up {database} ...", markup=False)
    try:
        size = backup(database, file)
    except BackupError as error:
        err.print(f"shopbot: {error}", markup=False)
        raise typer.Exit(1) from None
    seconds = time.monotonic() - started
    err.print(f"wrote {file}: {size / 1e6:.1f} MB in {seconds:.1f} s", markup=False)


@db_cli.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="A file made by db backup")],
) -> None:
    """Replace the SQLite database by a backup (refused while a bot runs on it)."""
    from storage.backup import BackupError, restore

    settings = _settings()
    database = _sqlite_file(settings)
    if database is None:
        err.print("shopbot: db restore is for SQLite; for PostgreSQL use pg_restore", markup=False)
        raise typer.Exit(2)
    try:
        size = restore(file, database)
    except BackupError as error:
        err.print(f"shopbot: {error}", markup=False)
        raise typer.Exit(1) from None
    err.print(f"restored {database} from {file} ({size / 1e6:.1f} MB)", markup=False)


def _sqlite_file(settings: Settings) -> Path | None:
    """The database file, when the database is SQLite on disk."""
    from sqlalchemy.engine import make_url

    from storage.db import normalize_url

    url = make_url(normalize_url(settings.database_url))  # a bad URL: its one line
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def _pg_dump_url(settings: Settings) -> str:
    """The database URL as pg_dump takes it: libpq's scheme, the password left out
    (pg_dump asks, or reads ~/.pgpass)."""
    from sqlalchemy.engine import URL, make_url

    url = make_url(settings.database_url)
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


FormatOption = Annotated[
    Format | None, typer.Option("--format", help="Default: from the file name")
]


@catalog_cli.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    fmt: FormatOption = None,
) -> None:
    """Import products from CSV, JSON or YAML: all rows or none, upsert by SKU."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from handlers.catalog.service import import_catalog
    from storage.migrate import upgrade

    settings = _settings()
    fmt = fmt or _format_of(file)

    async def body(db: Database) -> ImportReport:
        await upgrade(db)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            # Off a terminal Rich would print an empty line when the bar stops.
            disable=not err.is_interactive,
        ) as progress:
            task = progress.add_task("import", total=None, rows=0)

            def show(step: ImportProgress) -> None:
                progress.update(task, completed=step.done, total=step.total, rows=step.rows)

            # The file itself, not its bytes: rows stream in, memory stays bounded.
            report = await import_catalog(db, file, fmt, on_progress=show)
            if report.ok and settings.semantic_search:
                vectors = progress.add_task("vectors", total=None, rows=0)
                progress.update(task, visible=False)

                def shown(step: VectorProgress) -> None:
                    progress.update(vectors, completed=step.done, total=step.total, rows=step.done)

                report.vectors = await _vectors(db, shown)
            return report

    report = _run(_with_db(settings, body))
    _print_report(report, _i18n(settings), str(file))
    if not report.ok:
        raise typer.Exit(1)


async def _vectors(db: Database, on_progress: Callable[[VectorProgress], None]) -> int | None:
    """Vectors for the products new or changed, or None without the semantic extra."""
    from handlers.products.semantic import load_embedder, refresh_vectors

    embedder = load_embedder()
    if embedder is None:
        return None
    return await refresh_vectors(db, embedder, on_progress)


@catalog_cli.command("export")
def catalog_export(
    file: Annotated[Path | None, typer.Argument(dir_okay=False, help="Default: stdout")] = None,
    fmt: FormatOption = None,
) -> None:
    """Write the catalog in the import format (CSV unless the file name says otherwise)."""
    from handlers.catalog.service import export_catalog
    from storage.migrate import upgrade

    settings = _settings()
    fmt = fmt or (_format_of(file) if file else Format.CSV)

    async def body(db: Database) -> str:
        await upgrade(db)
        return await export_catalog(db, fmt)

    text = _run(_with_db(settings, body, must_exist=True))
    if file is None:
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        err.print(f"wrote {file}")


orders_cli = typer.Typer(help="Orders from shops without a webhook.", no_args_is_help=True)
cli.add_typer(orders_cli, name="orders")
reviews_cli = typer.Typer(help="Reviews housekeeping.", no_args_is_help=True)
cli.add_typer(reviews_cli, name="reviews")


@orders_cli.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Record orders from CSV or JSON (columns: order, email, sku, quantity, ordered_at,
    ref): the whole file or nothing; an order already on record is left as it is."""
    from handlers.orders.feeds import FeedError
    from handlers.orders.service import Outcome, import_file
    from storage.migrate import upgrade
    from storage.types import utcnow

    settings = _settings()

    async def body(db: Database) -> Outcome:
        await upgrade(db)
        return await import_file(db, settings, file, utcnow())

    try:
        outcome = _run(_with_db(settings, body))
    except (FeedError, UnicodeDecodeError) as problem:
        _say(settings, f"{file}: {problem}; nothing was recorded")
        raise typer.Exit(1) from None
    _say(
        settings,
        f"{file}: {outcome.new} new orders ({outcome.with_buyer} with a member's code), "
        f"{outcome.known} already on record",
    )


@reviews_cli.command("check")
def reviews_check(
    fix: Annotated[bool, typer.Option("--fix", help="Set the stored ratings right")] = False,
) -> None:
    """Compare each product's stored rating with its published reviews."""
    from storage.reviews import Mismatch, check_ratings

    settings = _settings()

    async def body(db: Database) -> list[Mismatch]:
        async with db.session() as session:
            return await check_ratings(session, fix=fix)

    wrong = _run(_with_db(settings, body, must_exist=True))
    for m in wrong:
        _say(
            settings,
            f"{m.sku}: stored {m.stored[0]} reviews/{m.stored[1]} stars, "
            f"published {m.actual[0]}/{m.actual[1]}{' (fixed)' if fix else ''}",
        )
    _say(settings, f"{len(wrong)} products' ratings differ" if wrong else "every rating agrees")
    if wrong and not fix:
        raise typer.Exit(1)


points_cli = typer.Typer(help="The points ledger.", no_args_is_help=True)
cli.add_typer(points_cli, name="points")
rewards_cli = typer.Typer(help="Rewards to redeem points for.", no_args_is_help=True)
cli.add_typer(rewards_cli, name="rewards")


@points_cli.command("check")
def points_check() -> None:
    """Compare every member's balance with the sum of their ledger."""
    from storage.points import check

    settings = _settings()

    async def body(db: Database) -> list[tuple[int, int, int]]:
        async with db.read() as session:
            return await check(session)

    wrong = _run(_with_db(settings, body, must_exist=True))
    for member, stored, total in wrong:
        _say(settings, f"member {member}: balance {stored}, ledger sum {total}")
    _say(settings, f"{len(wrong)} balances differ" if wrong else "every balance agrees")
    if wrong:
        raise typer.Exit(1)


@rewards_cli.command("import")
def rewards_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Load coupon codes from CSV (columns: reward, price, per_member, code; one row per
    code). A reward is made or updated by name; a code loaded before is skipped."""
    from handlers.rewards.codes import CodesError, import_codes
    from storage.migrate import upgrade
    from storage.types import utcnow

    settings = _settings()

    async def body(db: Database) -> dict[str, int]:
        await upgrade(db)
        return await import_codes(db, file, utcnow())

    try:
        added = _run(_with_db(settings, body))
    except (CodesError, UnicodeDecodeError) as problem:
        _say(settings, f"{file}: {problem}; nothing was loaded")
        raise typer.Exit(1) from None
    for name, count in added.items():
        _say(settings, f"{name}: {count} new codes")


promo_cli = typer.Typer(help="Vendors' promotions.", no_args_is_help=True)
cli.add_typer(promo_cli, name="promo")


@promo_cli.command("create")
def promo_create(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create a promotion from a YAML file (see handlers/promotions/files.py for the
    fields); it runs once its chats' moderators approve it (/promos), at once where they
    trust the vendor."""
    from handlers.core.errors import UserError
    from handlers.core.i18n import I18n
    from handlers.promotions.files import create_from_file
    from storage.migrate import upgrade
    from storage.types import utcnow

    settings = _settings()
    i18n = I18n("en")

    async def body(db: Database) -> str:
        await upgrade(db)
        made = await create_from_file(db, file, utcnow(), i18n)
        return (
            f"promotion #{made.promotion_id}: {len(made.approved)} chat(s) approved (trusted), "
            f"{len(made.waiting)} waiting for their moderators (/promos)"
        )

    try:
        _say(settings, _run(_with_db(settings, body)))
    except UserError as refused:
        _say(settings, f"{file}: {refused.text(i18n)}; nothing was created")
        raise typer.Exit(1) from None


@promo_cli.command("report")
def promo_report(
    number: Annotated[int, typer.Argument(help="The promotion's number (#)")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write")] = None,
) -> None:
    """A promotion's campaign numbers as CSV, per day and chat: posts delivered (exact)
    and people who followed a link (estimated)."""
    from handlers.core.errors import UserError
    from handlers.core.i18n import I18n
    from handlers.promotions.files import report_csv

    settings = _settings()

    async def body(db: Database) -> str:
        return await report_csv(db, number)

    try:
        found = _run(_with_db(settings, body))
    except UserError as refused:
        _say(settings, refused.text(I18n("en")))
        raise typer.Exit(1) from None
    if output is None:
        typer.echo(found, nl=False)
    else:
        output.write_text(found, encoding="utf-8")


discord_cli = typer.Typer(help="Discord housekeeping.", no_args_is_help=True)
cli.add_typer(discord_cli, name="discord")


@discord_cli.command("sync")
def discord_sync(
    guild: Annotated[list[str] | None, typer.Option(help="Guild id (repeatable)")] = None,
) -> None:
    """Upload the slash commands now: to the given guilds (instant; the private-chat
    commands go global), else to the configured guilds, else all globally (Discord may
    take up to an hour to show global ones)."""
    settings = _settings()
    if settings.discord_token is None:
        err.print("shopbot: SHOPBOT_DISCORD_TOKEN is not set")
        raise typer.Exit(2)

    async def body(app: App) -> None:
        from bot import serving

        await serving.sync_discord(app, guild)
        guilds = ", ".join(guild or settings.discord_guild_ids)
        where = f"{guilds}, private chats (global)" if guilds else "all guilds (global)"
        err.print(f"synced {len(app.router.commands)} commands to {where}")

    _run(_with_app(settings, body))


def _format_of(path: Path) -> Format:
    try:
        return Format.of(path)
    except ValueError:
        err.print(f"shopbot: cannot tell the format of {path}; pass --format csv|json|yaml")
        raise typer.Exit(2) from None


def main() -> None:
    """The `shopbot` command: what failed in a line or two (the traceback with --debug)."""
    from bot.failures import explain

    try:
        cli()
    except Exception as error:
        reason = explain(error)
        if reason is None or _debug or logging.getLogger().isEnabledFor(logging.DEBUG):
            # A bug, or asked for: the traceback, through the same redaction as the logs.
            import traceback

            from bot.logs import Redactor

            redact = Redactor(_secret_values)
            sys.stderr.write(redact("".join(traceback.format_exception(error))))
            sys.exit(1)
        err.print(f"shopbot: {reason}", markup=False)
        sys.exit(1)
