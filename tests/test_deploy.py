"""The deployment kit: Dockerfile, compose.yaml and the systemd unit, checked without
Docker or systemd. Their promises are read from the files themselves, then the bot is
run as each would run it: the same command and environment, the container's paths
mapped onto this machine (the image's venv is ours, its volume a temporary folder, the
compose `db` service a scratch PostgreSQL database, Telegram the loopback fake)."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from sqlalchemy.engine import make_url

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import user as tg_user
from tests.processes import SHOPPERS, Shopbot, scratch_pg, telegram
from tests.support import DEMO_CATALOG

__all__ = ["scratch_pg", "telegram"]  # fixtures
ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)  # where `pip install .` put the shopbot command, as in the image
GROUP = SHOPPERS
ALICE = tg_user(9101, "Alice", "alice")
POSTGRES_PASSWORD = "Compose7pw"  # what an operator's .env sets
# The python image's own environment (docker sets HOME from the USER's passwd entry).
IMAGE_BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}
SYSTEMD_BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"}


# --- reading the files ---------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None


def dockerfile() -> list[Stage]:
    """The build stages, each with its instructions (continuations joined, comments dropped)."""
    stages: list[Stage] = []
    logical = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not logical):
            continue
        if line.endswith("\\"):
            logical += line[:-1].strip() + " "
            continue
        logical += line
        keyword, _, rest = logical.partition(" ")
        logical = ""
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            image, _, name = re.sub(r"--\S+\s+", "", rest).partition(" AS ")
            stages.append(Stage(image.strip(), name.strip() or None))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append((keyword, rest))
    return stages


def exec_form(rest: str, what: str) -> list[str]:
    """CMD/ENTRYPOINT in exec form: the process gets SIGTERM itself, not a shell."""
    try:
        argv = json.loads(rest)
    except json.JSONDecodeError:
        argv = None
    assert isinstance(argv, list) and argv, f"{what} must be in exec form, not {rest!r}"
    return [str(part) for part in argv]


def declared_volumes(stage: Stage) -> list[str]:
    return [
        volume
        for rest in stage.all("VOLUME")
        for volume in (json.loads(rest) if rest.startswith("[") else rest.split())
    ]


def healthcheck(stage: Stage) -> tuple[dict[str, str], list[str]]:
    rest = stage.last("HEALTHCHECK")
    assert rest, "the image has no HEALTHCHECK"
    options, _, command = rest.partition("CMD ")
    flags = dict(opt.removeprefix("--").split("=", 1) for opt in options.split())
    return flags, exec_form(command, "HEALTHCHECK CMD")


def seconds(duration: str | int | float) -> float:
    """A Docker/compose duration: `30s`, `1m30s`, `500ms`, or plain seconds."""
    if isinstance(duration, int | float) or duration.replace(".", "", 1).isdigit():
        return float(duration)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def expand(value: str, variables: Mapping[str, str]) -> str:
    """`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}` and `$$`, as Docker and
    compose substitute them."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        found = variables.get(name, "")
        if match.group(2) and "?" in match.group(2):
            assert found, f"{name} is required: {match.group(3)}"
        if not found and match.group(2) and "-" in match.group(2):
            return match.group(3)
        return found

    return re.sub(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)", one, value)


def image_env(stage: Stage, base: Mapping[str, str]) -> dict[str, str]:
    """The environment the stage's ENV lines build on top of `base`."""
    env = dict(base)
    for rest in stage.all("ENV"):
        words = shlex.split(rest)
        pairs = (
            [w.split("=", 1) for w in words]
            if "=" in words[0]
            else [[words[0], rest.split(None, 1)[1]]]
        )
        for name, value in pairs:
            env[name] = expand(value, env)
    return env


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def compose_env(service: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    found = service.get("environment") or {}
    if isinstance(found, list):
        found = dict(entry.split("=", 1) for entry in found)
    return {name: expand(str(value), variables) for name, value in found.items()}


def bot_service(services: Mapping[str, Any]) -> dict[str, Any]:
    built = [service for service in services.values() if "build" in service]
    assert len(built) == 1, "compose.yaml should build one service: the bot"
    service: dict[str, Any] = built[0]
    return service


def unit() -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for raw in (ROOT / "deploy" / "shopbot.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
        else:
            key, _, value = line.partition("=")
            sections[current].append((key.strip(), value.strip()))
    return sections


def unit_value(entries: list[tuple[str, str]], key: str) -> str | None:
    found = [value for name, value in entries if name == key]
    return found[-1] if found else None


def to_host(value: str, paths: Mapping[str, Path]) -> str:
    """A value with the deployment's paths replaced by where they are here."""
    for inside, here in paths.items():
        value = re.sub(rf"(?<![\w.-]){re.escape(inside)}(?=/|:|$)", str(here), value)
    return value


# --- the promises the files make ------------------------------------------------------


def test_the_image_is_slim_non_root_and_keeps_sqlite_in_a_volume() -> None:
    stages = dockerfile()
    final = stages[-1]
    version = re.fullmatch(r"python:(\d+\.\d+)-slim(-\w+)?", final.base)
    assert version, f"the image should build on a slim Python image, not {final.base}"
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(required).contains(version[1]), f"{final.base} is not {required}"
    user = final.last("USER")
    assert user and user.split(":")[0] not in ("root", "0"), f"the image runs as {user!r}"
    env = image_env(final, IMAGE_BASE_ENV)
    database = make_url(env["SHOPBOT_DATABASE_URL"])
    assert database.get_backend_name() == "sqlite" and database.database
    volumes = declared_volumes(final)
    assert any(database.database.startswith(volume.rstrip("/") + "/") for volume in volumes), (
        f"the SQLite file {database.database} is not in a VOLUME ({volumes})"
    )
    # The volume's folder belongs to the user before VOLUME is declared (later changes
    # to it would be discarded), so a fresh named volume is writable.
    position = [kw for kw, _ in final.instructions].index("VOLUME")
    owned = " ".join(rest for kw, rest in final.instructions[:position] if kw == "RUN")
    assert re.search(rf"chown \S*{re.escape(user.split(':')[0])}\S* {re.escape(volumes[0])}", owned)
    _, probe = healthcheck(final)
    assert "/healthz" in " ".join(probe)


def test_the_image_installs_the_package_without_dev_tools() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = dockerfile()
    installs = [rest for stage in stages for rest in stage.all("RUN") if "pip install" in rest]
    assert installs, "no RUN pip install"
    assert any(re.search(r"pip install(\s+--?[\w-]+(=\S+)?)*\s+\.(\s|$|&|;)", r) for r in installs)
    assert "[dev]" not in text and not re.search(r"pip install[^&;]*\s-e\s", text)
    # Everything `pip install .` reads reaches the build: copied, and not ignored.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {"pyproject.toml", project["project"]["readme"]} | {p.rstrip("*") for p in packages}
    copied = {
        Path(word).name
        for stage in stages[:-1] or stages
        for rest in stage.all("COPY")
        for word in rest.split()[:-1]
        if not word.startswith("--")
    }
    assert needed <= copied, f"not copied into the build: {sorted(needed - copied)}"
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*", ".dockerignore should let in only what the build needs"
    let_in = {line[1:].strip("/") for line in ignore if line.startswith("!")}
    assert needed <= let_in and not let_in & {".env", ".venv", "shopbot.toml"}


def test_compose_waits_for_a_healthy_database() -> None:
    services = compose()["services"]
    bot = bot_service(services)
    db_name = next(iter(bot["depends_on"]))
    assert bot["depends_on"][db_name]["condition"] == "service_healthy"
    db = services[db_name]
    assert db["image"].startswith("postgres:")
    check = db["healthcheck"]["test"]
    assert "pg_isready" in (check if isinstance(check, str) else " ".join(check))
    volumes = compose()["volumes"]
    assert any(
        v.split(":")[0] in volumes and "/var/lib/postgresql/data" in v for v in db["volumes"]
    )
    assert bot["restart"] == "unless-stopped" and db["restart"] == "unless-stopped"
    env_file = bot["env_file"]
    assert ".env" in ([env_file] if isinstance(env_file, str) else env_file), (
        "the tokens come from .env"
    )
    # The bot's URL names the db service, its user, password and database.
    postgres = compose_env(db, {"POSTGRES_PASSWORD": POSTGRES_PASSWORD})
    url = make_url(
        compose_env(bot, {"POSTGRES_PASSWORD": POSTGRES_PASSWORD})["SHOPBOT_DATABASE_URL"]
    )
    assert (url.host, url.port, url.username, url.password, url.database) == (
        db_name,
        5432,
        postgres["POSTGRES_USER"],
        POSTGRES_PASSWORD,
        postgres["POSTGRES_DB"],
    )
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):  # no .env: a clear refusal
        compose_env(bot, {})


def test_compose_publishes_the_http_port_the_bot_listens_on() -> None:
    final = dockerfile()[-1]
    bot = bot_service(compose()["services"])
    env = {**image_env(final, IMAGE_BASE_ENV), **compose_env(bot, {"POSTGRES_PASSWORD": "x"})}
    port = env["SHOPBOT_HTTP_PORT"]
    published = [str(p).rsplit(":", 1)[-1].split("/")[0] for p in bot.get("ports", [])]
    exposed = [str(p) for p in bot.get("expose", [])]
    assert port in published + exposed, f"port {port} is neither published nor exposed"
    assert port in " ".join(final.all("EXPOSE")).split()


def test_the_systemd_unit_runs_shopbot_run_hardened() -> None:
    sections = unit()
    service = sections["Service"]
    argv = shlex.split(unit_value(service, "ExecStart") or "")
    assert Path(argv[0]).name == "shopbot" and argv[1:] == ["run"], argv
    assert unit_value(service, "User") not in (None, "root")
    assert unit_value(service, "EnvironmentFile"), "the secrets come from an EnvironmentFile"
    assert unit_value(service, "Restart") == "on-failure"
    assert unit_value(service, "NoNewPrivileges") == "yes"
    assert unit_value(service, "ProtectSystem") == "strict"
    assert unit_value(service, "PrivateTmp") == "yes"
    writable = (unit_value(service, "ReadWritePaths") or "").split()
    workdir = unit_value(service, "WorkingDirectory") or ""
    assert workdir in writable
    env = dict(v.split("=", 1) for k, v in service if k == "Environment")
    database = make_url(env["SHOPBOT_DATABASE_URL"]).database or ""
    assert any(database.startswith(path + "/") for path in writable), database
    assert env.get("SHOPBOT_LOAD_DEMO_CATALOG") == "false", "no demo catalog in the real store"
    assert ("WantedBy", "multi-user.target") in sections["Install"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # With the command where it is here, systemd finds nothing else to object to.
    text = (ROOT / "deploy" / "shopbot.service").read_text(encoding="utf-8")
    command = Path(shlex.split(unit_value(unit()["Service"], "ExecStart") or "")[0])
    copy = tmp_path / "shopbot.service"
    copy.write_text(to_host(text, {str(command.parent.parent): VENV}), encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


# --- running it as deployed -----------------------------------------------------------


@dataclass
class Deployment:
    """One way of running the bot, mapped onto this machine."""

    argv: list[str]  # the long-running command
    one_off: list[str]  # what runs another shopbot command beside it: one_off + ARGS
    env: dict[str, str]
    cwd: Path
    grace: float  # seconds from SIGTERM to SIGKILL
    probe: list[str] | None  # the health check command, if the deployment has one
    unhealthy_after: float  # seconds after start at which it would count as unhealthy
    data: Path | None  # the folder the data must land in (SQLite), if any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _dotenv(telegram: FakeTelegram | None) -> dict[str, str]:
    """What the operator's .env holds; here Telegram is the loopback fake."""
    if telegram is None:
        return {}
    return {
        "SHOPBOT_TELEGRAM_TOKEN": telegram.token,
        "SHOPBOT_TELEGRAM_API_URL": telegram.base_url,
        "SHOPBOT_TELEGRAM_FILE_URL": telegram.file_url,
    }


def _on_free_port(env: dict[str, str]) -> None:
    assert env.get("SHOPBOT_HTTP_PORT"), "the HTTP server (and so the health check) is off"
    env["SHOPBOT_HTTP_PORT"] = str(_free_port())  # the container's own port, free here


def container(
    tmp_path: Path, dotenv: Mapping[str, str], service: Mapping[str, Any] | None = None
) -> Deployment:
    """The image run with `dotenv` as its env file (`docker run --env-file .env -v
    VOLUME:/data IMAGE`), or as the compose `service` runs it: the image's ENV, then
    env_file, then environment. Its venv is ours, each VOLUME a folder here."""
    final = dockerfile()[-1]
    env = {**image_env(final, IMAGE_BASE_ENV), **dotenv}
    if service is not None:
        env.update(compose_env(service, dotenv))
    user = (final.last("USER") or "").split(":")[0]
    env["HOME"] = f"/home/{user}"  # docker sets it from the USER's passwd entry
    volumes = declared_volumes(final)
    paths = {str(Path(env["PATH"].split(":")[0]).parent): VENV}  # ENV PATH=<venv>/bin:...
    for number, inside in enumerate([*volumes, env["HOME"]]):
        paths[inside] = tmp_path / f"mount{number}"
        paths[inside].mkdir()
    env = {name: to_host(value, paths) for name, value in env.items()}
    _on_free_port(env)
    entrypoint = exec_form(final.last("ENTRYPOINT") or "[]", "ENTRYPOINT")
    command = service.get("command") if service else None
    flags, probe = healthcheck(final)
    defaults = {"start-period": "0s", "interval": "30s", "retries": "3"}
    flags = {**defaults, **flags}
    database = make_url(env["SHOPBOT_DATABASE_URL"])
    return Deployment(
        argv=entrypoint + (command or exec_form(final.last("CMD") or "[]", "CMD")),
        one_off=entrypoint,  # docker compose run --rm shopbot ARGS
        env=env,
        cwd=Path(to_host(final.last("WORKDIR") or "/", paths)),
        grace=seconds(service.get("stop_grace_period", "10s") if service else "10s"),
        probe=probe,
        unhealthy_after=seconds(flags["start-period"])
        + seconds(flags["interval"]) * int(flags["retries"]),
        data=paths[volumes[0]] if database.get_backend_name() == "sqlite" else None,
    )


def compose_deployment(tmp_path: Path, telegram: FakeTelegram | None, pg_url: str) -> Deployment:
    """`docker compose up`; the `db` service is the scratch database (trust auth: the
    password is carried, not checked)."""
    service = bot_service(compose()["services"])
    dotenv = {"POSTGRES_PASSWORD": POSTGRES_PASSWORD, **_dotenv(telegram)}
    deployment = container(tmp_path, dotenv, service)
    url, scratch = make_url(deployment.env["SHOPBOT_DATABASE_URL"]), make_url(pg_url)
    deployment.env["SHOPBOT_DATABASE_URL"] = url.set(
        host=scratch.host, port=scratch.port, username=scratch.username, database=scratch.database
    ).render_as_string(hide_password=False)
    return deployment


def docker_run_deployment(tmp_path: Path, telegram: FakeTelegram | None) -> Deployment:
    """`docker run --env-file .env -v shopbot-data:/data shopbot`: SQLite in the volume."""
    return container(tmp_path, _dotenv(telegram))


def systemd_deployment(tmp_path: Path, telegram: FakeTelegram | None) -> Deployment:
    """`systemctl start shopbot`: the Environment= lines, then the EnvironmentFile."""
    service = unit()["Service"]
    argv = shlex.split(unit_value(service, "ExecStart") or "")
    workdir = unit_value(service, "WorkingDirectory") or "/"
    paths = {str(Path(argv[0]).parent.parent): VENV, workdir: tmp_path / "state"}
    paths[workdir].mkdir()
    env = {**SYSTEMD_BASE_ENV, "HOME": workdir}  # the system user's home
    env.update(v.split("=", 1) for k, v in service if k == "Environment")
    env.update(_dotenv(telegram))
    env = {name: to_host(value, paths) for name, value in env.items()}
    _on_free_port(env)
    argv = [to_host(word, paths) for word in argv]
    return Deployment(
        argv=argv,
        one_off=argv[:1],  # sudo -u shopbot /opt/shopbot/bin/shopbot ARGS
        env=env,
        cwd=paths[workdir],
        grace=seconds(unit_value(service, "TimeoutStopSec") or "90"),
        probe=None,
        unhealthy_after=60.0,
        data=paths[workdir],
    )


def _resolve(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """argv[0] looked up on the deployment's PATH, as exec does: the installed one."""
    found = shutil.which(argv[0], path=env["PATH"])
    assert found, f"{argv[0]} is not on PATH {env['PATH']}"
    assert Path(found).parent == VENV / "bin", f"{argv[0]} is {found}, not the venv's"
    return [found, *argv[1:]]


async def _exit_code(argv: list[str], deployment: Deployment, limit: float) -> tuple[int, str]:
    """Run a command in the deployment's environment: its exit code (-1 when it had to
    be killed after `limit` seconds) and what it wrote."""
    process = await asyncio.create_subprocess_exec(
        *_resolve(argv, deployment.env),
        env=deployment.env,
        cwd=deployment.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, ""
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def _get(url: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientError as error:
        return 0, str(error)


async def _healthy(deployment: Deployment, bot: Shopbot) -> float:
    """Seconds from start until the health check passes (the deployment's own command,
    else GET /healthz); it fails the test where the deployment would call it unhealthy."""
    started = time.monotonic()
    async with asyncio.timeout(deployment.unhealthy_after):
        while True:
            if bot.process.returncode is not None:
                raise AssertionError(f"shopbot ended early:\n{bot.text}")
            if deployment.probe is not None:
                code, _ = await _exit_code(deployment.probe, deployment, 5)
                if code == 0:
                    return time.monotonic() - started
            elif (await _get(f"{_base(deployment)}/healthz"))[0] == 200:
                return time.monotonic() - started
            await asyncio.sleep(1)  # each probe is a python process: not too often


async def _ready(deployment: Deployment) -> str:
    """/readyz once it answers 200 (the database and Telegram connected)."""
    async with asyncio.timeout(30):
        while True:
            status, body = await _get(f"{_base(deployment)}/readyz")
            if status == 200:
                return body
            await asyncio.sleep(0.2)


def _databases(folder: Path) -> list[str]:
    """The SQLite files under `folder`."""
    return sorted(path.name for path in folder.rglob("*.db"))


def _base(deployment: Deployment) -> str:
    return f"http://127.0.0.1:{deployment.env['SHOPBOT_HTTP_PORT']}"


async def test_compose_runs_the_bot_on_postgresql(
    scratch_pg: str, tmp_path: Path, telegram: FakeTelegram
) -> None:
    deployment = compose_deployment(tmp_path, telegram, scratch_pg)
    await _run_as_deployed(deployment, telegram)
    assert _databases(tmp_path) == [], "compose keeps the data in PostgreSQL"


@pytest.mark.parametrize(
    "deploy", [docker_run_deployment, systemd_deployment], ids=["docker-run", "systemd"]
)
async def test_the_bot_runs_on_sqlite(
    deploy: Callable[[Path, FakeTelegram | None], Deployment],
    tmp_path: Path,
    telegram: FakeTelegram,
) -> None:
    deployment = deploy(tmp_path, telegram)
    await _run_as_deployed(deployment, telegram)
    assert deployment.data is not None
    assert _databases(deployment.data) == ["shopbot.db"]


async def _run_as_deployed(deployment: Deployment, telegram: FakeTelegram) -> None:
    """The catalog imported by a one-off command, the bot healthy and ready, one
    question answered, and a clean exit on SIGTERM within the stop grace period."""
    if deployment.probe is not None:  # nothing listens yet: the check can fail
        assert (await _exit_code(deployment.probe, deployment, 10))[0] != 0
    import_ = [*deployment.one_off, "catalog", "import", str(DEMO_CATALOG)]
    code, output = await _exit_code(import_, deployment, 60)
    assert code == 0, output
    process = await asyncio.create_subprocess_exec(
        *_resolve(deployment.argv, deployment.env),
        env=deployment.env,
        cwd=deployment.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = Shopbot(process)
    try:
        healthy_after = await _healthy(deployment, bot)
        assert await _ready(deployment) == "database: ok\ntelegram: ok\n"
        telegram.push_message(GROUP, ALICE, "@shopbot_test_bot linen shirt")
        await telegram.wait_for(lambda: telegram.sent(GROUP, "sendPhoto"))
        stopping = time.monotonic()
        try:
            code = await bot.stop(signal.SIGTERM, seconds=deployment.grace)
        except TimeoutError:
            raise AssertionError(
                f"still running {deployment.grace} s after SIGTERM: it would be killed"
            ) from None
        assert code == 0, bot.text
        took = time.monotonic() - stopping
        print(f"healthy after {healthy_after:.1f} s, stopped in {took:.1f} s")
        assert "Traceback" not in bot.text, bot.text
    finally:
        await bot.kill()
        print(f"--- shopbot ---\n{bot.text}")  # shown when the test fails


async def test_without_a_token_the_container_says_so_and_stops(tmp_path: Path) -> None:
    # No .env: `run` says which tokens it needs and stops with a usage error (a console
    # chat on a closed stdin would end at once and be restarted for ever), leaving the
    # store untouched: no demo catalog as if it were the shop's.
    deployment = docker_run_deployment(tmp_path, None)
    code, output = await _exit_code(deployment.argv, deployment, 60)
    assert code == 2, output
    assert "no platform token configured: set SHOPBOT_TELEGRAM_TOKEN" in output, output
    assert "Traceback" not in output and "demo catalog" not in output, output
