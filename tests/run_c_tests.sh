#!/bin/sh
# Run each C test program given as an argument; print a summary and fail if
# any failed. Run from the repository root (tests find their fixtures there).
failed=""
for t in "$@"; do
	name=$(basename "$t")
	start=$(date +%s)
	if "$t" > "$t.log" 2>&1; then
		echo "PASS $name ($(( $(date +%s) - start ))s)"
	else
		echo "FAIL $name ($(( $(date +%s) - start ))s); output:"
		sed 's/^/    /' "$t.log" | tail -40
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
echo "all C tests passed"
