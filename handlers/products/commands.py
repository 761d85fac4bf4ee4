"""Shopper commands: /product, /search, free-text questions and the Details button."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from handlers.core import signals
from handlers.core.actions import encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context, Services
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature
from handlers.core.i18n import N_
from handlers.core.model import Button, Buttons, ChatKind, Out, Text, bold
from handlers.core.trends import trending_here
from handlers.products import checkout, compare, direct, inline, smalltalk
from handlers.products.cards import DETAILS_ACTION, product_card
from handlers.products.finder import Answer, Miss, ask, semantic_index
from handlers.products.index import ProductIndex
from handlers.products.query import ParsedQuery
from handlers.products.semantic import refresh_vectors
from handlers.products.trending import labelled
from handlers.products.understand import FOLLOW_UP_FOR, Asker, understand
from storage import orders, recall
from storage.catalog import ProductRecord, product_by_sku
from storage.recall import Recall
from storage.signals import Kind

feature = Feature("products")
QUESTION = Param(
    "query", ParamKind.TEXT, placeholder=N_("name or SKU"), max_length=300, completion="product"
)
WORDS = Param("words", ParamKind.TEXT, placeholder=N_("words"), max_length=300)
QUOTE_LIMIT = 80
OTHER_MATCHES = 3
COMPLETIONS = 25
VECTORS_EVERY = timedelta(minutes=10)
log = logging.getLogger(__name__)


@feature.command("product", N_("Show one product by name or SKU"), params=[QUESTION])
async def product(ctx: Context, args: Args) -> Sequence[Out]:
    answer = await _find(ctx, args["query"], limit=OTHER_MATCHES + 1)
    if not answer.matches:
        return await _miss(ctx, args["query"], answer)
    best, *others = answer.matches
    outs: list[Out] = [*await _cards(ctx, [best], answer.parsed, detailed=True)]
    if others:
        buttons = tuple(Button(p.name, action=encode(DETAILS_ACTION, p.sku)) for p in others)
        outs.append(Buttons(Text.of(ctx.t(N_("Other matches:"))), (buttons,)))
    return outs


@feature.command("search", N_("Search the catalog: words, colour, size, price"), params=[WORDS])
async def search(ctx: Context, args: Args) -> Sequence[Out]:
    return await _answer(ctx, args["words"])


@feature.text
async def question(ctx: Context, text: str) -> Sequence[Out]:
    if not text:
        return [
            Text.of(ctx.t(N_("Ask me about a product, for example: trail backpack under 100 EUR")))
        ]
    chatter = smalltalk.kind_of(text, ctx.services.settings.bot_name)
    if chatter is not None:
        return smalltalk.answer(ctx, chatter)
    return await _answer(ctx, text)


feature.inline(inline.offers)

checkout.register(feature)


@feature.job("vectors", every=VECTORS_EVERY)
async def product_vectors(services: Services) -> int:
    """Vectors for products new or changed since the last run (an import by an older
    version, or a catalog file imported while the extra was missing)."""
    semantic = semantic_index(services)
    embedder = await semantic.embedder() if semantic is not None else None
    if embedder is None:
        return 0
    count = await refresh_vectors(services.db, embedder)
    if count:
        log.info("search by meaning: computed the vectors of %d product(s)", count)
    return count


@feature.completion("product")
async def product_names(ctx: Context, typed: str) -> Sequence[tuple[str, str]]:
    """Products whose name starts like what is typed (or that match it), as SKU values."""
    if not typed.strip():
        return []
    answer = await _find(ctx, typed, limit=COMPLETIONS)
    found = answer.matches or answer.suggestions
    return [(f"{p.name} · {p.sku}"[:100], p.sku) for p in found]


@feature.action(DETAILS_ACTION)
async def details(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await product_by_sku(ctx.session, args[0]) if len(args) == 1 else None
    if found is None:
        raise UserError(N_("That product is no longer in the catalog."))
    return await _cards(ctx, [found], detailed=True)


async def _code(ctx: Context) -> str | None:
    """The reader's code for Buy links, in a private chat only: a card in a group is seen
    by everyone, and an order through it would name its asker as the buyer."""
    if ctx.event.chat.kind is not ChatKind.DM:
        return None
    return await orders.code_of(ctx.session, ctx.member.member_id)


async def _cards(
    ctx: Context,
    products: Sequence[ProductRecord],
    parsed: ParsedQuery | None = None,
    detailed: bool = False,
) -> list[Out]:
    """The products' cards, seen: each a view (with the colour and size asked for,
    which /foryou remembers), and labelled where the product is trending here."""
    color = min(parsed.colors) if parsed is not None and len(parsed.colors) == 1 else None
    size = parsed.size if parsed is not None else None
    await signals.note(ctx, Kind.VIEW, [p.id for p in products], color=color, size=size)
    hot = {trend.product_id for trend in await trending_here(ctx)}
    code = await _code(ctx)
    template = ctx.services.settings.cart_url
    cards = [
        product_card(p, ctx.i18n, detailed, code, checkout.offers_cart(template, p))
        for p in products
    ]
    return [
        labelled(card, ctx.i18n) if p.id in hot else card
        for p, card in zip(products, cards, strict=True)
    ]


async def _find(ctx: Context, text: str, limit: int) -> Answer:
    return await ask(ctx, text, limit)


async def _answer(ctx: Context, text: str) -> list[Out]:
    member, now = ctx.member.member_id, ctx.now()
    last = await recall.recall(ctx.session, member, ctx.chat_id, now)
    understood = await understand(_asker(ctx), text, last)
    answer, intent = understood.answer, understood.intent
    if understood.shown:
        remembered = Recall(understood.question, understood.shown)
        await recall.remember(ctx.session, member, ctx.chat_id, remembered, now + FOLLOW_UP_FOR)
    if answer.matches:
        found = await _cards(ctx, answer.matches, answer.parsed)
        return [*_lead(ctx, intent, answer), *found]
    if answer.miss is Miss.VARIANT and answer.suggestions:
        best, *_ = answer.suggestions
        found = await _cards(ctx, answer.suggestions, answer.parsed)
        return [direct.variant_sentence(answer.parsed, best, ctx.i18n), *found]
    if understood.compared is not None:
        compared = understood.compared
        return [compare.nothing_beats(compared.comparison, compared.reference, ctx.i18n)]
    return await _miss(ctx, text, answer)


def _asker(ctx: Context) -> Asker:
    services = ctx.services
    limit = services.settings.max_results
    return Asker(ctx.session, services.cache(ProductIndex), semantic_index(services), limit)


def _lead(ctx: Context, intent: direct.Intent | None, answer: Answer) -> list[Out]:
    """The sentence that answers the question itself, before the cards, if it asks one."""
    best = answer.matches[0]
    if intent is not None:
        return [direct.sentence(intent, best, ctx.i18n)]
    if answer.parsed.colors or answer.parsed.size:
        return [direct.variant_sentence(answer.parsed, best, ctx.i18n)]
    return []


async def _miss(ctx: Context, text: str, answer: Answer) -> list[Out]:
    text = text.strip().rstrip("?!.,;:…？！。")  # the sentence around it ends it ("?." no more)
    quoted = bold(text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "…")
    if answer.miss is Miss.CURRENCY:
        shop = ", ".join(ctx.services.cache(ProductIndex).currencies) or "?"
        return [
            Text.of(
                ctx.t(
                    N_(
                        "Prices here are in {currencies}. Please ask with an amount "
                        "in that currency."
                    ),
                    currencies=shop,
                )
            )
        ]
    if not answer.suggestions:
        return [
            ctx.rich(
                N_("Sorry, I have nothing matching {query}. Try /search with other words."),
                query=quoted,
            )
        ]
    if answer.miss is Miss.VARIANT:
        intro = ctx.rich(
            N_(
                "Nothing matching {query} is in stock in that colour or size. "
                "These match the rest of your question:"
            ),
            query=quoted,
        )
    else:
        intro = ctx.rich(
            N_("I have nothing matching {query}. The closest products I have:"), query=quoted
        )
    return [intro, *await _cards(ctx, answer.suggestions, answer.parsed)]
