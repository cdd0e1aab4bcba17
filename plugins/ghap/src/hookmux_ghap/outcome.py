"""Which Bash commands are tests or builds, and what their output says.

The original recognised (bash ``case`` globs on the whole command) tests
``pytest*``, ``*npm test*``, ``*cargo test*``, ``*make test*`` and builds
``*make build*``, ``*npm build*``, ``*cargo build*``; CALM's later hook added
``go test``, ``jest``, ``mocha``, ``rspec`` and ``unittest``. Here every part of the
command (split on ``&&``, ``||``, ``;``, ``|``, newlines) is read as words: leading
``VAR=value`` assignments and wrappers (``uv run``, ``poetry run``, ``npx``,
``time``, ``timeout 60``, ``python -m``, ...) are skipped, and the program that
remains decides. So ``cd api && uv run pytest -q`` is a test, and ``pip install
pytest`` or ``cat pytest.ini`` are not.

Counts are read from the output as CALM did (cargo, jest/vitest, pytest, go),
plus mocha, rspec and unittest summaries, and without CALM's slip that read
pytest's ``1 failed, 2 passed`` as no failure.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Output read for counts, as CALM (the first 100 KB).
MAX_OUTPUT = 100_000

TEST_PROGRAMS = frozenset({"pytest", "py.test", "tox", "nox", "jest", "vitest", "mocha", "rspec"})
PYTHON_TEST_MODULES = frozenset({"pytest", "unittest", "tox", "nox"})
JS_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun"})
#: Wrappers that run the rest of the line as a command (their options are skipped).
WRAPPERS = frozenset({"time", "env", "nice", "nohup", "command", "exec", "sudo", "xvfb-run", "npx", "bunx"})
#: ``<tool> run``/``exec`` wrappers: uv run, poetry run, bundle exec, ...
RUN_WRAPPERS = frozenset(
    {"uv", "poetry", "pipenv", "pdm", "hatch", "rye", "pixi", "conda", "mamba", "bundle"}
)

_SPLIT = re.compile(r"&&|\|\||[;|\n]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _words(part: str) -> list[str]:
    import shlex

    try:
        return shlex.split(part)
    except ValueError:  # unbalanced quotes
        return part.split()


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _skip_options(words: Sequence[str], i: int) -> int:
    while i < len(words) and words[i].startswith("-"):
        i += 1
    return i


def _runs_next(name: str, word: str) -> bool:
    """``uv run``, ``poetry run``, ``pnpm exec``, ``yarn dlx``...: the rest is the command."""
    if name in RUN_WRAPPERS:
        return word in ("run", "exec")
    return name in JS_RUNNERS and word in ("exec", "dlx", "x")


def _strip_wrappers(words: list[str]) -> list[str]:
    i = 0
    while i < len(words):
        word = words[i]
        name = _program(word)
        if word in ("(", "{", "!") or _ASSIGNMENT.match(word):
            i += 1
        elif name == "timeout":
            i = _skip_options(words, i + 1) + 1  # the duration
        elif name in WRAPPERS:
            i = _skip_options(words, i + 1)
        elif i + 1 < len(words) and _runs_next(name, words[i + 1]):
            i = _skip_options(words, i + 2)
        else:
            break
    return words[i:]


def _classify_words(words: list[str]) -> str | None:
    words = _strip_wrappers(words)
    if not words:
        return None
    name = _program(words[0])
    rest = [w for w in words[1:] if not w.startswith("-")]
    if name in TEST_PROGRAMS:
        return "test"
    if re.fullmatch(r"python[0-9.]*|py|coverage", name):
        for i, word in enumerate(words[:-1]):
            if word == "-m" and words[i + 1] in PYTHON_TEST_MODULES:
                return "test"
        return None
    if name in JS_RUNNERS and rest:
        script = rest[1] if rest[0] == "run" and len(rest) > 1 else rest[0]
        if script in ("test", "t") or script.startswith("test:"):
            return "test"
        if name != "npm" and script in TEST_PROGRAMS:  # yarn jest, pnpm vitest
            return "test"
        if script == "build" or script.startswith("build:"):
            return "build"
        return None
    if name in ("go", "cargo") and rest:
        if rest[0] in ("test", "nextest"):
            return "test"
        if rest[0] == "build":
            return "build"
        return None
    if name == "make":
        if "test" in rest or "tests" in rest:
            return "test"
        if "build" in rest:
            return "build"
    return None


def classify(command: str) -> str | None:
    """The kind of a Bash command: "test", "build" or None (a test anywhere wins)."""
    kinds = {_classify_words(_words(part)) for part in _SPLIT.split(command) if part.strip()}
    if "test" in kinds:
        return "test"
    return "build" if "build" in kinds else None


# -- counts --------------------------------------------------------------------

_CARGO = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed")
_TESTS_LINE = re.compile(r"^\s*Tests:?\s+\d+ \w+.*$", re.MULTILINE)
_PYTEST_LINE = re.compile(r"^.*\b\d+ (?:passed|failed|errors?)\b.* in [\d.]+ ?s\b.*$", re.MULTILINE)
_ANY_COUNT_LINE = re.compile(r"^.*\b\d+ (?:passed|failed)\b.*$", re.MULTILINE)
_MOCHA_PASS = re.compile(r"^\s*(\d+) passing\b", re.MULTILINE)
_MOCHA_FAIL = re.compile(r"^\s*(\d+) failing\b", re.MULTILINE)
_RSPEC = re.compile(r"^(\d+) examples?, (\d+) failures?", re.MULTILINE)
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_FAILED = re.compile(r"^FAILED \(([^)]*)\)", re.MULTILINE)
_GO_OK = re.compile(r"^ok\s+\S+", re.MULTILINE)
_GO_FAIL = re.compile(r"^FAIL\s+\S+", re.MULTILINE)


def _number(pattern: str, line: str) -> int:
    match = re.search(pattern, line)
    return int(match.group(1)) if match else 0


def parse_counts(output: str) -> tuple[int, int] | None:
    """(passed, failed) from a test run's output, or None when it does not say.

    Errors (pytest ``1 error``, unittest ``errors=1``) count as failures.
    """
    output = output[-MAX_OUTPUT:] if len(output) > MAX_OUTPUT else output
    cargo = _CARGO.findall(output)
    if cargo:  # one line per test binary
        return sum(int(p) for p, _ in cargo), sum(int(f) for _, f in cargo)
    # jest "Tests: 1 failed, 2 passed", vitest "Tests  1 failed | 2 passed"
    tests = _TESTS_LINE.findall(output)
    if tests:
        return _number(r"(\d+) passed", tests[-1]), _number(r"(\d+) failed", tests[-1])
    summaries = _PYTEST_LINE.findall(output) or _ANY_COUNT_LINE.findall(output)
    if summaries:
        line = summaries[-1]
        failed = _number(r"(\d+) failed", line) + _number(r"(\d+) errors?\b", line)
        return _number(r"(\d+) passed", line), failed
    passing, failing = _MOCHA_PASS.findall(output), _MOCHA_FAIL.findall(output)
    if passing or failing:
        return sum(map(int, passing)), sum(map(int, failing))
    rspec = _RSPEC.findall(output)
    if rspec:
        examples, failures = rspec[-1]
        return int(examples) - int(failures), int(failures)
    ran = _UNITTEST_RAN.findall(output)
    if ran:
        total = int(ran[-1])
        failed_line = _UNITTEST_FAILED.findall(output)
        failed = 0
        if failed_line:
            failed = _number(r"failures=(\d+)", failed_line[-1]) + _number(r"errors=(\d+)", failed_line[-1])
        return total - failed, failed
    ok, fail = len(_GO_OK.findall(output)), len(_GO_FAIL.findall(output))
    if ok or fail:  # packages, as CALM: go prints no test counts without -v
        return ok, fail
    return None


def bash_output(tool_response: object) -> str:
    """The text a Bash PostToolUse response carries (stdout, then stderr)."""
    if isinstance(tool_response, str):
        return tool_response
    if isinstance(tool_response, dict):
        parts = [tool_response.get("stdout"), tool_response.get("stderr")]
        return "\n".join(p for p in parts if isinstance(p, str) and p)
    return ""


def interrupted(tool_response: object) -> bool:
    return isinstance(tool_response, dict) and tool_response.get("interrupted") is True
