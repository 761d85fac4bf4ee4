"""The console platform: chat with the bot in a terminal, or script it through stdin.

It can play several people in several chats, so moderator and group behaviour can be
tried without Telegram or Discord. Lines starting with ':' are console commands
(see CONSOLE_HELP); a bare number presses that button of the last answer.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import assert_never

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from handlers.core.i18n import N_, SOURCE_LANGUAGE, I18n, available_languages, negotiate
from handlers.core.model import (
    Album,
    Attachment,
    Button,
    Buttons,
    Card,
    ChatKind,
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
    Style,
    Text,
    ToChat,
    UserRef,
)

PLATFORM = "console"
CONSOLE_HELP = """Console commands:
  :as NAME         talk as another person (each name is a separate member)
  :role ROLE       shopper or moderator (moderator = chat admin) for the current person
  :lang CODE       the language the current person's app reports, e.g. pl
  :group [NAME]    move to a group chat (mention @{bot} to ask questions there)
  :dm              back to the private chat with the bot
  :join            the current person joins the current group (newcomers' welcome)
  :photo FILE... [-- TEXT]  send pictures (a caption, or a command such as /review)
  :inline WORDS    what typing "@{bot} WORDS" in any Telegram chat offers to send there
  :who             who and where you are
  :quit            leave (end of input works too)
  A number presses that button of the last answer."""

_STYLES = {
    Style.PLAIN: "",
    Style.BOLD: "bold",
    Style.ITALIC: "italic",
    Style.CODE: "bold cyan",
    Style.LINK: "underline blue",
}

Dispatch = Callable[[Event], Awaitable[Sequence[Out]]]
IMAGE, FILE = N_("image"), N_("file")  # how pictures and files are marked in the chat


@dataclass
class Persona:
    name: str
    moderator: bool = False
    locale: str | None = None


class ConsoleAdapter:
    def __init__(
        self,
        dispatch: Dispatch,
        console: Console,
        bot_name: str,
        user: str = "you",
        default_locale: str = "en",
        language_of: Callable[[str, str], str | None] | None = None,
    ):
        """The adapter's own notes ("only you can see this") speak the language the bot
        last answered the person in (`language_of`, the router's), else the one set
        with :lang, else `default_locale`."""
        self._dispatch = dispatch
        self._default_locale = default_locale
        self._language_of = language_of
        self._console = console
        self._bot_name = bot_name
        self._personas: dict[str, Persona] = {}
        self._persona = self._persona_named(user)
        self._chat = ChatRef(PLATFORM, f"dm:{user}", ChatKind.DM, title=None)
        self._buttons: list[Button] = []
        # Event ids must never repeat across runs: the router drops ids it has seen.
        self._session = uuid.uuid4().hex[:12]
        self._counter = 0

    def _i18n(self) -> I18n:
        answered = self._language_of(PLATFORM, self._persona.name) if self._language_of else None
        return I18n(negotiate([answered, self._persona.locale], self._default_locale))

    def _english(self) -> bool:
        return self._i18n().language == SOURCE_LANGUAGE

    def _t(self, message: str, **values: object) -> str:
        return self._i18n().t(message, **values)

    def _persona_named(self, name: str) -> Persona:
        return self._personas.setdefault(name, Persona(name))

    async def run(self, interactive: bool | None = None) -> None:
        interactive = sys.stdin.isatty() if interactive is None else interactive
        if interactive:
            self._console.print(
                f"Chatting with {self._bot_name}. /help for commands, "
                ":help for console commands, :quit to leave."
            )
        while True:
            prompt = f"{self._persona.name}> " if interactive else ""
            line = await asyncio.to_thread(_read_line, prompt)
            if line is None or not await self.handle_line(line.rstrip("\r\n")):
                break

    async def handle_line(self, line: str) -> bool:
        """Process one input line; False when the user asked to leave."""
        stripped = line.strip()
        if not stripped:
            return True
        if stripped.lower() == ":join":
            event: Event | None = self._joined()
        elif stripped.lower().startswith(":photo"):
            event = self._photos(stripped[len(":photo") :])
        elif stripped.lower().startswith(":inline"):
            event = self._inline(stripped[len(":inline") :].strip())
        elif stripped.startswith(":"):
            return self._meta(stripped)
        elif stripped.isascii() and stripped.isdigit() and self._buttons:
            event = self._press(int(stripped))
        else:
            event = self.to_event(stripped)
        if event is not None:
            self.render(list(await self._dispatch(event)))
            if event.kind is EventKind.COMMAND and event.command == "help" and self._english():
                # The console's own commands are tooling, in English like the CLI; other
                # languages find them with :help.
                self._console.print(CONSOLE_HELP.format(bot=self._bot_name), highlight=False)
        return True

    def _next_id(self) -> str:
        self._counter += 1
        return f"{self._session}-{self._counter}"

    def _actor(self) -> UserRef:
        p = self._persona
        return UserRef(PLATFORM, p.name, p.name, p.name, p.locale, is_chat_admin=p.moderator)

    def to_event(self, line: str) -> Event:
        event_id, actor, chat = self._next_id(), self._actor(), self._chat
        if line.startswith("/") and len(line) > 1:
            head, _, rest = line[1:].partition(" ")
            name, _, target = head.partition("@")
            if target and target.lower() != self._bot_name.lower():
                name = ""  # addressed to another bot
            return Event(
                PLATFORM,
                event_id,
                EventKind.COMMAND,
                actor,
                chat,
                command=name.lower(),
                args=rest,
                text=line,
            )
        mention = f"@{self._bot_name}".lower()
        addressed = mention in line.lower()
        if addressed:
            start = line.lower().index(mention)
            line = (line[:start] + line[start + len(mention) :]).strip(" ,:")
        return Event(
            PLATFORM, event_id, EventKind.TEXT, actor, chat, text=line, addressed=addressed
        )

    def _inline(self, words: str) -> Event:
        """An inline query, as Telegram sends one: from the person, about no chat."""
        me = ChatRef(PLATFORM, f"dm:{self._persona.name}", ChatKind.DM)
        return Event(PLATFORM, self._next_id(), EventKind.INLINE, self._actor(), me, text=words)

    def _photos(self, rest: str) -> Event | None:
        """Pictures from files, with a caption that may be a command (as on Telegram)."""
        files, _, caption = rest.partition("--")
        paths = files.split()
        if not paths:
            self._console.print("Name the files: :photo a.jpg b.png -- caption")
            return None
        attachments = tuple(Attachment("file", path) for path in paths)
        caption = caption.strip()
        if caption.startswith("/"):
            return replace(self.to_event(caption), attachments=attachments)
        return Event(
            PLATFORM,
            self._next_id(),
            EventKind.PHOTO,
            self._actor(),
            self._chat,
            text=caption,
            attachments=attachments,
            addressed=True,
        )

    async def download(self, attachment: Attachment, limit: int) -> bytes:
        """A console "attachment" is a local file."""
        with open(attachment.ref, "rb") as source:  # noqa: ASYNC230 (a local file)
            return await asyncio.to_thread(source.read, limit + 1)

    def _joined(self) -> Event | None:
        """The current person joins the current group (as a platform reports a join)."""
        if self._chat.kind is ChatKind.DM:
            self._console.print("Move to a group first (:group NAME), then :join.")
            return None
        return Event(PLATFORM, self._next_id(), EventKind.JOIN, self._actor(), self._chat)

    def _press(self, number: int) -> Event | None:
        if not 1 <= number <= len(self._buttons):
            self._console.print(self._t(N_("There is no button {number}."), number=number))
            return None
        button = self._buttons[number - 1]
        if button.url is not None:
            opened = self._t(N_("Open in your browser: {url}"), url=button.url)
            self._console.print(opened, highlight=False, markup=False)
            return None
        return Event(
            PLATFORM,
            self._next_id(),
            EventKind.ACTION,
            self._actor(),
            self._chat,
            action=button.action,
        )

    def _set_locale(self, tag: str) -> None:
        spoken = available_languages()
        if tag.lower().replace("_", "-").split("-")[0] in spoken:
            self._persona.locale = tag
            return
        self._console.print(
            f"ShopBot does not speak {tag!r}; it speaks: {', '.join(spoken)}",
            highlight=False,
            markup=False,
        )

    def _meta(self, line: str) -> bool:
        command, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        match command.lower():
            case "quit" | "exit" | "q":
                return False
            case "as" if arg:
                self._persona = self._persona_named(arg)
                if self._chat.kind is ChatKind.DM:
                    self._chat = ChatRef(PLATFORM, f"dm:{arg}", ChatKind.DM)
            case "role" if arg.lower() in ("shopper", "moderator"):
                self._persona.moderator = arg.lower() == "moderator"
            case "lang" if arg:
                self._set_locale(arg)
            case "group":
                title = arg or "shop-talk"
                self._chat = ChatRef(PLATFORM, f"group:{title}", ChatKind.GROUP, title=title)
            case "dm":
                self._chat = ChatRef(PLATFORM, f"dm:{self._persona.name}", ChatKind.DM)
            case "who":
                pass
            case _:
                self._console.print(CONSOLE_HELP.format(bot=self._bot_name), highlight=False)
                return True
        where = self._chat.title or "private chat"
        role = "moderator" if self._persona.moderator else "shopper"
        lang = self._persona.locale or "default language"
        self._console.print(
            f"[you are {self._persona.name} ({role}, {lang}) in {where}]",
            highlight=False,
            markup=False,
        )
        return True

    # --- rendering -------------------------------------------------------------

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None:
        """Messages for another console chat (mirrored polls, results) are shown too."""
        self._console.print(
            f"[in {chat.title or chat.id}]", style="dim", highlight=False, markup=False
        )
        self.render(outs)

    def render(self, outs: Sequence[Out]) -> None:
        previous, self._buttons = self._buttons, []
        for out in outs:
            self._console.print(self._renderable(out))
        if not self._buttons:
            # An answer without buttons (say, "Your vote: Sand") leaves the last ones
            # pressable, so several people can vote on one poll in turn.
            self._buttons = previous

    def _renderable(self, out: Out) -> RenderableType:
        match out:
            case Text():
                return rich_text(out)
            case Form():  # typed as the next line
                return rich_text(out.prompt)
            case Card():
                return self._card(out)
            case Buttons():
                return Group(rich_text(out.text), self._button_rows(out.rows))
            case Image() | Album():
                images = out.images if isinstance(out, Album) else (out,)
                return Group(*(self._picture(image) for image in images))
            case Poll():
                return self._poll(out)
            case Document():
                return RichText(f"[{self._t(FILE)}: {out.filename}] {out.caption}")
            case ClosePoll() | Pin():
                return RichText(self._t(_note(out)), style="dim")
            case Ephemeral() | Edit() | Direct():
                return self._wrapped(out)
            case ToChat():
                raise TypeError("content for other chats is queued by the router")
            case Offers():
                return self._offers(out)
            case _:
                assert_never(out)

    def _offers(self, offers: Offers) -> RenderableType:
        """Inline offers as the cards one could pick, each sent as is."""
        note = self._t(N_("(offered to send into any chat; pick one)"))
        shown: list[RenderableType] = [RichText(note, style="dim")]
        if offers.hint:
            shown.append(RichText(offers.hint, style="italic"))
        shown += [self._card(offer.card) for offer in offers.items]
        return Group(*shown)

    def _picture(self, image: Image) -> RenderableType:
        """A picture as its address (a file of ours, a URL) and caption; one made here
        (a chart) by its caption."""
        where = image.path or image.url
        shown = f": {where}" if where else ""
        return RichText(f"[{self._t(IMAGE)}{shown}] {image.caption}".rstrip())

    def _wrapped(self, out: Ephemeral | Edit | Direct) -> RenderableType:
        """Content shown somewhere else than as a new message here, with a note saying where."""
        match out:
            case Ephemeral():
                note = self._t(N_("(only you can see this)"))
            case Edit():
                note = self._t(N_("(edits an earlier message)"))
            case Direct():
                note = self._t(N_("(private message to {name})"), name=self._persona.name)
            case _:
                assert_never(out)
        return Group(RichText(note, style="dim"), self._renderable(out.content))

    def _card(self, card: Card) -> RenderableType:
        parts: list[RenderableType] = []
        if card.body:
            parts.append(RichText(card.body))
        if card.fields:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold")
            table.add_column()
            for field in card.fields:
                table.add_row(field.name, field.value)
            parts.append(table)
        if card.image_url:
            parts.append(RichText(f"{self._t(IMAGE)}: {card.image_url}", style="dim"))
        if card.buttons:
            parts.append(self._button_rows(card.buttons))
        return Panel(
            Group(*parts),
            title=RichText(card.title, style="bold"),
            title_align="left",
            subtitle=RichText(card.footer, style="dim") if card.footer else None,
            subtitle_align="right",
        )

    def _button_rows(self, rows: Sequence[Sequence[Button]]) -> RenderableType:
        line = RichText()
        for row in rows:
            for button in row:
                self._buttons.append(button)
                line.append(f"[{len(self._buttons)}] ", style="bold magenta")
                line.append(button.label + ("  ↗" if button.url else ""))
                line.append("   ")
        return line

    def _poll(self, poll: Poll) -> RenderableType:
        """Each option with a number to type: the poll's own buttons, labelled with the
        option they vote for."""
        lines: list[RenderableType] = [
            RichText(("☑ " if poll.multiple else "◉ ") + poll.question, style="bold")
        ]
        pressed = [b for row in poll.as_buttons().rows for b in row]
        for option, button in zip(poll.options, pressed, strict=False):
            self._buttons.append(replace(button, label=option.text))
            lines.append(RichText(f"  [{len(self._buttons)}] {option.text}"))
        if poll.closes_at is not None:
            closes = self._i18n().moment(poll.closes_at)
            lines.append(RichText(self._t(N_("closes {deadline}"), deadline=closes), style="dim"))
        return Group(*lines)


def rich_text(text: Text) -> RichText:
    """Neutral text to rich Text. Spans are appended as plain strings: rich markup in
    user text (e.g. "[bold]") is shown literally, never interpreted."""
    out = RichText()
    for span in text.spans:
        out.append(span.text, style=_STYLES[span.style])
        if span.style is Style.LINK and span.url and span.url != span.text:
            out.append(f" ({span.url})", style="dim")
    return out


def _note(out: ClosePoll | Pin) -> str:
    """What happened to an earlier message, said in passing."""
    if isinstance(out, ClosePoll):
        return N_("(the poll above is closed)")
    return N_("(pinned a message)") if out.on else N_("(unpinned a message)")


def _read_line(prompt: str) -> str | None:
    if prompt:
        try:
            return input(prompt)
        except EOFError:
            return None
    line = sys.stdin.readline()
    return line or None
