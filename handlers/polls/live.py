"""The live-count version of a button poll's message (native polls count by themselves)."""

from __future__ import annotations

from handlers.actions import vote_token
from handlers.chats import chat_ref
from handlers.context import Services
from handlers.i18n import N_, I18n
from handlers.model import Button, Buttons, ChatRef, Edit, SentRef, Span, Text, bold
from storage import polls
from storage.polls import PollView


async def live_edits(services: Services, poll_id: int) -> list[tuple[ChatRef, Edit]]:
    """One edit per chat where the poll shows as buttons, with the current counts (or
    only how many voted, while results are hidden)."""
    i18n = I18n(services.settings.default_locale)
    async with services.db.read() as session:  # beside the vote batches, not after them
        view = await polls.get(session, poll_id)
        if view is None or view.poll.closed_at is not None:
            return []
        counts, voters = await polls.tally(session, poll_id)
        posts = await polls.posts(session, poll_id)
    rows = tuple(
        (Button(str(i + 1), action=vote_token(str(poll_id), i)),) for i in range(len(view.options))
    )
    content = Buttons(button_text(view, counts, voters, i18n), rows)
    edits = []
    for post, chat in posts:
        if post.message_id is None or post.native_ref is not None:
            continue  # not posted yet, or a native poll
        target = chat_ref(chat)
        edits.append((target, Edit(SentRef(chat.platform_chat_id, post.message_id), content)))
    return edits


def button_text(
    view: PollView, counts: dict[int, int], voters: int, i18n: I18n, closed: bool = False
) -> Text:
    """A button poll's message: the question, numbered options with their counts (none
    while results are hidden), how many voted; once closed, saying so."""
    lines: list[str | Span] = [bold(view.poll.question)]
    for i, option in enumerate(view.options, start=1):
        hidden = view.poll.hide_results and not closed
        shown = "" if hidden else f" — {counts.get(option.id or 0, 0)}"
        lines.append(f"\n{i}. {option.text}{shown}")
    lines.append("\n" + i18n.tn("{n} person voted.", "{n} people voted.", voters))
    if closed:
        lines.append("\n" + i18n.t(N_("This poll is closed.")))
    return Text.of(*lines)
