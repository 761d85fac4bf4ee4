"""A promotion's campaign numbers: what was delivered and how many people followed its
links, per day (a PNG chart: people would rather look than read) and per chat, each
figure saying whether it is exact or an estimate; and the same as CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_precision

from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import Image, Out, Span, Text, bold
from storage.promotions import Numbers, PromotionRecord

WIDTH_PX, HEIGHT_PX, DPI = 800, 420, 100
POSTS = Nn_("{n} post delivered", "{n} posts delivered")
PEOPLE = Nn_("{n} person followed a link", "{n} people followed a link")
ORDERS = Nn_("{n} order carried its link or code", "{n} orders carried its link or code")
EXACT = N_("exact: counted as each post reached its chat")
AS_REPORTED = N_("exact: as the shop reported them")
REACTIONS = Nn_("{n} reaction", "{n} reactions")
SHARES = Nn_("{n} person took their share link", "{n} people took their share link")
ARRIVALS = Nn_("{n} newcomer came through them", "{n} newcomers came through them")
AS_SEEN = N_(
    "exact where the bot sees them: on Discord everywhere, on Telegram where it is an admin"
)
ESTIMATED = N_(
    "estimated: a link button does not say who pressed it, so people are told apart "
    "by network address and browser; link previews are not counted"
)


def days_of(numbers: Numbers) -> list[date]:
    by_chat = {
        day for counts in (numbers.posts, numbers.clicks, numbers.shares) for _, day in counts
    }
    return sorted(by_chat | set(numbers.orders) | set(numbers.arrivals))


def chats_of(numbers: Numbers) -> list[str]:
    counted = (numbers.posts, numbers.clicks, numbers.shares)
    return sorted({chat for counts in counted for chat, _ in counts})


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
    reacted = sum(numbers.reactions.values())
    parts.append("\n" + i18n.tn(*REACTIONS, reacted) + " (" + i18n.t(AS_SEEN) + ")")
    parts.append(
        "\n"
        + i18n.tn(*SHARES, sum(numbers.shares.values()))
        + "; "
        + i18n.tn(*ARRIVALS, sum(numbers.arrivals.values()))
        + " ("
        + i18n.t(N_("exact"))
        + ")"
    )
    orders = sum(numbers.orders.values())
    parts.append("\n" + i18n.tn(*ORDERS, orders) + " (" + i18n.t(AS_REPORTED) + ")")
    totals: dict[str, int] = {}
    for (_, currency), amount in numbers.revenue.items():
        totals[currency] = totals.get(currency, 0) + amount
    if totals:
        amounts = ", ".join(i18n.price(totals[c], c) for c in sorted(totals))
        parts.append("\n" + i18n.t(N_("Ordered for {amounts}, before refunds."), amounts=amounts))
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
        reactions = i18n.tn(*REACTIONS, numbers.reactions.get(chat, 0))
        shared = sum(n for (c, _), n in numbers.shares.items() if c == chat)
        line = ", ".join(
            (
                i18n.tn(*POSTS, sent),
                i18n.tn(*PEOPLE, followed),
                reactions,
                i18n.tn(*SHARES, shared),
            )
        )
        parts.append(f"\n• {chat}: {line}")
    days = days_of(numbers)
    outs: list[Out] = [Text.of(*parts)]
    if days:
        series = (
            (
                i18n.t(N_("Posts")),
                [sum(n for (_, d), n in numbers.posts.items() if d == day) for day in days],
            ),
            (
                i18n.t(N_("People who followed a link")),
                [sum(n for (_, d), n in numbers.clicks.items() if d == day) for day in days],
            ),
            (i18n.t(N_("Orders")), [numbers.orders.get(day, 0) for day in days]),
        )
        chart = await asyncio.to_thread(
            day_chart, record.plan.title, [i18n.day(d) for d in days], series
        )
        caption = i18n.t(N_("Campaign of {title}"), title=record.plan.title)[:200]
        outs.insert(0, Image(data=chart, caption=caption, filename=f"campaign-{record.id}.png"))
    return outs


COLOURS = ("#90a4ae", "#2e7d32", "#ef6c00")


def day_chart(
    title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> bytes:
    """Each series per day, side by side (posts, people, orders). Blocking: call it in
    a worker thread (matplotlib's object API keeps no global state; imported on first
    use)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    axes = figure.subplots()
    places = list(range(len(days)))
    width = 0.8 / len(series)
    for number, (label, values) in enumerate(series):
        shift = (number - (len(series) - 1) / 2) * width
        colour = COLOURS[number % len(COLOURS)]
        axes.bar([p + shift for p in places], values, width, label=label, color=colour)
    axes.set_xticks(places, list(days), rotation=45 if len(days) > 8 else 0)
    axes.set_title(title if len(title) <= 70 else title[:69] + "…")
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # no half posts
    axes.legend(frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


SHOP = "(shop)"  # the CSV's "chat" for orders: the shop does not say which chat led to one
LINKS = "(share links)"  # and for arrivals: a share link does not say which chat it came from


def as_csv(numbers: Numbers) -> str:
    """One row per day and chat: posts delivered (exact), people who followed a link
    (estimated), people who took their share link (exact); and per day, on rows of
    their own, newcomers through those links and orders carrying its link or code with
    their totals (exact, as ordered)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "day",
            "chat",
            "posts_delivered_exact",
            "people_followed_link_estimated",
            "shares_exact",
            "arrivals_exact",
            "orders_exact",
            "ordered_total_exact",
        ]
    )
    for day in days_of(numbers):
        for chat in chats_of(numbers):
            sent, followed = numbers.posts.get((chat, day), 0), numbers.clicks.get((chat, day), 0)
            shared = numbers.shares.get((chat, day), 0)
            if sent or followed or shared:
                writer.writerow([day.isoformat(), chat, sent, followed, shared, "", "", ""])
        if numbers.arrivals.get(day):
            writer.writerow([day.isoformat(), LINKS, "", "", "", numbers.arrivals[day], "", ""])
        if numbers.orders.get(day):
            totals = " ".join(
                f"{Decimal(amount).scaleb(-get_currency_precision(currency))} {currency}"
                for (d, currency), amount in sorted(numbers.revenue.items())
                if d == day
            )
            writer.writerow([day.isoformat(), SHOP, "", "", "", "", numbers.orders[day], totals])
    return out.getvalue()
