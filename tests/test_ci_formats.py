"""`--format github` and `--format json` of `expo build` and `expo check` (SPEC §7): problems
as GitHub Actions workflow commands, shown on the pull request's lines, or as one JSON array."""

from __future__ import annotations

import json
import re

from sitekit import ROOT, expo, fails, make_site

# One error (line 4), and two warnings whose text needs GitHub's escapes: a '%' and a line
# break in the field names; the file name has a ',' (escaped in the command's properties).
BROKEN = {"content/solutions/a,b.md": (
    '---\ntitle: Bus\ncompany: B\ncategory: transport\n"50%off": yes\n"ti\\ntle": x\n---\n'
    "Text.\n")}
WARNED = {"content/about.md": "---\ntitle: About\ntitel: typo\n---\nText.\n"}


def test_github_format_prints_workflow_commands_for_errors_and_warnings(tmp_path):
    make_site(tmp_path, BROKEN)
    for command in ("build", "check"):
        run = fails(tmp_path, "--format", "github", command=command)
        assert run.stdout.splitlines() == [
            "::error file=content/solutions/a%2Cb.md,line=4::unknown category 'transport': "
            "use a key of _data/categories.yaml (smart-health, smart-transportation)",
            "::warning file=content/solutions/a%2Cb.md,line=5::unknown field '50%25off' "
            "(it is ignored)",
            "::warning file=content/solutions/a%2Cb.md,line=6::unknown field 'ti%0Atle': "
            "did you mean 'title'?",
        ]
        assert "::" not in run.stderr and re.match(r"Failed: 1 error(;|\n)", run.stderr)


def test_json_format_prints_one_array_of_problems(tmp_path):
    make_site(tmp_path, BROKEN)
    for command in ("build", "check"):
        run = fails(tmp_path, "--format", "json", command=command)
        assert json.loads(run.stdout) == [
            {"path": "content/solutions/a,b.md", "line": 4, "severity": "error",
             "message": "unknown category 'transport': use a key of _data/categories.yaml "
                        "(smart-health, smart-transportation)"},
            {"path": "content/solutions/a,b.md", "line": 5, "severity": "warning",
             "message": "unknown field '50%off' (it is ignored)"},
            {"path": "content/solutions/a,b.md", "line": 6, "severity": "warning",
             "message": "unknown field 'ti\ntle': did you mean 'title'?"},
        ]
    assert not (tmp_path / "output").exists()


def test_a_build_that_succeeds_reports_its_warnings_in_the_format_asked(tmp_path):
    make_site(tmp_path, WARNED)
    templates = str(ROOT / "templates")
    github = expo(tmp_path, "build", "--no-search", "--templates", templates,
                  "--format", "github")
    assert github.returncode == 0, github.stderr
    assert github.stdout == ("::warning file=content/about.md,line=3::unknown field 'titel': "
                             "did you mean 'title'?\n")
    assert github.stderr.startswith("Built output in ")
    checked = expo(tmp_path, "check", "--templates", templates, "--format", "json")
    assert checked.returncode == 0
    assert json.loads(checked.stdout) == [
        {"path": "content/about.md", "line": 3, "severity": "warning",
         "message": "unknown field 'titel': did you mean 'title'?"}]
    strict = fails(tmp_path, "--strict", "--format", "json", command="check")
    assert json.loads(strict.stdout) == json.loads(checked.stdout)
    (tmp_path / "content/about.md").write_text("---\ntitle: About\n---\nText.\n")
    clean = expo(tmp_path, "check", "--templates", templates, "--format", "json")
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])


def test_text_stays_the_default_and_a_wrong_format_is_a_usage_error(tmp_path):
    make_site(tmp_path, WARNED)
    templates = str(ROOT / "templates")
    text = expo(tmp_path, "check", "--templates", templates)
    assert text.stdout == ""
    assert text.lines[0] == "content/about.md:3: warning: unknown field 'titel': did you " \
                            "mean 'title'?"
    wrong = expo(tmp_path, "check", "--templates", templates, "--format", "xml")
    assert wrong.returncode == 2 and "invalid choice: 'xml'" in wrong.stderr
