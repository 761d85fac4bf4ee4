"""discord.py objects -> neutral Events."""

from __future__ import annotations

import re
import uuid
from typing import Any

import discord

from handlers.core.model import (
    Attachment,
    ChatKind,
    ChatRef,
    Event,
    EventKind,
    PollVote,
    SentRef,
    UserRef,
)

PLATFORM = "discord"
ATTACHMENT_OPTION = 11


def is_moderator(permissions: discord.Permissions | None) -> bool:
    if permissions is None:
        return False
    return permissions.manage_messages or permissions.manage_guild or permissions.administrator


def user_ref(user: discord.abc.User, moderator: bool, locale: str | None) -> UserRef:
    return UserRef(
        PLATFORM, str(user.id), user.display_name, user.name, locale, is_chat_admin=moderator
    )


def chat_ref(channel: Any, channel_id: int | None, guild: discord.Guild | None) -> ChatRef:
    if guild is None:
        return ChatRef(PLATFORM, str(channel_id), ChatKind.DM)
    kind = ChatKind.THREAD if isinstance(channel, discord.Thread) else ChatKind.GROUP
    return ChatRef(
        PLATFORM,
        str(channel_id),
        kind,
        title=getattr(channel, "name", None),
        guild_id=str(guild.id),
    )


def _locale(interaction: discord.Interaction) -> str:
    return str(interaction.locale.value)


def _interaction_parts(interaction: discord.Interaction) -> tuple[UserRef, ChatRef]:
    actor = user_ref(
        interaction.user,
        is_moderator(interaction.permissions) if interaction.guild is not None else False,
        _locale(interaction),
    )
    return actor, chat_ref(interaction.channel, interaction.channel_id, interaction.guild)


def command_event(interaction: discord.Interaction) -> Event:
    actor, chat = _interaction_parts(interaction)
    data: dict[str, Any] = dict(interaction.data or {})
    options = {o["name"]: o.get("value") for o in data.get("options", [])}
    # Attachment options hold ids of files Discord describes under "resolved".
    files = (data.get("resolved") or {}).get("attachments") or {}
    attachments = tuple(
        Attachment(
            "photo" if str(f.get("content_type", "")).startswith("image/") else "file",
            str(f.get("url", "")),
            f.get("content_type"),
            f.get("size"),
        )
        for o in data.get("options", [])
        if o.get("type") == ATTACHMENT_OPTION and (f := files.get(str(o.get("value")))) is not None
    )
    return Event(
        PLATFORM,
        f"i:{interaction.id}",
        EventKind.COMMAND,
        actor,
        chat,
        command=str(data.get("name", "")),
        options=options,
        attachments=attachments,
        raw=interaction,
    )


def focused_option(interaction: discord.Interaction) -> tuple[str, str] | None:
    """(command, typed value) of the option being autocompleted."""
    data: dict[str, Any] = dict(interaction.data or {})
    for option in data.get("options", []):
        if option.get("focused"):
            return str(option["name"]), str(option.get("value") or "")
    return None


def action_event(
    interaction: discord.Interaction, token: str, options: dict[str, Any] | None = None
) -> Event:
    actor, chat = _interaction_parts(interaction)
    message = interaction.message
    reply_to = SentRef(str(message.channel.id), str(message.id)) if message else None
    return Event(
        PLATFORM,
        f"i:{interaction.id}",
        EventKind.ACTION,
        actor,
        chat,
        action=token,
        options=options,
        reply_to=reply_to,
        raw=interaction,
    )


def message_event(message: discord.Message, me: discord.ClientUser) -> Event | None:
    if message.author.bot or message.type not in (
        discord.MessageType.default,
        discord.MessageType.reply,
    ):
        return None
    guild = message.guild
    dm = guild is None
    replied = message.reference.resolved if message.reference else None
    to_me = isinstance(replied, discord.Message) and replied.author.id == me.id
    mentioned = any(user.id == me.id for user in message.mentions)
    author = message.author
    moderator = isinstance(author, discord.Member) and is_moderator(
        message.channel.permissions_for(author)
    )
    locale = str(guild.preferred_locale.value) if guild is not None else None
    text = re.sub(rf"<@!?{me.id}>", "", message.content).strip(" ,:")
    attachments = tuple(
        Attachment(
            "photo" if (a.content_type or "").startswith("image/") else "file",
            a.url,
            a.content_type,
            a.size,
        )
        for a in message.attachments
    )
    return Event(
        PLATFORM,
        f"m:{message.id}",
        EventKind.PHOTO if attachments else EventKind.TEXT,
        user_ref(author, moderator, locale),
        chat_ref(message.channel, message.channel.id, guild),
        text=text,
        attachments=attachments,
        addressed=dm or mentioned or to_me,
        reply_to=SentRef(str(message.channel.id), str(message.id)),
        raw=message,
    )


def poll_vote_event(payload: discord.RawPollVoteActionEvent, change: str) -> Event:
    vote = PollVote(
        str(payload.message_id), (payload.answer_id - 1,), "add" if change == "add" else "remove"
    )
    guild_id = str(payload.guild_id) if payload.guild_id else None
    chat = ChatRef(
        PLATFORM,
        str(payload.channel_id),
        ChatKind.GROUP if guild_id else ChatKind.DM,
        guild_id=guild_id,
    )
    actor = UserRef(PLATFORM, str(payload.user_id), str(payload.user_id))
    # Vote events carry no id of their own and the same vote may be added, removed and
    # added again, so each gets a fresh id; votes are made idempotent where they are stored.
    event_id = f"v:{payload.message_id}:{uuid.uuid4().hex}"
    return Event(PLATFORM, event_id, EventKind.POLL_VOTE, actor, chat, poll_vote=vote, raw=payload)


def join_event(member: discord.Member) -> Event | None:
    """A member joined a guild. The chat is the guild's system channel, where Discord
    posts its own join notices; without one there is nowhere to answer."""
    channel = member.guild.system_channel
    if channel is None or member.bot:
        return None
    joined = member.joined_at.timestamp() if member.joined_at else 0
    return Event(
        PLATFORM,
        f"j:{member.guild.id}:{member.id}:{joined:.0f}",
        EventKind.JOIN,
        user_ref(member, False, None),
        chat_ref(channel, channel.id, member.guild),
        raw=member,
    )
