"""The router through the real app: dedup, roles, scopes, errors, hostile input."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import func, select

from bot.app import App
from handlers.core.actions import encode
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Feature, Outcome, Role, Scope
from handlers.core.model import Ephemeral, Out, Text
from handlers.core.router import MAX_INPUT_CHARS, Router
from storage.models import Member
from tests.support import action, cards, command, dm, group, plain, text, user

probe = Feature("probe")


@probe.command("purge", "moderators only", role=Role.MODERATOR)
async def purge(ctx: Context, args: Any) -> Sequence[Out]:
    return [Text.of("purged")]


@probe.command("secret", "DM only", scope=Scope.DM)
async def secret(ctx: Context, args: Any) -> Sequence[Out]:
    return [Text.of("psst")]


@probe.command("half", "writes, then refuses")
async def half(ctx: Context, args: Any) -> Sequence[Out]:
    ctx.session.add(Member(display_name="ghost"))
    await ctx.session.flush()
    raise UserError("Only vendors can do that.")


@probe.command("boom", "fails unexpectedly")
async def boom(ctx: Context, args: Any) -> Sequence[Out]:
    raise RuntimeError("kaboom")


stamp_batches: list[int] = []


@probe.bulk_action("stamp")
async def stamp(items: Sequence[tuple[Context, tuple[str, ...]]]) -> list[Outcome]:
    """One member row per item; "no" is refused (before writing), "boom" fails the call."""
    stamp_batches.append(len(items))
    for ctx, args in items:
        if args != ("no",):
            ctx.session.add(Member(display_name=f"stamp-{args[0]}"))
    await items[0][0].session.flush()
    if any(args == ("boom",) for _, args in items):
        raise RuntimeError("kaboom")
    return [
        UserError("Only vendors can do that.")
        if args == ("no",)
        else [Text.of(f"stamped {args[0]}")]
        for _, args in items
    ]


@probe.bulk_action("modstamp", role=Role.MODERATOR)
async def modstamp(items: Sequence[tuple[Context, tuple[str, ...]]]) -> list[Outcome]:
    return [[Text.of(f"stamped {args[0]}")] for _, args in items]


@pytest.fixture
def router(app: App) -> Router:
    from bot.app import FEATURES

    return Router(app.services, [*FEATURES, probe])


async def members(app: App) -> int:
    async with app.db.session() as session:
        return (await session.exec(select(func.count()).select_from(Member))).one()


async def stamped(app: App) -> list[str]:
    async with app.db.session() as session:
        names = await session.exec(select(Member.display_name).order_by(Member.display_name))
        return [name for name in names.all() if name.startswith("stamp-")]


async def test_duplicate_event_is_answered_once(router: Router) -> None:
    first = await router.dispatch(command("product", "backpack", event_id="dup-1"))
    again = await router.dispatch(command("product", "backpack", event_id="dup-1"))
    assert cards(first) and again == []


async def test_role_declared_on_handler_is_enforced(router: Router) -> None:
    refused = await router.dispatch(command("purge", chat=group()))
    assert isinstance(refused[0], Ephemeral)
    assert "Only moderators" in plain(refused)
    assert (
        plain(await router.dispatch(command("purge", actor=user("mo", admin=True), chat=group())))
        == "purged"
    )
    owner = user("olivia")  # configured owner in the test settings
    assert plain(await router.dispatch(command("purge", actor=owner))) == "purged"


async def test_help_lists_only_what_the_member_may_use(router: Router) -> None:
    shopper = plain(await router.dispatch(command("help")))
    moderator = plain(await router.dispatch(command("help", actor=user("mo", admin=True))))
    assert "/product <name or SKU>" in shopper and "/purge" not in shopper
    assert "/purge" in moderator


async def test_scope_dm_only(router: Router) -> None:
    assert "private chat" in plain(await router.dispatch(command("secret", chat=group())))
    assert plain(await router.dispatch(command("secret"))) == "psst"


async def test_user_error_rolls_back_the_handlers_writes(router: Router, app: App) -> None:
    await router.dispatch(command("start"))
    before = await members(app)
    reply = await router.dispatch(command("half"))
    assert "Only vendors" in plain(reply)
    assert await members(app) == before


async def test_unexpected_error_is_logged_with_event_id_and_bot_keeps_going(
    router: Router, caplog: pytest.LogCaptureFixture
) -> None:
    reply = await router.dispatch(command("boom", event_id="evt-boom"))
    assert "Sorry, something went wrong" in plain(reply)
    assert any("evt-boom" in r.getMessage() and r.exc_info for r in caplog.records)
    assert cards(await router.dispatch(command("product", "backpack")))


async def test_unknown_command_dm_vs_group(router: Router) -> None:
    assert "/help" in plain(await router.dispatch(command("frobnicate")))
    assert await router.dispatch(command("frobnicate", chat=group())) == []


async def test_group_text_needs_a_mention(router: Router) -> None:
    assert await router.dispatch(text("trail backpack", chat=group())) == []
    assert cards(await router.dispatch(text("trail backpack", chat=group(), addressed=True)))


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   \n\t ",
        "\x00\x01\x02\x1b[2J\x7f",
        "🎒🎒🎒 🧥 👟👟",
        "حقيبة ظهر للمشي تحت 80 يورو",
        "\u202etrail backpack\u202c",
        "<b>&amp;</b> @everyone [bold]x[/bold] ${jndi:x} '; DROP TABLE product; --",
        "@everyone <@&900000000000000012> <@500000000000000002> under 99999999999999999999 EUR",
        "x" * 3000,
    ],
)
async def test_hostile_questions_get_an_answer(router: Router, hostile: str) -> None:
    reply = await router.dispatch(text(hostile))
    assert reply, "every DM question gets an answer"
    assert "Sorry, something went wrong" not in plain(reply)


async def test_oversized_lines_are_refused_politely(router: Router, app: App) -> None:
    reply = await router.dispatch(text("a" * 10_240))
    assert f"{MAX_INPUT_CHARS:,}" in plain(reply)
    reply = await router.dispatch(command("search", "b" * 10_240))
    assert "too long" in plain(reply)


async def test_rtl_override_and_control_characters_are_removed(router: Router) -> None:
    reply = await router.dispatch(text("\u202etrail\x00 backpack\u202c"))
    assert "BAG-001" in [c.footer.rsplit("· ")[-1] for c in cards(reply)]


async def test_forged_and_stale_buttons(router: Router) -> None:
    assert "no longer works" in plain(await router.dispatch(action("nonsense::::")))
    assert "no longer works" in plain(await router.dispatch(action("x" * 200)))
    assert "no longer works" in plain(await router.dispatch(action("unknownkind:1")))
    gone = await router.dispatch(action(encode("product", "NOPE-404")))
    assert "no longer in the catalog" in plain(gone)
    forged = await router.dispatch(action("product:BAG-001:extra"))
    assert "no longer in the catalog" in plain(forged)
    ok = await router.dispatch(action(encode("product", "BAG-001")))
    assert cards(ok)[0].title == "Trail Backpack 30L"


async def test_language_from_platform_and_from_choice(router: Router) -> None:
    polish = user("piotr", locale="pl-PL")
    assert "Co potrafię" in plain(await router.dispatch(command("help", actor=polish)))
    english = user("emma", locale="en")
    await router.dispatch(command("language", "pl", actor=english, chat=dm("emma")))
    assert "Co potrafię" in plain(await router.dispatch(command("help", actor=english)))
    refused = await router.dispatch(command("language", "xx", actor=english))
    assert "Mówię" in plain(refused)  # Emma chose Polish: refused in Polish


async def test_bad_arguments_show_usage(router: Router) -> None:
    reply = await router.dispatch(command("product"))
    assert "Usage: /product <name or SKU>" in plain(reply)


async def test_concurrent_bulk_events_share_one_unit_and_each_get_an_answer(
    router: Router, app: App
) -> None:
    stamp_batches.clear()
    twice = action("stamp:c")
    events = [action("stamp:a"), action("stamp:b"), twice, twice, action("stamp:no")]
    replies = await asyncio.gather(*(router.dispatch(e) for e in events))
    assert [plain(r) for r in replies] == [
        "stamped a",
        "stamped b",
        "stamped c",
        "",  # the same update twice in one batch is handled once
        "Only vendors can do that.",
    ]
    assert stamp_batches == [4]
    assert await stamped(app) == ["stamp-a", "stamp-b", "stamp-c"]
    assert await router.dispatch(twice) == []  # and stays handled


async def test_a_failing_batch_is_retried_event_by_event(
    router: Router, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    bad = replace(action("stamp:boom"), event_id="evt-bulk-boom")
    events = [action("stamp:x"), bad, action("stamp:y")]
    replies = await asyncio.gather(*(router.dispatch(e) for e in events))
    assert plain(replies[0]) == "stamped x" and plain(replies[2]) == "stamped y"
    assert "Sorry, something went wrong" in plain(replies[1])
    assert await stamped(app) == ["stamp-x", "stamp-y"]  # the failed event wrote nothing
    assert any("batch of 3 events failed" in r.getMessage() for r in caplog.records)
    assert any("evt-bulk-boom" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_roles_are_checked_per_event_in_a_batch(router: Router) -> None:
    mod, shopper = user("mo", admin=True), user("sam")
    replies = await asyncio.gather(
        router.dispatch(action("modstamp:1", actor=mod, chat=group())),
        router.dispatch(action("modstamp:2", actor=shopper, chat=group())),
    )
    assert plain(replies[0]) == "stamped 1"
    assert isinstance(replies[1][0], Ephemeral) and "Only moderators" in plain(replies[1])
