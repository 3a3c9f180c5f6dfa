"""Documentation that is generated from the code must match it (run `python -m index.docgen`)."""

from __future__ import annotations

from pathlib import Path

from index.config import Settings
from index.docgen import DOCS, cli_reference, resolve, settings_reference, with_diagrams
from index.pipeline import FILE_FLOW, QUESTION_FLOW

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference() + "\n", "run python -m index.docgen"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`YOUJU_{name.upper()}`" in text, name
        assert field.description, f"setting {name} has no description"
    assert text == settings_reference(), "run python -m index.docgen"


def test_architecture_diagrams_are_generated_from_the_code() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert text == with_diagrams(text), "run python -m index.docgen"
    for _, dotted in FILE_FLOW + QUESTION_FLOW:
        assert resolve(dotted) is not None, dotted  # a renamed stage breaks this test, not just the picture


def test_architecture_table_names_modules_that_exist() -> None:
    import re

    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## Where things are") : text.index("## One way through")]
    for path in re.findall(r"`((?:index|service|eval)/[\w/]*(?:\.py)?)`", table):
        assert (ROOT / path).exists(), path


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


def test_deployment_files_parse_and_name_only_real_settings() -> None:
    """docs/deployment/: every compose and Kubernetes file is valid YAML, and every YOUJU_* variable they set
    is a setting of this version (a renamed setting breaks this test, not a production roll-out)."""
    import re

    import yaml

    deploy = DOCS / "deployment"
    files = sorted(deploy.rglob("*.yaml")) + sorted(deploy.rglob("*.yml")) + [deploy / "Dockerfile"]
    assert len(files) >= 5
    known = {f"YOUJU_{name.upper()}" for name in Settings.model_fields}
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix in {".yaml", ".yml"}:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            assert docs, path
        for name in set(re.findall(r"YOUJU_[A-Z0-9_]+", text)):
            assert name in known, f"{path.name}: {name} is not a setting"
