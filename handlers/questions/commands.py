"""Community Q&A: `/ask <product> <question>` posts a question where it is asked (and in
the chats linked with it); anyone answers with its Answer button; answers by the
product's vendor or a moderator say Staff, by someone who bought it Verified buyer; the
asker is told of each answer privately; `/questions <product>` shows the answered ones.
"Ask owners" privately invites up to three verified buyers who allowed it (`/settings`).
Questions and answers can be reported: three reports hide one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import earning, signals
from handlers.core.actions import encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context
from handlers.core.conversations import Answer, Ask, Flow, Next, Typed, start
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role
from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import (
    Button,
    Buttons,
    ChatKind,
    ChatRef,
    Ephemeral,
    Out,
    Span,
    Text,
    ToChat,
    bold,
)
from handlers.core.preferences import Preference
from storage import linking, questions, reviews
from storage.catalog import ProductRecord, product_by_id, product_by_sku
from storage.identity import chosen_locale
from storage.questions import QuestionRecord
from storage.signals import Kind

feature = Feature("questions")
PRODUCT = Param("product", ParamKind.WORD, placeholder=N_("SKU"), completion="product")
QUESTION = Param("question", ParamKind.TEXT, placeholder=N_("question"), max_length=500)
SHOWN = Param("product", ParamKind.WORD, placeholder=N_("SKU"), completion="product")
ANSWER = "qaa"  # qaa:<question id>: answer it
OWNERS = "qao"  # qao:<question id>: invite verified buyers
REPORT_QUESTION = "qar"  # qar:<question id>
REPORT_ANSWER = "qax"  # qax:<answer id>
HELPFUL = "qah"  # qah:<answer id>
PAGE = "qaq"  # qaq:<product id>:<page>
ANSWER_LIMIT = 1000
OWNERS_ASKED = 3
PER_PAGE = 5
ASKED_OWNERS = Nn_(
    "I asked {n} owner of it privately; answers will show here.",
    "I asked {n} owners of it privately; answers will show here.",
)


@feature.command("ask", N_("Ask the community about a product"), params=[PRODUCT, QUESTION])
async def ask(ctx: Context, args: Args) -> Sequence[Out]:
    product = await _product(ctx, args["product"])
    body = args["question"].strip()
    actor = ctx.event.actor
    question_id = await questions.ask(
        ctx.session,
        product.id,
        ctx.member.member_id,
        ctx.chat_id,
        (actor.platform, actor.id, ctx.member.display_name),
        body,
        ctx.i18n.language,
        ctx.now(),
    )
    await signals.note(ctx, Kind.QUESTION, [product.id], ref=str(question_id))
    found = await questions.question(ctx.session, question_id)
    assert found is not None
    here = _posted(ctx.i18n, found)
    copies: list[Out] = [ToChat(chat, here) for chat in await _linked(ctx)]
    return [here, *copies]


def _posted(i18n: I18n, question: QuestionRecord) -> Buttons:
    """A question as posted in a chat, with what anyone can do about it."""
    text = i18n.rich(
        N_("{name} asks about {product}:"),
        name=bold(question.author_name),
        product=bold(question.product_name),
    ) + Text.of("\n" + question.body)
    ref = str(question.id)
    rows = (
        (
            Button(i18n.t(N_("Answer")), encode(ANSWER, ref)),
            Button(i18n.t(N_("Ask owners")), encode(OWNERS, ref)),
            Button(i18n.t(N_("Report")), encode(REPORT_QUESTION, ref)),
        ),
    )
    return Buttons(text, rows)


async def _question_chats(ctx: Context, question: QuestionRecord) -> list[tuple[int, ChatRef]]:
    """The chats a question shows in: where it was asked, and the chats linked with it."""
    if question.chat_id is None:
        return []
    asked = await linking.chat(ctx.session, question.chat_id)
    chats = [asked]
    if asked.community_id is not None:
        chats = await linking.community_chats(ctx.session, asked.community_id)
    return [
        (c.id, ChatRef(c.platform, c.platform_chat_id, ChatKind(c.kind), c.title)) for c in chats
    ]


async def _linked(ctx: Context) -> list[ChatRef]:
    """The other chats of this chat's community (a question goes to all of them)."""
    here = await linking.chat(ctx.session, ctx.chat_id)
    if here.community_id is None:
        return []
    chats = await linking.community_chats(ctx.session, here.community_id)
    return [
        ChatRef(c.platform, c.platform_chat_id, ChatKind(c.kind), c.title)
        for c in chats
        if c.id != here.id
    ]


@feature.action(ANSWER)
async def answer_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _question(ctx, args)
    return await start(ctx, ANSWER_FLOW, {"question": found.id})


async def _ask_answer(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    found = await questions.question(ctx.session, int(data["question"]))
    body = found.body if found is not None else ""
    form = Typed(ctx.t(N_("Answer a question")), ctx.t(N_("Your answer")), True, ANSWER_LIMIT)
    prompt = ctx.rich(N_("Your answer to: {question}"), question=body[:200])
    return Ask(prompt, typed=form)


async def _take_answer(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    body = given.text.strip()
    if not body or given.choice is not None:
        raise UserError(N_("Please type your answer."))
    if len(body) > ANSWER_LIMIT:
        raise UserError(N_("At most {limit} characters, please."), limit=ANSWER_LIMIT)
    found = await questions.question(ctx.session, int(data["question"]))
    if found is None or found.hidden:
        return Next(None, outs=[Text.of(ctx.t(N_("That question is no longer shown.")))])
    member = ctx.member.member_id
    staff = Role.MODERATOR in ctx.roles or await reviews.is_vendor_of(
        ctx.session, found.product_id, member
    )
    verified = await questions.bought(ctx.session, found.product_id, member)
    name = ctx.member.display_name
    answer_id = await questions.add_answer(
        ctx.session, found.id, member, name, body, (staff, verified), ctx.now()
    )
    labels = _labels(ctx.i18n, staff, verified)
    shown = ctx.rich(
        N_("{name} answers the question about {product}:"),
        name=bold(name + labels),
        product=bold(found.product_name),
    ) + Text.of("\n" + body)
    report = Button(ctx.t(N_("Report")), encode(REPORT_ANSWER, str(answer_id)))
    helpful = Button(ctx.t(N_("Helpful")), encode(HELPFUL, str(answer_id)))
    posted = Buttons(shown, ((helpful, report),))
    # Shown where the question was asked and in the chats linked with it, wherever the
    # answer was written (an owner answers from their private chat).
    outs: list[Out] = []
    here = False
    for chat in await _question_chats(ctx, found):
        if chat[0] == ctx.chat_id:
            here = True
            outs.append(posted)
        else:
            outs.append(ToChat(chat[1], posted))
    if not here:
        outs.insert(0, Text.of(ctx.t(N_("Thank you! Your answer is posted with the question."))))
    if found.member_id != member:
        asker = I18n(found.language)
        told = asker.rich(
            N_("{name} answered your question about {product}: {answer}"),
            name=bold(name + _labels(asker, staff, verified)),
            product=bold(found.product_name),
            answer=body,
        )
        outs.append(ToChat(ChatRef(found.platform, found.platform_user_id, ChatKind.PERSON), told))
    return Next(None, outs=outs)


def _labels(i18n: I18n, staff: bool, verified: bool) -> str:
    parts = [i18n.t(N_("Staff"))] if staff else []
    parts += [i18n.t(N_("Verified buyer"))] if verified else []
    return f" ({', '.join(parts)})" if parts else ""


ANSWER_FLOW = feature.flow(Flow("questions.answer", "text", _ask_answer, _take_answer))


@feature.action(OWNERS)
async def ask_owners(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _question(ctx, args)
    if found.member_id != ctx.member.member_id and Role.MODERATOR not in ctx.roles:
        raise UserError(N_("Only the person who asked, or a moderator, can ask owners."))
    owners = await questions.invite_owners(
        ctx.session, found.id, found.product_id, found.member_id, OWNERS_ASKED
    )
    if not owners:
        none = N_("Nobody who bought it has agreed to be asked yet (or all of them were).")
        return [Ephemeral(Text.of(ctx.t(none)))]
    outs: list[Out] = [Ephemeral(Text.of(ctx.tn(ASKED_OWNERS, len(owners))))]
    for owner in owners:
        speaks = I18n(await _language(ctx.session, owner.member_id, ctx))
        invite = speaks.rich(
            N_("You bought {product}. A shopper asks: {question}"),
            product=bold(found.product_name),
            question=found.body,
        )
        button = Button(speaks.t(N_("Answer")), encode(ANSWER, str(found.id)))
        person = ChatRef(owner.platform, owner.platform_user_id, ChatKind.PERSON)
        outs.append(ToChat(person, Buttons(invite, ((button,),))))
    return outs


async def _language(session: AsyncSession, member_id: int, ctx: Context) -> str:
    return await chosen_locale(session, member_id) or ctx.services.settings.default_locale


@feature.action(REPORT_QUESTION)
async def report_question(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _question(ctx, args)
    if found.member_id == ctx.member.member_id:
        raise UserError(N_("That is your own question."))
    return await _report(ctx, "question", found.id)


@feature.action(HELPFUL)
async def helpful_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """Someone found an answer helpful: counted once per person, never one's own; the
    first time each person does, the answer's author earns points."""
    found = await questions.answer_author(ctx.session, int(args[0])) if _number(args) else None
    if found is None:
        raise UserError(N_("That answer is no longer shown."))
    answer_id, (_, author) = int(args[0]), found
    member = ctx.member.member_id
    if author == member:
        raise UserError(N_("That is your own answer."))
    if not await questions.mark_helpful(ctx.session, answer_id, member):
        raise UserError(N_("You found it helpful already."))
    source = f"helpful:{answer_id}:{member}"
    settings, now = ctx.services.settings, ctx.now()
    scope = await earning.community_of(ctx.session, ctx.chat_id)
    await earning.earn(ctx.session, settings, author, earning.Earning.HELPFUL, source, now, scope)
    return [Ephemeral(Text.of(ctx.t(N_("Thanks! Noted as helpful."))))]


@feature.action(REPORT_ANSWER)
async def report_answer(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await questions.answer_author(ctx.session, int(args[0])) if _number(args) else None
    if found is None:
        raise UserError(N_("That answer is no longer shown."))
    if found[1] == ctx.member.member_id:
        raise UserError(N_("That is your own answer."))
    return await _report(ctx, "answer", int(args[0]))


async def _report(ctx: Context, kind: str, item_id: int) -> list[Out]:
    if not await questions.report(ctx.session, kind, item_id, ctx.member.member_id, ctx.now()):
        raise UserError(N_("You reported it already."))
    return [Ephemeral(Text.of(ctx.t(N_("Thank you. Moderators will look at it again."))))]


@feature.command("questions", N_("Read a product's answered questions"), params=[SHOWN])
async def questions_command(ctx: Context, args: Args) -> Sequence[Out]:
    return await _page(ctx, await _product(ctx, args["product"]), 0)


@feature.action(PAGE)
async def questions_page(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _products(ctx, args[:1])
    page = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
    return await _page(ctx, found, page)


async def _page(ctx: Context, product: ProductRecord, page: int) -> list[Out]:
    found = await questions.answered(ctx.session, product.id, page * PER_PAGE, PER_PAGE)
    if not found and page == 0:
        none = N_("Nobody has answered a question about {product} yet. Ask one: /ask {sku}")
        return [ctx.rich(none, product=bold(product.name), sku=product.sku)]
    outs: list[Out] = []
    for question in found:
        parts: list[str | Span] = [bold(question.body)]
        reports = []
        for answer in question.answers:
            labels = _labels(ctx.i18n, answer.staff, answer.verified)
            parts += ["\n— ", bold(answer.author_name + labels), ": " + answer.body]
            label = ctx.t(N_("Report {name}"), name=answer.author_name)[:60]
            reports.append(Button(label, encode(REPORT_ANSWER, str(answer.id))))
        ref = str(question.id)
        first = (
            Button(ctx.t(N_("Answer")), encode(ANSWER, ref)),
            Button(ctx.t(N_("Report")), encode(REPORT_QUESTION, ref)),
        )
        rows = (first, *(tuple(reports[i : i + 3]) for i in range(0, len(reports), 3)))
        outs.append(Buttons(Text.of(*parts), rows))
    total = await questions.count_questions(ctx.session, product.id)
    if (page + 1) * PER_PAGE < total:
        more = Button(ctx.t(N_("More")), encode(PAGE, str(product.id), str(page + 1)))
        outs.append(Buttons(Text.of(ctx.t(N_("More are waiting."))), ((more,),)))
    return outs


feature.preference(
    Preference(
        "ask_owners",
        when_on=N_(
            "Shoppers' questions about products you bought may reach you privately (at "
            "most three people are asked per question)."
        ),
        when_off=N_(
            "Shoppers' questions about products you bought do not reach you. Turn it on "
            "to help them: they see only your answers and your name."
        ),
        turn_on=N_("Ask me"),
        turn_off=N_("Stop asking me"),
    )
)


@feature.on_merge
async def merge(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    await questions.move_to(session, keep_id, drop_id)


async def _product(ctx: Context, typed: str) -> ProductRecord:
    found = await product_by_sku(ctx.session, typed.strip())
    if found is None:
        raise UserError(N_("I found no product called that. Try other words or the SKU."))
    return found


async def _products(ctx: Context, args: tuple[str, ...]) -> ProductRecord:
    found = await product_by_id(ctx.session, int(args[0])) if _number(args) else None
    if found is None:
        raise UserError(N_("That product is no longer in the catalog."))
    return found


async def _question(ctx: Context, args: tuple[str, ...]) -> QuestionRecord:
    found = await questions.question(ctx.session, int(args[0])) if _number(args) else None
    if found is None or found.hidden:
        raise UserError(N_("That question is no longer shown."))
    return found


def _number(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].isdigit()
