"""The Dockerfile and its build context, checked without a Docker engine."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.deploy.conftest import REPO


def dockerfile_copies() -> list[str]:
    """Sources of the Dockerfile's COPY instructions from the build context."""
    sources = []
    for line in (REPO / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_image_copies_everything_pip_install_needs() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    copied = {source.rstrip("/") for source in dockerfile_copies()}
    assert {"pyproject.toml", project["project"]["readme"]} <= copied
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert package in copied, f"the image lacks package {package}"
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
        for rule in dockerignore():
            assert not fnmatch.fnmatch(source, rule), f"{source} is excluded by .dockerignore"


def test_build_context_leaves_out_secrets_and_local_state() -> None:
    rules = set(dockerignore())
    assert {".env", ".git", ".venv", "var", "deploy", "tests"} <= rules


def test_image_runs_unprivileged_with_the_udara_command() -> None:
    text = (REPO / "Dockerfile").read_text()
    stages = text.split("\nFROM ")
    final = stages[-1]
    assert "\nUSER udara" in final
    assert "mosquitto" in final, "udara devices needs mosquitto_passwd in the image"
    assert "UDARA_ENV=production" in final
    assert final.count("pip install") == 1 and "--no-index" in final
