#!/bin/bash
#
# Write the status line cache, .specweave/state/status-line.json.
#
# A re-creation, for hookmux's benchmarks, of SpecWeave's
# hooks/lib/update-status-line.sh (v0.24-v0.25, the version that writes AC
# counts; seed-systems.md section A, "Cache writer"): open increments from each
# spec.md's frontmatter (grep), the oldest by `created`, its tasks (the grep
# fallback of TaskCounter: headings `##+ T-`, `[x]` at a line start or
# `**Status**: [x]`), its ACs (bold `- [x] **AC-` lines), written with jq.
set -euo pipefail

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
INCREMENTS_DIR="$PROJECT_ROOT/.specweave/increments"
CACHE_FILE="$PROJECT_ROOT/.specweave/state/status-line.json"
mkdir -p "$PROJECT_ROOT/.specweave/state"
NOW_ISO=$(date -u +%Y-%m-%dT%H:%M:%SZ)

OPEN=()
for spec in "$INCREMENTS_DIR"/*/spec.md; do
  [[ -f "$spec" ]] || continue
  dir=$(dirname "$spec")
  id=$(basename "$dir")
  [[ "$id" == _* ]] && continue
  status=$(grep -m1 "^status:" "$spec" 2>/dev/null | cut -d: -f2 | tr -d ' ' || echo "")
  case "$status" in
    active|planning|in-progress)
      created=$(grep -m1 "^created:" "$spec" 2>/dev/null | cut -d: -f2- | tr -d ' ' || echo "")
      OPEN+=("${created:-1970-01-01} $id")
      ;;
  esac
done

OPEN_COUNT=${#OPEN[@]}
if (( OPEN_COUNT == 0 )); then
  jq -n --arg now "$NOW_ISO" '{current: null, openCount: 0, lastUpdate: $now}' > "$CACHE_FILE.tmp"
  mv "$CACHE_FILE.tmp" "$CACHE_FILE"
  exit 0
fi

CURRENT=$(printf '%s\n' "${OPEN[@]}" | sort | head -1 | cut -d' ' -f2)
TASKS_FILE="$INCREMENTS_DIR/$CURRENT/tasks.md"
SPEC_FILE="$INCREMENTS_DIR/$CURRENT/spec.md"

TOTAL=0
COMPLETED=0
if [[ -f "$TASKS_FILE" ]]; then
  TOTAL=$(grep -cE '^##+ T-' "$TASKS_FILE" 2>/dev/null || true)
  DONE_STANDARD=$(grep -c '^\[x\]' "$TASKS_FILE" 2>/dev/null || true)
  DONE_INLINE=$(grep -ci '\*\*Status\*\*: \[x\]' "$TASKS_FILE" 2>/dev/null || true)
  COMPLETED=$(( ${DONE_STANDARD:-0} + ${DONE_INLINE:-0} ))
fi
TOTAL=${TOTAL:-0}
PERCENTAGE=0
if (( TOTAL > 0 )); then
  PERCENTAGE=$(( COMPLETED * 100 / TOTAL ))
fi

ACS_TOTAL=$(grep -cE '^- \[(x| )\] \*\*AC-' "$SPEC_FILE" 2>/dev/null || true)
ACS_DONE=$(grep -cE '^- \[x\] \*\*AC-' "$SPEC_FILE" 2>/dev/null || true)

jq -n \
  --arg id "$CURRENT" \
  --argjson completed "$COMPLETED" \
  --argjson total "$TOTAL" \
  --argjson percentage "$PERCENTAGE" \
  --argjson acsCompleted "${ACS_DONE:-0}" \
  --argjson acsTotal "${ACS_TOTAL:-0}" \
  --argjson openCount "$OPEN_COUNT" \
  --arg now "$NOW_ISO" \
  '{current: {id: $id, name: $id, completed: $completed, total: $total, percentage: $percentage,
              acsCompleted: $acsCompleted, acsTotal: $acsTotal},
    openCount: $openCount, lastUpdate: $now}' > "$CACHE_FILE.tmp"
mv "$CACHE_FILE.tmp" "$CACHE_FILE"
exit 0
