"""Community Q&A through the router on SQLite and PostgreSQL: a question posted in
linked chats, answers labelled by who wrote them, the asker told, answered questions
listed, verified buyers who allowed it invited once, reports hiding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import select

from bot.app import App
from handlers.core.actions import encode
from handlers.core.model import Buttons, ChatKind, ChatRef, Form, Out, UserRef
from storage import orders, points
from storage.identity import ensure_member
from storage.models import OutboxMessage
from storage.orders import NewOrder
from tests.support import action, command, dm, plain, text, user

TG_GROUP = ChatRef("telegram", "-100321", ChatKind.GROUP, title="TG shop")
DC_CHANNEL = ChatRef("discord", "7700", ChatKind.GROUP, title="dc-shop", guild_id="9")
TG_MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "2", "Dmitri", "dmitri", "en-US", is_chat_admin=True)
ASKER = UserRef("telegram", "10", "Ada", "ada", "en")
OWNER = UserRef("telegram", "11", "Olek", "olek", "en")
SKU = "BAG-001"


def buttons(outs: Sequence[Out]) -> dict[str, str]:
    return {
        b.label: b.action or ""
        for o in outs
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
    }


async def waiting(app: App) -> list[OutboxMessage]:
    async with app.db.read() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def link_chats(app: App) -> None:
    issued = plain(await app.router.dispatch(command("link", actor=TG_MOD, chat=TG_GROUP)))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("link", code, actor=DC_MOD, chat=DC_CHANNEL))


async def bought(app: App, who: UserRef, number: str) -> None:
    """`who` has an order of the product on record (as a webhook would leave it)."""
    async with app.db.session() as session:
        member = await ensure_member(session, who.platform, who.id, who.display_name)
        code = await orders.code_of(session, member.member_id)
        order = NewOrder(
            "file", number, number, None, code, datetime.now(UTC), None, None, (("1", SKU, 1),)
        )
        await orders.record(session, order, datetime.now(UTC))


async def answer(app: App, token: str, who: UserRef, chat: ChatRef, body: str) -> list[Out]:
    asked = await app.router.dispatch(action(token, actor=who, chat=chat))
    assert any(isinstance(o, Form) for o in asked), plain(asked)
    return await app.router.dispatch(text(body, actor=who, chat=chat, addressed=True))


async def test_a_question_is_asked_answered_and_listed(app: App) -> None:
    await link_chats(app)
    r = app.router.dispatch
    posted = await r(
        command("ask", f"{SKU} Does a 16-inch laptop fit?", actor=ASKER, chat=TG_GROUP)
    )
    assert "Ada asks about Trail Backpack 30L" in plain(posted)
    assert [(m.platform, m.chat_id) for m in await waiting(app)] == [("discord", "7700")]
    token = buttons(posted)["Answer"]

    await bought(app, OWNER, "A-1")
    first = await answer(app, token, OWNER, TG_GROUP, "Yes, mine fits in the sleeve.")
    assert "Olek (Verified buyer) answers" in plain(first)
    staff = await answer(app, token, DC_MOD, DC_CHANNEL, "Up to 17 inches.")
    assert "Dmitri (Staff) answers" in plain(staff)
    # The asker is told privately of each answer, in the outbox with the answer.
    told = [m for m in await waiting(app) if m.chat_kind == ChatKind.PERSON.value]
    assert [m.chat_id for m in told] == ["10", "10"]
    assert "fits in the sleeve" in told[0].payload

    listed = plain(await r(command("questions", SKU, actor=user("tara"))))
    assert "Does a 16-inch laptop fit?" in listed
    assert "Olek (Verified buyer): Yes, mine fits" in listed
    assert "Dmitri (Staff): Up to 17 inches." in listed
    unanswered = await r(command("ask", "BAG-002 Is it waterproof?", actor=ASKER, chat=TG_GROUP))
    assert "Is it waterproof" not in plain(await r(command("questions", "BAG-002")))
    assert unanswered


async def test_owners_who_allowed_it_are_invited_once(app: App) -> None:
    r = app.router.dispatch
    shy = UserRef("telegram", "12", "Shy", "shy", "en")
    await bought(app, OWNER, "A-1")
    await bought(app, shy, "A-2")
    settings = await r(command("settings", actor=OWNER, chat=dm("olek")))
    assert "do not reach you" in plain(settings)
    turned = await r(action(buttons(settings)["Ask me"], actor=OWNER, chat=dm("olek")))
    assert "may reach you privately" in plain(turned)
    posted = await r(command("ask", f"{SKU} How is the strap?", actor=ASKER, chat=TG_GROUP))
    invited = await r(action(buttons(posted)["Ask owners"], actor=ASKER, chat=TG_GROUP))
    assert "I asked 1 owner" in plain(invited)
    [invite] = [m for m in await waiting(app) if m.chat_kind == ChatKind.PERSON.value]
    assert invite.chat_id == "11" and "A shopper asks: " in invite.payload
    assert "How is the strap?" in invite.payload
    again = await r(action(buttons(posted)["Ask owners"], actor=ASKER, chat=TG_GROUP))
    assert "Nobody who bought it" in plain(again)
    nosy = await r(action(buttons(posted)["Ask owners"], actor=user("nosy"), chat=TG_GROUP))
    assert "Only the person who asked" in plain(nosy)
    # The owner answers from their private chat: the answer shows where it was asked.
    olek = ChatRef("telegram", "11", ChatKind.DM)
    done = await answer(app, buttons(posted)["Answer"], OWNER, olek, "Padded and wide.")
    assert "Your answer is posted with the question" in plain(done)
    shown = [m for m in await waiting(app) if m.chat_id == TG_GROUP.id]
    assert len(shown) == 1 and "Padded and wide." in shown[0].payload


async def test_reports_hide_and_refusals_change_nothing(app: App) -> None:
    r = app.router.dispatch
    posted = await r(
        command("ask", f"{SKU} Buy cheap watches at spam.example", actor=ASKER, chat=TG_GROUP)
    )
    report = buttons(posted)["Report"]
    assert "own question" in plain(await r(action(report, actor=ASKER, chat=TG_GROUP)))
    assert "Moderators will look" in plain(await r(action(report, actor=user("a"))))
    assert "already" in plain(await r(action(report, actor=user("a"))))
    for name in ("b", "c"):  # the third report hides it
        assert "Moderators will look" in plain(await r(action(report, actor=user(name))))
    gone = await r(action(buttons(posted)["Answer"], actor=user("d"), chat=TG_GROUP))
    assert "no longer shown" in plain(gone)
    assert "no product" in plain(await r(command("ask", "NOPE-1 anything?", actor=ASKER)))
    assert "Usage" in plain(await r(command("ask", SKU, actor=ASKER)))
    bad = await r(action(encode("qaa", "999999"), actor=ASKER))
    assert "no longer shown" in plain(bad)


async def test_an_answer_marked_helpful_earns_its_author(app: App) -> None:
    r = app.router.dispatch
    posted = await r(
        command("ask", f"{SKU} Is the hip belt removable?", actor=ASKER, chat=TG_GROUP)
    )
    shown = await answer(app, buttons(posted)["Answer"], OWNER, TG_GROUP, "Yes, it clips off.")
    helpful = buttons(shown)["Helpful"]
    assert "Noted as helpful" in plain(await r(action(helpful, actor=ASKER, chat=TG_GROUP)))
    assert "already" in plain(await r(action(helpful, actor=ASKER, chat=TG_GROUP)))
    assert "your own answer" in plain(await r(action(helpful, actor=OWNER, chat=TG_GROUP)))
    async with app.db.session() as session:
        olek = await ensure_member(session, OWNER.platform, OWNER.id, OWNER.display_name)
        assert await points.balance(session, olek.member_id) == 5
