"""``-o sarif``, ``-o junit``, ``-o github`` and ``-o markdown`` on validate, test and
diff, checked against what their consumers accept: SARIF against the OASIS SARIF 2.1.0
JSON Schema, JUnit against the Jenkins xunit plugin's junit-10.xsd (both committed in
tests/ci/schemas/, see its README), GitHub annotations against GitHub's limit of 10
per step.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

import policyengine
from tests.helpers import POLICIES

SCHEMAS = Path(__file__).parent / "schemas"
SARIF = jsonschema.Draft4Validator(
    json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
)
JUNIT = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))


def check_sarif(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in SARIF.iter_errors(doc)]
    assert not errors, errors
    return doc


def check_junit(text: str) -> Any:
    root = etree.fromstring(text.encode("utf-8"))  # raises when not well-formed
    assert JUNIT.validate(root), [str(e) for e in JUNIT.error_log]
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy repository (the CRP and its scenarios) as the current directory."""
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, t in enumerate(lines, 1) if needle in t)


def in_repo(cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.chdir(repo)
    return cli(*args)


# ----------------------------------------------------------------------------- SARIF


def test_validate_sarif_is_valid_and_points_at_the_problem(cli, repo, monkeypatch):
    edit(repo / "werc-crp.yaml", "    label: CRP renewal credits", "    lable: CRP renewal credits")
    code, out, _ = in_repo(cli, repo, monkeypatch, "validate", ".", "-o", "sarif")
    assert code == 1
    doc = check_sarif(out)
    [run] = doc["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("policyengine", policyengine.__version__)
    [rule] = driver["rules"]
    assert (rule["id"], rule["name"]) == ("PE131", "schema.unknown-key")
    [result] = run["results"]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == ("PE131", 0, "error")
    assert "lable" in result["message"]["text"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "werc-crp.yaml", "uriBaseId": "%SRCROOT%"}
    line = line_of(repo / "werc-crp.yaml", "lable:")
    assert where["region"] == {"startLine": line, "startColumn": 5, "endColumn": 10}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"
    # deterministic: the same bytes again
    assert in_repo(cli, repo, monkeypatch, "validate", ".", "-o", "sarif")[1] == out


def test_validate_sarif_of_valid_files_has_no_results(cli):
    code, out, _ = cli("validate", "policies", "-o", "sarif")
    assert code == 0 and check_sarif(out)["runs"][0]["results"] == []


def test_test_sarif_reports_each_mismatch_at_its_expected_value(cli, repo, monkeypatch):
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = in_repo(cli, repo, monkeypatch, "test", ".", "-o", "sarif")
    assert code == 1
    run = check_sarif(out)["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {"PE650"}
    assert run["automationDetails"]["id"] == "policyengine/test/"
    invoice = next(r for r in run["results"] if "renewal.can_invoice" in r["message"]["text"])
    loc = invoice["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "werc-crp.tests.yaml"
    assert loc["region"]["startLine"] > 1


def test_diff_sarif_points_at_the_edited_policy_line(cli, repo, monkeypatch):
    shutil.copy(repo / "werc-crp.yaml", repo / "old.yaml")
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = in_repo(
        cli, repo, monkeypatch, "diff", "old.yaml", "werc-crp.yaml", "-o", "sarif"
    )
    assert code == 0
    [result] = check_sarif(out)["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("PE660", "warning")
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "werc-crp.yaml"
    assert loc["region"]["startLine"] == line_of(repo / "werc-crp.yaml", "min: 25")
    assert result["message"]["text"].startswith("requirements[0].min: 30 -> 25: the outcome of")


def test_sarif_uris_are_relative_and_quoted(cli, tmp_path, monkeypatch):
    weird = tmp_path / "a b,c%"
    weird.mkdir()
    (weird / "x#1.yaml").write_text("holder: {id: 5}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("validate", "a b,c%", "-o", "sarif")
    assert code == 1
    [result] = check_sarif(out)["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "a%20b%2Cc%25/x%231.yaml"


# ----------------------------------------------------------------------------- JUnit


def test_test_junit_passes_the_jenkins_schema_with_a_failure(cli, repo):
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = cli("test", repo, "-o", "junit")
    assert code == 1
    root = check_junit(out)
    cases = root.findall("./testsuite/testcase")
    assert all(c.get("file") is None and c.get("line") is None for c in cases)
    # Jenkins splits the classname at its last dot: package = the directory, class = the file
    assert all(c.get("classname").endswith(".werc-crp") for c in cases)
    assert all("/" not in c.get("classname") for c in cases)
    assert int(root.get("failures")) == sum(c.find("failure") is not None for c in cases) > 0


def test_junit_classname_is_dotted_and_keeps_no_yaml_suffix():
    from policyengine.cli.report_junit import classname

    assert classname("policies/werc-crp.tests.yaml") == "policies.werc-crp"
    assert classname("./policies/sub/ca.rn.tests.yml") == "policies.sub.ca_rn"
    assert classname("../x/y.yaml") == "x.y"
    assert classname("policies/werc-crp.yaml", keep_name=False) == "policies"
    assert classname("werc-crp.yaml", keep_name=False) == "(root)"


def test_junit_is_well_formed_with_a_vertical_tab_in_a_scenario_name(cli, repo):
    tests = repo / "werc-crp.tests.yaml"
    name = "renewal cycle 8/1/2022 - 7/31/2025 follows a designation earned 2022-06-15"
    edit(tests, f"- name: {name}", f'- name: "short \\v {name}"')
    code, out, _ = cli("test", repo, "-o", "junit")
    assert code == 0
    root = check_junit(out)
    assert any(c.get("name") == f"short \\x0b {name}" for c in root.iter("testcase"))


def test_junit_fail_under_is_a_failing_case(cli, repo):
    # one scenario of the CRP's (all passing) does not exercise every rule
    some = ("-k", "29.5 credits", "--coverage")
    code, out, err = cli("test", repo, "-o", "junit", *some, "--fail-under", "100")
    assert code == 1 and "below --fail-under 100%" in err
    root = check_junit(out)
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "policyengine.coverage"]
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "PE651"
    assert "is below --fail-under 100%" in failure.get("message")
    assert int(root.get("failures")) >= 1
    # met: the same case, passing
    code, out, _ = cli("test", repo, "-o", "junit", *some, "--fail-under", "1")
    root = check_junit(out)
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "policyengine.coverage"]
    assert code == 0 and case.find("failure") is None


def test_junit_with_durations_passes_the_schema(cli, repo):
    code, out, _ = cli("test", repo, "-o", "junit", "--durations")
    assert code == 0
    root = check_junit(out)
    assert all(c.get("time") for c in root.iter("testcase"))


def test_junit_invalid_file_is_an_error_case(cli, repo):
    edit(repo / "werc-crp.tests.yaml", "as_of: 2025-", "as_of: 2025-13-")
    code, out, _ = cli("test", repo, "-o", "junit")
    assert code == 2
    root = check_junit(out)
    [suite] = [s for s in root.iter("testsuite") if s.get("name") == "invalid files"]
    assert suite.find("testcase/error") is not None


def test_validate_junit_one_case_per_file(cli, repo):
    edit(repo / "werc-crp.yaml", "    label: CRP renewal credits", "    lable: CRP renewal credits")
    (repo / "holder.yaml").write_text(
        "holder: {id: m-1, designated_on: 2022-06-15}\n", encoding="utf-8"
    )
    code, out, _ = cli("validate", repo, "-o", "junit")
    assert code == 1
    root = check_junit(out)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert sorted(cases) == ["holder.yaml", "werc-crp.tests.yaml", "werc-crp.yaml"]
    failure = cases["werc-crp.yaml"].find("failure")
    assert failure.get("type") == "PE131" and "lable" in failure.get("message")
    assert cases["holder.yaml"].find("failure") is None
    assert root.get("tests") == "3" and root.get("failures") == "1"


# ----------------------------------------------------------------------------- GitHub


def test_test_github_annotates_failing_scenarios_at_their_lines(cli, repo):
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = cli("test", repo, "-o", "github")
    assert code == 1
    lines = out.splitlines()
    assert 1 < len(lines) <= 10
    tests = repo / "werc-crp.tests.yaml"
    first = lines[0]
    assert first.startswith(f"::error file={tests},line=") and ",title=PE650::" in first
    assert lines[-1].startswith("::notice::") and " failed" in lines[-1]
    assert "more not annotated (GitHub shows 10 per step)" in lines[-1]


def test_diff_github_at_most_10_annotations_and_the_summary(cli, repo, tmp_path, monkeypatch):
    shutil.copy(repo / "werc-crp.yaml", repo / "old.yaml")
    policy = repo / "werc-crp.yaml"
    extra = "".join(f"  unused_{i}: {i}\n" for i in range(12))
    edit(policy, "  cycle_day: 1\n", "  cycle_day: 1\n" + extra)
    edit(policy, "    min: 30\n", "    min: 25\n")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = cli("diff", repo / "old.yaml", policy, "-o", "github")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 10
    assert all(x.startswith(f"::warning file={policy},line=") for x in lines[:9])
    assert lines[0].startswith(f"::warning file={policy},line={line_of(policy, 'unused_0')},")
    assert lines[-1] == (
        "::notice::16 of 17 holders changed; 4 more not annotated (GitHub shows 10 per step): "
        "see the job summary or the text output"
    )
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### Policy impact\n")  # appended, not replaced
    assert "- `requirements[0].min: 30 -> 25` (line" in text
    assert "| Holder | Where | What | Old | New |" in text


def test_validate_github_names_the_file_of_a_missing_file(cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    code, out, _ = cli("validate", missing, "-o", "github")
    assert code == 1
    assert out.startswith(f"::error file={missing},line=1,col=1,title=PE001::")


# ----------------------------------------------------------------------------- Markdown


def test_validate_and_test_markdown(cli, repo):
    edit(repo / "werc-crp.yaml", "    label: CRP renewal credits", "    lable: CRP renewal credits")
    code, out, _ = cli("validate", repo, "-o", "markdown")
    assert code == 1 and out.startswith("### Policy validation\n")
    assert "**1 problem**" in out and "| PE131 |" in out
    edit(repo / "werc-crp.yaml", "    lable: CRP renewal credits", "    label: CRP renewal credits")
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = cli("test", repo, "-o", "markdown")
    assert code == 1 and out.startswith("### Policy scenarios\n")
    assert "| PE650 |" in out and " failed**" in out


def test_a_real_git_base_diff_in_sarif(cli, repo, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    run = {"cwd": repo, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run(["git", "add", "-A"], **run)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x"], **run
    )
    edit(repo / "werc-crp.yaml", "    min: 30\n", "    min: 25\n")
    code, out, _ = in_repo(cli, repo, monkeypatch, "diff", "--base", "HEAD", ".", "-o", "sarif")
    assert code == 0
    [result] = check_sarif(out)["runs"][0]["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "werc-crp.yaml", "uriBaseId": "%SRCROOT%"}


def test_the_committed_schemas_reject_what_strict_consumers_reject():
    """The checks above can fail: the xunit schema refuses a testcase with a ``file``
    attribute (what -o junit wrote before), the SARIF schema a result with no message."""
    old = (
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        '<testcase name="x" classname="a.b" file="a/b.tests.yaml" line="3"/>'
        "</testsuite></testsuites>"
    )
    assert not JUNIT.validate(etree.fromstring(old))
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    assert list(SARIF.iter_errors(bad))
