#!/bin/sh
# `make integration`: the integration suite under KVM, in a nested host when
# this one has none. Emulated SVM has rare freezes and panics that stop the
# nested host whole; tests/nested/run.sh then exits 124, and the suite goes
# on in a fresh nested host after the last test with a result (the test it
# died in runs again, once). At most two restarts.
# usage: check.sh [TEST_NAME_PATTERN]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tests/nested/run.sh" -w "$top" "$top/tests/integration/run.sh" "$@"
status=$?
restarts=0
while [ "$status" = 124 ] && [ "$restarts" -lt 2 ]; do
	restarts=$((restarts + 1))
	echo "integration: restarting the nested host and resuming ($restarts of 2)"
	"$top/tests/nested/run.sh" -w "$top" "$top/tests/integration/run.sh" --resume "$@"
	status=$?
done
exit "$status"
