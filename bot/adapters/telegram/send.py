"""Neutral Out values -> Bot API calls.

Flood control: PTB's AIORateLimiter keeps to Telegram's overall (30/s) and per-group
(20/min) limits and waits out 429s; a small per-chat bucket keeps private chats near
one message a second. Network errors are retried with backoff; a reply is delayed,
never dropped. A Bad Request is logged with the method and chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, assert_never

from aiolimiter import AsyncLimiter
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode, PollLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.adapters.telegram import inline
from bot.adapters.telegram.html import card_text, split, to_html, units
from bot.adapters.telegram.keyboard import keyboard
from bot.outbox import Sent
from handlers.core.i18n import N_, I18n, negotiate
from handlers.core.model import (
    Album,
    Button,
    Buttons,
    Card,
    ChatKind,
    ChatMessage,
    ChatRef,
    ClosePoll,
    Direct,
    Document,
    Edit,
    Ephemeral,
    Event,
    EventKind,
    Form,
    Image,
    Offers,
    Out,
    Pin,
    Poll,
    SentRef,
    Text,
    ToChat,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
PLATFORM = "telegram"

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200
NETWORK_RETRIES = 4
FLOOD_RETRIES = 10
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class Delivery:
    refs: list[SentRef] = field(default_factory=list)
    callback_answered: bool = False


class ChatBuckets:
    """Per private chat: bursts of 3, then about one message a second."""

    def __init__(self, size: int = 10_000) -> None:
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._size = size

    def get(self, chat_id: int) -> AsyncLimiter:
        limiter = self._limiters.pop(chat_id, None) or AsyncLimiter(3, 3)
        self._limiters[chat_id] = limiter
        while len(self._limiters) > self._size:
            self._limiters.popitem(last=False)
        return limiter


class Sender:
    def __init__(
        self,
        bot: Bot,
        bot_username: str,
        default_locale: str,
        sent: Sent | None = None,
    ) -> None:
        self.bot = bot
        self.username = bot_username
        self.default_locale = default_locale
        self.sent = sent
        self._buckets = ChatBuckets()

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> list[SentRef]:
        """Post into a chat unprompted (mirrored polls, results at closing)."""
        return (await self._deliver_to(None, int(chat.id), outs)).refs

    async def deliver(self, event: Event, outs: Sequence[Out]) -> Delivery:
        """The answers to an event, in its chat."""
        return await self._deliver_to(event, int(event.chat.id), outs)

    async def _deliver_to(self, event: Event | None, chat_id: int, outs: Sequence[Out]) -> Delivery:
        """`event`: what the outs answer, or None when the bot speaks of its own accord
        (a result, a welcome): then nothing is a reply, and nobody gets it privately."""
        delivery = Delivery()
        for out in outs:
            try:
                await self._send(event, chat_id, out, delivery)
            except BadRequest:
                # Already logged with method and chat; tell the person something went
                # wrong rather than leave them waiting.
                await self._apology(event, chat_id)
        return delivery

    # --- the one place API calls go through ------------------------------------

    async def call(self, method: str, chat_id: int, make: Callable[[], Awaitable[T]]) -> T:
        delay = 0.5
        for attempt in range(NETWORK_RETRIES + FLOOD_RETRIES + 1):
            try:
                if chat_id > 0:  # private chats; groups are limited by AIORateLimiter
                    async with self._buckets.get(chat_id):
                        return await make()
                return await make()
            except RetryAfter as flood:  # AIORateLimiter gave up: keep waiting
                log.warning("%s to chat %s: flood wait %ss", method, chat_id, flood.retry_after)
                await asyncio.sleep(_seconds(flood.retry_after))
            except BadRequest as error:
                log.warning("Bad Request: %s to chat %s: %s", method, chat_id, error.message)
                raise
            except NetworkError as error:  # includes TimedOut; BadRequest handled above
                if attempt >= NETWORK_RETRIES:
                    log.error("%s to chat %s failed after retries: %s", method, chat_id, error)
                    raise
                log.info("%s to chat %s: %s; retrying in %.1fs", method, chat_id, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8)
        raise RuntimeError(f"{method} to chat {chat_id}: still flooded after retries")

    # --- per type ---------------------------------------------------------------

    async def _send(self, event: Event | None, chat_id: int, out: Out, delivery: Delivery) -> None:
        match out:
            case Text() | Buttons() | Card() | Image() | Album() | Poll() | Document() | Form():
                await self._message_out(event, chat_id, out, delivery)
            case ClosePoll():
                await self._stop_poll(out)
            case Pin():
                await self._pin(out)
            case Ephemeral():
                await self._ephemeral(event, chat_id, out, delivery)
            case Direct():
                await self._direct(event, chat_id, out, delivery)
            case Edit():
                await self.edit(out)
            case ToChat():
                raise TypeError("content for other chats is queued by the router")
            case Offers():
                await self._offers(event, out)
            case _:
                assert_never(out)

    async def _offers(self, event: Event | None, offers: Offers) -> None:
        """Answer an inline query (an event from inline mode: its id is in the options)."""
        query_id = str((event.options or {}).get("query_id", "")) if event else ""
        if not query_id or event is None:
            raise TypeError("offers answer an inline query")
        await self.call(
            "answerInlineQuery",
            int(event.actor.id),
            lambda: self.bot.answer_inline_query(
                query_id,
                inline.results(offers),
                cache_time=inline.CACHE_SECONDS,
                is_personal=True,
                button=inline.hint_button(offers),
            ),
        )

    async def _message_out(
        self, event: Event | None, chat_id: int, out: ChatMessage, delivery: Delivery
    ) -> None:
        match out:
            case Text():
                delivery.refs += await self.text(chat_id, out, None, self._reply(event))
            case Buttons():
                markup = keyboard(out.rows)
                delivery.refs += await self.text(chat_id, out.text, markup, self._reply(event))
            case Card():
                delivery.refs += await self.card(chat_id, out, self._reply(event))
            case Image():
                delivery.refs.append(await self.image(chat_id, out))
            case Album():
                delivery.refs += await self.pictures(chat_id, out)
            case Poll():
                ref = await self.poll(chat_id, out)
                delivery.refs.append(ref)
                if self.sent is not None:
                    await self.sent(PLATFORM, str(chat_id), out, ref)
            case Document():
                delivery.refs.append(await self.document(chat_id, out))
            case Form():
                # In a group, the asker's app opens a reply to the question, the one kind
                # of message a bot with privacy mode on is sure to see.
                reply = self._reply(event)
                force = None
                if reply is not None:
                    force = ForceReply(selective=True, input_field_placeholder=out.label[:64])
                delivery.refs += await self.text(chat_id, out.prompt, force, reply)
            case _:
                assert_never(out)

    def _reply(self, event: Event | None) -> ReplyParameters | None:
        """In groups, answer as a reply so everyone sees which question it answers."""
        if event is None or event.chat.kind is ChatKind.DM or event.reply_to is None:
            return None
        if event.kind is EventKind.ACTION:
            return None
        return ReplyParameters(int(event.reply_to.message_id), allow_sending_without_reply=True)

    async def text(
        self,
        chat_id: int,
        text: Text,
        markup: InlineKeyboardMarkup | ForceReply | None,
        reply: ReplyParameters | None = None,
    ) -> list[SentRef]:
        pieces = split(text, TEXT_LIMIT)
        refs = []
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            message = await self._message(
                chat_id, piece, markup if last else None, reply if i == 0 else None
            )
            refs.append(_ref(message))
        return refs

    async def _message(
        self,
        chat_id: int,
        text: Text,
        markup: InlineKeyboardMarkup | ForceReply | None,
        reply: ReplyParameters | None,
    ) -> Message:
        return await self.call(
            "sendMessage",
            chat_id,
            lambda: self.bot.send_message(
                chat_id,
                to_html(text),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                reply_parameters=reply,
            ),
        )

    async def card(
        self, chat_id: int, card: Card, reply: ReplyParameters | None = None
    ) -> list[SentRef]:
        body = card_text(card)
        markup = keyboard(card.buttons)
        if card.image_url:
            fits = units(body.plain) <= CAPTION_LIMIT
            try:
                photo = await self.call(
                    "sendPhoto",
                    chat_id,
                    lambda: self.bot.send_photo(
                        chat_id,
                        card.image_url or "",
                        caption=to_html(body) if fits else None,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup if fits else None,
                        reply_parameters=reply,
                    ),
                )
            except BadRequest:
                # Usually an image URL Telegram cannot fetch: the card still goes out.
                return await self.text(chat_id, body, markup, reply)
            if fits:
                return [_ref(photo)]
            return [_ref(photo), *await self.text(chat_id, body, markup)]
        return await self.text(chat_id, body, markup, reply)

    async def image(self, chat_id: int, image: Image) -> SentRef:
        photo = await _photo(image)
        caption = to_html(Text.of(image.caption)) if image.caption else None
        message = await self.call(
            "sendPhoto",
            chat_id,
            lambda: self.bot.send_photo(chat_id, photo, caption=caption, parse_mode=ParseMode.HTML),
        )
        return _ref(message)

    async def pictures(self, chat_id: int, album: Album) -> list[SentRef]:
        """Pictures together: one photo, or an album (a media group) of up to 10."""
        images = album.images[:10]
        if len(images) == 1:
            return [await self.image(chat_id, images[0])]
        # Bytes, not InputFiles: PTB then names each upload for the album (attach://).
        media = [
            InputMediaPhoto(
                await _bytes_or_url(image),
                caption=to_html(Text.of(image.caption)) if image.caption else None,
                parse_mode=ParseMode.HTML,
                filename=image.filename,
            )
            for image in images
        ]
        sent = await self.call(
            "sendMediaGroup", chat_id, lambda: self.bot.send_media_group(chat_id, media)
        )
        return [_ref(message) for message in sent]

    async def album(self, chat_id: int, poll: Poll) -> None:
        """The options' product pictures, as one album before the poll."""
        pictured = [o for o in poll.options if o.image_url][:10]
        if not pictured:
            return
        try:
            if len(pictured) == 1:
                option = pictured[0]
                await self.call(
                    "sendPhoto",
                    chat_id,
                    lambda: self.bot.send_photo(
                        chat_id, option.image_url or "", caption=option.text
                    ),
                )
                return
            media = [InputMediaPhoto(o.image_url or "", caption=o.text) for o in pictured]
            await self.call(
                "sendMediaGroup", chat_id, lambda: self.bot.send_media_group(chat_id, media)
            )
        except BadRequest:
            pass  # pictures Telegram cannot fetch: the poll still goes out

    async def poll(self, chat_id: int, poll: Poll) -> SentRef:
        await self.album(chat_id, poll)
        if fits_native_poll(poll):
            message = await self.call(
                "sendPoll",
                chat_id,
                lambda: self.bot.send_poll(
                    chat_id,
                    poll.question,
                    [o.text for o in poll.options],
                    is_anonymous=False,
                    allows_multiple_answers=poll.multiple,
                ),
            )
            assert isinstance(message, Message) and message.poll is not None
            return SentRef(str(chat_id), str(message.message_id), native_id=message.poll.id)
        # Too long for a native poll: its buttons.
        buttons = poll.as_buttons()
        refs = await self.text(chat_id, buttons.text, keyboard(buttons.rows))
        return refs[-1]

    async def edit(self, edit: Edit) -> None:
        chat_id, message_id = int(edit.ref.chat_id), int(edit.ref.message_id)
        content = edit.content
        text = (
            card_text(content)
            if isinstance(content, Card)
            else (content.text if isinstance(content, Buttons) else content)
        )
        rows = (
            content.buttons
            if isinstance(content, Card)
            else (content.rows if isinstance(content, Buttons) else ())
        )
        html, markup = to_html(split(text, TEXT_LIMIT)[0]), keyboard(rows)
        try:
            await self.call(
                "editMessageText",
                chat_id,
                lambda: self.bot.edit_message_text(
                    html,
                    chat_id,
                    message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=_NO_PREVIEW,
                ),
            )
        except BadRequest as error:
            if "not modified" in error.message:
                return
            if "no text in the message" not in error.message:
                raise
            caption = to_html(split(text, CAPTION_LIMIT)[0])
            await self.call(
                "editMessageCaption",
                chat_id,
                lambda: self.bot.edit_message_caption(
                    chat_id,
                    message_id,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                ),
            )

    async def document(self, chat_id: int, document: Document) -> SentRef:
        upload = InputFile(document.data, filename=document.filename)
        message = await self.call(
            "sendDocument",
            chat_id,
            lambda: self.bot.send_document(chat_id, upload, caption=document.caption or None),
        )
        return _ref(message)

    async def _pin(self, out: Pin) -> None:
        chat_id, message_id = int(out.ref.chat_id), int(out.ref.message_id)
        try:
            if out.on:
                await self.call(
                    "pinChatMessage",
                    chat_id,
                    lambda: self.bot.pin_chat_message(
                        chat_id, message_id, disable_notification=True
                    ),
                )
            else:
                await self.call(
                    "unpinChatMessage",
                    chat_id,
                    lambda: self.bot.unpin_chat_message(chat_id, message_id),
                )
        except (BadRequest, Forbidden) as error:  # not an admin who may pin: logged, no retry
            log.warning("pinning in chat %s: %s", chat_id, error.message)

    async def _stop_poll(self, out: ClosePoll) -> None:
        chat_id, message_id = int(out.ref.chat_id), int(out.ref.message_id)
        # BadRequest: the poll was shown as buttons, or is already stopped.
        with contextlib.suppress(BadRequest):
            await self.call("stopPoll", chat_id, lambda: self.bot.stop_poll(chat_id, message_id))

    async def _ephemeral(
        self, event: Event | None, chat_id: int, out: Ephemeral, delivery: Delivery
    ) -> None:
        content = out.content
        query = getattr(event.raw, "callback_query", None) if event is not None else None
        short = isinstance(content, Text) and units(content.plain) <= ALERT_LIMIT
        if query is not None and short and not delivery.callback_answered:
            # Telegram's own "only you see this": an alert on the button press.
            assert isinstance(content, Text)
            await self.call(
                "answerCallbackQuery",
                chat_id,
                lambda: self.bot.answer_callback_query(query.id, content.plain, show_alert=True),
            )
            delivery.callback_answered = True
            return
        await self._send(event, chat_id, content, delivery)

    async def _direct(
        self, event: Event | None, chat_id: int, out: Direct, delivery: Delivery
    ) -> None:
        if event is None or event.chat.kind is ChatKind.DM or not event.actor.id.isdigit():
            await self._send(event, chat_id, out.content, delivery)
            return
        try:
            await self._send(event, int(event.actor.id), out.content, delivery)
        except Forbidden:
            # They never started the bot (or blocked it): bots may not write first.
            i18n = I18n(negotiate([event.actor.locale], self.default_locale))
            note = Text.of(
                i18n.t(
                    N_(
                        "{name}, I have a private answer for you. Start a chat with "
                        "me and ask again."
                    ),
                    name=event.actor.display_name,
                )
            )
            start = Button(
                i18n.t(N_("Open a private chat")), url=f"https://t.me/{self.username}?start=private"
            )
            delivery.refs += await self.text(
                chat_id, note, keyboard(((start,),)), self._reply(event)
            )

    async def _apology(self, event: Event | None, chat_id: int) -> None:
        locale = event.actor.locale if event is not None else None
        i18n = I18n(negotiate([locale], self.default_locale))
        message = i18n.t(N_("Sorry, I couldn't show that here."))
        try:
            await self.call("sendMessage", chat_id, lambda: self.bot.send_message(chat_id, message))
        except (BadRequest, Forbidden):
            log.warning("could not tell chat %s about a failed reply", chat_id)


def fits_native_poll(poll: Poll) -> bool:
    return (
        PollLimit.MIN_OPTION_NUMBER <= len(poll.options) <= 10
        and 1 <= len(poll.question) <= PollLimit.MAX_QUESTION_LENGTH
        and all(1 <= len(o.text) <= PollLimit.MAX_OPTION_LENGTH for o in poll.options)
    )


async def _photo(image: Image) -> str | InputFile:
    """What sendPhoto takes for a picture: its bytes as a file, or its URL for Telegram
    to fetch."""
    found = await _bytes_or_url(image)
    return InputFile(found, filename=image.filename) if isinstance(found, bytes) else found


async def _bytes_or_url(image: Image) -> bytes | str:
    """A picture's bytes (our file's read off the event loop), or its URL."""
    if image.data is not None:
        return image.data
    if image.path is not None:
        return await asyncio.to_thread(Path(image.path).read_bytes)
    return image.url or ""


def _ref(message: Message | bool) -> SentRef:
    assert isinstance(message, Message)
    return SentRef(str(message.chat_id), str(message.message_id))


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]


# Told each time Telegram makes us wait (platform, seconds): the metrics.
Waited = Callable[[str, float], None]


class CountingRateLimiter(AIORateLimiter):
    """PTB's limiter, also telling `waited` of every 429 Telegram answers (it waits them
    out inside, so the sender never sees most of them)."""

    def __init__(self, waited: Waited | None, max_retries: int) -> None:
        super().__init__(max_retries=max_retries)
        self._waited = waited

    async def _run_request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._run_request(*args, **kwargs)
        except RetryAfter as flood:
            if self._waited is not None:
                self._waited(PLATFORM, _seconds(flood.retry_after))
            raise
