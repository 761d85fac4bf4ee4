"""Style polls: moderators ask, everyone votes once (linked accounts count once), the
deadline closes the poll everywhere it runs and posts the result with a chart."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.actions import VOTE
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context, Services
from handlers.core.conversations import start
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role
from handlers.core.i18n import N_, Msg
from handlers.core.model import (
    Direct,
    Document,
    Ephemeral,
    Out,
    Poll,
    Posted,
    Text,
)
from handlers.polls import guided, voting
from handlers.polls.closing import CLOSE_JOB, close_due, due_times
from handlers.polls.live import show_counts
from handlers.polls.posting import post_poll
from handlers.polls.results import results_of
from handlers.polls.spec import parse_spec
from storage import linking, numbering, polls
from storage.polls import PollView

feature = Feature("polls")
# Both left out: the poll is made step by step (handlers/polls/guided.py).
DEADLINE = Param(
    "deadline", ParamKind.WORD, required=False, placeholder=N_("deadline"), max_length=40
)
SPEC = Param(
    "poll",
    ParamKind.TEXT,
    required=False,
    placeholder=N_("question | option | option"),
    max_length=2000,
)
POLL_NUMBER = Param(
    "number", ParamKind.INT, required=False, placeholder=N_("poll number"), min_value=1
)


@feature.command(
    "poll",
    N_("Start a poll: /poll 2d Which colour? | Sand | Olive"),
    params=[DEADLINE, SPEC],
    role=Role.MODERATOR,
)
async def create_poll(ctx: Context, args: Args) -> Sequence[Out]:
    if "poll" not in args:
        if "deadline" in args:
            example = Msg(N_("/poll 2d Which colour? | Sand | Olive"))
            raise UserError(N_("Add the question and options: {example}"), example=example)
        return await start(ctx, guided.FLOW)  # step by step
    return await post_poll(ctx, parse_spec(args["deadline"], args["poll"], ctx.now()))


@feature.sent(Poll)
async def remember_post(session: AsyncSession, posted: Posted) -> None:
    """Note the message the poll became, so native votes (which name it) find it."""
    assert isinstance(posted.out, Poll)
    await polls.record_post(
        session,
        int(posted.out.ref),
        posted.platform,
        posted.chat_id,
        posted.ref.message_id,
        posted.ref.native_id,
    )


feature.bulk_action(VOTE)(voting.presses)
feature.poll_vote(voting.answers)
feature.job("live", every=timedelta(seconds=3))(show_counts)
feature.on_merge(polls.move_votes)
feature.flow(guided.FLOW)


@feature.job("close", due=due_times)
async def close(services: Services) -> None:
    """Close what fell due, post results everywhere (also results whose post failed or
    whose poster died)."""
    await close_due(services, services.post)


async def _poll_for(ctx: Context, args: Args) -> PollView:
    """The poll a command names: by its number in this chat's community (another
    community's polls do not exist here), else the newest poll of this chat."""
    if "number" in args:
        here = await linking.chat(ctx.session, ctx.chat_id)
        view = await polls.by_number(
            ctx.session,
            args["number"],
            ctx.chat_id,
            await numbering.scope_chat_ids(ctx.session, here),
        )
    else:
        view = await polls.latest_in_chat(ctx.session, ctx.chat_id)
    if view is None and "number" in args:
        raise UserError(N_("There is no poll {number} here."), number=f"#{args['number']}")
    if view is None:
        raise UserError(N_("There is no poll here yet."))
    return view


@feature.command("results", N_("Show a poll's results"), params=[POLL_NUMBER])
async def results(ctx: Context, args: Args) -> Sequence[Out]:
    view = await _poll_for(ctx, args)
    running = view.poll.closed_at is None
    # Hidden results are a matter of what is shown, not of who may ask: moderators see them.
    if running and view.poll.hide_results and Role.MODERATOR not in ctx.roles:
        return [Text.of(ctx.t(N_("The results of this poll are shown when it closes.")))]
    return await results_of(ctx.session, view, ctx.i18n)


@feature.command("close", N_("Close a poll now"), params=[POLL_NUMBER], role=Role.MODERATOR)
async def close_now(ctx: Context, args: Args) -> Sequence[Out]:
    view = await _poll_for(ctx, args)
    if not await polls.claim_close(ctx.session, view.id, ctx.now()):
        raise UserError(N_("This poll is closed."))
    ctx.wake(CLOSE_JOB)  # posts the results everywhere the poll ran, once committed
    return [Ephemeral(Text.of(ctx.t(N_("Closed. The results are on their way."))))]


@feature.command(
    "export",
    N_("Get a poll's votes as a CSV file, privately"),
    params=[POLL_NUMBER],
    role=Role.MODERATOR,
)
async def export(ctx: Context, args: Args) -> Sequence[Out]:
    view = await _poll_for(ctx, args)
    names = {o.id: o.text for o in view.options}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["member", "choice"])
    for member, option_id in await polls.ballots(ctx.session, view.id):
        writer.writerow([member, names.get(option_id, "?")])
    return [
        Direct(
            Document(
                buffer.getvalue().encode(),
                f"poll-{view.poll.number}-votes.csv",
                ctx.t(N_("Votes of poll {number}"), number=f"#{view.poll.number}"),
            )
        )
    ]
