"""The repository explains itself: its files cite its own documents (docs/, the sandbox's README),
never documents kept outside it, and every cited section and test exists."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Names of design and product notes that are not part of the repository.
OUTSIDE_DOCUMENTS = re.compile(
    r"RELIABILITY|\bBEHAVIOU?R\b|design decision|PRODUCT\.md|STYLE\.md|SOURCES\.md|shared/[\w./-]*\.md",
)
# A repository path with a section: docs/transfer.md#faults, tripletex/sandbox/README.md#choices.
CITATION = re.compile(r"(?<![\w/.-])((?:docs|tripletex/sandbox)/[\w/.-]+\.md)#([\w-]+)")
# A relative Markdown link with a section, inside a Markdown file: [x](wizard.md#fetching).
MARKDOWN_LINK = re.compile(r"\]\(([\w/.-]*\.md)?#([\w-]+)\)")
# A test named in the docs: `test_transfer.py::test_name`.
TEST_REFERENCE = re.compile(r"`(test_\w+\.py)::(test_\w+)`")
THIS_FILE = Path(__file__).relative_to(ROOT).as_posix()


@cache
def tracked_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    return [ROOT / name for name in names if name and (ROOT / name).is_file()]


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None  # images, compiled catalogues


def anchors(markdown: Path) -> set[str]:
    """Explicit `<a id="…">` anchors and GitHub's heading slugs."""
    text = markdown.read_text(encoding="utf-8")
    found = set(re.findall(r'<a id="([\w-]+)"', text))
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        plain = re.sub(r"<[^>]+>", "", heading).strip().lower()
        found.add(re.sub(r"[^\w\- ]", "", plain).replace(" ", "-"))
    return found


def test_no_tracked_file_cites_a_document_outside_the_repository():
    # given every tracked text file but this one (which names the patterns)
    offenders = []
    for path in tracked_files():
        relative = path.relative_to(ROOT).as_posix()
        text = text_of(path)
        if text is None or relative == THIS_FILE:
            continue
        # when
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE_DOCUMENTS.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    # then
    assert offenders == []


def test_every_cited_section_exists():
    # given every citation of a document section in a tracked file
    missing = []
    cited = 0
    for path in tracked_files():
        text = text_of(path)
        if text is None:
            continue
        relative = path.relative_to(ROOT).as_posix()
        targets = [(ROOT / document, anchor) for document, anchor in CITATION.findall(text)]
        if path.suffix == ".md":
            targets += [
                ((path.parent / document).resolve() if document else path, anchor)
                for document, anchor in MARKDOWN_LINK.findall(text)
            ]
        # when
        for document, anchor in targets:
            cited += 1
            if not document.is_file() or anchor not in anchors(document):
                missing.append(f"{relative} → {document.relative_to(ROOT)}#{anchor}")
    # then
    assert missing == []
    assert cited >= 30, "the code cites its design notes"


def test_every_test_the_docs_name_exists():
    # given
    tests = {path.name: text_of(path) or "" for path in tracked_files() if path.name.startswith("test_")}
    missing = []
    named = 0
    for document in (ROOT / "docs").glob("*.md"):
        # when
        for module, name in TEST_REFERENCE.findall(document.read_text(encoding="utf-8")):
            named += 1
            if not re.search(rf"^def {name}\(", tests.get(module, ""), flags=re.MULTILINE):
                missing.append(f"{document.name}: {module}::{name}")
    # then
    assert missing == []
    assert named >= 40
