"""Closing polls at their deadline, everywhere they ran, exactly once.

The database decides: a poll is closed by one UPDATE that only one process can win,
and each chat's result message is claimed the same way, so two processes never post a
result twice. A claim is a lease: if the process holding it dies before the result is
out, another (or the restarted one) posts it once the lease runs out; a failed post is
retried a few times. Polls that fell due while the bot was down close on the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.chats import chat_ref
from handlers.core.context import Post, Services, speaking_for
from handlers.core.i18n import I18n
from handlers.core.model import ClosePoll, Edit, Out, SentRef
from handlers.polls.live import button_text
from handlers.polls.results import results_of
from storage import polls
from storage.polls import PollView, PostRecord

log = logging.getLogger(__name__)
CLOSE_JOB = "polls.close"  # declared in commands.py as the polls feature's "close" job


# Longer than posting a result with its chart takes, rate limits and retries included.
RESULTS_LEASE = timedelta(minutes=5)
# A failed post (platform down, bot removed from the chat) is retried after 1, 2, 4 and
# 8 minutes, then given up with the error logged.
RESULT_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)


async def due_times(services: Services) -> list[datetime]:
    """When the close job must run: open polls' deadlines, and the ends of leases on
    result posts not sent yet (a process that died while posting)."""
    async with services.db.read() as session:
        return await polls.open_deadlines(session) + await polls.lease_ends(session, RESULTS_LEASE)


async def close_due(services: Services, deliver: Post) -> int:
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


async def _stop(session: AsyncSession, view: PollView, post: PostRecord, i18n: I18n) -> Out:
    """Stop the poll's message taking votes: a native poll is closed; a button poll is
    edited to its final counts without buttons (it is no platform poll to close)."""
    assert post.message_id is not None
    ref = SentRef(post.chat.platform_chat_id, post.message_id)
    if post.native_ref is not None:
        return ClosePoll(ref)
    counts, voters = await polls.tally(session, view.id)
    return Edit(ref, button_text(view, counts, voters, i18n, closed=True))


async def post_results(services: Services, deliver: Post) -> None:
    async with services.db.session() as session:
        pending = await polls.unsent_results(
            session, services.clock(), RESULTS_LEASE, RESULT_ATTEMPTS
        )
    for post in pending:
        post_id = post.id
        async with services.db.session() as session:
            attempt = await polls.claim_results(
                session, post_id, services.clock(), RESULTS_LEASE, RESULT_ATTEMPTS
            )
            if attempt is None:
                continue  # another process has it
            view = await polls.get(session, post.poll_id)
            assert view is not None
            i18n = await speaking_for(session, services, view.poll.created_by)
            outs = await results_of(session, view, i18n)
            if post.message_id is not None:
                outs = [await _stop(session, view, post, i18n), *outs]
        target = chat_ref(post.chat)
        try:
            await deliver(target, outs, key=f"poll-results:{post_id}")
            sent_at = services.clock()
        except Exception:
            log.exception("posting results of poll %s to %s failed", post.poll_id, target)
            sent_at = None
            if attempt < RESULT_ATTEMPTS:
                retry_at = services.clock() + FIRST_RETRY * 2 ** (attempt - 1)
                services.jobs.wake(CLOSE_JOB, retry_at)
        async with services.db.session() as session:
            await polls.finish_results(session, post_id, sent_at)
    # Posts other processes are sending: should one die, take over when its lease ends.
    async with services.db.session() as session:
        for when in await polls.lease_ends(session, RESULTS_LEASE):
            services.jobs.wake(CLOSE_JOB, when)
