"""The README documents every setting and every CLI command."""

from __future__ import annotations

from kb import settings
from kb.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented():
    for s in settings.SETTINGS:
        assert f"`{s.env}`" in README, s.env


def test_every_command_is_documented():
    for name, command in cli.commands.items():
        assert f"kb {name}" in README, name
        for sub in getattr(command, "commands", {}):
            assert f"kb {name} {sub}" in README, f"{name} {sub}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = 'pip install -e ".[test]" && python -m pytest'
    assert command in README and command in ci
