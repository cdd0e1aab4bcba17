#!/bin/bash
#
# PostToolUse (Edit, Write): after a metadata.json change, dispatch on the
# increment's status (timeout 2 s in hooks.json).
#
# A re-creation, for hookmux's benchmarks, of the dispatcher SpecWeave v0.25.0
# wires next to post-edit-write-consolidated.sh (ADR-0070, seed 002;
# seed-systems.md section A). The original looks for the file in TOOL_USE_CONTENT,
# TOOL_RESULT and TOOL_USE_ARGS, which Claude Code never sets, so it never acted:
# this one reads the path from stdin with jq (.tool_input.file_path). The
# lifecycle scripts it calls (post-increment-completion.sh,
# post-increment-status-change.sh) are not re-created; like the original when
# they are missing, it runs lib/update-status-line.sh instead.
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
LOGS_DIR="$PROJECT_ROOT/.specweave/logs"
DEBUG_LOG="$LOGS_DIR/hooks-debug.log"
HOOK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ "${SPECWEAVE_DISABLE_HOOKS:-0}" == "1" ]]; then
  exit 0
fi

mkdir -p "$LOGS_DIR" 2>/dev/null || true

# Ultra-fast early exit (v0.25.0) on the variables; empty under Claude Code, so it never fires
if [[ -n "${TOOL_USE_CONTENT:-}" ]] && [[ "$TOOL_USE_CONTENT" != *"metadata.json"* ]]; then
  exit 0
fi
if [[ -n "${TOOL_USE_ARGS:-}" ]] && [[ "$TOOL_USE_ARGS" != *"metadata.json"* ]]; then
  exit 0
fi

MODIFIED_FILE=""
if [[ ! -t 0 ]] && command -v jq &>/dev/null; then
  MODIFIED_FILE=$(jq -r '.tool_input.file_path // empty' 2>/dev/null || echo "")
fi

echo "[$(date)] post-metadata-change: Detected file: ${MODIFIED_FILE:-<none>}" >> "$DEBUG_LOG" 2>/dev/null || true

if [[ -z "$MODIFIED_FILE" ]] || [[ "$MODIFIED_FILE" != *"/metadata.json" ]] || [[ "$MODIFIED_FILE" != *"/.specweave/increments/"* ]]; then
  exit 0
fi
if [[ "$MODIFIED_FILE" == *"/_archive/"* ]]; then
  echo "[$(date)] post-metadata-change: Archived increment - skipping" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

echo "[$(date)] post-metadata-change: metadata.json changed - analyzing..." >> "$DEBUG_LOG" 2>/dev/null || true
INCREMENT_ID=$(echo "$MODIFIED_FILE" | grep -o '\.specweave/increments/[^/]*' | sed 's/\.specweave\/increments\///')
if [[ -z "$INCREMENT_ID" ]]; then
  echo "[$(date)] post-metadata-change: Could not extract increment ID from path: $MODIFIED_FILE" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi
echo "[$(date)] post-metadata-change: Increment ID: $INCREMENT_ID" >> "$DEBUG_LOG" 2>/dev/null || true

METADATA_PATH="$PROJECT_ROOT/.specweave/increments/$INCREMENT_ID/metadata.json"
if [[ ! -f "$METADATA_PATH" ]]; then
  echo "[$(date)] post-metadata-change: metadata.json not found at $METADATA_PATH" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

if ! command -v jq &>/dev/null; then
  echo "[$(date)] post-metadata-change: jq not found - updating status line as fallback" >> "$DEBUG_LOG" 2>/dev/null || true
  bash "$HOOK_DIR/lib/update-status-line.sh" 2>/dev/null || true
  exit 0
fi

CURRENT_STATUS=$(jq -r '.status // "unknown"' "$METADATA_PATH" 2>/dev/null)
echo "[$(date)] post-metadata-change: Current status: $CURRENT_STATUS" >> "$DEBUG_LOG" 2>/dev/null || true

case "$CURRENT_STATUS" in
  completed)
    echo "[$(date)] post-metadata-change: Increment completed - calling post-increment-completion.sh" >> "$DEBUG_LOG" 2>/dev/null || true
    if [[ -x "$HOOK_DIR/post-increment-completion.sh" ]]; then
      bash "$HOOK_DIR/post-increment-completion.sh" "$INCREMENT_ID" 2>&1 | tee -a "$DEBUG_LOG" >/dev/null
    else
      bash "$HOOK_DIR/lib/update-status-line.sh" 2>/dev/null || true
    fi
    ;;
  paused|resumed|abandoned)
    echo "[$(date)] post-metadata-change: Status changed to $CURRENT_STATUS - calling post-increment-status-change.sh" >> "$DEBUG_LOG" 2>/dev/null || true
    REASON=$(jq -r '.statusReason // "Not specified"' "$METADATA_PATH" 2>/dev/null)
    if [[ -x "$HOOK_DIR/post-increment-status-change.sh" ]]; then
      bash "$HOOK_DIR/post-increment-status-change.sh" "$INCREMENT_ID" "$CURRENT_STATUS" "$REASON" 2>&1 | tee -a "$DEBUG_LOG" >/dev/null
    else
      bash "$HOOK_DIR/lib/update-status-line.sh" 2>/dev/null || true
    fi
    ;;
  *)
    echo "[$(date)] post-metadata-change: Status is $CURRENT_STATUS - updating status line only" >> "$DEBUG_LOG" 2>/dev/null || true
    bash "$HOOK_DIR/lib/update-status-line.sh" 2>/dev/null || true
    ;;
esac

echo "[$(date)] post-metadata-change: Complete" >> "$DEBUG_LOG" 2>/dev/null || true
exit 0
