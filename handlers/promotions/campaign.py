"""A promotion's campaign numbers: what was delivered and how many people followed its
links, per day (a PNG chart: people would rather look than read) and per chat, each
figure saying whether it is exact or an estimate; and the same as CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import date

from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import Image, Out, Span, Text, bold
from storage.promotions import Numbers, PromotionRecord

WIDTH_PX, HEIGHT_PX, DPI = 800, 420, 100
POSTS = Nn_("{n} post delivered", "{n} posts delivered")
PEOPLE = Nn_("{n} person followed a link", "{n} people followed a link")
EXACT = N_("exact: counted as each post reached its chat")
ESTIMATED = N_(
    "estimated: a link button does not say who pressed it, so people are told apart "
    "by network address and browser; link previews are not counted"
)


def days_of(numbers: Numbers) -> list[date]:
    return sorted({day for _, day in numbers.posts} | {day for _, day in numbers.clicks})


def chats_of(numbers: Numbers) -> list[str]:
    return sorted({chat for chat, _ in numbers.posts} | {chat for chat, _ in numbers.clicks})


async def report(record: PromotionRecord, numbers: Numbers, i18n: I18n) -> list[Out]:
    """/campaign: the chart, then the figures in words."""
    posts, clicks = sum(numbers.posts.values()), sum(numbers.clicks.values())
    parts: list[str | Span] = [
        bold(
            i18n.t(N_("Campaign of {title} (#{number})"), title=record.plan.title, number=record.id)
        ),
        "\n" + i18n.tn(*POSTS, posts) + " (" + i18n.t(EXACT) + ")",
        "\n" + i18n.tn(*PEOPLE, clicks) + " (" + i18n.t(ESTIMATED) + ")",
    ]
    if numbers.late or numbers.capped:
        parts.append(
            "\n"
            + i18n.t(
                N_("Not posted: {late} missed while the bot was down, {capped} over a daily cap."),
                late=numbers.late,
                capped=numbers.capped,
            )
        )
    for chat in chats_of(numbers):
        sent = sum(n for (c, _), n in numbers.posts.items() if c == chat)
        followed = sum(n for (c, _), n in numbers.clicks.items() if c == chat)
        parts.append(f"\n• {chat}: " + i18n.tn(*POSTS, sent) + ", " + i18n.tn(*PEOPLE, followed))
    days = days_of(numbers)
    outs: list[Out] = [Text.of(*parts)]
    if days:
        labels = (i18n.t(N_("Posts")), i18n.t(N_("People who followed a link")))
        chart = await asyncio.to_thread(
            day_chart,
            record.plan.title,
            [i18n.day(d) for d in days],
            [sum(n for (_, d), n in numbers.posts.items() if d == day) for day in days],
            [sum(n for (_, d), n in numbers.clicks.items() if d == day) for day in days],
            labels,
        )
        caption = i18n.t(N_("Campaign of {title}"), title=record.plan.title)[:200]
        outs.insert(0, Image(data=chart, caption=caption, filename=f"campaign-{record.id}.png"))
    return outs


def day_chart(
    title: str,
    days: Sequence[str],
    posts: Sequence[int],
    clicks: Sequence[int],
    labels: tuple[str, str],
) -> bytes:
    """Posts and people per day, side by side. Blocking: call it in a worker thread
    (matplotlib's object API keeps no global state; imported on first use)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    axes = figure.subplots()
    places = list(range(len(days)))
    width = 0.4
    axes.bar([p - width / 2 for p in places], posts, width, label=labels[0], color="#90a4ae")
    axes.bar([p + width / 2 for p in places], clicks, width, label=labels[1], color="#2e7d32")
    axes.set_xticks(places, list(days), rotation=45 if len(days) > 8 else 0)
    axes.set_title(title if len(title) <= 70 else title[:69] + "…")
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # no half posts
    axes.legend(frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def as_csv(numbers: Numbers) -> str:
    """One row per day and chat: posts delivered (exact) and people who followed a link
    (estimated)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "chat", "posts_delivered_exact", "people_followed_link_estimated"])
    for day in days_of(numbers):
        for chat in chats_of(numbers):
            sent, followed = numbers.posts.get((chat, day), 0), numbers.clicks.get((chat, day), 0)
            if sent or followed:
                writer.writerow([day.isoformat(), chat, sent, followed])
    return out.getvalue()
