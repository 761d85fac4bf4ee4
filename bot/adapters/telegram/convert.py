"""Telegram updates -> neutral Events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Chat, Message, MessageEntity, Update, User
from telegram.constants import ChatMemberStatus

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

PLATFORM = "telegram"
ANONYMOUS_ADMIN_PREFIX = "anon:"
AdminCheck = Callable[[int, int], Awaitable[bool]]
_LEFT = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}


def chat_ref(chat: Chat) -> ChatRef:
    kind = {
        Chat.PRIVATE: ChatKind.DM,
        Chat.GROUP: ChatKind.GROUP,
        Chat.SUPERGROUP: ChatKind.GROUP,
        Chat.CHANNEL: ChatKind.CHANNEL,
    }.get(chat.type, ChatKind.GROUP)
    return ChatRef(PLATFORM, str(chat.id), kind, title=chat.title or chat.full_name)


def user_ref(user: User, admin: bool = False) -> UserRef:
    return UserRef(
        PLATFORM,
        str(user.id),
        user.full_name,
        user.username,
        user.language_code,
        is_chat_admin=admin,
        is_bot=user.is_bot,
    )


class Converter:
    """Knows the bot's own identity (for mentions and replies) and who the admins are."""

    def __init__(self, bot_id: int, bot_username: str, is_admin: AdminCheck) -> None:
        self.bot_id = bot_id
        self.username = bot_username.lower()
        self._is_admin = is_admin

    async def events(self, update: Update) -> list[Event]:
        event_id = str(update.update_id)
        if update.message is not None:
            return await self._message(event_id, update.message, update)
        if update.callback_query is not None:
            query = update.callback_query
            message = query.message  # too old to be shown: still names its chat
            if message is not None:
                chat = chat_ref(message.chat)
                admin = await self._admin(message.chat, query.from_user)
                reply_to = SentRef(str(message.chat.id), str(message.message_id))
            else:  # an inline-mode message: no chat of ours
                chat, admin, reply_to = self._private(query.from_user), False, None
            return [
                Event(
                    PLATFORM,
                    event_id,
                    EventKind.ACTION,
                    user_ref(query.from_user, admin),
                    chat,
                    action=query.data or "",
                    reply_to=reply_to,
                    raw=update,
                )
            ]
        inline = update.inline_query
        if inline is not None:
            return [
                Event(
                    PLATFORM,
                    event_id,
                    EventKind.INLINE,
                    user_ref(inline.from_user),
                    self._private(inline.from_user),
                    text=inline.query,
                    options={"query_id": inline.id},
                    raw=update,
                )
            ]
        answer = update.poll_answer
        if answer is not None and answer.user is not None:
            voter: User = answer.user
            vote = PollVote(answer.poll_id, tuple(answer.option_ids))
            return [
                Event(
                    PLATFORM,
                    event_id,
                    EventKind.POLL_VOTE,
                    user_ref(voter),
                    self._private(voter),
                    poll_vote=vote,
                    raw=update,
                )
            ]
        if update.chat_member is not None:
            change = update.chat_member
            was_in = change.old_chat_member.status not in _LEFT
            is_in = change.new_chat_member.status not in _LEFT
            if was_in == is_in:
                return []  # a promotion, a restriction: no one came or went
            link = change.invite_link.invite_link if change.invite_link else None
            return [
                Event(
                    PLATFORM,
                    event_id,
                    EventKind.JOIN if is_in else EventKind.LEAVE,
                    user_ref(change.new_chat_member.user),
                    chat_ref(change.chat),
                    invite=link if is_in else None,
                    raw=update,
                )
            ]
        return []

    def _private(self, user: User) -> ChatRef:
        return ChatRef(PLATFORM, str(user.id), ChatKind.DM)

    async def _admin(self, chat: Chat, user: User | None) -> bool:
        if chat.type == Chat.PRIVATE or user is None:
            return False
        return await self._is_admin(chat.id, user.id)

    async def _message(self, event_id: str, msg: Message, update: Update) -> list[Event]:
        chat = chat_ref(msg.chat)
        if msg.new_chat_members:
            return [
                Event(
                    PLATFORM, f"{event_id}:{i}", EventKind.JOIN, user_ref(member), chat, raw=update
                )
                for i, member in enumerate(msg.new_chat_members)
                if member.id != self.bot_id
            ]
        actor = await self._actor(msg)
        if actor is None:
            return []
        reply_to = SentRef(chat.id, str(msg.message_id))
        attachment = _attachment(msg)
        if attachment is not None:
            caption = msg.caption or ""
            command = self._command(msg, caption=True)
            if command is not None:  # "/review SKU 4 …" as a photo's caption
                name, args = command
                if name is None:
                    return []
                base = Event(PLATFORM, event_id, EventKind.COMMAND, actor, chat, raw=update)
                return [
                    replace(
                        base,
                        command=name,
                        args=args,
                        text=caption,
                        attachments=(attachment,),
                        reply_to=reply_to,
                    )
                ]
            return [
                Event(
                    PLATFORM,
                    event_id,
                    EventKind.PHOTO,
                    actor,
                    chat,
                    text=caption,
                    attachments=(attachment,),
                    addressed=self._addressed(msg),
                    reply_to=reply_to,
                    raw=update,
                )
            ]
        text = msg.text or ""
        if not text:
            return []
        command = self._command(msg)
        if command is not None:
            name, args = command
            if name is None:  # addressed to another bot in this group
                return []
            base = Event(PLATFORM, event_id, EventKind.COMMAND, actor, chat, raw=update)
            return [replace(base, command=name, args=args, text=text, reply_to=reply_to)]
        addressed = self._addressed(msg)
        stripped = self._strip_mention(msg)
        return [
            Event(
                PLATFORM,
                event_id,
                EventKind.TEXT,
                actor,
                chat,
                text=stripped,
                addressed=addressed,
                reply_to=reply_to,
                raw=update,
            )
        ]

    async def _actor(self, msg: Message) -> UserRef | None:
        sender = msg.sender_chat
        if sender is not None and sender.id == msg.chat.id:
            # An anonymous group admin posts as the group itself; only admins can.
            return UserRef(
                PLATFORM,
                f"{ANONYMOUS_ADMIN_PREFIX}{sender.id}",
                sender.title or "Admin",
                None,
                None,
                is_chat_admin=True,
            )
        if msg.from_user is None or msg.from_user.is_bot:
            return None
        return user_ref(msg.from_user, await self._admin(msg.chat, msg.from_user))

    # Entity offsets and lengths count UTF-16 code units, not Python characters (an emoji
    # takes two), so entity text comes from python-telegram-bot's parse_* methods.

    def _command(self, msg: Message, caption: bool = False) -> tuple[str | None, str] | None:
        entities = (msg.caption_entities if caption else msg.entities) or ()
        first = entities[0] if entities else None
        if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
            return None
        # "/name@target", a prefix of the text
        head = msg.parse_caption_entity(first) if caption else msg.parse_entity(first)
        name, _, target = head[1:].partition("@")
        args = ((msg.caption if caption else msg.text) or "")[len(head) :].strip()
        if target and target.lower() != self.username:
            return None, args
        return name.lower(), args

    def _mentions(self, msg: Message) -> list[MessageEntity]:
        """The entities mentioning this bot, in the text or a photo's caption."""
        kinds: list[str | None] = [MessageEntity.MENTION]
        found = msg.parse_caption_entities(kinds) if msg.caption else msg.parse_entities(kinds)
        return [e for e, name in found.items() if name.lower() == "@" + self.username]

    def _addressed(self, msg: Message) -> bool:
        if msg.chat.type == Chat.PRIVATE:
            return True
        replied = msg.reply_to_message
        if (
            replied is not None
            and replied.from_user is not None
            and (replied.from_user.id == self.bot_id)
        ):
            return True
        return bool(self._mentions(msg))

    def _strip_mention(self, msg: Message) -> str:
        """The text without the mention entity (not every "@name" lookalike)."""
        text = msg.text or ""
        mentions = self._mentions(msg)
        if not mentions:
            return text
        first = mentions[0]
        units = text.encode("utf-16-le")  # two bytes per code unit
        start, end = 2 * first.offset, 2 * (first.offset + first.length)
        return (units[:start] + units[end:]).decode("utf-16-le").strip(" ,:")


def _attachment(msg: Message) -> Attachment | None:
    """A photo (its largest size), or a file sent as a document (which may or may not
    be a picture: the handler decides)."""
    if msg.photo:
        largest = max(msg.photo, key=lambda p: p.width * p.height)
        return Attachment("photo", largest.file_id, "image/jpeg", largest.file_size)
    document = msg.document
    if document is not None:
        return Attachment("file", document.file_id, document.mime_type, document.file_size)
    return None
