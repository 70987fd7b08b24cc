"""The README's "För QA" section stays true: every fault key the mock knows is documented, no other, and every
QA API route it lists exists."""

from __future__ import annotations

import re
from pathlib import Path

from mock_personalverktyg import create_app
from mock_personalverktyg.faults import KEYS

README = Path(__file__).resolve().parents[2] / "README.md"


def _qa_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## För QA") : text.index("## Performance")]


def test_readme_should_document_exactly_the_mocks_fault_keys() -> None:
    table = _qa_section().split("Fault keys", 1)[1].split("```", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE)
    assert sorted(documented) == sorted(KEYS)


def test_readme_should_list_only_qa_routes_the_mock_serves() -> None:
    listed = re.findall(r"^\| `(GET|POST|PUT) (/__qa__/[^`?]*)", _qa_section(), re.MULTILINE)
    rules = {
        (method, re.sub(r"<[^>]+>", "<x>", rule.rule))
        for rule in create_app({"TESTING": True, "QA_ENABLED": True}).url_map.iter_rules()
        for method in rule.methods
    }
    assert len(listed) == 6
    for method, path in listed:
        assert (method, re.sub(r"<[^>]+>", "<x>", path)) in rules, (method, path)
