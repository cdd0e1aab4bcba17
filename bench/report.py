"""Put the benchmarks' results into the README and draw the latency plot.

Reads ``bench/results/compare.json``, ``claude_session.json``, ``daemon.json`` and
``scale.json`` (whichever exist), rewrites the part of README.md between ``<!-- bench:start -->``
and ``<!-- bench:end -->`` with the tables and the machine they were measured on,
and draws ``docs/bench/latency.png`` (matplotlib, Agg backend): the distribution
of per-event wall time of each configuration, and the real Claude Code session's
wall times.

    python bench/report.py [--results bench/results] [--readme README.md] [--png docs/bench/latency.png]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import benchlib as bl
import claude_session
import compare
import daemon
import scale

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def load(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def markdown(results: dict[str, dict[str, Any] | None], png: str | None) -> str:
    first = next(r for r in results.values() if r)
    plugins = ", ".join(f"{name} {v}" for name, v in first["plugins"].items())
    load_avg = "/".join(f"{x:.1f}" for x in first["loadavg_at_start"])
    modes = {r["mode"] for r in results.values() if r}
    lines = [
        START,
        f"Measured {first['date']} by `tox -e bench` ({', '.join(sorted(modes))} run) on {first['machine']}, "
        f"Linux {first['kernel']}, load average {load_avg} at the start; Python {first['python'].split()[0]}, "
        f"hookmux {first['hookmux']} at {first.get('commit', '?')} ({plugins}), {first['bash']}, {first['jq']}.",
        "",
    ]
    if results["compare"]:
        report = results["compare"]
        lines += [
            f"**Per event** (`bench/compare.py`): {compare.caption(report)}.",
            "",
            *compare.table(report),
            "",
        ]
    if results["claude_session"]:
        report = results["claude_session"]
        lines += [
            f"**A real Claude Code session** (`bench/claude_session.py`): {claude_session.caption(report)}.",
            "",
        ]
        lines += [*claude_session.table(report), ""]
        costs = claude_session.plugin_table(report)
        if costs:
            lines += [
                "Per plugin, in the daemon (the native-launcher relay configuration's `hookmux metrics "
                "--json` after the runs: every handler of the five plugins, per event type):",
                "",
                *costs,
                "",
            ]
    if results["daemon"]:
        report = results["daemon"]
        lines += [
            f"**The daemon, per event** (`bench/daemon.py`): {daemon.caption(report)}.",
            "",
            *daemon.table(report),
            "",
            "Goals: " + "; ".join(daemon.goal_lines(report)) + ".",
            "",
        ]
        costs = claude_session.plugin_table(report)
        if costs:
            lines += [
                "Per plugin in that daemon (`hookmux metrics --json` after the replays):",
                "",
                *costs,
                "",
            ]
    if results["scale"]:
        report = results["scale"]
        lines += [f"**Scale** (`bench/scale.py`): {scale.caption(report)}.", "", *scale.table(report), ""]
    if png:
        lines += [f"![per-event latency of each configuration]({png})", ""]
    lines.append(END)
    return "\n".join(lines)


def update_readme(readme: Path, section: str) -> bool:
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{readme}: no {START} ... {END} markers; section not written", file=sys.stderr)
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + section + tail, encoding="utf-8")
    return True


def plot(results: dict[str, dict[str, Any] | None], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return False
    per_event, session = results["compare"], results["claude_session"]
    panels = [p for p in (per_event, session if session and session.get("available") else None) if p]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 6.5), squeeze=False)
    ax_iter = iter(axes[0])
    if per_event:
        ax = next(ax_iter)
        for row in per_event["rows"]:
            if not row["available"]:
                continue
            samples = sorted(x for x in row["samples_ms"] if x > 0)
            if not samples:
                continue
            ys = [(i + 1) / len(samples) for i in range(len(samples))]
            label = row["configuration"].replace("`", "")
            ax.step(samples, ys, where="post", label=f"{label} ({row['events_hooked']} events)")
        ax.set_xscale("log")
        ax.set_xlabel("wall time per hooked event (ms, log scale)")
        ax.set_ylabel("fraction of hooked events")
        ax.set_title(f"Recorded session, {per_event['events']} events x {per_event['rounds']} rounds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    if session and session.get("available"):
        ax = next(ax_iter)
        rows = [r for r in session["rows"] if r["available"]]
        for i, row in enumerate(rows):
            ax.scatter([i] * len(row["runs_s"]), row["runs_s"], color="tab:blue", s=14, alpha=0.6)
            ax.hlines(row["wall_s"], i - 0.3, i + 0.3, color="tab:red")
        ax.set_xticks(range(len(rows)))
        labels = [r["configuration"].replace("`", "") for r in rows]
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("session wall time (s); red: median")
        ax.set_title(f"Real Claude Code {session['claude_code']}, {session['tool_calls']} tool calls")
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"hookmux benchmarks, {per_event['date'] if per_event else session['date']}", fontsize=10)  # type: ignore[index]
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--results", type=Path, default=bl.RESULTS)
    parser.add_argument("--readme", type=Path, default=bl.REPO / "README.md")
    parser.add_argument("--png", type=Path, default=bl.REPO / "docs" / "bench" / "latency.png")
    parser.add_argument("--require", default="", help="comma-separated results that must exist (else exit 1)")
    args = parser.parse_args()
    results = {name: load(args.results, name) for name in ("compare", "claude_session", "daemon", "scale")}
    if not any(results.values()):
        print(
            f"no results in {args.results}: run compare.py, claude_session.py, scale.py first",
            file=sys.stderr,
        )
        return 1
    drawn = plot(results, args.png)
    relative = str(args.png.relative_to(args.readme.parent)) if drawn else None
    section = markdown(results, relative)
    written = update_readme(args.readme, section)
    print(section)
    print(f"README: {'updated' if written else 'NOT updated'}; plot: {args.png if drawn else 'not drawn'}")
    problems = [f"{name}.json: missing (that benchmark failed)" for name in args.require.split(",")
                if name and not results.get(name)]  # fmt: skip
    problems += [f"{name}: {p}" for name, r in results.items() if r for p in r.get("problems", [])]
    for name in ("startup", "launcher", "recording"):  # their goals (their tables are in the README's text)
        verdict = load(args.results, name)
        if verdict is None or not verdict.get("goal_met"):
            problems.append(f"{name}.json: {'missing' if verdict is None else 'goal missed'}")
    for problem in problems:
        print(f"problem: {problem}")
    return 0 if written and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
