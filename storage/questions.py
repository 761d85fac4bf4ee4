"""Community Q&A: questions about products, answers labelled by who wrote them,
reports (three hide a question or an answer), verified buyers invited to answer, and
members' preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    AnswerHelpful,
    MemberPreference,
    OrderLine,
    Product,
    ProductQuestion,
    QaReport,
    QuestionAnswer,
    QuestionInvite,
    ShopOrder,
)
from storage.sql import insert_for, move_marks, table_of

REPORTS_TO_HIDE = 3


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as shown."""

    id: int
    author_name: str
    body: str
    staff: bool
    verified: bool
    created_at: datetime


@dataclass(frozen=True)
class QuestionRecord:
    """A question with what showing it and telling its asker need."""

    id: int
    product_id: int
    sku: str
    product_name: str
    member_id: int
    chat_id: int | None  # where it was asked: its answers are posted there (and linked chats)
    platform: str
    platform_user_id: str
    author_name: str
    body: str
    language: str
    answer_count: int
    hidden: bool
    created_at: datetime
    answers: tuple[AnswerRecord, ...] = ()


@dataclass(frozen=True)
class Owner:
    """A verified buyer to invite, and where to write to them."""

    member_id: int
    platform: str
    platform_user_id: str


async def ask(
    session: AsyncSession,
    product_id: int,
    member_id: int,
    chat_id: int,
    asker: tuple[str, str, str],  # platform, user id, display name
    body: str,
    language: str,
    now: datetime,
) -> int:
    """Store a question; its id."""
    platform, user_id, name = asker
    row = ProductQuestion(
        product_id=product_id,
        member_id=member_id,
        chat_id=chat_id,
        platform=platform,
        platform_user_id=user_id,
        author_name=name[:128],
        body=body,
        language=language,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def add_answer(
    session: AsyncSession,
    question_id: int,
    member_id: int,
    name: str,
    body: str,
    labels: tuple[bool, bool],  # staff, verified buyer
    now: datetime,
) -> int:
    """Store an answer and count it on its question; the answer's id."""
    staff, verified = labels
    row = QuestionAnswer(
        question_id=question_id,
        member_id=member_id,
        author_name=name[:128],
        body=body,
        staff=staff,
        verified=verified,
        created_at=now,
    )
    session.add(row)
    table = table_of(ProductQuestion)
    await session.exec(
        update(table).where(table.c.id == question_id).values(answer_count=table.c.answer_count + 1)
    )
    await session.flush()
    assert row.id is not None
    return row.id


async def question(session: AsyncSession, question_id: int) -> QuestionRecord | None:
    """One question (hidden ones too), without its answers."""
    found = await _questions(session, [col(ProductQuestion.id) == question_id], 0, 1)
    return found[0] if found else None


async def answered(
    session: AsyncSession, product_id: int, offset: int, limit: int
) -> list[QuestionRecord]:
    """A product's answered questions, newest first, each with its shown answers."""
    clauses = [
        col(ProductQuestion.product_id) == product_id,
        col(ProductQuestion.hidden_at).is_(None),
        col(ProductQuestion.answer_count) > 0,
    ]
    found = await _questions(session, clauses, offset, limit)
    if not found:
        return []
    stmt = (
        select(QuestionAnswer)
        .where(
            col(QuestionAnswer.question_id).in_([q.id for q in found]),
            col(QuestionAnswer.hidden_at).is_(None),
        )
        .order_by(col(QuestionAnswer.created_at), col(QuestionAnswer.id))
    )
    answers: dict[int, list[AnswerRecord]] = {}
    for a in (await session.exec(stmt)).all():
        answers.setdefault(a.question_id, []).append(
            AnswerRecord(a.id or 0, a.author_name, a.body, a.staff, a.verified, a.created_at)
        )
    return [
        QuestionRecord(**{**q.__dict__, "answers": tuple(answers.get(q.id, ()))})
        for q in found
        if answers.get(q.id)
    ]


async def _questions(
    session: AsyncSession, clauses: Sequence[object], offset: int, limit: int
) -> list[QuestionRecord]:
    stmt = (
        select(ProductQuestion, Product.sku, Product.name)
        .join(Product, col(Product.id) == col(ProductQuestion.product_id))
        .where(*clauses)  # type: ignore[arg-type]
        .order_by(col(ProductQuestion.created_at).desc(), col(ProductQuestion.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        QuestionRecord(
            id=q.id or 0,
            product_id=q.product_id,
            sku=sku,
            product_name=name,
            member_id=q.member_id,
            chat_id=q.chat_id,
            platform=q.platform,
            platform_user_id=q.platform_user_id,
            author_name=q.author_name,
            body=q.body,
            language=q.language,
            answer_count=q.answer_count,
            hidden=q.hidden_at is not None,
            created_at=q.created_at,
        )
        for q, sku, name in (await session.exec(stmt)).all()
    ]


async def answer_author(session: AsyncSession, answer_id: int) -> tuple[int, int] | None:
    """(question id, author's member id) of an answer that is shown."""
    stmt = select(QuestionAnswer.question_id, QuestionAnswer.member_id).where(
        QuestionAnswer.id == answer_id, col(QuestionAnswer.hidden_at).is_(None)
    )
    found = (await session.exec(stmt)).first()
    return (found[0], found[1]) if found is not None else None


async def report(
    session: AsyncSession, kind: str, item_id: int, member_id: int, now: datetime
) -> bool:
    """Count the member's report of a question or an answer once; the third hides it.
    False if they had reported it already."""
    table = table_of(QaReport)
    stmt = (
        insert_for(session, table)
        .values(kind=kind, item_id=item_id, member_id=member_id)
        .on_conflict_do_nothing()
        .returning(table.c.item_id)
    )
    if (await session.exec(stmt)).first() is None:
        return False
    target = table_of(ProductQuestion if kind == "question" else QuestionAnswer)
    counted = await session.exec(
        update(target)
        .where(target.c.id == item_id)
        .values(report_count=target.c.report_count + 1)
        .returning(target.c.report_count)
    )
    if counted.one()[0] >= REPORTS_TO_HIDE:
        await session.exec(
            update(target)
            .where(target.c.id == item_id, target.c.hidden_at.is_(None))
            .values(hidden_at=now)
        )
    return True


async def bought(session: AsyncSession, product_id: int, member_id: int) -> bool:
    """Whether an order of the product by the member is on record (not refunded)."""
    stmt = (
        select(OrderLine.order_id)
        .join(ShopOrder, col(ShopOrder.id) == col(OrderLine.order_id))
        .where(
            OrderLine.product_id == product_id,
            ShopOrder.member_id == member_id,
            col(OrderLine.refunded) < col(OrderLine.quantity),
        )
        .limit(1)
    )
    return (await session.exec(stmt)).first() is not None


async def invite_owners(
    session: AsyncSession, question_id: int, product_id: int, exclude: int, limit: int
) -> list[Owner]:
    """Verified buyers of the product who allowed it in /settings, up to `limit` for the
    question in all (never `exclude`, the asker): each invited once."""
    buyers = (
        select(ShopOrder.member_id)
        .join(OrderLine, col(OrderLine.order_id) == col(ShopOrder.id))
        .where(
            OrderLine.product_id == product_id,
            col(OrderLine.refunded) < col(OrderLine.quantity),
            col(ShopOrder.member_id).is_not(None),
        )
    )
    invited = select(QuestionInvite.member_id).where(QuestionInvite.question_id == question_id)
    # At most `limit` people are ever asked about one question, however often it is pressed.
    so_far = select(func.count()).where(QuestionInvite.question_id == question_id)
    limit -= int((await session.exec(so_far)).one())
    if limit <= 0:
        return []
    stmt = (
        select(MemberPreference.member_id)
        .where(
            col(MemberPreference.ask_owners).is_(True),
            col(MemberPreference.member_id).in_(buyers),
            col(MemberPreference.member_id).not_in(invited),
            MemberPreference.member_id != exclude,
        )
        .order_by(col(MemberPreference.member_id))
        .limit(limit)
    )
    chosen = list((await session.exec(stmt)).all())
    owners = []
    table = table_of(QuestionInvite)
    for member_id in chosen:
        claimed = await session.exec(
            insert_for(session, table)
            .values(question_id=question_id, member_id=member_id)
            .on_conflict_do_nothing()
            .returning(table.c.member_id)
        )
        account = (
            await session.exec(
                select(Account.platform, Account.platform_user_id)
                .where(Account.member_id == member_id)
                .order_by(col(Account.id))
            )
        ).first()
        if claimed.first() is not None and account is not None:
            owners.append(Owner(member_id, account[0], account[1]))
    return owners


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: their questions, answers and invitations are the
    kept one's; a report or invitation both had counts once; the kept member's
    preference stands if they set one."""
    for model in (ProductQuestion, QuestionAnswer):
        table = table_of(model)
        await session.exec(
            update(table).where(table.c.member_id == drop_id).values(member_id=keep_id)
        )
    reports = table_of(QaReport)
    both = select(reports.c.kind, reports.c.item_id).where(reports.c.member_id == keep_id)
    for kind, item_id in (await session.exec(both)).all():
        await session.exec(
            delete(reports).where(
                reports.c.member_id == drop_id,
                reports.c.kind == kind,
                reports.c.item_id == item_id,
            )
        )
    await session.exec(
        update(reports).where(reports.c.member_id == drop_id).values(member_id=keep_id)
    )
    for model, kind in ((ProductQuestion, "question"), (QuestionAnswer, "answer")):
        # Reports both accounts made count once now: the counts follow the rows.
        target = table_of(model)
        counted = (
            select(func.count())
            .where(reports.c.kind == kind, reports.c.item_id == target.c.id)
            .scalar_subquery()
        )
        marked = select(reports.c.item_id).where(
            reports.c.kind == kind, reports.c.member_id == keep_id
        )
        await session.exec(
            update(target).where(target.c.id.in_(marked)).values(report_count=counted)
        )
    await move_marks(session, table_of(AnswerHelpful), "answer_id", keep_id, drop_id)
    await move_marks(session, table_of(QuestionInvite), "question_id", keep_id, drop_id)
    if await session.get(MemberPreference, keep_id) is None:
        prefs = table_of(MemberPreference)
        await session.exec(
            update(prefs).where(prefs.c.member_id == drop_id).values(member_id=keep_id)
        )


async def count_questions(session: AsyncSession, product_id: int) -> int:
    """How many answered, shown questions a product has."""
    stmt = select(func.count()).where(
        ProductQuestion.product_id == product_id,
        col(ProductQuestion.hidden_at).is_(None),
        col(ProductQuestion.answer_count) > 0,
    )
    return int((await session.exec(stmt)).one())


async def mark_helpful(session: AsyncSession, answer_id: int, member_id: int) -> bool:
    """Count the member's Helpful on an answer once; False if they had pressed it."""
    table = table_of(AnswerHelpful)
    stmt = (
        insert_for(session, table)
        .values(answer_id=answer_id, member_id=member_id)
        .on_conflict_do_nothing()
        .returning(table.c.answer_id)
    )
    return (await session.exec(stmt)).first() is not None
