"""The `shopbot` command."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.adapter import DiscordAdapter, Voters
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App, build_app, prepare
from bot.runner import serve
from config import Settings, SettingsError, load_settings
from handlers.catalog.formats import Format
from handlers.catalog.service import ImportReport, describe, export_catalog, import_catalog
from handlers.i18n import I18n, negotiate
from handlers.polls.reconcile import reconcile as reconcile_votes
from storage.migrate import current_revision, head_revision, upgrade

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


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        err.print(f"shopbot: {error}", markup=False)
        raise typer.Exit(2) from None
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic narrates every migration at INFO; keep start-up quiet unless debugging.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.root.level))
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def _with_app(settings: Settings, body: Any) -> Any:
    app = build_app(settings)
    try:
        return await body(app)
    finally:
        await app.close()


def _i18n(settings: Settings) -> I18n:
    return I18n(negotiate([], settings.default_locale))


def _print_report(report: ImportReport, i18n: I18n, source: str) -> None:
    if report.ok:
        err.print(
            i18n.t(
                "{source}: {rows} rows — {created} new, {updated} updated, {unchanged} unchanged.",
                source=source,
                rows=report.rows,
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
            ),
            markup=False,
        )
        return
    err.print(
        i18n.t("{source}: nothing imported; fix these rows and try again:", source=source),
        markup=False,
    )
    for found in report.problems:
        err.print("  " + describe(found, i18n), markup=False)


@cli.command()
def run(
    console: Annotated[
        bool, typer.Option(help="Also open the console chat beside the platforms")
    ] = False,
) -> None:
    """Start every platform with a token configured; with none, open the console chat."""
    settings = _settings()
    tokens = set(settings.platform_tokens)
    if not tokens:
        err.print(
            "No platform token configured (SHOPBOT_TELEGRAM_TOKEN, SHOPBOT_DISCORD_TOKEN): "
            f"opening the console chat on {settings.database_url}.",
            markup=False,
        )
        _run(_with_app(settings, lambda app: _chat(app, settings, "you", demo=True)))
        return
    _run(_with_app(settings, lambda app: _serve(app, settings, sorted(tokens), console)))


async def _serve(app: App, settings: Settings, platforms: list[str], console: bool) -> None:
    await prepare(app, load_demo=False)
    await app.start_background()
    adapters = [_adapter(name, app, settings) for name in platforms]
    chat = None
    if console:
        chat = ConsoleAdapter(app.router.dispatch, Console(highlight=False), settings.bot_name)
        app.outbox.register("console", chat)

    def started() -> None:
        where = ", ".join(platforms)
        err.print(
            f"ShopBot running on {where} with {settings.database_url}; Ctrl+C stops it.",
            markup=False,
        )

    await serve(
        adapters,
        until=chat.run() if chat else None,
        started=started,
        stopping=app.stop_background,
    )


def _adapter(name: str, app: App, settings: Settings) -> TelegramAdapter | DiscordAdapter:
    if name == "telegram":
        return TelegramAdapter(settings, app.router, app.outbox)

    async def reconcile(platform: str, voters: Voters) -> int:
        return await reconcile_votes(app.services, platform, voters)

    return DiscordAdapter(settings, app.router, app.state, outbox=app.outbox, reconcile=reconcile)


@cli.command()
def chat(
    user: Annotated[str, typer.Option("--as", help="Who you are in the chat")] = "you",
) -> None:
    """Chat with the bot in this terminal (or pipe lines in: one message per line)."""
    settings = _settings()
    _run(_with_app(settings, lambda app: _chat(app, settings, user, demo=False)))


async def _chat(app: App, settings: Settings, user: str, demo: bool) -> None:
    report = await prepare(app, load_demo=demo and settings.load_demo_catalog)
    await app.start_background()
    if report is not None:
        _print_report(report, _i18n(settings), "demo catalog")
    adapter = ConsoleAdapter(app.router.dispatch, Console(highlight=False), settings.bot_name, user)
    app.outbox.register("console", adapter)
    await adapter.run()


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    settings = _settings()

    async def body(app: App) -> None:
        before = await current_revision(app.db)
        await upgrade(app.db)
        err.print(f"database at revision {head_revision()} (was {before or 'empty'})")

    _run(_with_app(settings, body))


@db_cli.command("current")
def db_current() -> None:
    """Show the applied migration revision."""
    settings = _settings()

    async def body(app: App) -> None:
        current = await current_revision(app.db)
        state = "up to date" if current == head_revision() else f"head is {head_revision()}"
        typer.echo(f"{current or 'empty'} ({state})")

    _run(_with_app(settings, body))


FormatOption = Annotated[
    Format | None, typer.Option("--format", help="Default: from the file name")
]


@catalog_cli.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    fmt: FormatOption = None,
) -> None:
    """Import products from CSV, JSON or YAML: all rows or none, upsert by SKU."""
    settings = _settings()
    fmt = fmt or _format_of(file)
    data = file.read_bytes()

    async def body(app: App) -> ImportReport:
        await upgrade(app.db)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=None)
            return await import_catalog(
                app.db,
                data,
                fmt,
                on_start=lambda total: progress.update(task, total=total),
                on_progress=lambda done: progress.advance(task, done),
            )

    report = _run(_with_app(settings, body))
    _print_report(report, _i18n(settings), str(file))
    if not report.ok:
        raise typer.Exit(1)


@catalog_cli.command("export")
def catalog_export(
    file: Annotated[Path | None, typer.Argument(dir_okay=False, help="Default: stdout")] = None,
    fmt: FormatOption = None,
) -> None:
    """Write the catalog in the import format (CSV unless the file name says otherwise)."""
    settings = _settings()
    fmt = fmt or (_format_of(file) if file else Format.CSV)

    async def body(app: App) -> str:
        await upgrade(app.db)
        return await export_catalog(app.db, fmt)

    text = _run(_with_app(settings, body))
    if file is None:
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        err.print(f"wrote {file}")


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
        await prepare(app, load_demo=False)
        adapter = DiscordAdapter(settings, app.router, app.state, sync_on_start=False)
        try:
            await adapter.login()
            await adapter.sync_commands(force=True, guild_ids=guild)
        finally:
            await adapter.client.close()
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
    cli()
