"""``-o sarif``: SARIF 2.1.0 for GitHub code scanning and other static-analysis viewers.

Built by hand from the findings of ``findings.py`` (the object-model libraries are
stale, and the shape is small): one run per command, the tool's name and version, a
rule per problem code the results use (its stable ``PE###`` id, its name, its summary),
and each result at its ``file:line:col`` as a URI relative to ``%SRCROOT%`` (the
directory the command ran in), so code scanning maps it onto the repository. Columns
count characters (``columnKind: unicodeCodePoints``), as every diagnostic does; a
region ends after the characters the text caret underlines. Output is :func:`dumps`
JSON: the same input in the same directory gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from policyengine import __version__
from policyengine.cli.findings import impact_findings, scenario_findings, validation_findings
from policyengine.cli.output import dumps
from policyengine.cli.reporting import ImpactResult, Reporter, ScenariosResult, ValidationResult
from policyengine.errors import Diagnostic, Location
from policyengine.problem_codes import problem_code

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def artifact_location(path: str, root: str) -> dict[str, str]:
    """``path`` as a URI relative to ``%SRCROOT%`` (``root``); a path outside it (or a
    label such as ``REV:path``) as an absolute ``file:`` URI or as it is, quoted."""
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, root)
    except ValueError:  # on another drive (Windows)
        rel = ".."
    if rel == ".." or rel.startswith(".." + os.sep):
        return {"uri": Path(full).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def _location(where: Location, width: int, root: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact_location(where.file, root),
            "region": {
                "startLine": where.line,
                "startColumn": where.col,
                "endColumn": where.col + max(1, width),
            },
        }
    }


def information_uri() -> str | None:
    """The project's home page from the installed distribution's ``Project-URL``
    metadata (SARIF viewers link the tool's name to it), None when it names none."""
    from importlib import metadata  # start-up: only -o sarif reads distribution metadata

    for dist in sorted(metadata.packages_distributions().get("policyengine", [])):
        entries: list[str] = metadata.metadata(dist).get_all("Project-URL") or []
        for entry in entries:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("homepage", "home", "repository", "source"):
                return url.strip()
    return None


def sarif_log(findings: list[Diagnostic], command: str, root: str | None = None) -> dict[str, Any]:
    """The SARIF log of ``findings`` from ``policyengine COMMAND`` run in ``root``."""
    root = os.path.abspath(root or os.getcwd())
    codes = sorted({problem_code(d.code).id: problem_code(d.code) for d in findings}.items())
    index = {id: i for i, (id, _) in enumerate(codes)}
    rules = [
        {
            "id": id,
            "name": code.name,
            "shortDescription": {"text": code.summary},
            "fullDescription": {"text": f"{id} ({', '.join(code.names)}): {code.summary}"},
            "defaultConfiguration": {"level": LEVELS[code.severity]},
            "help": {"text": f"see docs/problem-codes.md#{id.lower()}"},
        }
        for id, code in codes
    ]
    results = []
    for d in findings:
        result: dict[str, Any] = {
            "ruleId": d.problem_code,
            "ruleIndex": index[d.problem_code],
            "level": LEVELS.get(d.severity, "error"),
            "message": {"text": d.message + (f" (hint: {d.hint})" if d.hint else "")},
            "properties": {"code": d.code},
        }
        if d.location is not None:
            result["locations"] = [_location(d.location, d.width, root)]
        results.append(result)
    driver: dict[str, Any] = {
        "name": "policyengine",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }
    home = information_uri()
    if home:
        driver["informationUri"] = home
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"policyengine/{command}/"},
                "originalUriBaseIds": {SRCROOT: {"uri": Path(root).as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class SarifReporter(Reporter):
    """SARIF 2.1.0 on stdout: the problems of ``validate``, the failures of ``test``,
    the outcome changes of ``diff``."""

    name = "sarif"

    def _write(self, findings: list[Diagnostic], command: str) -> None:
        self.out.write(dumps(sarif_log(findings, command)))

    def report_validation(self, result: ValidationResult) -> None:
        self._write(validation_findings(result), "validate")

    def report_scenarios(self, result: ScenariosResult) -> None:
        # a coverage shortfall has no place in a file, which code scanning needs; the
        # exit code, and the other formats, report it
        self._write(scenario_findings(result, coverage=False), "test")

    def report_impact(self, result: ImpactResult) -> None:
        self._write(impact_findings(result), "diff")
