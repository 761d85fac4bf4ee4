"""`/earning`: a community's own earning rules. Moderators see what each way of earning
pays here, and set the points (0 turns it off) and the daily cap of the ways that
happen in a community; purchases and share-link arrivals earn the defaults."""

from __future__ import annotations

from handlers.core import earning
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context
from handlers.core.earning import Earning
from handlers.core.errors import UserError
from handlers.core.features import Args
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Out, Span, Text, bold
from storage import linking, points
from storage.numbering import scope_of

# The words /earning takes, and what each is called where shown.
WAYS = {
    "review": Earning.REVIEW,
    "photo": Earning.REVIEW_PHOTO,
    "vote": Earning.VOTE,
    "helpful": Earning.HELPFUL,
    "join": Earning.ARRIVAL,
}
assert set(WAYS.values()) == set(earning.COMMUNITY_RULES)
LABELS = {
    Earning.REVIEW: N_("A published review"),
    Earning.REVIEW_PHOTO: N_("Photos in a review (added)"),
    Earning.VOTE: N_("A first vote in a poll"),
    Earning.HELPFUL: N_("An answer marked helpful"),
    Earning.ARRIVAL: N_("A newcomer who stays after joining through one's invite link"),
    Earning.FIRST_PURCHASE: N_("A first purchase"),
    Earning.REFERRAL: N_("A purchase through one's share link"),
    Earning.REFERRED: N_("A purchase through a friend's share link"),
}
POINTS = Nn_("{n} point", "{n} points")
PER_DAY = Nn_("at most {n} a day", "at most {n} a day")

WAY = Param("way", ParamKind.CHOICE, required=False, choices=tuple(WAYS), placeholder=N_("way"))
AMOUNT = Param(
    "points",
    ParamKind.INT,
    required=False,
    placeholder=N_("points"),
    min_value=0,
    max_value=1000,
)
CAP = Param(
    "cap", ParamKind.INT, required=False, placeholder=N_("per day"), min_value=1, max_value=100
)
PARAMS = [WAY, AMOUNT, CAP]


async def show_or_set(ctx: Context, args: Args) -> list[Out]:
    """With a way and points, set this community's rule for it; then list them all."""
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    way = args.get("way")
    if way is not None:
        if args.get("points") is None:
            raise UserError(N_("Say how many points, for example: /earning review 20 3"))
        kind = WAYS[way]
        cap = args.get("cap") or (await earning.rule_for(ctx.session, kind, scope)).daily_cap
        await points.set_rule(ctx.session, scope, kind.value, args["points"], cap)
    own = await points.rules(ctx.session, scope)  # one read: the rest are the defaults
    parts: list[str | Span] = [bold(ctx.t(N_("Points earned here:")))]
    for kind in earning.COMMUNITY_RULES:
        rule = earning.Rule(*own[kind.value]) if kind.value in own else earning.RULES[kind]
        parts.append("\n• " + ctx.t(LABELS[kind]) + ": ")
        if rule.points <= 0:
            parts.append(ctx.t(N_("off")))
        else:
            parts.append(ctx.tn(POINTS, rule.points) + ", " + ctx.tn(PER_DAY, rule.daily_cap))
        if kind.value not in own:
            parts.append(" " + ctx.t(N_("(default)")))
    parts.append("\n\n" + ctx.t(N_("Everywhere, by the defaults:")))
    for kind in (Earning.FIRST_PURCHASE, Earning.REFERRAL, Earning.REFERRED):
        rule = earning.RULES[kind]
        parts.append("\n• " + ctx.t(LABELS[kind]) + ": " + ctx.tn(POINTS, rule.points))
    parts.append("\n\n" + ctx.t(N_("Change one: /earning review 20 3 (points, then per day).")))
    parts.append(" " + ctx.t(N_("Stars never change what a review earns.")))
    return [Text.of(*parts)]
