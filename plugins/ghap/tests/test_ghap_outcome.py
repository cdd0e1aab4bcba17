"""Recognising tests and builds in Bash commands, reading their counts, the texts."""

from __future__ import annotations

import re

import pytest
from ghap_helpers import CLAMS_DATA
from hookmux_ghap import texts
from hookmux_ghap.matchers import COMMAND_GLOBS
from hookmux_ghap.outcome import classify, parse_counts

from hookmux.routing.matching import split_shell, wildcard_match

TESTS = [
    "pytest",
    "pytest -q tests/test_login.py",
    "python -m pytest -x",
    "python3.11 -m pytest",
    ".venv/bin/pytest -k login",
    "uv run pytest",
    "poetry run pytest -q",
    "cd api && uv run --frozen pytest -q",
    "PYTHONPATH=src pytest",
    "timeout 120 pytest",
    "time tox -e py311",
    "tox",
    "python -m unittest discover",
    "coverage run -m pytest",
    "npm test",
    "npm run test",
    "npm run test:unit -- --watch=false",
    "npm t",
    "pnpm test",
    "pnpm run test",
    "yarn test",
    "yarn jest",
    "npx jest src",
    "npx vitest run",
    "vitest run",
    "jest --ci",
    "bun test",
    "go test ./...",
    "cargo test --workspace",
    "cargo nextest run",
    "make test",
    "make -j4 test",
    "mocha test/",
    "bundle exec rspec",
    "rspec spec/models",
    "pytest 2>&1 | tail -20",
    "git stash && pytest; git stash pop",
]
BUILDS = ["make build", "npm build", "npm run build", "cargo build --release", "go build ./...", "yarn build"]
NEITHER = [
    "ls -la",
    "pip install pytest",
    "cat pytest.ini",
    "grep -r pytest .",
    "echo npm test",
    "git commit -m 'make test pass'",
    "npm install",
    "cargo fmt",
    "make",
    "go vet ./...",
    "vim tests/test_x.py",
]


@pytest.mark.parametrize("command", TESTS)
def test_tests_are_recognised(command: str) -> None:
    assert classify(command) == "test"


@pytest.mark.parametrize("command", BUILDS)
def test_builds_are_recognised(command: str) -> None:
    assert classify(command) == "build"


@pytest.mark.parametrize("command", NEITHER)
def test_other_commands_are_not(command: str) -> None:
    assert classify(command) is None


def static_match(command: str) -> bool:
    """What hookmux's routing decides from COMMAND_GLOBS, before importing the plugin."""
    return any(wildcard_match(g, part) for g in COMMAND_GLOBS for part in split_shell(command))


@pytest.mark.parametrize("command", TESTS + BUILDS)
def test_the_static_matchers_let_every_test_and_build_through(command: str) -> None:
    assert static_match(command)


@pytest.mark.parametrize(
    "command", ["ls -la", "git status", "echo hello", "python script.py", "cat README.md"]
)
def test_ordinary_commands_never_reach_the_plugin(command: str) -> None:
    assert not static_match(command)


def test_the_originals_configured_matchers_are_all_recognised() -> None:
    """hooks-config.yaml (clams_scripts/hooks/config.yaml): outcome_capture.matchers."""
    config = (CLAMS_DATA / "hooks-config.yaml").read_text()
    block = config.split("outcome_capture:")[1].split("auto_capture")[0]
    matchers = re.findall(r'- "([^"]+)"', block)
    assert matchers == ["pytest", "npm test", "cargo test", "make test", "make build"]
    assert [classify(m) for m in matchers] == ["test", "test", "test", "test", "build"]
    assert re.search(r"frequency: (\d+)", config.split("ghap_checkin:")[1]).group(1) == "10"  # type: ignore[union-attr]


PYTEST_FAIL = """\
============================= test session starts ==============================
collected 3 items

tests/test_login.py .F.                                                  [100%]

=================================== FAILURES ===================================
___________________________________ test_expiry ___________________________________
E       AssertionError: cookie expired
=========================== short test summary info ============================
FAILED tests/test_login.py::test_expiry - AssertionError: cookie expired
========================= 1 failed, 2 passed in 0.12s ==========================
"""


@pytest.mark.parametrize(
    ("output", "counts"),
    [
        (PYTEST_FAIL, (2, 1)),
        ("1 failed, 2 passed in 0.1s", (2, 1)),  # CALM's regex read this as (2, 0)
        ("..\n2 passed, 1 warning in 0.03s", (2, 0)),
        ("===== 3 passed, 1 skipped, 2 deselected in 0.50s =====", (3, 0)),
        ("===== 1 passed, 1 error in 0.20s =====", (1, 1)),
        ("Tests:       1 failed, 2 passed, 3 total\nTime: 1.2 s", (2, 1)),  # jest
        (" Test Files  1 failed | 1 passed (2)\n      Tests  1 failed | 4 passed (5)", (4, 1)),  # vitest
        (
            "test result: ok. 5 passed; 0 failed; 0 ignored\n"
            "test result: FAILED. 2 passed; 1 failed; 0 ignored",
            (7, 1),
        ),  # cargo, one line per test binary
        ("ok  \texample.com/a\t0.01s\nFAIL\texample.com/b\t0.02s\nFAIL", (1, 1)),  # go
        ("  2 passing (10ms)\n  1 failing\n", (2, 1)),  # mocha
        ("Finished in 0.1 seconds\n3 examples, 1 failure\n", (2, 1)),  # rspec
        ("Ran 4 tests in 0.001s\n\nFAILED (failures=1, errors=1)", (2, 2)),  # unittest
        ("Ran 4 tests in 0.001s\n\nOK", (4, 0)),
        ("no tests ran in 0.01s", None),
        ("Compiling foo v0.1.0\nFinished release", None),
    ],
)
def test_counts(output: str, counts: tuple[int, int] | None) -> None:
    assert parse_counts(output) == counts


def test_the_summary_at_the_end_of_a_huge_output_is_read() -> None:
    assert parse_counts("x" * 500_000 + "\n1 failed, 9 passed in 3.00s\n") == (9, 1)


GHAP = {"goal": "Fix login", "hypothesis": "Cookie expiry", "prediction": "The test will pass"}


def test_the_original_texts() -> None:
    assert texts.check_in(GHAP, 10) == (
        "## GHAP Check-in (10 tools since last update)\n\n**Current Goal**: Fix login\n"
        "**Current Hypothesis**: Cookie expiry\n**Current Prediction**: The test will pass\n\n"
        "Is your hypothesis still valid? If it changed, update your GHAP entry."
    )
    assert texts.outcome("Test", False, None, None) == (
        "## Test FAILED\n\nConsider starting a GHAP to track your debugging approach and learn from the "
        "process.\n\nStart tracking with GHAP?"
    )
    assert texts.outcome("Test", True, None, (3, 0)) is None  # a pass without a GHAP: silent
    assert texts.outcome("Build", True, GHAP, None) == (
        '## Build PASSED\n\nYour prediction was: "The test will pass"\n\n'
        "Does this confirm your hypothesis? If yes, resolve GHAP as CONFIRMED."
    )
    assert texts.outcome("Test", False, GHAP, (2, 1)) == (
        '## Test FAILED\n\nTests: 2 passed, 1 failed\n\nYour prediction was: "The test will pass"\n\n'
        "Actual: Test still fails.\n\nThis falsifies your hypothesis. Please:\n1. What surprised you?\n"
        "2. What was the root cause?\n3. What did you learn?"
    )
    assert texts.orphan_block(GHAP) == (
        "## Orphaned GHAP Detected\n\nFrom previous session:\n\n**Goal**: Fix login\n"
        "**Hypothesis**: Cookie expiry\n\n**Options**:\n- Adopt and continue this work\n"
        "- Abandon with reason\n\n---\n\n"
    )


def test_session_context_order_and_values() -> None:
    text = texts.session_context("hookmux", GHAP, texts.values_markdown(["Check isolation first"]))
    assert text.startswith("## Orphaned GHAP Detected\n")
    assert text.index("## GHAP Learning System") < text.index("## Learned Values")
    assert text.endswith("---\n## Learned Values\n- Check isolation first")
    assert "`hookmux ghap start --domain DOMAIN" in text and "{cmd}" not in text
    assert texts.values_markdown([]) == ""
