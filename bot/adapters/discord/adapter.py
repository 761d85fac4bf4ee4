"""The Discord platform: a discord.py client in our event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.adapters.discord.commands import BOT_DM, GUILD, command_payloads, definition_hash
from bot.adapters.discord.convert import (
    PLATFORM,
    action_event,
    command_event,
    focused_option,
    join_event,
    message_event,
    poll_vote_event,
)
from bot.adapters.discord.send import ActionButton, DiscordSender
from bot.outbox import Outbox
from bot.runner import PlatformRefused
from config import Settings
from handlers.core.features import Command
from handlers.core.model import Attachment, Event, Reacted
from handlers.core.platform_state import PlatformState
from handlers.core.router import Router

log = logging.getLogger(__name__)
# Discord wants an interaction acknowledged within 3 s; answer directly if the handler is
# done by then, else defer and follow up.
ACK_SECONDS = 2.0
READY_SECONDS = 60.0
SYNC_KEY = "discord:commands:"
VOTER_PAGE = 100  # Discord's most per request
Voters = Callable[[str, str, int], Awaitable[list[list[tuple[str, str]]] | None]]
# (platform, how to read a native poll's voters) -> ballots changed
Reconcile = Callable[[str, Voters], Awaitable[int]]


def intents(settings: Settings) -> discord.Intents:
    """Only what the features use; no privileged message-content intent: slash commands,
    mentions and DMs carry their text anyway."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.guild_polls = True
    wanted.guild_reactions = True  # reactions on promotions' posts
    wanted.dm_polls = True
    wanted.members = settings.discord_member_events  # privileged: opt in
    return wanted


def use_api_url(url: str) -> None:
    """Point discord.py's REST (and interaction webhooks, which share the route) at `url`."""
    discord.http.Route.BASE = url.rstrip("/")


class ShopBotClient(discord.Client):
    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(
            intents=intents(adapter.settings),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=adapter.settings.discord_guild_ready_timeout,
        )
        self.adapter = adapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)
        if self.adapter.sync_on_start:
            await self.adapter.sync_commands(force=False)

    async def on_ready(self) -> None:
        # Every new session (not a resumed one): votes of the gap were never sent to us.
        await self.adapter.reconcile_polls()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_action(self, interaction: discord.Interaction, token: str) -> None:
        await self.adapter.answer(interaction, action_event(interaction, token), component=True)

    async def on_message(self, message: discord.Message) -> None:
        assert self.user is not None
        event = message_event(message, self.user)
        if event is not None:
            reply = await self.adapter.router.handle(event)
            if reply.fresh:  # else another process of the bot answered it
                await self.adapter.sender.to_channel(event, message.channel, message, reply.outs)

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self.adapter.router.handle(poll_vote_event(payload, "add"))

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self.adapter.router.handle(poll_vote_event(payload, "remove"))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reacted(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reacted(payload, added=False)

    async def _reacted(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        """Reactions on the bot's own messages (its promotions' posts) are counted; the
        bot's own and everything else pass by."""
        me = self.user.id if self.user else None
        if payload.user_id == me or (added and payload.message_author_id != me):
            return
        reaction = Reacted(
            PLATFORM,
            str(payload.channel_id),
            str(payload.message_id),
            user_id=str(payload.user_id),
            emoji=str(payload.emoji),
            added=added,
        )
        await self.adapter.router.reacted(reaction)

    async def on_member_join(self, member: discord.Member) -> None:
        event = join_event(member)
        if event is not None:
            reply = await self.adapter.router.handle(event)
            if reply.fresh and reply.outs:
                await self.adapter.sender.send_to_chat(event.chat, reply.outs)


class DiscordAdapter:
    name = "discord"

    def __init__(
        self,
        settings: Settings,
        router: Router,
        state: PlatformState,
        sync_on_start: bool = True,
        outbox: Outbox | None = None,
        reconcile: Reconcile | None = None,
    ) -> None:
        assert settings.discord_token is not None
        self.settings = settings
        self.router = router
        self.commands = list(router.commands.values())
        self.state = state
        self.ack_seconds = ACK_SECONDS
        self.sync_on_start = sync_on_start
        self._reconcile = reconcile
        if settings.discord_api_url:
            use_api_url(settings.discord_api_url)
        self.client = ShopBotClient(self)
        self.sender = DiscordSender(self.client, settings.default_locale, router.sent)
        if outbox is not None:
            outbox.register("discord", self.sender)
        router.services.downloads["discord"] = self._download
        self._connection: asyncio.Task[None] | None = None

    async def _download(self, attachment: Attachment, limit: int) -> bytes:
        """A file someone sent, from Discord's CDN (its size was told with the message)."""
        if attachment.size is not None and attachment.size > limit:
            return bytes(limit + 1)  # too large: not worth fetching
        try:
            data = await self.client.http.get_from_cdn(attachment.ref)
        except discord.HTTPException as error:
            raise OSError(f"attachment: {error.status}") from error
        return data[: limit + 1]

    async def login(self) -> None:
        assert self.settings.discord_token is not None
        if self.client.is_closed():  # a failed start closed it; a client is not reused
            self.client = ShopBotClient(self)
            self.sender.client = self.client
        try:
            await self.client.login(self.settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            raise PlatformRefused(
                "Discord refused the bot token (SHOPBOT_DISCORD_TOKEN): copy it again "
                "from the Developer Portal (your application, Bot, Reset Token)"
            ) from None
        if self.settings.discord_api_url:
            # discord.py's plain client connects to its hard-coded gateway (first connect
            # and after an invalid session); with a REST override, ask that server too.
            _shards, url, _limits = await self.client.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def start(self) -> None:
        await self.login()
        self._connection = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._connection}, timeout=READY_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        if self._connection in done:
            ready.cancel()
            try:
                self._connection.result()  # raises why the connection ended
            except discord.PrivilegedIntentsRequired:
                raise PlatformRefused(
                    "Discord refused the Server Members intent (discord_member_events): "
                    "enable it in the Developer Portal (Bot, Privileged Gateway Intents) "
                    "or set discord_member_events = false"
                ) from None
            raise RuntimeError("Discord connection ended before it was ready")
        if ready not in done:
            ready.cancel()
            raise TimeoutError("Discord did not become ready in time")
        assert self.client.user is not None
        log.info("discord: %s is running in %d guild(s)", self.client.user, len(self.client.guilds))

    async def connected(self) -> bool:
        """Connected to the gateway and ready (for /readyz)."""
        client = self.client
        return client.is_ready() and not client.is_closed() and client.ws is not None

    async def stop(self) -> None:
        await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connection

    # --- native polls ----------------------------------------------------------------

    async def reconcile_polls(self) -> None:
        if self._reconcile is None:
            return
        try:
            await self._reconcile(PLATFORM, self.poll_voters)
        except Exception:
            log.exception("discord: reconciling native poll votes failed")

    async def poll_voters(
        self, channel_id: str, message_id: str, answers: int
    ) -> list[list[tuple[str, str]]] | None:
        """Each answer's voters as Discord lists them (user id, name); None when the
        poll's message is gone or out of reach."""
        found: list[list[tuple[str, str]]] = []
        for answer_id in range(1, answers + 1):
            voters: list[tuple[str, str]] = []
            after: int | None = None
            while True:
                try:
                    page = await self.client.http.get_poll_answer_voters(
                        int(channel_id), int(message_id), answer_id, after=after, limit=VOTER_PAGE
                    )
                except (discord.NotFound, discord.Forbidden):
                    return None
                users = page.get("users", [])
                voters += [(str(u["id"]), u.get("global_name") or u["username"]) for u in users]
                if len(users) < VOTER_PAGE:
                    break
                after = int(users[-1]["id"])
            found.append(voters)
        return found

    # --- slash commands -------------------------------------------------------------

    async def sync_commands(self, force: bool, guild_ids: Sequence[str] | None = None) -> bool:
        """Upload the command definitions where they changed (or always, with force).
        With guilds: each guild gets the group commands, at once, and the global set
        holds the private-chat ones (/linkme works in DMs); without: all are global.
        Returns whether anything was uploaded."""
        app_id = self.client.application_id
        if app_id is None:
            app_id = (await self.client.application_info()).id
        guilds = list(guild_ids if guild_ids is not None else self.settings.discord_guild_ids)
        targets = {"global": command_payloads(self.commands, BOT_DM if guilds else None)}
        for guild in guilds:
            targets[guild] = command_payloads(self.commands, GUILD)
        uploaded = False
        for target, payload in targets.items():
            digest = definition_hash(payload)
            key = SYNC_KEY + target
            if not force and await self.state.get(key) == digest:
                continue
            if target == "global":
                await self.client.http.bulk_upsert_global_commands(app_id, payload)
            else:
                await self.client.http.bulk_upsert_guild_commands(app_id, int(target), payload)
            await self.state.set(key, digest)
            log.info("discord: synced %d commands to %s", len(payload), target)
            uploaded = True
        return uploaded

    # --- interactions ----------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        if kind is discord.InteractionType.application_command:
            await self.answer(interaction, command_event(interaction), component=False)
        elif kind is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
        elif kind is discord.InteractionType.component:
            data: dict[str, Any] = dict(interaction.data or {})
            custom_id = str(data.get("custom_id", ""))
            # Buttons are ActionButton dynamic items; select menus arrive here.
            if data.get("component_type") != 2 and custom_id.startswith("sb:"):
                event = action_event(interaction, custom_id[3:], {"values": data.get("values", [])})
                await self.answer(interaction, event, component=True)
        elif kind is discord.InteractionType.modal_submit:
            data = dict(interaction.data or {})
            custom_id = str(data.get("custom_id", ""))
            fields = {
                c["custom_id"]: c.get("value")
                for row in data.get("components", [])
                for c in row.get("components", [])
            }
            if custom_id.startswith("sb:"):
                event = action_event(interaction, custom_id[3:], fields)
                await self.answer(interaction, event, component=True)

    async def answer(self, interaction: discord.Interaction, event: Event, component: bool) -> None:
        """Acknowledge in time: respond directly when the handler is quick, else defer
        ("thinking…" for commands, silently for buttons) and follow up.

        Every process of the bot receives every interaction, and only one may acknowledge
        it (a second acknowledgement makes Discord refuse the first answer with 40060).
        The claim that decides who handles the event is taken, and committed, before
        anything is acknowledged; the processes that lose it stay silent."""
        loop = asyncio.get_running_loop()
        acknowledge_by = loop.time() + self.ack_seconds
        if not await self.router.claim(event):
            return
        work = asyncio.ensure_future(self.router.handle(event, claimed=True))
        try:
            wait = max(0.0, acknowledge_by - loop.time())
            reply = await asyncio.wait_for(asyncio.shield(work), wait)
        except TimeoutError:
            await interaction.response.defer(thinking=not component)
            reply = await work
            await self.sender.to_interaction(event, interaction, reply.outs, True, not component)
            return
        await self.sender.to_interaction(event, interaction, reply.outs, False, False)

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        event = command_event(interaction)
        if not await self.router.claim(event):  # another process suggests
            return
        focused = focused_option(interaction)
        command = self._command(interaction)
        source = None
        if focused is not None and command is not None:
            source = next((p.completion for p in command.params if p.name == focused[0]), None)
        choices: list[tuple[str, str]] = []
        if source is not None and focused is not None:
            choices = await self.router.complete(event, source, focused[1])
        await interaction.response.autocomplete(
            [
                discord.app_commands.Choice(name=label[:100], value=value[:100])
                for label, value in choices[:25]
            ]
        )

    def _command(self, interaction: discord.Interaction) -> Command | None:
        name = str(dict(interaction.data or {}).get("name", ""))
        return next((c for c in self.commands if c.name == name), None)
