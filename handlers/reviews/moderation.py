"""The moderation queue: new, edited and reported reviews wait, oldest first, for a
moderator's Approve or Reject (with a reason from a fixed list); the author is told
privately. The queue has no filter or order by rating, by design (US FTC 16 CFR 465.7
treats holding back low ratings as review suppression), and a community may publish
every review at once instead, again whatever its rating."""

from __future__ import annotations

from handlers.core.actions import encode
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import (
    Button,
    Buttons,
    ChatKind,
    ChatRef,
    Edit,
    Ephemeral,
    Out,
    Text,
    ToChat,
    bold,
)
from handlers.reviews.rewarding import reward
from handlers.reviews.showing import review_messages, review_text
from storage import linking, reviews
from storage.numbering import scope_chat_ids, scope_of
from storage.reviews import Decided, ReviewRecord

PAGE = 5
APPROVE = "rva"  # rva:<review id>:<revision>
REJECT = "rvx"  # rvx:<review id>:<revision>: choose a reason
REASON = "rvj"  # rvj:<review id>:<revision>:<reason>
QUEUE_PAGE = "rvq"  # rvq:<page>
# The fixed list of reasons; none of them is the rating.
REASONS = {
    "offtopic": N_("off-topic"),
    "abusive": N_("abusive"),
    "spam": N_("spam"),
    "personal": N_("personal data"),
    "product": N_("not about this product"),
}
DECIDED = N_(
    "Someone has decided on this review already, it was edited, or it was written in "
    "another community."
)
WAITING = Nn_("{n} review waits for a moderator.", "{n} reviews wait for a moderator.")


async def reach(ctx: Context) -> list[int] | None:
    """The chats whose reviews this moderator decides on: everywhere for configured
    moderators, else the community of the chat they are admins of."""
    if ctx.moderates_everywhere:
        return None
    return await scope_chat_ids(ctx.session, await linking.chat(ctx.session, ctx.chat_id))


async def queue(ctx: Context, page: int) -> list[Out]:
    """A page of the waiting reviews, oldest first, each with Approve and Reject."""
    found, total = await reviews.queue(ctx.session, page * PAGE, PAGE, await reach(ctx))
    if not total:
        return [Text.of(ctx.t(N_("No reviews are waiting. Well done!")))]
    outs: list[Out] = [Text.of(ctx.tn(WAITING, total))]
    for review in found:
        outs.extend(_item(ctx, review))
    if (page + 1) * PAGE < total:
        more = Button(ctx.t(N_("More")), encode(QUEUE_PAGE, str(page + 1)))
        outs.append(Buttons(Text.of(ctx.t(N_("More are waiting."))), ((more,),)))
    return outs


def _item(ctx: Context, review: ReviewRecord) -> list[Out]:
    """A waiting review as its moderator sees it: product, why it waits, the review."""
    why = N_("reported") if review.report_count else N_("new or edited")
    head = Text.of(bold(review.product_name), f" · {review.sku} · ", ctx.t(why), "\n")
    first, *photos = review_messages(ctx, review, buttons=False)
    assert isinstance(first, Text)
    ids = (str(review.id), str(review.revision))
    row = (
        Button(ctx.t(N_("Approve")), encode(APPROVE, *ids)),
        Button(ctx.t(N_("Reject")), encode(REJECT, *ids)),
    )
    return [Buttons(head + first, (row,)), *photos]


async def approve(ctx: Context, args: tuple[str, ...]) -> list[Out]:
    review_id, revision = _ids(args)
    decided = await reviews.publish(
        ctx.session, review_id, revision, ctx.member.member_id, ctx.now(), await reach(ctx)
    )
    if decided is None:
        raise UserError(DECIDED)
    found = await reviews.review(ctx.session, review_id)
    assert found is not None
    await reward(
        ctx,
        found.id,
        found.product_id,
        found.member_id,
        bool(found.photos),
        found.chat_id,
        found.staff,
    )
    told = _tell_author(decided, N_("Your review of {product} is published. Thank you!"), found)
    done = ctx.rich(N_("Approved by {name}."), name=ctx.member.display_name)
    return [told, _settled(ctx, review_text(ctx, found) + Text.of("\n\n") + done)]


async def choose_reason(ctx: Context, args: tuple[str, ...]) -> list[Out]:
    review_id, revision = _ids(args)
    rows = tuple(
        (Button(ctx.t(label), encode(REASON, str(review_id), str(revision), key)),)
        for key, label in REASONS.items()
    )
    return [Ephemeral(Buttons(Text.of(ctx.t(N_("Why is it rejected?"))), rows))]


async def reject(ctx: Context, args: tuple[str, ...]) -> list[Out]:
    review_id, revision = _ids(args[:2])
    reason = args[2] if len(args) == 3 else ""
    if reason not in REASONS:
        raise UserError(N_("That button no longer works. Please ask again."))
    decided = await reviews.reject(
        ctx.session, review_id, revision, ctx.member.member_id, reason, await reach(ctx)
    )
    if decided is None:
        raise UserError(DECIDED)
    found = await reviews.review(ctx.session, review_id)
    assert found is not None
    message = N_(
        "Your review of {product} was not published. The reason: {reason}. You can "
        "write it again with /review."
    )
    told = _tell_author(decided, message, found, reason=REASONS[reason])
    done = ctx.rich(
        N_("Rejected by {name}: {reason}."),
        name=ctx.member.display_name,
        reason=ctx.t(REASONS[reason]),
    )
    return [told, _settled(ctx, done)]


def _settled(ctx: Context, text: Text) -> Out:
    """The pressed message, decided: its buttons gone."""
    pressed = ctx.event.reply_to
    return Edit(pressed, text) if pressed is not None else text


def _tell_author(
    decided: Decided,
    message: str,
    review: ReviewRecord,
    reason: str | None = None,
) -> ToChat:
    """The author is told privately, in the language they wrote the review in; queued
    with the decision, so it goes out once the decision is committed."""
    i18n = I18n(review.language)
    values: dict[str, str] = {"product": review.product_name}
    if reason is not None:
        values["reason"] = i18n.t(reason)
    person = ChatRef(decided.platform, decided.platform_user_id, ChatKind.PERSON)
    return ToChat(person, Text.of(i18n.t(message, **values)))


def _ids(args: tuple[str, ...]) -> tuple[int, int]:
    if len(args) != 2 or not all(a.isdigit() for a in args):
        raise UserError(N_("That button no longer works. Please ask again."))
    return int(args[0]), int(args[1])


async def set_mode(ctx: Context, mode: str | None) -> list[Out]:
    """/reviewmode: moderate reviews first (the default) or publish each at once."""
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    if mode is None:
        instant = await reviews.is_instant(ctx.session, scope)
    else:
        instant = mode == "instant"
        await reviews.set_instant(ctx.session, scope, instant)
    if instant:
        said = N_(
            "Reviews written from here are published at once, without moderation, "
            "whatever their rating. /reviewmode moderated changes it."
        )
    else:
        said = N_(
            "Reviews written from here wait for a moderator, who reads them for content "
            "only. /reviewmode instant publishes them at once."
        )
    return [Text.of(ctx.t(said))]
