"""Static and supply-chain checks: bandit finds nothing of medium severity or above, and no pin has a known advisory.

tests/data/advisories.csv lists, per package we depend on, the first release without each
known advisory; add a row when an advisory is published (no network lookup during the tests).
"""
import csv
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# Our own code: the application, the models, the search index and the WSGI entry point.
BANDIT_TARGETS = ["marketplace", "models", "search_index", "app.py"]
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
ADVISORIES = Path(__file__).resolve().parent / "data" / "advisories.csv"


def bandit_findings(targets: list[str], cwd: Path = ROOT) -> list[str]:
    """Bandit's findings of medium severity or above (any confidence), as 'path:line: [id] text'."""
    command = [sys.executable, "-m", "bandit", "-r", *targets, "-f", "json", "-q", "--severity-level", "medium"]
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode in (0, 1), run.stderr  # 1 = findings; anything else = bandit itself failed
    report = json.loads(run.stdout)
    assert report["errors"] == []
    return [f"{r['filename']}:{r['line_number']}: [{r['test_id']}] {r['issue_text']}" for r in report["results"]]


def test_bandit_finds_nothing_of_medium_severity_or_above():
    assert bandit_findings(BANDIT_TARGETS) == []


def test_bandit_does_report_a_medium_finding(tmp_path):
    (tmp_path / "unsafe.py").write_text("import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n")
    (tmp_path / "excused.py").write_text(
        "import yaml\n\n\ndef load(text):\n    return yaml.load(text)  # nosec B506 — a test of nosec\n")
    findings = bandit_findings(["."], cwd=tmp_path)
    assert len(findings) == 1 and findings[0].startswith("./unsafe.py:5: [B506]")  # the excused one is not reported


def pinned_requirements() -> dict[str, Requirement]:
    """Every requirement line of requirements*.txt by canonical name ('-r' includes skipped)."""
    pins = {}
    for name in REQUIREMENTS:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                requirement = Requirement(line)
                pins[canonicalize_name(requirement.name)] = requirement
    return pins


def advisories() -> list[dict]:
    with ADVISORIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def pinned_version(requirement: Requirement) -> Version:
    (specifier,) = requirement.specifier
    return Version(specifier.version)


def test_every_dependency_is_pinned_to_one_version():
    pins = pinned_requirements()
    assert {"flask", "werkzeug", "gunicorn", "bandit"} <= set(pins)
    loose = [str(r) for r in pins.values() if [s.operator for s in r.specifier] != ["=="]]
    assert loose == []


def test_the_advisory_table_is_well_formed():
    rows = advisories()
    assert rows and all(row["advisory"].startswith(("CVE-", "GHSA-")) and row["summary"] for row in rows)
    assert len({row["advisory"] for row in rows}) == len(rows)
    for row in rows:
        Version(row["first_fixed"])
    # Each package is one we pin, or one that a pinned package brings in (installed here).
    pins = pinned_requirements()
    unknown = [row["package"] for row in rows if canonicalize_name(row["package"]) not in pins
               and not _installed(row["package"])]
    assert unknown == []


def _installed(package: str) -> Version | None:
    try:
        return Version(metadata.version(package))
    except metadata.PackageNotFoundError:
        return None


@pytest.mark.parametrize("row", advisories(), ids=lambda row: f"{row['package']}-{row['advisory']}")
def test_no_pin_is_older_than_the_fix_of_a_known_advisory(row):
    requirement = pinned_requirements().get(canonicalize_name(row["package"]))
    # A package we do not pin ourselves (e.g. Jinja2 through Flask) is checked where it is installed.
    version = pinned_version(requirement) if requirement else _installed(row["package"])
    assert version is not None, f"{row['package']} is neither pinned nor installed"
    assert version >= Version(row["first_fixed"]), f"{row['package']} {version} has {row['advisory']}"
