"""Native polls' votes cast while the bot was not listening.

Discord sends a vote event only to a connected bot: votes cast (or withdrawn) while the
bot was down or reconnecting are never delivered. Discord keeps the voters of each
answer, though, so when the adapter connects it reads them for every open native poll
and this makes the ballots agree. Discord speaks for the Discord accounts it lists,
and for members whose accounts are all on Discord (a ballot of theirs it does not list
was withdrawn); a linked member's ballot may come from another platform's copy, so
it is left as it is when Discord does not list them.

Telegram keeps undelivered updates for 24 hours and ShopBot confirms them only once
handled (bot/adapters/telegram/polling.py), so its native votes need no such pass; its
API has no way to list a poll's voters anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from handlers.core.context import Services
from storage import polls
from storage.identity import ensure_members

log = logging.getLogger(__name__)
# (chat id, message id, number of answers) -> per answer, its voters as (user id, name);
# None when the message is gone.
Voters = Callable[[str, str, int], Awaitable[Sequence[Sequence[tuple[str, str]]] | None]]


async def reconcile(services: Services, platform: str, voters: Voters) -> int:
    """Make the ballots of open native polls on `platform` agree with what the platform
    says; returns how many ballots changed."""
    async with services.db.read() as session:
        posts = await polls.open_native_posts(session, platform)
        views = await polls.get_many(session, {post.poll_id for post in posts})
    seen: dict[int, dict[tuple[str, str], set[int]]] = {}  # poll -> voter -> positions
    partial: set[int] = set()  # polls with a copy the platform no longer has
    for post in posts:
        view = views[post.poll_id]
        assert post.message_id is not None
        lists = await voters(post.chat.platform_chat_id, post.message_id, len(view.options))
        ballots = seen.setdefault(post.poll_id, {})
        if lists is None:
            partial.add(post.poll_id)
        for position, answer in enumerate(lists or ()):
            for voter in answer:
                ballots.setdefault(voter, set()).add(position)
    changed = 0
    for poll_id, ballots in seen.items():
        whole = poll_id not in partial
        changed += await _agree(services, platform, views[poll_id], ballots, whole)
    if changed:
        log.info("%s: %d ballot(s) brought in line with the platform's polls", platform, changed)
    return changed


async def _agree(
    services: Services,
    platform: str,
    view: polls.PollView,
    ballots: dict[tuple[str, str], set[int]],
    whole: bool,
) -> int:
    """Set the listed voters' choices; with every copy read (`whole`), also withdraw the
    ballots of members the platform alone speaks for and no copy lists."""
    async with services.db.session() as session:
        members = await ensure_members(
            session, [(platform, user_id, name, None) for user_id, name in ballots]
        )
        wanted: dict[int, set[int]] = {}
        for (user_id, _), positions in ballots.items():
            chosen = sorted(positions)
            if not view.poll.multiple:
                chosen = chosen[:1]  # one answer; two copies disagreeing: the first
            option_ids = {view.options[p].id for p in chosen if p < len(view.options)}
            wanted.setdefault(members[platform, user_id].member_id, set()).update(option_ids)
        if whole:
            for member_id in await polls.voters_only_on(session, view.id, platform):
                wanted.setdefault(member_id, set())  # listed nowhere: withdrawn
        before = await polls.choices(session, [(view.id, m) for m in wanted])
        changes = {
            (view.id, member): (before.get((view.id, member), set()), after)
            for member, after in wanted.items()
            if after != before.get((view.id, member), set())
        }
        single = [] if view.poll.multiple else [view.id]
        await polls.save_choices(session, changes, single)
    return len(changes)
