"""Running the bot: the platforms with a token, or the console chat.

Kept apart from bot/cli.py so that the platforms' libraries (discord.py, PTB) load
only for the commands that run them: `shopbot --help` and a catalog import start fast.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from bot import cart_links, order_hooks, promo_links, share_links
from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.adapter import DiscordAdapter, Voters
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App, prepare
from bot.http import HttpServer
from bot.runner import serve
from handlers.catalog.service import ImportReport
from handlers.polls.reconcile import reconcile as reconcile_votes
from storage import outbox as outbox_store


async def platforms(app: App, names: list[str], console: bool, started: Callable[[], None]) -> None:
    """Every named platform (and the console chat too, if asked) until a stop signal,
    with the HTTP server when `http_port` is set."""
    await prepare(app, load_demo=False)
    await app.start_background()
    http = http_server(app) if app.settings.http_port is not None else None
    adapters = [adapter(name, app, http) for name in names]
    chat = None
    if console:
        chat = ConsoleAdapter(
            app.router.dispatch,
            Console(highlight=False),
            app.settings.bot_name,
            default_locale=app.settings.default_locale,
            language_of=app.router.language_of,
        )
        app.outbox.register("console", chat)
        app.services.downloads["console"] = chat.download
    try:
        if http is not None:
            await http.start()  # /healthz answers while the platforms come up
        await serve(
            adapters,
            until=chat.run() if chat else None,
            started=started,
            stopping=app.stop_background,
        )
    finally:
        if http is not None:
            await http.stop()


def http_server(app: App) -> HttpServer:
    """The HTTP server, ready for the adapters' routes and checks; the database's
    check and the readings taken at each scrape are added here."""
    assert app.settings.http_port is not None

    async def database() -> bool:
        await app.db.check()
        return True

    async def readings() -> None:
        async with app.db.read() as session:
            app.metrics.outbox_backlog.set(await outbox_store.backlog(session))
        app.metrics.scheduler_lag.set(app.jobs.lag)

    http = HttpServer(app.settings.http_listen, app.settings.http_port, app.metrics, readings)
    http.add_check("database", database)
    order_hooks.mount(http, app)
    share_links.mount(http, app)
    promo_links.mount(http, app)
    cart_links.mount(http, app)
    return http


def adapter(
    name: str, app: App, http: HttpServer | None = None
) -> TelegramAdapter | DiscordAdapter:
    if name == "telegram":
        return TelegramAdapter(
            app.settings, app.router, app.outbox, http=http, waited=app.metrics.rate_limited
        )

    async def reconcile(platform: str, voters: Voters) -> int:
        return await reconcile_votes(app.services, platform, voters)

    found = DiscordAdapter(
        app.settings, app.router, app.state, outbox=app.outbox, reconcile=reconcile
    )
    if http is not None:
        http.add_check("discord", found.connected)
    return found


async def console_chat(
    app: App, user: str, demo: bool, loaded: Callable[[ImportReport], None]
) -> None:
    """The console chat, as `user`; with `demo`, on the demo catalog if the store is empty."""
    report = await prepare(app, load_demo=demo and app.settings.load_demo_catalog)
    await app.start_background()
    if report is not None:
        loaded(report)
    chat = ConsoleAdapter(
        app.router.dispatch,
        Console(highlight=False),
        app.settings.bot_name,
        user,
        default_locale=app.settings.default_locale,
        language_of=app.router.language_of,
    )
    app.outbox.register("console", chat)
    app.services.downloads["console"] = chat.download
    await chat.run()


async def sync_discord(app: App, guild_ids: list[str] | None) -> None:
    """Upload the slash commands now, whether or not they changed."""
    await prepare(app, load_demo=False)
    discord = DiscordAdapter(app.settings, app.router, app.state, sync_on_start=False)
    try:
        await discord.login()
        await discord.sync_commands(force=True, guild_ids=guild_ids)
    finally:
        await discord.client.close()
