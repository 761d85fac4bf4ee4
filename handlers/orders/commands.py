"""Orders in chat: `/order NUMBER EMAIL` claims an order privately (five wrong tries in
an hour block claiming for that hour), and a few days after an order its buyer gets one
private request for a review, whatever they will say."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.core import codec, earning
from handlers.core.actions import WRITE_REVIEW, encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import SEND_JOB, Context, Services, speaking_for
from handlers.core.features import Args, Feature, Scope
from handlers.core.i18n import N_
from handlers.core.model import Button, Buttons, ChatKind, Out, Text, bold
from handlers.orders.service import email_hash
from storage import orders, outbox, referrals
from storage.identity import accounts_of
from storage.linking import lock_member

feature = Feature("orders")
NUMBER = Param("number", ParamKind.WORD, placeholder=N_("order number"), max_length=64)
EMAIL = Param("email", ParamKind.WORD, placeholder=N_("e-mail"), max_length=254)
CLAIM_WINDOW = timedelta(hours=1)
CLAIM_TRIES = 5
REQUESTS_PER_RUN = 100
# Orders older than this are never asked about (an imported history, a late claim).
ASK_WITHIN = timedelta(days=60)
ASK_JOB = "orders.ask_reviews"


@feature.command(
    "order",
    N_("Tell me an order of yours, so your reviews show Verified buyer"),
    params=[NUMBER, EMAIL],
    scope=Scope.DM,
)
async def claim(ctx: Context, args: Args) -> Sequence[Out]:
    """Refusals are replies, not UserErrors: the wrong try must stay recorded."""
    member, now = ctx.member.member_id, ctx.now()
    await lock_member(ctx.session, member)  # tries sent at once are counted in turn
    if await orders.claim_failures(ctx.session, member, now - CLAIM_WINDOW) >= CLAIM_TRIES:
        return [Text.of(ctx.t(N_("Too many wrong tries. Please try again in an hour.")))]
    salt = await orders.email_salt(ctx.session)
    found = await orders.claim(ctx.session, member, args["number"], email_hash(salt, args["email"]))
    await orders.record_claim(ctx.session, member, found is not None, now)
    if found is None:
        wrong = N_(
            "I have no order with that number and e-mail. Check both (the number as in "
            "your confirmation e-mail) and try again."
        )
        return [Text.of(ctx.t(wrong))]
    ctx.wake(ASK_JOB)
    sharer = await orders.sharer_of_order(ctx.session, found[0]) or await referrals.sharer_of(
        ctx.session, member
    )
    await earning.for_order(ctx.session, ctx.services.settings, found[0], member, sharer, now)
    done = N_("Order {number} is yours: your reviews of what you bought show Verified buyer.")
    return [ctx.rich(done, number=bold(found[1]))]


async def _due(services: Services) -> Sequence[datetime]:
    wait = timedelta(days=services.settings.review_request_days)
    after = services.clock() - ASK_WITHIN
    async with services.db.read() as session:
        placed = await orders.review_requests_due(session, after, REQUESTS_PER_RUN)
    return [when + wait for when in placed]


@feature.job("ask_reviews", due=_due)
async def ask_reviews(services: Services) -> int:
    """One private request per order, once its buyer has had it a few days. Each order
    is claimed in the database first, so processes never ask twice."""
    now = services.clock()
    placed = (now - ASK_WITHIN, now - timedelta(days=services.settings.review_request_days))
    asked = 0
    async with services.db.session() as session:
        for purchase in await orders.take_review_requests(session, placed, now, REQUESTS_PER_RUN):
            accounts = await accounts_of(session, purchase.member_id)
            if not accounts:
                continue
            platform, user_id = accounts[0]
            i18n = await speaking_for(session, services, purchase.member_id)
            ask = i18n.rich(
                N_(
                    "Thank you for your order {number}! How do you find what you bought? "
                    "A review helps other shoppers, whatever you think of it."
                ),
                number=bold(purchase.number),
            )
            rows = tuple(
                (Button(name[:60], action=encode(WRITE_REVIEW, str(product_id))),)
                for product_id, _sku, name in purchase.products[:5]
            )
            # Queued with the claim of the order, so it goes out once, after the commit.
            await outbox.put(
                session,
                f"review-request:{purchase.order_id}",
                platform,
                user_id,
                ChatKind.PERSON.value,
                codec.dumps([Buttons(ask, rows)]),
                now,
            )
            asked += 1
    if asked:
        services.jobs.wake(SEND_JOB)
    return asked
