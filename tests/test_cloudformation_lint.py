"""cfn-lint, as a library, over every CloudFormation template in examples/: an error fails the test (the
templates are what users copy, so they must be valid for AWS too, not only for nimbus)."""
from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def is_template(path: Path) -> bool:
    """A YAML or JSON file with a Resources section (not a package.json or a CDK app's generated output)."""
    if path.suffix not in (".yaml", ".yml", ".json", ".template") or {"node_modules", "cdk.out"} & set(path.parts):
        return False
    text = path.read_text(errors="replace")
    return "\nResources:" in text or '"Resources"' in text


TEMPLATES = sorted(p for p in EXAMPLES.rglob("*") if is_template(p))


def test_examples_have_templates():
    assert TEMPLATES, "no template found under examples/"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_cfn_lint_finds_no_error(template: Path):
    errors = [m for m in lint_file(template) if m.rule.severity == "error"]
    assert not errors, "\n".join(str(m) for m in errors)


def test_cfn_lint_would_fail_a_broken_template(tmp_path):
    broken = tmp_path / "broken.yaml"  # what the test above would catch: an unknown property
    broken.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Colour: blue\n")
    assert [m.rule.id for m in lint_file(broken)] == ["E3002"]
