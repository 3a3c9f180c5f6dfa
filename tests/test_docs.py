"""Documentation that is generated from the code must match it (run `python -m index.docgen`)."""

from __future__ import annotations

from pathlib import Path

from index.config import Settings
from index.docgen import DOCS, cli_reference, settings_reference

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference() + "\n", "run python -m index.docgen"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`YOUJU_{name.upper()}`" in text, name
        assert field.description, f"setting {name} has no description"
    assert text == settings_reference(), "run python -m index.docgen"


def test_readme_gives_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_links_resolve() -> None:
    import re

    for md in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)\)", md.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (md.parent / target).exists(), f"{md.name}: broken link {target}"
