"""The README documents every setting and every CLI command."""

from __future__ import annotations

from kb import settings
from kb.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented():
    for s in settings.SETTINGS:
        assert f"`{s.env}`" in README, s.env


def test_the_readme_table_of_settings_is_the_generated_one():
    """Defaults and help as declared in kb/settings.py, value by value (`kb settings --markdown`)."""
    table = settings.markdown_table()
    assert table in README, "run `kb settings --markdown` and paste it into the README"
    assert table.count("\n") == len(settings.SETTINGS) + 1


def test_derived_defaults_are_what_the_table_says(tmp_path):
    config = settings.load({"KB_HOME": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    assert config.index_dir == tmp_path / "index"
    assert config.registry_dir == settings.DATA_DIR / "entities" and config.registry_dir.is_dir()


def test_every_command_is_documented():
    for name, command in cli.commands.items():
        assert f"kb {name}" in README, name
        for sub in getattr(command, "commands", {}):
            assert f"kb {name} {sub}" in README, f"{name} {sub}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = 'pip install -e ".[test]" && python -m pytest'
    assert command in README and command in ci
