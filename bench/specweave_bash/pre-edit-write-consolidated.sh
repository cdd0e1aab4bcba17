#!/bin/bash
#
# PreToolUse (Edit, Write): note a spec.md/tasks.md edit for the post-hook.
#
# A re-creation, for hookmux's benchmarks, of the hook SpecWeave v0.25.0 wires
# (ADR-0070 "Hook Consolidation", seed 002; behaviour as documented in
# shared/reference/seed-systems.md, section A): same steps, same files, same
# external commands. One change: Claude Code passes the tool input on stdin
# (the TOOL_USE_ARGS variable the original tries first is never set), so the
# path is read from stdin with jq at .tool_input.file_path.
set +e

find_project_root() {
  local dir="$PWD"
  while [[ "$dir" != "/" ]]; do
    if [[ -d "$dir/.specweave" ]]; then
      echo "$dir"
      return 0
    fi
    dir=$(dirname "$dir")
  done
  echo "$PWD"
}

PROJECT_ROOT=$(find_project_root)
STATE_DIR="$PROJECT_ROOT/.specweave/state"
LOGS_DIR="$PROJECT_ROOT/.specweave/logs"
DEBUG_LOG="$LOGS_DIR/hooks-debug.log"
PENDING_FILE="$STATE_DIR/.pending-status-update"
METRICS_FILE="$STATE_DIR/hook-metrics.jsonl"

# Kill switch
if [[ "${SPECWEAVE_DISABLE_HOOKS:-0}" == "1" ]]; then
  exit 0
fi

mkdir -p "$STATE_DIR" "$LOGS_DIR" 2>/dev/null || true

# The file path: stdin JSON, with jq
FILE_PATH=""
if [[ ! -t 0 ]]; then
  STDIN_DATA=$(cat 2>/dev/null || echo "")
  if [[ -n "$STDIN_DATA" ]] && command -v jq &>/dev/null; then
    FILE_PATH=$(echo "$STDIN_DATA" | jq -r '.tool_input.file_path // .file_path // empty' 2>/dev/null || echo "")
  fi
fi

if [[ -n "$FILE_PATH" ]]; then
  echo "[$(date)] pre-edit-write: Detected file_path: $FILE_PATH" >> "$DEBUG_LOG" 2>/dev/null || true
else
  echo "[$(date)] pre-edit-write: No file_path detected (will fall back to Tier 1)" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

# Early exit: only .specweave/ files (absolute or relative)
if [[ "$FILE_PATH" != *"/.specweave/"* ]] && [[ "$FILE_PATH" != ".specweave/"* ]]; then
  echo "[$(date)] pre-edit-write: Not a .specweave/ file, skipping" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

IS_SPEC_FILE=false
if [[ "$FILE_PATH" == *"/spec.md" ]] || [[ "$FILE_PATH" == *"/tasks.md" ]]; then
  if [[ "$FILE_PATH" == *"/.specweave/increments/"* ]] || [[ "$FILE_PATH" == ".specweave/increments/"* ]]; then
    if [[ "$FILE_PATH" != *"/_archive/"* ]]; then
      IS_SPEC_FILE=true
    fi
  fi
fi
if [[ "$IS_SPEC_FILE" != "true" ]]; then
  echo "[$(date)] pre-edit-write: Not a spec/tasks file - no signal" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

# Signal the post-hook
echo "$FILE_PATH" > "$PENDING_FILE" 2>/dev/null || true
echo "[$(date)] pre-edit-write: Signaled PostToolUse for: $FILE_PATH" >> "$DEBUG_LOG" 2>/dev/null || true

# Metrics (JSONL), last 1000 lines kept
TIMESTAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "{\"timestamp\":\"$TIMESTAMP\",\"hook\":\"pre-edit-write\",\"event\":\"file_detected\",\"file_path\":\"$FILE_PATH\",\"method\":\"TOOL_USE_ARGS\"}" >> "$METRICS_FILE" 2>/dev/null || true
if [[ -f "$METRICS_FILE" ]]; then
  LINE_COUNT=$(wc -l < "$METRICS_FILE" 2>/dev/null || echo 0)
  if (( LINE_COUNT > 1000 )); then
    tail -1000 "$METRICS_FILE" > "$METRICS_FILE.tmp" 2>/dev/null || true
    mv "$METRICS_FILE.tmp" "$METRICS_FILE" 2>/dev/null || true
  fi
fi

exit 0
