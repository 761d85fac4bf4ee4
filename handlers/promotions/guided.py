"""/promote with nothing after it: the promotion written step by step, in the vendor's
private chat: products, title, text, a discount code, when it starts, how often, how
long; then the same preview as the one-line form, with Submit and Discard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.core.context import Context
from handlers.core.conversations import Answer, Ask, Flow, Next, Typed
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.model import Text
from handlers.promotions import drafting, plans
from storage.catalog import product_by_sku
from storage.promotions import Plan

PRODUCTS, TITLE, TEXT, CODE, START, REPEAT, LENGTH = (
    "products",
    "title",
    "text",
    "code",
    "start",
    "repeat",
    "length",
)
NEW = N_("New promotion")
NO_CODE = "-"
Choices = tuple[tuple[tuple[str, str], ...], ...]


async def ask(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    t = ctx.t
    match step:
        case "products":
            asked = N_("Which products does it show? Their SKUs, separated by commas.")
            form = Typed(t(NEW), t(N_("SKUs")), max_length=700, placeholder="BAG-001, BAG-002")
            return Ask(Text.of(t(asked)), typed=form)
        case "title":
            asked = N_("Its title? (at most 100 characters)")
            form = Typed(t(NEW), t(N_("Title")), max_length=plans.TITLE_LIMIT)
            return Ask(Text.of(t(asked)), typed=form)
        case "text":
            asked = N_("Its text? (at most 2,000 characters)")
            form = Typed(t(NEW), t(N_("Text")), multiline=True, max_length=plans.TEXT_LIMIT)
            return Ask(Text.of(t(asked)), typed=form)
        case "code":
            asked = N_("A discount code to show? Type it, or press No code.")
            choices: Choices = (((t(N_("No code")), NO_CODE),),)
            return Ask(Text.of(t(asked)), choices)
        case "start":
            asked = N_(
                "When does it start? Press Now, or type a date and time (UTC) "
                "like 2026-12-01T10:00."
            )
            return Ask(Text.of(t(asked)), (((t(N_("Now")), "now"),),))
        case "repeat":
            asked = N_("How often is it posted? Press one, or type every how many days (3d).")
            choices = (
                ((t(N_("Once")), "once"), (t(N_("Daily")), "daily"), (t(N_("Weekly")), "weekly")),
            )
            return Ask(Text.of(t(asked)), choices)
    asked = N_("For how long? Press one, or type 14d or an end date (at most 90 days).")
    choices = (
        ((t(N_("1 day")), "1d"), (t(N_("1 week")), "7d")),
        ((t(N_("2 weeks")), "14d"), (t(N_("30 days")), "30d")),
    )
    return Ask(Text.of(t(asked)), choices)


async def answer(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    match step:
        case "products":
            skus = plans.parse_skus(_typed(given))
            for sku in skus:
                if await product_by_sku(ctx.session, sku) is None:
                    raise UserError(N_("I don't know the product {sku}."), sku=sku)
            return Next(TITLE, {**data, "skus": list(skus)})
        case "title":
            return Next(TEXT, {**data, "title": plans.check_title(_typed(given))})
        case "text":
            return Next(CODE, {**data, "text": plans.check_text(_typed(given))})
        case "code":
            code = None if given.choice == NO_CODE else plans.check_code(_typed(given).strip())
            return Next(START, {**data, "code": code})
        case "start":
            starts_at = plans.parse_start(given.choice or _typed(given), ctx.now())
            if starts_at < ctx.now() - timedelta(minutes=5):
                raise UserError(N_("The promotion starts in the past."))
            return Next(REPEAT, {**data, "start": starts_at.isoformat()})
        case "repeat":
            every = plans.parse_repeat(given.choice or _typed(given))
            return Next(LENGTH, {**data, "every": every})
    starts_at = datetime.fromisoformat(data["start"])
    plan = Plan(
        title=data["title"],
        body=data["text"],
        skus=tuple(data["skus"]),
        starts_at=max(starts_at, ctx.now()),
        ends_at=plans.parse_end(given.choice or _typed(given), starts_at),
        every_days=int(data["every"]),
        code=data.get("code"),
    )
    draft = plans.Draft(plans.check_span(plan, ctx.now()))
    return Next(None, outs=await drafting.drafted(ctx, draft))


def _typed(given: Answer) -> str:
    if given.choice is not None or not given.text.strip():
        raise UserError(N_("Please type your answer."))
    return given.text


FLOW = Flow("promotions.write", PRODUCTS, ask, answer)
