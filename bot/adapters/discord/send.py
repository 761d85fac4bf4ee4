"""Neutral Out values -> Discord messages, interaction responses and follow-ups.

Mentions: every send carries AllowedMentions.none(), so no user text can ping
@everyone, @here, a role or a user, whatever it contains. Markdown in user text is
escaped.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, assert_never, cast

import discord

from bot.adapters.text import split
from bot.outbox import Sent
from handlers.core.i18n import N_, I18n, negotiate
from handlers.core.model import (
    FORM_FIELD,
    Album,
    Button,
    ButtonRows,
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
    Form,
    Image,
    Offers,
    Out,
    Pin,
    Poll,
    SentRef,
    Span,
    Style,
    Text,
    ToChat,
)
from storage.types import utcnow

log = logging.getLogger(__name__)
PLATFORM = "discord"
CONTENT_LIMIT = 2000
NO_MENTIONS = discord.AllowedMentions.none()
_MARKDOWN = set("\\*_~`|>#-[]()")
# As discord.utils.escape_markdown, but for brackets: it escapes only a line's first
# "[" and nothing up to the line's last ")", so "[a](x) **b** [c](y)" keeps b bold and
# links c. Every bracket is escaped, in URLs too; else URLs stay as they are (escaping
# breaks autolinks). A backslash ends a URL, so every other backslash is an escape.
_URL = r"<[^:\s>\\]+:/[^\s>\\]+>|(?:https?|steam)://[^\s<\\]+[^\s<\\.,:;\"'\]]"
_ESCAPE = re.compile(
    rf"(?P<url>{_URL})|(?P<char>[\\*_~`|\[\]])|^(?P<indent>[ \t]*)(?P<line>[>#-])", re.MULTILINE
)
_WRAP = {Style.BOLD: "**", Style.ITALIC: "*"}
Message = dict[str, Any]  # keyword arguments of one send


def _width(ch: str) -> int:
    return 2 if ch in _MARKDOWN else 1  # an escaped markdown character takes two


def escape(text: str) -> str:
    """User or catalog text shown literally (line-start quote, heading, list markers too)."""
    return _ESCAPE.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"].replace("[", "\\[").replace("]", "\\]")
    if match["char"]:
        return "\\" + match["char"]
    return f"{match['indent']}\\{match['line']}"


def _escaped(text: str, limit: int) -> str:
    """Escaped text of at most `limit` characters, without a dangling backslash (it
    would show)."""
    shown = escape(text[:limit])[:limit]
    if (len(shown) - len(shown.rstrip("\\"))) % 2:
        shown = shown[:-1]
    return shown


def span_markdown(span: Span) -> str:
    if span.style is Style.CODE:
        return "`" + span.text.replace("`", "ˋ") + "`"
    text = escape(span.text)
    if span.style is Style.LINK and span.url:
        return f"[{text}](<{span.url}>)"
    wrap = _WRAP.get(span.style, "")
    return f"{wrap}{text}{wrap}" if text.strip() else text


def to_markdown(text: Text) -> str:
    return "".join(span_markdown(span) for span in text.spans)


def text_messages(text: Text) -> list[Message]:
    # Room for the bold/italic markers the limit does not measure.
    return [{"content": to_markdown(piece)} for piece in split(text, CONTENT_LIMIT - 100, _width)]


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"sb:(?P<token>\S{1,64})"
):
    """A button whose custom_id carries the action token, so buttons on old messages
    keep working after a restart (the adapter registers the class, not instances)."""

    def __init__(self, token: str, label: str = "…") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], custom_id=f"sb:{token}", style=discord.ButtonStyle.secondary
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> ActionButton:
        return cls(match["token"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        on_action = getattr(interaction.client, "on_action", None)
        if on_action is not None:
            await on_action(interaction, self.token)


def view(rows: ButtonRows) -> discord.ui.View | None:
    if not rows:
        return None
    items = discord.ui.View(timeout=None)
    for row_number, row in enumerate(rows[:5]):
        for button in row[:5]:
            items.add_item(_item(button, row_number))
    return items


def _item(button: Button, row: int) -> discord.ui.Item[discord.ui.View]:
    if button.url is not None:
        return discord.ui.Button(label=button.label[:80], url=button.url, row=row)
    assert button.action is not None
    item = ActionButton(button.action, button.label)
    item.row = row
    return cast(discord.ui.Item[discord.ui.View], item)


def card_embed(card: Card) -> discord.Embed:
    """Catalog text is escaped where embeds render markdown (description, fields), so a
    vendor's "[x](url)" cannot become a masked link; title and footer show it literally."""
    embed = discord.Embed(
        title=card.title[:256], description=_escaped(card.body, 4000) or None, url=card.url
    )
    for field in card.fields[:25]:
        embed.add_field(
            name=_escaped(field.name, 256),
            value=_escaped(field.value, 1024) or "—",
            inline=len(field.value) <= 40,
        )
    if card.image_url:
        embed.set_image(url=card.image_url)
    if card.footer:
        embed.set_footer(text=card.footer[:2048])
    return embed


def fits_native_poll(poll: Poll) -> bool:
    if not 1 <= len(poll.options) <= 10 or len(poll.question) > 300:
        return False
    if any(not 1 <= len(o.text) <= 55 for o in poll.options):
        return False
    return poll.closes_at is None or _whole_hours(poll) is not None


def _whole_hours(poll: Poll) -> int | None:
    if poll.closes_at is None:
        return 24
    seconds = (poll.closes_at - utcnow()).total_seconds()
    hours = round(seconds / 3600)
    if abs(seconds - hours * 3600) > 60 or not 1 <= hours <= 768:  # Discord: up to 32 days
        return None
    return hours


def messages(out: ChatMessage) -> list[Message]:
    """The sends one Out takes (long text splits into several)."""
    match out:
        case Text():
            return text_messages(out)
        case Buttons():
            parts = text_messages(out.text)
            parts[-1]["view"] = view(out.rows)
            return parts
        case Card():
            return [{"embed": card_embed(out), "view": view(out.buttons)}]
        case Image():
            if out.data is not None or out.path is not None:
                return [{"content": escape(out.caption) or None, "file": _upload(out)}]
            embed = discord.Embed(description=escape(out.caption) or None)
            embed.set_image(url=out.url)
            return [{"embed": embed}]
        case Poll():
            pictured = [o for o in out.options if o.image_url][:10]
            album = [discord.Embed(title=o.text[:256]).set_image(url=o.image_url) for o in pictured]
            return [{"embeds": album}, _poll(out)] if album else [_poll(out)]
        case Album():
            # Several pictures in one message show as a gallery.
            uploads = [_upload(image) for image in out.images[:10]]
            caption = out.images[0].caption if out.images else ""
            return [{"content": escape(caption) or None, "files": uploads}]
        case Document():
            upload = discord.File(io.BytesIO(out.data), filename=out.filename)
            return [{"content": escape(out.caption) or None, "file": upload}]
        case Form():  # where it cannot open at once: a button opens it
            parts = text_messages(out.prompt)
            parts[-1]["view"] = view(((Button(out.open_label, action=out.action),),))
            return parts
        case _:
            assert_never(out)


def _upload(image: Image) -> discord.File:
    """A picture's bytes, or our file (read when it is sent), as an upload."""
    if image.data is not None:
        return discord.File(io.BytesIO(image.data), filename=image.filename)
    assert image.path is not None
    return discord.File(image.path, filename=image.filename)


MODAL_TEXT_LIMIT = 45  # Discord's limit for a modal's title and a field's label


def modal(form: Form) -> discord.ui.Modal:
    """The form as a modal; its submission comes back to the adapter with the action."""
    dialog = discord.ui.Modal(
        title=form.title[:MODAL_TEXT_LIMIT], custom_id=f"sb:{form.action}", timeout=None
    )
    dialog.add_item(
        discord.ui.TextInput(
            label=form.label[:MODAL_TEXT_LIMIT],
            custom_id=FORM_FIELD,
            style=discord.TextStyle.paragraph if form.multiline else discord.TextStyle.short,
            max_length=min(form.max_length, 4000),
            placeholder=form.placeholder[:100] or None,
        )
    )
    # Stopped before it is sent, so discord.py does not keep it waiting for an answer:
    # the adapter reads every submission itself, also after a restart.
    dialog.stop()
    return dialog


def _poll(poll: Poll) -> Message:
    hours = _whole_hours(poll)
    if fits_native_poll(poll) and hours is not None:
        native = discord.Poll(
            question=poll.question, duration=timedelta(hours=hours), multiple=poll.multiple
        )
        for option in poll.options:
            native.add_answer(text=option.text)
        return {"poll": native}
    buttons = poll.as_buttons()
    return {"content": to_markdown(buttons.text)[:CONTENT_LIMIT], "view": view(buttons.rows)}


class DiscordSender:
    def __init__(
        self,
        client: discord.Client,
        default_locale: str,
        sent: Sent | None = None,
    ) -> None:
        self.client = client
        self.default_locale = default_locale
        self.sent = sent

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> list[SentRef]:
        """Post into a channel of the bot's own accord (mirrored polls, results), or to
        a person privately (ChatKind.PERSON: the id is theirs)."""
        channel: discord.abc.Messageable
        if chat.kind is ChatKind.PERSON:
            user = self.client.get_user(int(chat.id)) or await self.client.fetch_user(int(chat.id))
            channel = user.dm_channel or await user.create_dm()
        else:
            channel = self.client.get_partial_messageable(int(chat.id))
        return await self.to_channel(None, channel, None, outs)

    async def _pin(self, out: Pin) -> None:
        channel = self.client.get_partial_messageable(int(out.ref.chat_id))
        message = channel.get_partial_message(int(out.ref.message_id))
        try:
            await (message.pin() if out.on else message.unpin())
        except discord.HTTPException as error:  # no Manage Messages here: logged
            log.warning("pinning in channel %s: %s %s", out.ref.chat_id, error.status, error.text)

    async def _close_poll(self, out: ClosePoll) -> None:
        try:
            await self.client.http.end_poll(int(out.ref.chat_id), int(out.ref.message_id))
        except discord.HTTPException as error:  # already over (ended by its duration)
            log.info("ending poll %s: %s %s", out.ref.message_id, error.status, error.text)

    async def _record(self, out: Out, channel_id: object, message_id: object) -> None:
        if isinstance(out, Poll) and self.sent is not None and message_id is not None:
            # Votes on a native poll name its message; a button poll has no native id.
            native = str(message_id) if "poll" in _poll(out) else None
            ref = SentRef(str(channel_id), str(message_id), native_id=native)
            await self.sent(PLATFORM, str(channel_id), out, ref)

    # --- answers to a message (mention or DM) ---------------------------------------

    async def to_channel(
        self,
        event: Event | None,
        channel: discord.abc.Messageable,
        reply_to: discord.Message | None,
        outs: Sequence[Out],
    ) -> list[SentRef]:
        refs: list[SentRef] = []
        for out in outs:
            try:
                refs += await self._channel_out(event, channel, reply_to, out)
            except discord.HTTPException as error:
                _log_http(error, event)
        return refs

    async def _channel_out(
        self,
        event: Event | None,
        channel: discord.abc.Messageable,
        reply_to: discord.Message | None,
        out: Out,
    ) -> list[SentRef]:
        if isinstance(out, Ephemeral):  # no ephemeral messages outside interactions
            out = out.content
        if isinstance(out, Direct):
            if event is None:  # nobody to write to privately: it goes here
                return await self._channel_out(event, channel, reply_to, out.content)
            return await self._direct(event, out, channel, reply_to)
        if isinstance(out, Edit):
            await self.edit(out)
            return []
        if isinstance(out, ClosePoll):
            await self._close_poll(out)
            return []
        if isinstance(out, Pin):
            await self._pin(out)
            return []
        if isinstance(out, ToChat | Offers):
            raise TypeError(f"{type(out).__name__} are not sent to a Discord channel")
        refs = []
        parts = messages(out)
        for i, message in enumerate(parts):
            if i == 0 and reply_to is not None:  # answer as a reply to the question
                message = {**message, "reference": reply_to}
            sent = await channel.send(
                **_clean(message), allowed_mentions=NO_MENTIONS, mention_author=False
            )
            refs.append(SentRef(str(sent.channel.id), str(sent.id)))
            if i == len(parts) - 1:  # a poll is always the last part
                await self._record(out, sent.channel.id, sent.id)
        return refs

    async def _direct(
        self,
        event: Event,
        out: Direct,
        channel: discord.abc.Messageable,
        reply_to: discord.Message | None,
    ) -> list[SentRef]:
        user = self.client.get_user(int(event.actor.id)) or await self.client.fetch_user(
            int(event.actor.id)
        )
        try:
            return await self._channel_out(event, await user.create_dm(), None, out.content)
        except discord.Forbidden:
            i18n = I18n(negotiate([event.actor.locale], self.default_locale))
            note = Text.of(
                i18n.t(
                    N_(
                        "{name}, I couldn't send you a direct message. Please allow "
                        "direct messages from this server's members and ask "
                        "again."
                    ),
                    name=event.actor.display_name,
                )
            )
            return await self._channel_out(event, channel, reply_to, note)

    async def edit(self, edit: Edit) -> None:
        channel = self.client.get_partial_messageable(int(edit.ref.chat_id))
        message = channel.get_partial_message(int(edit.ref.message_id))
        content = edit.content
        if isinstance(content, Card):
            await message.edit(
                content=None,
                embed=card_embed(content),
                view=view(content.buttons),
                allowed_mentions=NO_MENTIONS,
            )
            return
        text = content.text if isinstance(content, Buttons) else content
        rows = content.rows if isinstance(content, Buttons) else ()
        first = text_messages(text)[0]
        await message.edit(
            content=first["content"], embed=None, view=view(rows), allowed_mentions=NO_MENTIONS
        )

    # --- answers to an interaction ------------------------------------------------

    async def to_interaction(
        self,
        event: Event,
        interaction: discord.Interaction,
        outs: Sequence[Out],
        deferred: bool,
        thinking: bool,
    ) -> None:
        """Respond within the interaction: the first message is the response (or, after a
        "thinking" defer, replaces it), the rest are follow-ups; Ephemeral ones are
        only seen by the person."""
        if not deferred and _opens_form(interaction, outs):
            try:
                await interaction.response.send_modal(modal(cast(Form, outs[0])))
            except discord.HTTPException as error:
                _log_http(error, event)
            return
        answer = _Answer(interaction, responded=deferred, pending=deferred and thinking)
        for out in outs:
            ephemeral = isinstance(out, Ephemeral)
            inner = out.content if isinstance(out, Ephemeral) else out
            try:
                if isinstance(inner, Direct):
                    await self._direct(event, inner, interaction.channel, None)  # type: ignore[arg-type]
                elif isinstance(inner, Edit):
                    await self.edit(inner)
                elif isinstance(inner, ClosePoll):
                    await self._close_poll(inner)
                elif isinstance(inner, Pin):
                    await self._pin(inner)
                elif isinstance(inner, ToChat | Offers):
                    # Discord has no inline mode; other chats' content is queued.
                    raise TypeError(f"{type(inner).__name__} do not answer an interaction")
                else:
                    parts = messages(inner)
                    for number, message in enumerate(parts):
                        sent = await answer.send(_clean(message), ephemeral)
                        if number == len(parts) - 1 and sent is not None:
                            await self._record(inner, interaction.channel_id, sent)
            except discord.HTTPException as error:
                _log_http(error, event)
        await answer.finish()


def _opens_form(interaction: discord.Interaction, outs: Sequence[Out]) -> bool:
    """A form alone opens as a modal, which only a command or a press can answer with."""
    return (
        len(outs) == 1
        and isinstance(outs[0], Form)
        and interaction.type
        in (discord.InteractionType.application_command, discord.InteractionType.component)
    )


class _Answer:
    """The messages of one interaction's answer: the response, what replaces a public
    "thinking…", follow-ups."""

    def __init__(self, interaction: discord.Interaction, responded: bool, pending: bool) -> None:
        self._interaction = interaction
        self._responded = responded
        self._pending = pending  # a public "thinking…" waits to be replaced

    async def send(self, message: Message, ephemeral: bool) -> int | None:
        """Send one message; returns its id when Discord tells it."""
        interaction = self._interaction
        kwargs = {**message, "allowed_mentions": NO_MENTIONS}
        if not self._responded:
            self._responded = True
            callback = await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
            return callback.message_id if callback else None
        if self._pending and not ephemeral:
            self._pending = False
            upload = kwargs.pop("file", None)
            uploads = kwargs.pop("files", None) or ([upload] if upload is not None else None)
            attachments = uploads if uploads is not None else discord.utils.MISSING
            await interaction.edit_original_response(**kwargs, attachments=attachments)
            return None
        if self._pending:  # the public "thinking…" must not stay
            self._pending = False
            await interaction.delete_original_response()
        sent = await interaction.followup.send(**kwargs, ephemeral=ephemeral, wait=True)
        return sent.id

    async def finish(self) -> None:
        if not self._responded:
            await self._interaction.response.defer()  # nothing to say
        elif self._pending:
            await self._interaction.delete_original_response()


def _clean(message: Message) -> Message:
    return {k: v for k, v in message.items() if v is not None}


def _log_http(error: discord.HTTPException, event: Event | None) -> None:
    response = error.response
    route = f"{response.method} {response.url.path}" if response is not None else "?"
    answering = f"event {event.event_id} in channel {event.chat.id}" if event else "unprompted"
    log.warning(
        "Discord %s %s on %s (%s): %s", error.status, error.code, route, answering, error.text
    )
