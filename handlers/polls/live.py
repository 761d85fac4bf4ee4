"""Live counts on button polls (native polls count by themselves).

A job edits each button copy of an open poll whose counts changed, at most once per
run (every few seconds), never once per vote: a busy poll would otherwise hit the
platforms' rate limits. What a copy shows is remembered in the database (a digest), so
whichever process runs the job edits a copy once per change, for votes cast through
any process; copies on platforms it does not run get their edit through the outbox,
where a newer count takes the place of a waiting one.
"""

from __future__ import annotations

import hashlib

from handlers.core.chats import chat_ref
from handlers.core.context import Services, speaking_for
from handlers.core.i18n import N_, I18n
from handlers.core.model import Buttons, Edit, SentRef, Span, Text, bold
from handlers.polls.buttons import vote_rows
from storage import polls
from storage.polls import PollView


async def show_counts(services: Services) -> int:
    """Edit the button copies whose counts changed; returns how many were edited."""
    edited = 0
    async with services.db.read() as session:  # beside the vote batches, not after them
        posts = await polls.open_button_posts(session)
        views = await polls.get_many(session, {post.poll_id for post in posts})
        tallies = {poll_id: await polls.tally(session, poll_id) for poll_id in views}
        # As posted (no votes, never edited): nothing to show, and no language to ask.
        posts = [post for post in posts if tallies[post.poll_id][1] or post.live_digest]
        languages = {
            poll_id: await speaking_for(session, services, views[poll_id].poll.created_by)
            for poll_id in {post.poll_id for post in posts}
        }
    for post in posts:
        view = views[post.poll_id]
        counts, voters = tallies[post.poll_id]
        rows = vote_rows(str(view.id), len(view.options))
        content = Buttons(button_text(view, counts, voters, languages[post.poll_id]), rows)
        digest = hashlib.sha256(content.text.plain.encode()).hexdigest()[:32]
        async with services.db.session() as session:
            if not await polls.claim_live(session, post.id, digest):
                continue  # shown already (by this process or another)
        assert post.message_id is not None
        edit = Edit(SentRef(post.chat.platform_chat_id, post.message_id), content)
        await services.post(chat_ref(post.chat), [edit], key=f"live:{post.id}", replace=True)
        edited += 1
    return edited


def button_text(
    view: PollView, counts: dict[int, int], voters: int, i18n: I18n, closed: bool = False
) -> Text:
    """A button poll's message: the question, numbered options with their counts (none
    while results are hidden), how many voted; once closed, saying so."""
    lines: list[str | Span] = [bold(view.poll.question)]
    for i, option in enumerate(view.options, start=1):
        hidden = view.poll.hide_results and not closed
        shown = "" if hidden else f" — {counts.get(option.id, 0)}"
        lines.append(f"\n{i}. {option.text}{shown}")
    lines.append("\n" + i18n.tn("{n} person voted.", "{n} people voted.", voters))
    if closed:
        lines.append("\n" + i18n.t(N_("This poll is closed.")))
    return Text.of(*lines)
