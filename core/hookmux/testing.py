"""Helpers for testing hookmux plugins (a pytest plugin, loaded automatically).

In-process::

    from hookmux.testing import make_event, run_event
    import hookmux_myplugin

    def test_denies_rm():
        result = run_event(make_event("PreToolUse", tool_name="Bash",
                                      tool_input={"command": "rm -rf /"}),
                           plugins={"myplugin": hookmux_myplugin})
        assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"

Through the real console script (what Claude Code runs): the ``hookmux_cli``
fixture, which runs ``hookmux run`` in a subprocess with a private
``$HOOKMUX_HOME`` and config directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from hookmux.routing.dispatch import Outcome, Result

_REQUIRED: dict[str, dict[str, Any]] = {
    "PreToolUse": {"tool_name": "Bash", "tool_input": {"command": "true"}, "tool_use_id": "toolu_test"},
    "PostToolUse": {"tool_name": "Bash", "tool_input": {"command": "true"}, "tool_use_id": "toolu_test",
                    "tool_response": {"stdout": "", "stderr": "", "interrupted": False}},
    "PostToolUseFailure": {"tool_name": "Bash", "tool_input": {"command": "false"},
                           "tool_use_id": "toolu_test", "error": "Exit code 1"},
    "PermissionRequest": {"tool_name": "Bash", "tool_input": {"command": "true"}},
    "PermissionDenied": {"tool_name": "Bash", "tool_input": {"command": "true"}, "tool_use_id": "toolu_test"},
    "PostToolBatch": {"tool_calls": []},
    "UserPromptSubmit": {"prompt": "hello"},
    "Notification": {"message": "Claude needs your permission", "notification_type": "permission_prompt"},
    "Stop": {"stop_hook_active": False, "last_assistant_message": "Done."},
    "SubagentStop": {"stop_hook_active": False, "last_assistant_message": "Done.",
                     "agent_type": "general-purpose"},
    "StopFailure": {"error": "rate_limit"},
    "SessionStart": {"source": "startup"},
    "SessionEnd": {"reason": "other"},
    "Setup": {"trigger": "init"},
    "PreCompact": {"trigger": "manual"},
    "PostCompact": {"trigger": "manual"},
    "Elicitation": {"mcp_server_name": "server"},
    "ElicitationResult": {"mcp_server_name": "server", "action": "accept"},
    "FileChanged": {"file_path": "/home/user/proj/.env", "event": "change"},
    "DirectoryAdded": {"directory": "/home/user/other", "source": "slash_command"},
    "ConfigChange": {"source": "project_settings"},
    "InstructionsLoaded": {"file_path": "/home/user/proj/CLAUDE.md", "load_reason": "session_start"},
    "MessageDisplay": {"delta": "Hello"},
    "TaskCreated": {"task_id": "1", "task_subject": "test"},
    "TaskCompleted": {"task_id": "1", "task_subject": "test"},
    "TeammateIdle": {"teammate_name": "mate"},
    "WorktreeCreate": {"name": "feature"},
    "WorktreeRemove": {"worktree_path": "/home/user/proj-feature"},
}  # fmt: skip


def make_event(event: str, *, cwd: str | os.PathLike[str] | None = None, **fields: Any) -> dict[str, Any]:
    """A payload shaped like Claude Code 2.1.330's for ``event``; ``fields`` override."""
    session = fields.pop("session_id", str(uuid.uuid4()))
    directory = os.fspath(cwd) if cwd is not None else os.getcwd()
    payload: dict[str, Any] = {
        "session_id": session,
        "transcript_path": os.path.join(directory, ".claude", f"{session}.jsonl"),
        "cwd": directory,
        "hook_event_name": event,
    }
    payload.update(json.loads(json.dumps(_REQUIRED.get(event, {}))))
    payload.update(fields)
    return payload


#: What Codex CLI 0.171.0 and Gemini CLI 0.61.0 send beyond the common keys, per event of
#: their own (the values of the captured payloads in tests/data/agents).
_AGENT_REQUIRED: dict[str, dict[str, dict[str, Any]]] = {
    "codex": {
        "SessionStart": {"source": "startup"},
        "UserPromptSubmit": {"prompt": "hello"},
        "PreToolUse": {"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "call_1"},
        "PermissionRequest": {"tool_name": "Bash", "tool_input": {"command": "ls", "description": "x"}},
        "PostToolUse": {"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_response": "",
                        "tool_use_id": "call_1"},
        "PreCompact": {"trigger": "auto"},
        "PostCompact": {"trigger": "auto"},
        "SubagentStart": {"agent_id": "agent-1", "agent_type": "default"},
        "SubagentStop": {"agent_id": "agent-1", "agent_type": "default", "agent_transcript_path": "",
                         "last_assistant_message": "", "stop_hook_active": False},
        "Stop": {"last_assistant_message": "", "stop_hook_active": False},
        "SessionEnd": {"reason": "other"},
        "Interrupt": {},
        "PreModelRequest": {"kind": "sampling", "request_id": "r-1", "attempt_number": 1, "thread_id": "t-1"},
        "PostModelRequest": {"kind": "sampling", "request_id": "r-1", "attempt_number": 1, "thread_id": "t-1",
                             "status": "completed", "error": None, "response_id": "resp_1",
                             "token_usage": {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110}},
    },
    "gemini": {
        "SessionStart": {"source": "startup"},
        "SessionEnd": {"reason": "exit"},
        "BeforeAgent": {"prompt": "hello"},
        "AfterAgent": {"prompt": "hello", "prompt_response": "", "stop_hook_active": False},
        "BeforeModel": {"llm_request": {"model": "gemini-2.5-flash", "messages": [], "config": {}}},
        "BeforeToolSelection": {"llm_request": {"model": "gemini-2.5-flash", "messages": [], "config": {}}},
        "AfterModel": {"llm_request": {"model": "gemini-2.5-flash", "messages": [], "config": {}},
                       "llm_response": {"text": "", "candidates": []}},
        "BeforeTool": {"tool_name": "run_shell_command", "tool_input": {"command": "ls"}},
        "AfterTool": {"tool_name": "run_shell_command", "tool_input": {"command": "ls"},
                      "tool_response": {"llmContent": "Output: (empty)", "returnDisplay": ""}},
        "PreCompress": {"trigger": "auto"},
        "Notification": {"notification_type": "ToolPermission", "message": "Tool requires execution",
                         "details": {"type": "exec", "title": "Confirm Shell Command"}},
    },
}  # fmt: skip


def make_agent_event(
    agent: str, event: str, *, cwd: str | os.PathLike[str] | None = None, **fields: Any
) -> dict[str, Any]:
    """A payload shaped like Codex CLI 0.171.0's (``agent="codex"``) or Gemini CLI 0.61.0's
    (``"gemini"``) for ``event``, the agent's own event name (``BeforeTool``, ...); ``fields``
    override. Route it with ``run_event(payload, ..., agent=agent)``."""
    required = _AGENT_REQUIRED.get(agent)
    if required is None:
        raise ValueError(f"no payloads for agent {agent!r}: expected codex or gemini")
    if event not in required:
        raise ValueError(f"{agent} has no hook event {event!r}: expected one of {', '.join(required)}")
    session = fields.pop("session_id", str(uuid.uuid4()))
    directory = os.fspath(cwd) if cwd is not None else os.getcwd()
    payload: dict[str, Any] = {"session_id": session, "cwd": directory, "hook_event_name": event}
    if agent == "codex":
        payload["transcript_path"] = os.path.join(directory, ".codex", "sessions", f"rollout-{session}.jsonl")
        if event != "SessionEnd":
            payload.update(model="gpt-5.5", permission_mode="bypassPermissions")
    else:
        payload["transcript_path"] = os.path.join(directory, ".gemini", "chats", f"session-{session}.jsonl")
        payload["timestamp"] = "2026-12-06T23:25:00.000Z"
    payload.update(json.loads(json.dumps(required[event])))
    payload.update(fields)
    return payload


@attrs.frozen
class EventRun:
    """The outcome of :func:`run_event`."""

    result: Result
    #: the manifest's plugin records (name -> dist, hooks, error, problems)
    plugins: Mapping[str, Any] = attrs.field(factory=dict)
    #: outcomes of the background jobs run with ``run_background=True``
    background: tuple[Outcome, ...] = ()

    @property
    def output(self) -> dict[str, Any] | None:
        """The JSON object hookmux would print (None: prints nothing)."""
        rendered = self.result.rendered
        return None if rendered is None else rendered.payload

    @property
    def exit_code(self) -> int:
        rendered = self.result.rendered
        return 0 if rendered is None else rendered.exit_code

    @property
    def problems(self) -> list[str]:
        """Declaration problems found while describing the plugins (ignored matchers, bad regexes)."""
        return [f"{name}: {p}" for name, record in self.plugins.items() for p in record.get("problems", [])]

    @property
    def statuses(self) -> dict[str, str]:
        """``plugin.function`` -> ok/silent/error/timeout/invalid/skipped."""
        return {f"{o.plugin}.{o.function}": o.status for o in self.result.outcomes}

    @property
    def notes(self) -> list[str]:
        """What hookmux noted about the answer (merge conflicts, cuts, fields an agent
        does not honour), as ``hookmux explain`` shows them."""
        return list(self.result.notes)


def run_event(
    payload: Mapping[str, Any],
    plugins: Mapping[str, Any] | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
    deadline: float | None = None,
    run_background: bool = False,
    agent: str = "claude",
) -> EventRun:
    """Route ``payload`` in-process, as ``hookmux run`` would.

    :param agent: the agent that sent ``payload`` (``hookmux run --agent``): a Codex CLI
        or Gemini CLI payload goes through that agent's adapter both ways, so ``output``
        is what the agent would read.

    :param plugins: name -> plugin object (usually the module) to use instead
        of the installed plugins.
    :param run_background: run the background jobs the event queued (background
        handlers, debounce trailing runs) right away, in this process, the way
        a worker would; their outcomes are in :attr:`EventRun.background`.
    """
    from hookmux.entry.route import matching_handlers
    from hookmux.routing.discovery import build_manifest
    from hookmux.routing.dispatch import dispatch
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    state = os.fspath(home) if home is not None else hookmux_home()
    if plugins is None:
        manifest = load_manifest(state)
        resolver = None
    else:
        found = [(name, f"<test:{name}>", None, None, (lambda obj=obj: obj)) for name, obj in plugins.items()]
        manifest = build_manifest(found)
        resolver = plugins.__getitem__
    adapt = None
    if agent != "claude":
        from hookmux.agents.registry import adapter

        module = adapter(agent)
        assert module is not None
        payload, adapt = module.to_canonical(payload), module.render
    handlers = matching_handlers(payload, manifest)
    if not handlers:
        return EventRun(Result(None), manifest["plugins"])
    result = dispatch(
        payload, handlers, manifest, home=state, resolver=resolver, deadline=deadline, adapt=adapt
    )
    background: list[Outcome] = []
    if run_background:
        from hookmux.entry.worker import run_job

        background = [run_job(state, job, manifest, resolver) for job in result.jobs]
    return EventRun(result, manifest["plugins"], tuple(background))


def hookmux_executable() -> str:
    """The ``hookmux`` console script of the running environment."""
    candidate = Path(sys.executable).with_name("hookmux")
    return str(candidate) if candidate.exists() else "hookmux"


@attrs.frozen
class CliRun:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def output(self) -> dict[str, Any] | None:
        return json.loads(self.stdout) if self.stdout.strip() else None


class HookmuxCLI:
    """Runs ``hookmux run`` in a subprocess with a private home and config."""

    def __init__(self, home: Path, config_home: Path) -> None:
        self.home = home
        self.config_home = config_home

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
        # No warm daemon unless a test asks for one (HOOKMUX_SERVE=1): each test has its
        # own home, and a daemon autostarted per home would outlive the test.
        env.update(HOOKMUX_HOME=str(self.home), XDG_CONFIG_HOME=str(self.config_home), HOOKMUX_SERVE="0")
        env.update(extra)
        return env

    def run(
        self,
        payload: Mapping[str, Any] | bytes | str,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> CliRun:
        if isinstance(payload, Mapping):
            data = json.dumps(payload).encode()
        else:
            data = payload.encode() if isinstance(payload, str) else payload
        proc = subprocess.run(
            [hookmux_executable(), "run", *args],
            input=data,
            capture_output=True,
            env=self.env(**(env or {})),
            timeout=timeout,
            check=False,
        )
        return CliRun(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def hookmux_cli(tmp_path: Path) -> Iterator[HookmuxCLI]:
    """A :class:`HookmuxCLI` with ``$HOOKMUX_HOME`` and the user config in ``tmp_path``."""
    yield HookmuxCLI(tmp_path / "hookmux-home", tmp_path / "config")


# -- the trust model (docs/plugins.md, "Trust") ---------------------------------------


def sensitive_keys(schema: type[Any]) -> list[str]:
    """The keys of a config class declared ``destination`` or ``protection``."""
    from hookmux.config import PLAIN, TRUST_KEY

    return [f.name for f in attrs.fields(schema) if f.metadata.get(TRUST_KEY, PLAIN) != PLAIN]


def declared_trust(schema: type[Any]) -> dict[str, str]:
    """key -> ``destination`` or ``protection``, as the config class declares them."""
    from hookmux.config import TRUST_KEY

    return {name: str(attrs.fields_dict(schema)[name].metadata[TRUST_KEY]) for name in sensitive_keys(schema)}


def readme_trust_table(text: str) -> dict[str, str]:
    """key -> sensitivity from a README's ``### Trust`` table (rows ``| `key` | destination | why |``;
    plain rows are left out), to hold the README to what the code declares."""
    section = text.partition("### Trust")[2].partition("\n#")[0]
    found = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[1]:
            continue
        kind = cells[1].split()[0]
        if kind not in ("destination", "protection"):
            continue
        for cell in cells[0].split(","):
            key = cell.strip().strip("`")
            if key and key != "enabled":
                found[key] = kind
    return found


def _weakening_values(field: attrs.Attribute[Any], base: Path) -> list[Any]:
    """Values for ``field`` (as TOML would give them), two at least where it can."""
    import typing

    kind = field.type
    args = typing.get_args(kind)
    origin = typing.get_origin(kind)
    default = field.default
    candidates: list[Any] = []
    if kind is bool or (origin is None and isinstance(default, bool)):
        candidates = [True, False]
    elif origin is typing.Literal:
        candidates = list(args)
    elif any(typing.get_origin(a) is typing.Literal for a in args):
        candidates = [v for a in args if typing.get_origin(a) is typing.Literal for v in typing.get_args(a)]
    elif origin is tuple or any(typing.get_origin(a) is tuple for a in args):
        candidates = [["PreToolUse"], []]
    elif kind is str or str in args:
        name = field.name.lower()
        is_url = "url" in name or (isinstance(default, str) and "://" in default)
        # a "remote" destination is another loopback port: nothing resolves or leaves the machine
        candidates = (
            ["http://127.0.0.1:9/elsewhere", "http://127.0.0.1:8/managed"]
            if is_url
            else [str(base / "elsewhere"), str(base / "managed")]
        )
    elif kind is int or int in args:
        candidates = [(default if isinstance(default, int) else 1) * 3 + 1, 1]
    elif kind is float or float in args:
        candidates = [float(default if isinstance(default, (int, float)) else 1.0) * 3 + 1.0, 0.5]
    return candidates


def check_sensitive_key(plugin: str, schema: type[Any], key: str, tmp_path: Path, value: Any = None) -> None:
    """Assert what the trust model promises for one sensitive key of ``plugin``'s config:
    ignored from an untrusted project file, applied once ``hookmux trust`` (the real
    command) trusted it, ignored again after the file changed, always applied from the
    user file, and never over the managed file's value.

    :param value: the project's value (TOML-shaped); by default one that differs from
        the default and that the key's ``safer`` predicate does not accept.
    """
    from hookmux.config import harmless_for, load_settings

    attrs.resolve_types(schema)
    field = attrs.fields_dict(schema)[key]
    default = field.default
    candidates = _weakening_values(field, tmp_path)
    # What is in force without the project: the default, or (when the default is already the
    # weakest value, e.g. a switch a project may only turn off) a user's value.
    baseline: Any = default
    harmless = harmless_for(field)
    for base in [default, *candidates]:
        if value is None:
            weaker = [v for v in candidates if not harmless(v, base)]
            if weaker:
                value, baseline = weaker[0], base
                break
        elif not harmless(value, base):
            baseline = base
            break
    assert value is not None, f"no test value for {plugin}.{key}: pass one"
    managed = next(v for v in [*candidates, _toml_shaped(default)] if v != value)
    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True, exist_ok=True)
    project_file = project / ".claude" / "hookmux.toml"
    user_file = tmp_path / "config" / "hookmux" / "config.toml"
    user_file.parent.mkdir(parents=True, exist_ok=True)
    managed_file = tmp_path / "managed.toml"
    environ = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOOKMUX_HOME": str(tmp_path / "hookmux-home"),
        "HOOKMUX_MANAGED_CONFIG": str(managed_file),
        "PATH": os.environ.get("PATH", ""),
    }
    table = f"[plugins.{plugin}]\n{key} = {json.dumps(value)}\n"
    user_table = "" if baseline is default else f"[plugins.{plugin}]\n{key} = {json.dumps(baseline)}\n"
    user_file.write_text(user_table)

    def applied() -> Any:
        config, errors = load_settings(str(project), environ).plugin_config(plugin, schema)
        assert not errors, errors
        return getattr(config, key)

    def same(a: Any, b: Any) -> bool:
        return (list(a) if isinstance(a, tuple) else a) == (list(b) if isinstance(b, tuple) else b)

    def trust() -> None:
        proc = subprocess.run(
            [hookmux_executable(), "trust", "--project-dir", str(project)],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr

    project_file.write_text(table)
    assert same(applied(), baseline), f"{plugin}.{key} applied from an untrusted project file"
    ignored = load_settings(str(project), environ).ignored_keys({plugin: schema})
    assert [k.key for k in ignored] == [f"plugins.{plugin}.{key}"], ignored
    trust()
    assert same(applied(), value), f"{plugin}.{key} not applied from a trusted project file"
    project_file.write_text(table + "# changed\n")
    assert same(applied(), baseline), f"{plugin}.{key} applied from a project file changed since trusted"
    project_file.unlink()
    user_file.write_text(table)
    assert same(applied(), value), f"{plugin}.{key} not applied from the user file"
    project_file.write_text(table)
    trust()
    managed_file.write_text(f"[plugins.{plugin}]\n{key} = {json.dumps(managed)}\n")
    assert same(applied(), managed), f"{plugin}.{key} from the user or a project overrode the managed file"


def _toml_shaped(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
