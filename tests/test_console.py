"""The console chat end to end: the real CLI reading stdin, and the renderer."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from handlers.core.model import (
    Button,
    Buttons,
    Card,
    Direct,
    Ephemeral,
    Image,
    Poll,
    PollOption,
    Text,
    bold,
)
from handlers.polls.buttons import as_buttons

ROOT = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], stdin: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "COLUMNS": "100", **env},
        timeout=120,
        check=False,
    )


def test_run_without_tokens_opens_console_on_demo_catalog(tmp_path: Path) -> None:
    done = run_cli(["run"], "/product backpack\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "No platform token configured" in done.stderr
    assert "demo catalog: 46 rows" in done.stderr
    assert "Backpack" in done.stdout and "Price" in done.stdout and "€" in done.stdout
    assert (tmp_path / "shopbot.db").exists()
    # Second start: migrations already applied, catalog not reloaded.
    again = run_cli(["run"], "/search linen shirt\n", tmp_path)
    assert "demo catalog" not in again.stderr and "Linen Shirt" in again.stdout


def test_scripted_session_as_several_people(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "/start",
                "do you have the linen shirt in blue, size M?",
                "2",  # the Details button of the card
                ":as piotr",
                ":lang pl",
                "/help",
                ":group shop-talk",
                "trail backpack",  # not addressed: the bot stays quiet in groups
                "@shopbot ile kosztuje plecak turystyczny",
                ":quit",
                "/help",  # never reached
            ]
        )
        + "\n"
    )
    done = run_cli(["run"], script, tmp_path)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Hi you!" in out
    assert "Yes: Linen Shirt in Blue, M is in stock." in out  # the answer, then the card
    assert out.count("Linen Shirt") == 3  # answer, card, details
    assert "Co potrafię" in out and ":as NAME" not in out  # console tooling: with :help
    assert "[you are piotr (shopper, pl) in shop-talk]" in out
    assert out.count("Trail Backpack 30L") == 2 and "Cena" in out  # the price sentence, card
    assert out.count("Co potrafię") == 1


def test_a_poll_voted_in_turn_by_several_people(tmp_path: Path) -> None:
    script = "\n".join(
        [
            ":group shop",
            ":role moderator",
            "/poll 2h Which colour? | Sand | Olive",
            "1",  # the poll's first button
            ":as bob",
            "2",  # still the poll's buttons: the confirmation above had none
            "/results",
        ]
    )
    done = run_cli(["run"], script + "\n", tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Your vote: Sand" in out and "Your vote: Olive" in out
    assert "Sand: 1 vote (50%)" in out and "Olive: 1 vote (50%)" in out and "2 people voted." in out


def test_unknown_setting_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "shopbot.toml").write_text("colour = 'blue'\n")
    done = run_cli(["run"], "", tmp_path)
    assert done.returncode == 2
    assert "shopbot.toml: key 'colour': unknown key" in done.stderr


def test_catalog_import_and_export_commands(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text((ROOT / "config" / "demo_catalog.csv").read_text().replace(",EUR,", ",EURO,", 1))
    done = run_cli(["catalog", "import", str(bad)], "", tmp_path)
    assert done.returncode == 1
    assert "nothing imported" in done.stderr and "line 2: unknown currency EURO" in done.stderr
    good = ROOT / "config" / "demo_catalog.csv"
    done = run_cli(["catalog", "import", str(good)], "", tmp_path)
    assert done.returncode == 0 and "46 new" in done.stderr
    done = run_cli(["catalog", "export"], "", tmp_path)
    assert done.stdout == good.read_text()
    done = run_cli(["db", "current"], "", tmp_path)
    assert "up to date" in done.stdout


def render(outs: list) -> str:  # type: ignore[type-arg]
    buffer = io.StringIO()
    adapter = ConsoleAdapter(_unused, Console(file=buffer, width=100, highlight=False), "shopbot")
    adapter.render(outs)
    return buffer.getvalue()


async def _unused(event: object) -> list:  # type: ignore[type-arg]
    raise AssertionError("not dispatched in rendering tests")


def test_user_text_is_never_console_markup() -> None:
    out = render([Text.of("[bold red]pwned[/] ", bold("[link=x]y[/link]"))])
    assert "[bold red]pwned[/]" in out and "[link=x]y[/link]" in out


def test_every_out_type_renders() -> None:
    out = render(
        [
            Card(
                "Mug",
                "Nice",
                buttons=(
                    (
                        Button("Buy", url="https://x.example"),
                        Button("Details", action="product:HOM-003"),
                    ),
                ),
            ),
            Buttons(Text.of("Pick"), ((Button("A", action="a"),),)),
            Image(data=b"\x89PNG", caption="chart"),
            Poll(
                "p1",
                "Which colour?",
                (PollOption("Sand"), PollOption("Olive")),
                fallback=as_buttons("p1", "Which colour?", ["Sand", "Olive"]),
            ),
            Ephemeral(Text.of("only for you")),
            Direct(Text.of("psst")),
        ]
    )
    for expected in (
        "Mug",
        "[1] Buy",
        "[2] Details",
        "[3] A",
        "chart",
        "[4] Sand",
        "[5] Olive",
        "(only you can see this)",
        "psst",
    ):
        assert expected in out


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_console_buttons_and_mentions_in_process(app: App) -> None:
    buffer = io.StringIO()
    adapter = ConsoleAdapter(app.router.dispatch, Console(file=buffer, width=100), "shopbot")
    await adapter.handle_line("/product HOM-003")
    await adapter.handle_line("1")
    assert "Open in your browser: https://shop.example.com/p/hom-003" in buffer.getvalue()
    await adapter.handle_line("/product@otherbot mug")
    assert "I don't know the command" in buffer.getvalue()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_newcomers_joining_a_console_group_are_welcomed(app: App) -> None:
    from handlers.welcome.commands import post_welcomes

    buffer = io.StringIO()
    adapter = ConsoleAdapter(app.router.dispatch, Console(file=buffer, width=100), "shopbot")
    app.outbox.register("console", adapter)
    for line in (":as mona", ":role moderator", ":group shop", "/welcome Hello, and enjoy!"):
        await adapter.handle_line(line)
    for name in ("zed", "yan"):
        await adapter.handle_line(f":as {name}")
        await adapter.handle_line(":join")
    assert await post_welcomes(app.services) == 1
    assert "Welcome, zed and yan!" in buffer.getvalue()
    assert "Hello, and enjoy!" in buffer.getvalue()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_poll_made_step_by_step_in_the_console(app: App) -> None:
    buffer = io.StringIO()
    adapter = ConsoleAdapter(app.router.dispatch, Console(file=buffer, width=120), "shopbot")
    for line in (":role moderator", "/poll", "Picnic or hike?", "Picnic | Hike"):
        await adapter.handle_line(line)
    for number in ("2", "1", "1", "1"):  # 1 day, one choice, results while it runs, post
        await adapter.handle_line(number)
    out = buffer.getvalue()
    assert "What should the poll ask?" in out and "Here is your poll:" in out
    assert "[1] Picnic" in out.split("Here is your poll:")[1]  # the posted poll's options
    assert "Poll #1 runs" in out


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_consoles_notes_follow_the_language_chosen_with_language(app: App) -> None:
    buffer = io.StringIO()
    adapter = ConsoleAdapter(
        app.router.dispatch,
        Console(file=buffer, width=120),
        "shopbot",
        language_of=app.router.language_of,
    )
    await adapter.handle_line("/language pl")
    await adapter.handle_line("/product BAG-001")
    shown = buffer.getvalue()
    assert "obraz: https://shop.example.com/img/bag-001.jpg" in shown
    assert "image:" not in shown


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_inline_offers_show_in_the_console(app: App) -> None:
    buffer = io.StringIO()
    adapter = ConsoleAdapter(app.router.dispatch, Console(file=buffer, width=100), "shopbot")
    await adapter.handle_line(":inline backpack")
    shown = buffer.getvalue()
    assert "(offered to send into any chat; pick one)" in shown
    assert "Trail Backpack 30L" in shown and "Buy" in shown and "Details" not in shown
    await adapter.handle_line(":inline")
    assert "Type a product name after my name" in buffer.getvalue()
