"""Closing polls at their deadline, everywhere they ran, exactly once.

The database decides: a poll is closed by one UPDATE that only one process can win,
and each chat's result message is claimed the same way, so two processes (or a restart
half-way) never post a result twice. Polls that fell due while the bot was down close
on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from handlers.chats import chat_ref
from handlers.context import Services
from handlers.i18n import I18n
from handlers.model import ChatRef, ClosePoll, Out, SentRef
from handlers.polls.commands import result_outs
from storage import polls

log = logging.getLogger(__name__)
Deliver = Callable[[ChatRef, Sequence[Out]], Awaitable[None]]


async def close_due(services: Services, deliver: Deliver) -> int:
    """Close every poll past its deadline and post the results; returns polls closed here."""
    now = services.clock()
    async with services.db.session() as session:
        due = await polls.due(session, now)
    closed = 0
    for poll_id in due:
        async with services.db.session() as session:
            closed += await polls.claim_close(session, poll_id, now)
    await post_results(services, deliver)
    return closed


async def post_results(services: Services, deliver: Deliver) -> None:
    async with services.db.session() as session:
        pending = await polls.unsent_results(session)
    i18n = I18n(services.settings.default_locale)
    for post, chat in pending:
        async with services.db.session() as session:
            if not await polls.claim_results(session, post.id or 0, services.clock()):
                continue  # another process has it
            view = await polls.get(session, post.poll_id)
            assert view is not None
            outs = await result_outs(session, view, i18n)
        target = chat_ref(chat)
        if post.message_id is not None:
            outs = [ClosePoll(SentRef(chat.platform_chat_id, post.message_id)), *outs]
        try:
            await deliver(target, outs)
        except Exception:
            log.exception("posting results of poll %s to %s failed", post.poll_id, target)
