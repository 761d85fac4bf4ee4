"""/foryou: products for one member, from their own history in this community and from
what people here who liked the same things liked, each with its reason. Never what they
bought or already looked at; where they asked for a size in a category, only products
of that category in stock in that size; those in a colour they asked for first. Without
a history, what is popular here (Gorse's fallback)."""

from __future__ import annotations

from collections import defaultdict

from handlers.core.context import Context
from handlers.core.i18n import N_
from handlers.core.model import Buttons, Text, bold
from handlers.core.trends import community_chats, scope_here
from handlers.discovery.lists import Entry, ranked
from storage import signals
from storage.catalog import ProductRecord, products_by_ids, similar_in_stock
from storage.signals import Kind
from storage.text import fold

MOST = 5
CANDIDATES = 30
LIKE_RECENT = 3  # products like the last three looked at


async def for_member(ctx: Context) -> list[Text | Buttons]:
    member, session = ctx.member.member_id, ctx.session
    # What the member did themselves; an order is what they bought (never a starting
    # point), an arrival someone else's coming.
    mine = (Kind.ORDER, Kind.ARRIVAL)
    seen = [fact for fact in await signals.history(session, member) if fact.kind not in mine]
    seen_ids = list(dict.fromkeys(s.product_id for s in seen))
    known = {p.id: p for p in await products_by_ids(session, seen_ids)}
    sizes: dict[str, set[str]] = defaultdict(set)  # category -> sizes asked for in it
    for fact in seen:
        if fact.size and fact.product_id in known:
            sizes[known[fact.product_id].category].add(fold(fact.size))
    colours = {fold(fact.color) for fact in seen if fact.color}
    scope = await scope_here(ctx)
    reasons = await _reasons(ctx, seen_ids, known, scope)
    fallback = not reasons
    if fallback:
        for counts in await signals.ranked(session, scope, "all"):
            reasons.setdefault(counts.product_id, Text.of(ctx.t(N_("popular here"))))
    skip = await signals.bought(session, member) | set(seen_ids)
    candidates = await products_by_ids(session, [i for i in reasons if i not in skip])
    # Those in a colour the member asked for first (a stable sort keeps the reasons' order).
    candidates.sort(key=lambda p: not colours.intersection(fold(c) for c in p.colors))
    entries = _entries(ctx, candidates, reasons, sizes)
    if not entries:
        return [
            Text.of(
                ctx.t(
                    N_(
                        "I have no suggestions for you yet. Ask me about products, vote in "
                        "polls and write reviews, and I'll learn what you like."
                    )
                )
            )
        ]
    heading = ctx.t(N_("Popular here, while I learn what you like") if fallback else N_("For you"))
    footer = ctx.t(N_("From what you looked at, asked about and voted for. /forgetme deletes it."))
    return [ranked(ctx, heading, entries, footer)]


async def _reasons(
    ctx: Context, seen_ids: list[int], known: dict[int, ProductRecord], scope: str
) -> dict[int, Text | None]:
    """Candidates and why, best first: liked by people who liked the same, then this
    month's most popular here in the categories the member looked at (None: the
    category says why, as ranked by the roll-up job), then what is like what they
    looked at last."""
    chats = await community_chats(ctx)
    reasons: dict[int, Text | None] = {}
    also = await signals.also_liked(ctx.session, ctx.member.member_id, seen_ids, chats, CANDIDATES)
    for product_id, because, _people in also:
        if because in known:
            name = bold(known[because].name_in(ctx.i18n.language))
            why = ctx.rich(N_("people here who liked {product} also liked it"), product=name)
            reasons.setdefault(product_id, why)
    for category in dict.fromkeys(p.category for p in known.values()):
        for counts in await signals.ranked(ctx.session, scope, "month", category):
            reasons.setdefault(counts.product_id, None)
    # Where the community has said little yet: what is like the last things looked at.
    for product in list(known.values())[:LIKE_RECENT]:
        name = bold(product.name_in(ctx.i18n.language))
        why = ctx.rich(N_("like {product}, which you looked at"), product=name)
        for similar in await similar_in_stock(ctx.session, product, MOST):
            reasons.setdefault(similar.id, why)
    return reasons


def _entries(
    ctx: Context,
    candidates: list[ProductRecord],
    reasons: dict[int, Text | None],
    sizes: dict[str, set[str]],
) -> list[Entry]:
    entries: list[Entry] = []
    for product in candidates:
        fits = _fits(product, sizes.get(product.category))
        if fits is None:
            continue
        why = reasons[product.id] or ctx.rich(
            N_("popular here in {category}"), category=product.category_in(ctx.i18n.language)
        )
        if fits:
            why = Text.of(*why.spans, ", ", ctx.t(N_("in your size {size}"), size=fits))
        entries.append(Entry(product, why))
        if len(entries) == MOST:
            break
    return entries


def _fits(product: ProductRecord, asked: set[str] | None) -> str | None:
    """Whether to suggest the product: None if not (out of stock, or not in stock in a
    size the member asked for in its category), else the size that fits ("" when sizes
    do not matter)."""
    if product.stock <= 0:
        return None
    if not asked or not product.sizes:
        return ""
    for variant in product.variants:
        stocked = variant.stock > 0 if variant.stock is not None else product.stock > 0
        if stocked and fold(variant.size) in asked:
            return variant.size
    return None
