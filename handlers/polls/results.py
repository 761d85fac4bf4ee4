"""A poll's results as people see them: counts, percentages, the winner, a chart."""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import Image, Out, Text, bold
from handlers.polls.chart import bar_chart
from storage import polls
from storage.polls import PollView

VOTES = Nn_("{n} vote ({percent})", "{n} votes ({percent})")


async def results_of(session: AsyncSession, view: PollView, i18n: I18n) -> list[Out]:
    counts, voters = await polls.tally(session, view.id)
    values = [counts.get(o.id, 0) for o in view.options]
    best = max(values) if values else 0
    total = sum(values) or 1
    status = (
        i18n.t(N_("Final result"))
        if view.poll.closed_at is not None
        else i18n.t(N_("Results so far"))
    )
    lines: list[str] = []
    for option, count in zip(view.options, values, strict=True):
        marker = "🏆 " if count == best and best > 0 else ""
        share = i18n.percent(count / total)
        tally = i18n.tn(*VOTES, count, percent=share)
        lines.append(f"\n{marker}{option.text}: {tally}")
    header = i18n.rich(
        N_("{status} of poll {number}: {question}"),
        status=status,
        number=f"#{view.poll.number}",
        question=bold(view.poll.question),
    )
    summary = Text.of(*lines, "\n" + i18n.tn("{n} person voted.", "{n} people voted.", voters))
    chart = await asyncio.to_thread(
        bar_chart, view.poll.question, [o.text for o in view.options], values
    )
    return [
        header + summary,
        Image(
            data=chart, caption=view.poll.question[:200], filename=f"poll-{view.poll.number}.png"
        ),
    ]
