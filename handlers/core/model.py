"""The neutral message model: what adapters turn platform updates into, and what
handlers return for adapters to render. Nothing here knows a platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


class EventKind(StrEnum):
    """What happened: a command, free text, a button press, a native poll vote, someone
    joining or leaving, a photo, an inline query (Telegram: `@<bot> words` typed in any
    chat; its chat is the person's private chat with the bot)."""

    COMMAND = "command"
    TEXT = "text"
    ACTION = "action"
    POLL_VOTE = "poll_vote"
    JOIN = "join"
    LEAVE = "leave"
    PHOTO = "photo"
    INLINE = "inline"


class ChatKind(StrEnum):
    """A private chat with the bot, a group (or Discord channel), a channel, a thread."""

    DM = "dm"
    GROUP = "group"
    CHANNEL = "channel"
    THREAD = "thread"
    # The private chat with the person whose platform user id is the ChatRef's id (what
    # the bot writes to someone of its own accord: a moderator's decision, a request).
    PERSON = "person"


@dataclass(frozen=True)
class UserRef:
    """Who sent an event, as the platform names them (ids are strings everywhere)."""

    platform: str
    id: str
    display_name: str
    username: str | None = None
    locale: str | None = None
    # Role facts the platform told the adapter (Telegram chat admin, Discord Manage Messages).
    is_chat_admin: bool = False
    is_bot: bool = False


@dataclass(frozen=True)
class ChatRef:
    """Where an event happened, as the platform names it."""

    platform: str
    id: str
    kind: ChatKind
    title: str | None = None
    guild_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: the platform's id for it (or a URL) and its type."""

    kind: str  # "photo", "file"
    ref: str  # platform file id or URL
    mime_type: str | None = None
    size: int | None = None  # bytes, when the platform tells before downloading


@dataclass(frozen=True)
class PollVote:
    """A vote. `change` "set": the member's whole choice (Telegram; empty = retracted);
    "add"/"remove": one answer added or withdrawn (Discord reports answers one by one)."""

    poll_ref: str
    option_ids: tuple[int, ...]
    change: Literal["set", "add", "remove"] = "set"


@dataclass(frozen=True)
class SentRef:
    """A message the bot sent or saw, as the platform names it. `native_id`: the id the
    platform uses for what the message carries, where it differs (a Telegram poll)."""

    chat_id: str
    message_id: str
    native_id: str | None = None


@dataclass(frozen=True)
class Posted:
    """Where an Out went, as the adapter that sent it reports (a poll's message, which
    its votes will name)."""

    platform: str
    chat_id: str  # the platform's
    out: Out
    ref: SentRef


@dataclass(frozen=True)
class Event:
    """One platform update in neutral form: what an adapter hands the router."""

    platform: str
    event_id: str  # platform update id, used to ignore redelivered updates
    kind: EventKind
    actor: UserRef
    chat: ChatRef
    command: str | None = None
    args: str = ""  # raw text after the command (text platforms)
    options: Mapping[str, Any] | None = None  # typed options (Discord slash commands)
    text: str = ""
    # In a group: the bot was mentioned or replied to (the mention already stripped).
    addressed: bool = False
    action: str | None = None  # opaque button token
    poll_vote: PollVote | None = None
    attachments: tuple[Attachment, ...] = ()
    invite: str | None = None  # join events: the invite link used, when the platform tells
    # The message this event answers: the replied-to message, or for a button press the
    # message carrying the button (so a handler can Edit it).
    reply_to: SentRef | None = None
    raw: Any = field(default=None, compare=False, repr=False)


# --- outgoing values ------------------------------------------------------------


class Style(StrEnum):
    """The markup a span may have; adapters render each natively."""

    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"


@dataclass(frozen=True)
class Span:
    """A run of text with one style. Adapters escape `text` for their platform."""

    text: str
    style: Style = Style.PLAIN
    url: str | None = None


@dataclass(frozen=True)
class Text:
    """Formatted text as spans; user and catalog text stay plain spans, never markup."""

    spans: tuple[Span, ...]

    @classmethod
    def of(cls, *parts: str | Span) -> Text:
        """Text from plain strings and spans, in order."""
        return cls(tuple(Span(p) if isinstance(p, str) else p for p in parts))

    @property
    def plain(self) -> str:
        """The text without its formatting."""
        return "".join(span.text for span in self.spans)

    def __add__(self, other: Text) -> Text:
        return Text(self.spans + other.spans)


def bold(text: str) -> Span:
    """A bold span."""
    return Span(text, Style.BOLD)


def code(text: str) -> Span:
    """A span shown as code (a link code, a command)."""
    return Span(text, Style.CODE)


@dataclass(frozen=True)
class Button:
    """Exactly one of `action` (opaque token, see handlers.core.actions) or `url`."""

    label: str
    action: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ValueError("a button has either an action or a url")


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Buttons:
    """Text with rows of buttons under it."""

    text: Text
    rows: ButtonRows


@dataclass(frozen=True)
class Form:
    """A question answered by typing. Where the platform has forms (Discord's modals),
    it opens as one when it answers a command or a press, else it shows `prompt` with a
    button that opens it; elsewhere `prompt` is shown and the answer is typed as a
    message. The form's answer comes back as the action `action` with the typed text in
    the event's options under FORM_FIELD; the action without text asks to open it."""

    prompt: Text
    title: str  # Discord: at most 45 characters, as `label`
    label: str
    action: str
    open_label: str
    multiline: bool = False
    max_length: int = 4000
    placeholder: str = ""


FORM_FIELD = "text"


@dataclass(frozen=True)
class CardField:
    """A labelled value on a card (price, colours, stock)."""

    name: str
    value: str


@dataclass(frozen=True)
class Card:
    """A product or promotion card. Platforms without cards show title, body, fields."""

    title: str
    body: str = ""
    fields: tuple[CardField, ...] = ()
    image_url: str | None = None
    url: str | None = None
    buttons: ButtonRows = ()
    footer: str = ""


@dataclass(frozen=True)
class Image:
    """A picture: bytes (a chart), a URL, or a file of ours (a review photo in
    `media_dir`), with a caption."""

    data: bytes | None = None
    url: str | None = None
    caption: str = ""
    filename: str = "image.png"
    path: str | None = None


@dataclass(frozen=True)
class Album:
    """Pictures shown together (a Telegram album, a Discord gallery), at most 10; the
    first one's caption is the album's."""

    images: tuple[Image, ...]


@dataclass(frozen=True)
class PollOption:
    """A poll answer, with the picture of its product if it names one."""

    text: str
    image_url: str | None = None


@dataclass(frozen=True)
class Poll:
    """A poll, shown as the platform's own poll where it fits. `fallback` is the same
    poll as buttons (handlers/polls/buttons.py), shown where it does not; without one,
    the question and options are shown as text."""

    ref: str
    question: str
    options: tuple[PollOption, ...]
    multiple: bool = False
    closes_at: datetime | None = None
    fallback: Buttons | None = None

    def as_buttons(self) -> Buttons:
        """What to show where the platform's own poll does not fit."""
        if self.fallback is not None:
            return self.fallback
        lines = [bold(self.question)]
        lines += [Span(f"\n{i}. {option.text}") for i, option in enumerate(self.options, 1)]
        return Buttons(Text(tuple(lines)), ())


@dataclass(frozen=True)
class Ephemeral:
    """Seen only by the actor: Discord ephemeral response, elsewhere a reply in place."""

    content: Text | Card | Buttons


@dataclass(frozen=True)
class Direct:
    """Sent to the actor in a private chat."""

    content: Text | Card | Buttons | Image | Album | Document | Form


@dataclass(frozen=True)
class Document:
    """A file to download (e.g. a CSV export)."""

    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class ClosePoll:
    """Stop a native poll so it takes no more votes."""

    ref: SentRef


@dataclass(frozen=True)
class Pin:
    """Pin a message at the top of its chat (or unpin it: `on` False). The bot needs the
    right to (Telegram: an admin who may pin; Discord: Manage Messages)."""

    ref: SentRef
    on: bool = True


@dataclass(frozen=True)
class ToChat:
    """Content for another chat (possibly on another platform), e.g. a mirrored poll."""

    chat: ChatRef
    content: Text | Card | Buttons | Image | Album | Document | Poll


@dataclass(frozen=True)
class Edit:
    """Replace the content of an earlier message."""

    ref: SentRef
    content: Text | Card | Buttons


@dataclass(frozen=True)
class Reacted:
    """Reactions on a message of the bot's: Telegram tells a message's anonymous total
    (`total`, to admin bots), Discord each person adding or taking back one (`user_id`,
    `emoji`, `added`)."""

    platform: str
    chat_id: str
    message_id: str
    total: int | None = None
    user_id: str | None = None
    emoji: str = ""
    added: bool = True


@dataclass(frozen=True)
class Offer:
    """One card offered for an inline query: picked, it is sent into whatever chat the
    person is typing in, a chat the bot may not be in, so its buttons are links only."""

    key: str  # unique among the offers of one answer
    card: Card
    description: str = ""


@dataclass(frozen=True)
class Offers:
    """The answer to an inline query. Personal (each carries the asker's code), so
    never cached for anyone else; `hint` is shown above them (or alone, for none)."""

    items: tuple[Offer, ...]
    hint: str = ""


# What shows as messages in a chat; adapters render each kind (and `Out`s exhaustively:
# a new kind fails the type check of every adapter until it is rendered).
ChatMessage = Text | Card | Buttons | Image | Album | Poll | Document | Form
Out = ChatMessage | Ephemeral | Direct | Edit | ClosePoll | Pin | ToChat | Offers
