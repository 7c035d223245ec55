"""The documentation: the generated configuration reference, a short README whose links resolve, and docs
that describe the project as it is (not how it was made). Fast: no JAX computation, no MkDocs."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
import yaml

from fatenet.config import SECTIONS
from fatenet.schema import reference_markdown
from fatenet.study import StudySettings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").rglob("*.md"))
MADE = re.compile(r"\bissues? #?\d+\b|\bthis session\b|\b(first|second|later) session\b|\blanding CI\b|\bwas lent\b",
                  re.IGNORECASE)


def _default(spec):
    value = spec.default if spec.default is not MISSING else spec.default_factory()
    return list(value) if isinstance(value, tuple) else value


def _sections(markdown: str) -> dict[str, str]:
    """The reference's level-2 sections: heading line -> body."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_reference_names_every_section_and_setting_with_its_default():
    sections = _sections(reference_markdown())
    groups = {"Study keys": StudySettings, **{f"`{name}`": cls for name, cls in SECTIONS.items()}}
    for start, cls in groups.items():
        heading = [h for h in sections if h.startswith(start)]
        assert len(heading) == 1, f"no single section {start!r} in {list(sections)}"
        rows = {}
        for line in sections[heading[0]].splitlines():
            match = re.match(r"\| `([a-z_0-9]+)` \| `([^`]*)` \|", line)
            if match:
                rows[match[1]] = match[2]
        assert list(rows) == [spec.name for spec in fields(cls)], start
        for spec in fields(cls):
            assert yaml.safe_load(rows[spec.name]) == _default(spec), f"{start} {spec.name}"
    assert any(h.startswith("`sweep`") for h in sections) and any(h.startswith("`variants`") for h in sections)


def test_the_reference_is_one_table_row_per_setting():
    """A description with a `|` would break its row into more columns."""
    for line in reference_markdown().splitlines():
        if line.startswith("| `"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line


def test_the_readme_is_short():
    assert len(README.read_text().splitlines()) <= 200


@pytest.mark.parametrize("path", [README, ROOT / "CHANGELOG.md", *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_the_docs_say_what_the_project_is_not_how_it_was_made(path):
    found = [m.group(0) for m in MADE.finditer(path.read_text())]
    assert not found, f"{path.name}: {found}"


def test_every_relative_link_in_the_readme_exists():
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    relative = [link for link in links if not re.match(r"[a-z]+:|#", link)]
    assert relative, "the README links into docs/"
    missing = [link for link in relative if not (ROOT / link.split("#")[0]).exists()]
    assert not missing, missing
