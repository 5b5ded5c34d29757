#!/bin/sh
# Runs each cmocka unit-test binary given; fails if any fails.
failed=
for t in "$@"; do
	"$t" || failed="$failed ${t##*/}"
done
if [ -n "$failed" ]; then
	echo "unit: failed:$failed"
	exit 1
fi
echo "unit: all $# test programs passed"
