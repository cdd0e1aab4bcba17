#!/bin/bash
#
# PostToolUse (Edit, Write): refresh the status line cache after a spec.md or
# tasks.md edit, in the background.
#
# A re-creation, for hookmux's benchmarks, of the hook SpecWeave v0.25.0 wires
# (ADR-0070, seed 002; seed-systems.md section A): kill switch, circuit breaker
# (3 failures), mkdir lock (5 tries, 0.2 s apart, stale after 5 s), debug log
# rotation, 5 s debounce, the pre-hook's signal file, the mtime fallback, and
# lib/update-status-line.sh in a detached subshell. Like the original it reads
# nothing from stdin. Changes: the lock's age comes from GNU stat (the original's
# `stat -f %m` is macOS only), and the updater is found next to this script
# (the original looks under $PROJECT_ROOT/plugins/..., which exists only in
# SpecWeave's own repository, so every update failed and opened the breaker).
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
HOOK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOGS_DIR="$PROJECT_ROOT/.specweave/logs"
DEBUG_LOG="$LOGS_DIR/hooks-debug.log"

if [[ "${SPECWEAVE_DISABLE_HOOKS:-0}" == "1" ]]; then
  exit 0
fi

mkdir -p "$PROJECT_ROOT/.specweave/state" "$LOGS_DIR" 2>/dev/null || true

# Circuit breaker: consecutive failures of the background update
CIRCUIT_BREAKER_FILE="$PROJECT_ROOT/.specweave/state/.hook-circuit-breaker"
CIRCUIT_BREAKER_THRESHOLD=3
if [[ -f "$CIRCUIT_BREAKER_FILE" ]]; then
  FAILURE_COUNT=$(cat "$CIRCUIT_BREAKER_FILE" 2>/dev/null || echo 0)
  if (( FAILURE_COUNT >= CIRCUIT_BREAKER_THRESHOLD )); then
    echo "[$(date)] CIRCUIT BREAKER OPEN: Hooks disabled after $FAILURE_COUNT failures. Run: rm $CIRCUIT_BREAKER_FILE" >> "$DEBUG_LOG" 2>/dev/null || true
    exit 0
  fi
fi

# Lock: one post-hook at a time
LOCK_FILE="$PROJECT_ROOT/.specweave/state/.hook-post-edit-write.lock"
LOCK_TIMEOUT=5
LOCK_ACQUIRED=false
for i in {1..5}; do
  if mkdir "$LOCK_FILE" 2>/dev/null; then
    LOCK_ACQUIRED=true
    trap 'rmdir "$LOCK_FILE" 2>/dev/null || true' EXIT
    break
  fi
  if [[ -d "$LOCK_FILE" ]]; then
    LOCK_AGE=$(($(date +%s) - $(stat -c %Y "$LOCK_FILE" 2>/dev/null || echo 0)))
    if (( LOCK_AGE > LOCK_TIMEOUT )); then
      rmdir "$LOCK_FILE" 2>/dev/null || true
      continue
    fi
  fi
  sleep 0.2
done
if [[ "$LOCK_ACQUIRED" == "false" ]]; then
  echo "[$(date)] post-edit-write: Could not acquire lock, skipping" >> "$DEBUG_LOG" 2>/dev/null || true
  exit 0
fi

# Debug log under 100 KB
if [[ -f "$DEBUG_LOG" ]] && [[ $(wc -c < "$DEBUG_LOG" 2>/dev/null || echo 0) -gt 102400 ]]; then
  tail -100 "$DEBUG_LOG" > "$DEBUG_LOG.tmp" 2>/dev/null || true
  mv "$DEBUG_LOG.tmp" "$DEBUG_LOG" 2>/dev/null || true
  echo "[$(date)] Log rotated" >> "$DEBUG_LOG" 2>/dev/null || true
fi

# Debounce: at most one update per 5 s
LAST_UPDATE_FILE="$PROJECT_ROOT/.specweave/state/.last-status-update"
DEBOUNCE_SECONDS=5
if [[ -f "$LAST_UPDATE_FILE" ]]; then
  LAST_UPDATE=$(cat "$LAST_UPDATE_FILE" 2>/dev/null || echo 0)
  NOW=$(date +%s)
  TIME_SINCE_UPDATE=$((NOW - LAST_UPDATE))
  if (( TIME_SINCE_UPDATE < DEBOUNCE_SECONDS )); then
    echo "[$(date)] post-edit-write: Debounced (${TIME_SINCE_UPDATE}s since last update)" >> "$DEBUG_LOG" 2>/dev/null || true
    exit 0
  fi
fi

# Tier 2: the pre-hook's signal
PENDING_FILE="$PROJECT_ROOT/.specweave/state/.pending-status-update"
METRICS_FILE="$PROJECT_ROOT/.specweave/state/hook-metrics.jsonl"
DETECTED_FILE=""
DETECTION_METHOD="none"
if [[ -f "$PENDING_FILE" ]]; then
  DETECTED_FILE=$(cat "$PENDING_FILE" 2>/dev/null || echo "")
  rm "$PENDING_FILE" 2>/dev/null || true
  if [[ -n "$DETECTED_FILE" ]]; then
    DETECTION_METHOD="pretooluse"
    echo "[$(date)] post-edit-write: File from PreToolUse signal: $DETECTED_FILE" >> "$DEBUG_LOG" 2>/dev/null || true
    TIMESTAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    echo "{\"timestamp\":\"$TIMESTAMP\",\"hook\":\"post-edit-write\",\"event\":\"tier2_success\",\"method\":\"pretooluse\"}" >> "$METRICS_FILE" 2>/dev/null || true
  fi
fi

# Tier 1: environment variables (Claude Code sets none of them; kept as the original has them)
if [[ -z "$DETECTED_FILE" ]]; then
  if [[ -n "${TOOL_USE_CONTENT:-}" ]]; then
    DETECTED_FILE="$TOOL_USE_CONTENT"
    DETECTION_METHOD="env_content"
  fi
  if [[ -z "$DETECTED_FILE" ]] && [[ -n "${TOOL_RESULT:-}" ]]; then
    DETECTED_FILE=$(echo "$TOOL_RESULT" | grep -o '"file_path"[[:space:]]*:[[:space:]]*"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)".*/\1/' || echo "")
    DETECTION_METHOD="env_result"
  fi
  if [[ -z "$DETECTED_FILE" ]] && [[ -n "${TOOL_USE_ARGS:-}" ]]; then
    DETECTED_FILE=$(echo "$TOOL_USE_ARGS" | grep -o '"file_path"[[:space:]]*:[[:space:]]*"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)".*/\1/' || echo "")
    DETECTION_METHOD="env_args"
  fi
fi

SHOULD_UPDATE=false
if [[ -n "$DETECTED_FILE" ]]; then
  if [[ "$DETECTED_FILE" == *"/spec.md" ]] || [[ "$DETECTED_FILE" == *"/tasks.md" ]]; then
    if [[ "$DETECTED_FILE" == *"/.specweave/increments/"* ]]; then
      SHOULD_UPDATE=true
      echo "[$(date)] post-edit-write: Increment file changed - will update status line" >> "$DEBUG_LOG" 2>/dev/null || true
    fi
  fi
fi

# Fallback: a spec.md/tasks.md modified in the last 2 s
if [[ -z "$DETECTED_FILE" ]]; then
  echo "[$(date)] post-edit-write: Env vars empty - checking file mtimes" >> "$DEBUG_LOG" 2>/dev/null || true
  NOW=$(date +%s)
  INCREMENTS_DIR="$PROJECT_ROOT/.specweave/increments"
  if [[ -d "$INCREMENTS_DIR" ]]; then
    for file in "$INCREMENTS_DIR"/*/spec.md "$INCREMENTS_DIR"/*/tasks.md; do
      if [[ -f "$file" ]]; then
        if [[ "$(uname)" == "Darwin" ]]; then
          MTIME=$(stat -f "%m" "$file" 2>/dev/null || echo 0)
        else
          MTIME=$(stat -c "%Y" "$file" 2>/dev/null || echo 0)
        fi
        TIME_DIFF=$((NOW - MTIME))
        if (( TIME_DIFF <= 2 )); then
          DETECTED_FILE="$file"
          echo "[$(date)] post-edit-write: Detected recent modification: $file (${TIME_DIFF}s ago)" >> "$DEBUG_LOG" 2>/dev/null || true
          SHOULD_UPDATE=true
          break
        fi
      fi
    done
  fi
  if [[ -z "$DETECTED_FILE" ]]; then
    echo "[$(date)] post-edit-write: No spec/tasks modifications detected - skipping" >> "$DEBUG_LOG" 2>/dev/null || true
    exit 0
  fi
fi

# The update, detached: the hook does not wait for it
if [[ "$SHOULD_UPDATE" == "true" ]]; then
  echo "[$(date)] post-edit-write: Running update-status-line.sh (background)" >> "$DEBUG_LOG" 2>/dev/null || true
  echo "$(date +%s)" > "$LAST_UPDATE_FILE"
  (
    set +e
    if "$HOOK_DIR/lib/update-status-line.sh" 2>&1 | tee -a "$DEBUG_LOG" >/dev/null; then
      echo "[$(date)] post-edit-write: Status line updated successfully" >> "$DEBUG_LOG" 2>/dev/null || true
      echo "0" > "$CIRCUIT_BREAKER_FILE" 2>/dev/null || true
    else
      echo "[$(date)] post-edit-write: Warning - status line update failed (non-blocking)" >> "$DEBUG_LOG" 2>/dev/null || true
      CURRENT_FAILURES=$(cat "$CIRCUIT_BREAKER_FILE" 2>/dev/null || echo 0)
      echo "$((CURRENT_FAILURES + 1))" > "$CIRCUIT_BREAKER_FILE" 2>/dev/null || true
    fi
  ) &
  disown 2>/dev/null || true
fi

exit 0
