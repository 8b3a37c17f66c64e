"""Dockerfile, compose.yaml and .env.example keep to what the app really reads and serves.

No Docker daemon is needed: these read the files (`.ci/run` builds the image where one runs).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from slackapp.runtime.web import HEALTH_PATH

ROOT = Path(__file__).resolve().parent.parent
#: Variables compose.yaml substitutes that are for compose, not settings of the app.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def settings_read() -> set[str]:
    """Every environment variable slackapp/config.py reads."""
    source = (ROOT / "slackapp" / "config.py").read_text()
    names = set(re.findall(r'\b(?:text|integer|seconds|boolean)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert len(names) > 20, "config.py reads settings differently now: update this test"
    return names


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        lines.append(pending)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    instructions = []
    for line in lines:
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    start = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[start:]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def env_names(arguments: str) -> set[str]:
    return set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", arguments))


def test_the_image_is_slim_python_311_and_runs_serve_as_a_non_root_user() -> None:
    stage = final_stage()
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage[0][1].split()[0])
    users = [args for word, args in stage if word == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    commands = [args for word, args in stage if word == "CMD"]
    assert commands[-1] == '["slackapp", "serve"]'  # exec form: gunicorn gets SIGTERM


def test_the_healthcheck_asks_healthz_with_python() -> None:
    checks = [args for word, args in final_stage() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert HEALTH_PATH == "/healthz"
    assert "/healthz'" in checks[0]
    assert '["python", "-c"' in checks[0]
    assert "curl" not in checks[0] and "wget" not in checks[0]  # slim has neither


def test_the_image_installs_every_package_the_project_declares() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {
        source
        for word, args in dockerfile()
        if word == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    }
    assert packages <= copied
    assert {"pyproject.toml", pyproject["project"]["readme"]} <= copied
    installs = [args for word, args in dockerfile() if word == "RUN" and "pip install" in args]
    assert any(re.search(r"pip install \.$", args) for args in installs), installs
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[[line.strip() for line in ignored].index("*")] == "*"  # an allow-list
    assert not any(line.strip().lstrip("!").startswith((".env", "var")) for line in ignored)


def test_every_env_the_image_sets_for_the_app_is_a_setting() -> None:
    set_for_app = set()
    for word, args in final_stage():
        if word == "ENV":
            set_for_app |= env_names(args) - {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    assert set_for_app == {"HOST", "PORT"}
    assert set_for_app <= settings_read()


def test_compose_runs_postgres_with_a_healthcheck_and_a_named_volume() -> None:
    data = compose()
    db = data["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in db["healthcheck"]["test"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in data["volumes"]


def test_compose_starts_the_app_after_a_healthy_database_with_real_settings() -> None:
    app = compose()["services"]["app"]
    assert app["build"] == "."
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert app["env_file"] == ".env"
    environment = app["environment"]
    assert set(environment) <= settings_read(), set(environment) - settings_read()
    assert environment["DATABASE_URL"].startswith("postgresql://valueboard:")
    assert "@db:5432/valueboard" in environment["DATABASE_URL"]
    assert environment["HOST"] == "0.0.0.0"  # noqa: S104 - inside the container
    assert app["ports"] == [f"127.0.0.1:{environment['PORT']}:{environment['PORT']}"]
    substituted = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "compose.yaml").read_text()))
    assert substituted == COMPOSE_ONLY


def test_env_example_documents_exactly_the_settings_plus_compose_s_own() -> None:
    example = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert example == settings_read() | COMPOSE_ONLY
