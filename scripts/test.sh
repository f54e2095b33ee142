#!/usr/bin/env bash
# The whole test suite: starts the real Kafka broker (reused if already up), checks PostgreSQL,
# runs bun test, and ends with the plain line "N passed, N failed" from bun's own results.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/kafka/broker.sh start || exit 1
mkdir -p test-artifacts
out=test-artifacts/bun-test.log
bun test --timeout 60000 "$@" 2>&1 | tee "$out"
code=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
fail=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
skip=$(grep -Eo '^ *[0-9]+ skip$' "$out" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
if [ "$code" -ne 0 ] && [ "$fail" = 0 ]; then fail=1; fi
echo "$pass passed, $fail failed, $skip skipped"
exit "$code"
