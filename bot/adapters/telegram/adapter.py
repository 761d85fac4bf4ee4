"""The Telegram platform: python-telegram-bot's Bot in our event loop, with our own
update intake (bot/adapters/telegram/polling.py, webhook.py): an update is confirmed to
Telegram only once handled, so a process that dies loses none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.adapters.telegram.admins import AdminCache
from bot.adapters.telegram.albums import Albums
from bot.adapters.telegram.convert import PLATFORM, Converter
from bot.adapters.telegram.polling import Poller
from bot.adapters.telegram.send import FLOOD_RETRIES, CountingRateLimiter, Sender, Waited
from bot.adapters.telegram.webhook import PATH as WEBHOOK_PATH
from bot.adapters.telegram.webhook import WebhookReceiver
from bot.http import HttpServer
from bot.outbox import Outbox
from bot.runner import PlatformRefused
from config import Settings
from handlers.core.features import Role, Scope
from handlers.core.i18n import SOURCE_LANGUAGE, I18n, available_languages
from handlers.core.model import Attachment, Event, Out, Reacted
from handlers.core.router import Router

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = [
    "message",
    "callback_query",
    "poll_answer",
    "chat_member",
    "my_chat_member",
    "inline_query",
    "message_reaction_count",  # sent to admin bots: reactions on a promotion's posts
]
CONCURRENT_UPDATES = 16
# How long a stop waits for the updates being handled; the rest are cancelled and
# Telegram delivers them again to the next start.
STOP_GRACE_SECONDS = 3.0
MAX_REPLY_WAIT = 30.0  # between tries to send a reply while Telegram is unreachable


class TelegramAdapter:
    name = "telegram"

    def __init__(
        self,
        settings: Settings,
        router: Router,
        outbox: Outbox | None = None,
        http: HttpServer | None = None,
        waited: Waited | None = None,
    ):
        """`http`: the process's HTTP server, where webhook mode takes its updates;
        `waited`: told of every flood wait (the metrics)."""
        assert settings.telegram_token is not None
        self.settings = settings
        self._router = router
        self._commands = list(router.commands.values())
        # The Application is used for its configured Bot (requests, rate limiter) only.
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_file_url)
            .rate_limiter(CountingRateLimiter(waited, max_retries=FLOOD_RETRIES))
            .updater(None)
            .build()
        )
        self._converter: Converter | None = None
        self._sender: Sender | None = None
        self._outbox = outbox
        self._poller: Poller | None = None
        self._webhook: WebhookReceiver | None = None
        if self.mode == "webhook":
            secret = settings.telegram_webhook_secret
            if http is None or secret is None:
                raise PlatformRefused(
                    "telegram_mode 'webhook' needs http_port (the server Telegram posts "
                    "to) and SHOPBOT_TELEGRAM_WEBHOOK_SECRET"
                )
            self._webhook = WebhookReceiver(secret.get_secret_value(), self.on_update)
            http.add_route("POST", WEBHOOK_PATH, self._webhook.receive)
        if http is not None:
            http.add_check("telegram", self.connected)
        self._albums = Albums(self._handle_album)

    @property
    def mode(self) -> str:
        return self.settings.telegram_mode

    async def _invite(self, chat_id: str, name: str) -> str:
        """A personal invite link to the group, named after whom it is for (the bot must
        be an admin allowed to invite; Telegram names it in the joins it brings)."""
        try:
            link = await self.app.bot.create_chat_invite_link(int(chat_id), name=name[:32])
        except TelegramError as error:
            raise OSError(f"createChatInviteLink: {error}") from error
        return str(link.invite_link)

    async def _download(self, attachment: Attachment, limit: int) -> bytes:
        """A file someone sent (Bot API getFile, then its download URL)."""
        try:
            found = await self.app.bot.get_file(attachment.ref)
            if found.file_size is not None and found.file_size > limit:
                return bytes(limit + 1)  # too large: not worth fetching
            return bytes(await found.download_as_bytearray())[: limit + 1]
        except TelegramError as error:
            raise OSError(f"getFile: {error}") from error

    async def start(self) -> None:
        try:
            await self.app.initialize()  # getMe: who we are
        except InvalidToken as refused:
            raise PlatformRefused(self._refusal(refused)) from None
        me = self.app.bot
        admins = AdminCache(me)
        self._converter = Converter(me.id, me.username, admins.is_admin)
        self._sender = Sender(me, me.username, self.settings.default_locale, self._router.sent)
        if self._outbox is not None:
            self._outbox.register("telegram", self._sender)
        self._router.services.downloads[PLATFORM] = self._download
        self._router.services.bot_links[PLATFORM] = f"https://t.me/{me.username}"
        self._router.services.invites[PLATFORM] = self._invite
        await self.register_commands()
        if self._webhook is not None:
            secret = self.settings.telegram_webhook_secret
            assert secret is not None and self.settings.telegram_webhook_url
            self._webhook.open(me)
            try:
                await me.set_webhook(
                    self.settings.telegram_webhook_url,
                    secret_token=secret.get_secret_value(),
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=CONCURRENT_UPDATES,
                )
            except BadRequest as refused:  # a setting, not an outage: retrying cannot help
                raise PlatformRefused(
                    f"Telegram refused the webhook ({refused.message}): check "
                    "telegram_webhook_url (public HTTPS) and SHOPBOT_TELEGRAM_WEBHOOK_SECRET "
                    "(1-256 of A-Z a-z 0-9 _ -)"
                ) from None
        else:
            await me.delete_webhook()  # getUpdates is refused while a webhook is set
            self._poller = Poller(me, self.on_update, ALLOWED_UPDATES, CONCURRENT_UPDATES)
            self._poller.start()
        log.info("telegram: @%s is running (%s)", me.username, self.mode)

    def _refusal(self, refused: InvalidToken) -> str:
        # PTB says "invalid token" for a 404 as well: a Bot API URL missing its /bot.
        if "not found" in refused.message.lower() and self.settings.telegram_api_url != (
            DEFAULT_API_URL
        ):
            return (
                "the Bot API at telegram_api_url answered 'Not Found': check the URL "
                "(it ends in /bot, or holds {token})"
            )
        return (
            "Telegram refused the bot token (SHOPBOT_TELEGRAM_TOKEN): check it with "
            "@BotFather (/mybots, your bot, API Token)"
        )

    async def connected(self) -> bool:
        """Taking updates: the webhook is open, or the last getUpdates went through."""
        if self._webhook is not None:
            return self._webhook.is_open
        return self._poller is not None and self._poller.connected

    async def stop(self) -> None:
        """Stop taking updates, give the ones in hand a few seconds, then close."""
        if self._poller is not None:
            await self._poller.stop(STOP_GRACE_SECONDS)
            self._poller = None
        if self._webhook is not None:
            await self._webhook.close(STOP_GRACE_SECONDS)
        await self.app.shutdown()

    async def register_commands(self) -> None:
        """The command menus: shoppers' commands in private and group chats, moderators'
        too for chat administrators; one set per language we have translations for."""
        bot = self.app.bot
        menus: list[tuple[BotCommandScope, set[Role], Scope]] = [
            (BotCommandScopeAllPrivateChats(), {Role.SHOPPER}, Scope.GROUP),
            (BotCommandScopeAllGroupChats(), {Role.SHOPPER}, Scope.DM),
            (BotCommandScopeAllChatAdministrators(), {Role.SHOPPER, Role.MODERATOR}, Scope.DM),
        ]
        for language in available_languages():
            i18n = I18n(language)
            code = None if language == SOURCE_LANGUAGE else language
            for scope, roles, excluded in menus:
                entries = [
                    BotCommand(c.name, i18n.t(c.summary)[:256])
                    for c in self._commands
                    if c.role in roles and c.scope is not excluded
                ]
                await bot.set_my_commands(entries, scope=scope, language_code=code)

    async def _deliver(self, event: Event, outs: Sequence[Out]) -> bool:
        """Send a reply, however long Telegram stays unreachable (each Out once: after
        an outage, sending resumes where it stopped). A stop cancels this: the update is
        then unconfirmed and the next start sends the reply the router kept. Returns
        whether the button press was answered."""
        assert self._sender is not None
        answered = False
        wait = 1.0
        for out in outs:
            while True:
                try:
                    delivery = await self._sender.deliver(event, [out])
                    break
                except NetworkError as error:
                    log.warning("telegram unreachable (%s); replying again in %.0fs", error, wait)
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, MAX_REPLY_WAIT)
            answered = answered or delivery.callback_answered
        return answered

    async def _handle(self, event: Event) -> bool:
        """Handle, answer, and note the reply sent; returns whether a button press was
        answered (a redelivery counts: it was answered before)."""
        reply = await self._router.handle(event, keep_reply=True)
        if not reply.fresh:
            # A redelivery: answered already, and its button press too (a second
            # answerCallbackQuery would fail with "query is too old").
            return True
        answered = await self._deliver(event, reply.outs)
        if reply.kept:
            await self._router.replied(event)
        return answered

    async def _handle_album(self, event: Event) -> None:
        await self._handle(event)

    async def on_update(self, update: Update) -> None:
        """One update, start to finish: handled, answered, its reply marked sent."""
        assert self._converter is not None and self._sender is not None
        counted = update.message_reaction_count
        if counted is not None:
            total = sum(r.total_count for r in counted.reactions)
            chat, message = str(counted.chat.id), str(counted.message_id)
            await self._router.reacted(Reacted(PLATFORM, chat, message, total=total))
            return
        answered = False
        album = update.message.media_group_id if update.message is not None else None
        try:
            for event in await self._converter.events(update):
                if album is not None and event.attachments:
                    await self._albums.add(album, event)  # one event for all its photos
                    continue
                answered = await self._handle(event) or answered
        finally:
            query = update.callback_query
            if query is not None and not answered:
                # Always answered, also on error: otherwise the button spins.
                chat_id = query.message.chat.id if query.message else query.from_user.id
                # BadRequest: too old to answer (a reply kept over a restart); logged.
                with contextlib.suppress(BadRequest):
                    await self._sender.call("answerCallbackQuery", chat_id, query.answer)
