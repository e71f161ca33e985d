"""Stable problem codes: the ``PE###`` id of every kind of diagnostic, as cfn-lint has
rule ids. docs/problem-codes.md is generated from :data:`PROBLEM_CODES`.

A :class:`~policyengine.errors.Diagnostic` carries a *name* (its ``code``, such as
``schema.unknown-key``), which says where in the engine it was raised; the id said
here is what users see in SARIF, JUnit, GitHub annotations and JSON, cite in a
``# policyengine: ignore[PE390]`` comment, and look up in the docs. Ids never change
meaning and are never reused: a new kind of problem gets a new id.

Ranges: PE0xx general (files, paths, git, plugins, ignore comments), PE1xx YAML and
document schemas, PE2xx expressions, PE3xx policies, PE4xx holders, records and
accounts, PE5xx credit sources, PE6xx scenarios, tests and diffs, PE7xx batch input, PE8xx
formatting.

A name ending in ``.`` is a family: it stands for every name it starts (``source.``
covers ``source.csv``, ``source.path`` ...) that has no entry of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class ProblemCode:
    """One problem code: its id, the diagnostic names it covers, its default severity."""

    id: str  # PE###
    names: tuple[str, ...]
    severity: Severity
    summary: str

    @property
    def name(self) -> str:
        """The first name: what SARIF calls the rule's ``name``."""
        return self.names[0]


def _c(id: str, names: str, summary: str, severity: Severity = "error") -> ProblemCode:
    return ProblemCode(id, tuple(names.split()), severity, summary)


PROBLEM_CODES: tuple[ProblemCode, ...] = (
    _c("PE000", "error", "a problem without a more specific code"),
    _c("PE001", "io yaml.io", "a file cannot be read (missing, unreadable, a directory)"),
    _c(
        "PE002",
        "path.outside sources.outside scenarios.outside batch.outside",
        "a path leads outside the repository root (docs/security.md)",
    ),
    _c("PE003", "usage", "a command-line value is wrong"),
    _c("PE004", "git", "git cannot be run, or the revision does not exist"),
    _c("PE005", "plugins", "a plugin cannot be loaded or registers something invalid"),
    _c(
        "PE010",
        "ignore.unused",
        "a '# policyengine: ignore[...]' comment matches no warning on its line",
        "warning",
    ),
    _c(
        "PE011",
        "ignore.error",
        "a '# policyengine: ignore[...]' comment names an error: only warnings can be ignored",
        "warning",
    ),
    _c(
        "PE012",
        "ignore.unknown",
        "a '# policyengine: ignore[...]' comment names no known problem code",
        "warning",
    ),
    _c("PE101", "yaml.syntax", "the file is not valid YAML (or JSON)"),
    _c("PE102", "yaml.encoding", "the file is not UTF-8"),
    _c("PE103", "yaml.duplicate-key", "a key appears twice in one mapping"),
    _c("PE104", "yaml.number", "a number cannot be read exactly"),
    _c("PE105", "yaml.tag", "a YAML tag is not supported, or does not fit its value"),
    _c("PE106", "yaml.alias", "an alias names an anchor that is not defined before it"),
    _c("PE107", "yaml.anchor", "an anchor is defined twice"),
    _c("PE108", "yaml.alias-cycle", "an alias refers to the value it is inside"),
    _c("PE109", "yaml.alias-expansion", "aliases expand to too large a document"),
    _c("PE110", "yaml.merge-key", "a merge key ('<<') is used"),
    _c("PE111", "yaml.key-type", "a key is a mapping or a list"),
    _c("PE112", "yaml.too-deep", "values are nested too deeply"),
    _c("PE113", "yaml.too-large", "the file is larger than the limit"),
    _c("PE114", "yaml.multiple-documents", "the file holds more than one YAML document"),
    _c("PE120", "document.kind", "the kind of document cannot be told from its keys"),
    _c("PE130", "schema schema.", "a value breaks its schema (a range, pattern, enum ...)"),
    _c("PE131", "schema.unknown-key", "a key the schema does not know"),
    _c("PE132", "schema.required", "a required key is missing"),
    _c("PE133", "schema.type", "a value has the wrong type"),
    _c("PE134", "schema.one-of", "a value matches none of the forms it may take"),
    _c("PE135", "schema.not-allowed", "a value or key is not allowed here"),
    _c("PE201", "expression expr.", "an expression does not parse or type-check"),
    _c("PE202", "date.out-of-range", "a date computed by the policy is out of range"),
    _c("PE301", "policy.timezone", "the policy's time zone is unknown"),
    _c("PE302", "policy.duplicate-id", "two entries of a policy list share an id"),
    _c("PE303", "policy.number", "a number in the policy is out of range or too precise"),
    _c("PE304", "policy.per-year", "a per-year requirement does not fit its period"),
    _c("PE305", "policy.period-end", "a period end is not after its start"),
    _c("PE306", "policy.within", "a requirement's 'within' names no enclosing requirement"),
    _c("PE307", "policy.carry-over", "a carry-over rule is inconsistent"),
    _c("PE308", "period.order period.", "periods are out of order or malformed"),
    _c("PE309", "period.too-many", "a holder's history needs too many periods"),
    _c("PE310", "allocation.caps allocation.", "caps overlap without nesting"),
    _c("PE311", "package.expiry package.", "a credit package's terms are inconsistent"),
    _c("PE312", "package.item-cost", "a cart item's cost cannot be worked out"),
    _c("PE313", "package.policy-kind", "a credit-package command is given another kind of policy"),
    _c("PE314", "policy.", "a policy cross-check fails"),
    _c("PE315", "policy.conversion", "a records.conversion rule is incomplete or unreachable"),
    _c("PE316", "policy.look-back", "periods.look_back is combined with what it excludes"),
    _c("PE317", "policy.cap-per", "a requirement has 'per' but no cap"),
    _c(
        "PE318",
        "serve.duplicate-id serve.no-policies serve.",
        "a directory given to serve has no policies, or two with one id",
    ),
    _c(
        "PE390",
        "policy.unused-constant",
        "a constant is declared but no expression reads it",
        "warning",
    ),
    _c("PE401", "holder.date holder.", "a holder's date is not a date"),
    _c("PE402", "record record.", "a record is malformed"),
    _c("PE403", "record.adjustment", "a record's date adjustment is malformed"),
    _c("PE404", "record.duplicate-id", "two records share an id"),
    _c("PE405", "records.", "a records file is malformed"),
    _c("PE406", "account.duplicate-id account.", "an account file is malformed"),
    _c("PE407", "account.replay", "an account's history cannot be replayed"),
    _c("PE408", "ledger.io ledger.", "a ledger file cannot be read or written"),
    _c("PE409", "redeem.", "a redemption is refused"),
    _c("PE410", "cart.", "a cart file is malformed"),
    _c("PE501", "sources sources.", "a sources file is malformed"),
    _c("PE502", "sources.unknown", "a sources file names a credit source no plugin provides"),
    _c("PE503", "sources.holder", "a source's rows do not name the holder consistently"),
    _c("PE504", "sources.input", "a source's input file cannot be used"),
    _c("PE505", "sources.plugin", "a credit source plugin failed"),
    _c("PE506", "sources.rejected", "a source rejected rows"),
    _c("PE507", "source.csv", "a CSV input is malformed"),
    _c("PE508", "source.item", "an input item is malformed"),
    _c("PE509", "source.", "a credit source's option or input is wrong"),
    _c("PE601", "scenarios scenarios.", "a scenario file is malformed"),
    _c("PE602", "scenarios.policy", "a scenario file's policy cannot be found"),
    _c("PE603", "scenarios.kind", "a scenario does not fit its policy's kind"),
    _c("PE604", "scenarios.duplicate-name", "two scenarios share a name"),
    _c("PE605", "scenarios.as-of scenarios.at", "a scenario's as_of or at is malformed"),
    _c("PE606", "scenarios.cart", "a scenario's cart is malformed"),
    _c("PE650", "test.failed", "a scenario's expectation is not met"),
    _c("PE651", "test.coverage", "coverage is below --fail-under"),
    _c(
        "PE660",
        "diff.outcome",
        "a policy change changes holders' or accounts' outcomes",
        "warning",
    ),
    _c("PE701", "batch batch.", "batch input is malformed"),
    _c("PE702", "batch.json", "a batch line is not JSON"),
    _c("PE703", "batch.encoding", "batch input is not UTF-8"),
    _c("PE704", "batch.too-large", "a batch line is larger than the limit"),
    _c("PE801", "fmt.yaml", "fmt cannot read the file as YAML"),
    _c("PE802", "fmt.meaning", "the formatted file would mean something else: left as it is"),
    _c("PE803", "fmt.not-yaml", "a file named to fmt is not a policyengine YAML document"),
)

_BY_NAME = {name: code for code in PROBLEM_CODES for name in code.names}
_BY_ID = {code.id: code for code in PROBLEM_CODES}
_FAMILIES = sorted((n for n in _BY_NAME if n.endswith(".")), key=len, reverse=True)
ID_PATTERN = re.compile(r"PE[0-9]{3}")


def problem_code(name: str) -> ProblemCode:
    """The code of the diagnostic name ``name``: its own entry, else the longest family
    it belongs to, else PE000."""
    found = _BY_NAME.get(name)
    if found is not None:
        return found
    for family in _FAMILIES:
        if name.startswith(family):
            return _BY_NAME[family]
    return _BY_ID["PE000"]


def by_id(id: str) -> ProblemCode | None:
    """The code with id ``id`` (``PE390``), None when there is none."""
    return _BY_ID.get(id)


def reference_markdown() -> str:
    """docs/problem-codes.md: every code with its names, severity and summary
    (``tests/test_problem_codes.py`` says how to regenerate it)."""
    lines = [
        "# Problem codes",
        "",
        "<!-- generated from policyengine/problem_codes.py: tests/test_problem_codes.py",
        "     fails when this file is not current, and says how to regenerate it -->",
        "",
        "Every diagnostic has a stable problem code: `PE` and three digits. It is the rule",
        "id in `-o sarif`, the `title` of a `-o github` annotation, the `type` of a JUnit",
        "failure, `problem_code` in `-o json` (next to `code`, the name the engine gives",
        "the problem), and what a `# policyengine: ignore[PE390]` comment names. A code",
        "never changes meaning and is never reused. Ranges: PE0xx general, PE1xx YAML and",
        "schemas, PE2xx expressions, PE3xx policies, PE4xx holders, records and accounts,",
        "PE5xx credit sources, PE6xx scenarios, tests and diffs, PE7xx batch input, PE8xx",
        "formatting.",
        "",
        "Only warnings can be acknowledged: a `# policyengine: ignore[CODE, ...]` comment",
        "at the end of the line a warning points at (or alone on the line above it)",
        "suppresses it; `validate` reports an ignore that matches no warning (PE010), names",
        "an error (PE011) or an unknown code (PE012). Warnings do not make `validate` fail.",
        "A name ending in `.` stands for every name it starts that has no entry of its own.",
        "",
        "| Code | Severity | Names | What |",
        "|---|---|---|---|",
    ]
    for code in PROBLEM_CODES:
        names = ", ".join(f"`{n}`" for n in code.names)
        lines.append(
            f'| <a id="{code.id.lower()}"></a>{code.id} | {code.severity} | {names} '
            f"| {code.summary} |"
        )
    return "\n".join(lines) + "\n"
