"""The Telegram platform: python-telegram-bot's Application in our event loop."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters.telegram.admins import AdminCache
from bot.adapters.telegram.convert import Converter
from bot.adapters.telegram.send import FLOOD_RETRIES, Sender
from bot.outbox import Outbox
from config import Settings
from handlers.features import Role, Scope
from handlers.i18n import SOURCE_LANGUAGE, I18n, available_languages
from handlers.router import Router

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "poll_answer", "chat_member", "my_chat_member"]
CONCURRENT_UPDATES = 16


class TelegramAdapter:
    name = "telegram"

    def __init__(self, settings: Settings, router: Router, outbox: Outbox | None = None):
        assert settings.telegram_token is not None
        self.settings = settings
        self._router = router
        self._commands = list(router.commands.values())
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_file_url)
            .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
            .concurrent_updates(CONCURRENT_UPDATES)
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._converter: Converter | None = None
        self._sender: Sender | None = None
        self._outbox = outbox

    @property
    def mode(self) -> str:
        return self.settings.telegram_mode

    async def start(self) -> None:
        await self.app.initialize()  # getMe: who we are
        me = self.app.bot
        admins = AdminCache(me)
        self._converter = Converter(me.id, me.username, admins.is_admin)
        self._sender = Sender(me, me.username, self.settings.default_locale, self._router.sent)
        if self._outbox is not None:
            self._outbox.register("telegram", self._sender)
        await self.register_commands()
        await self.app.start()
        updater = self.app.updater
        assert updater is not None
        if self.mode == "webhook":
            secret = self.settings.telegram_webhook_secret
            assert secret is not None and self.settings.telegram_webhook_url
            await updater.start_webhook(
                listen=self.settings.telegram_webhook_listen,
                port=self.settings.telegram_webhook_port,
                url_path="telegram",
                webhook_url=self.settings.telegram_webhook_url,
                secret_token=secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: @%s is running (%s)", me.username, self.mode)

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in flight, then close the connection."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
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

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self._converter is not None and self._sender is not None
        answered = False
        try:
            for event in await self._converter.events(update):
                reply = await self._router.handle(event)
                if not reply.fresh:
                    # A redelivery: answered already, and its button press too (a second
                    # answerCallbackQuery would fail with "query is too old").
                    answered = True
                    continue
                delivery = await self._sender.deliver(event, reply.outs)
                answered = answered or delivery.callback_answered
        finally:
            query = update.callback_query
            if query is not None and not answered:
                # Always answered, also on error: otherwise the button spins.
                chat_id = query.message.chat.id if query.message else query.from_user.id
                await self._sender.call("answerCallbackQuery", chat_id, query.answer)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = getattr(update, "update_id", "?")
        log.error("telegram update %s failed", update_id, exc_info=context.error)
