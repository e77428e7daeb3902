#!/usr/bin/env bash
# teardown's choice of what to delete is explicit, and refused before any connection is made:
# no mode, two modes, or an unsupported format exit 2 naming the flags.
set -u
pxclone=$1
fail=0
profile=examples/mongodb/pxclone.yaml
check() {
    local want=$1 text=$2; shift 2
    local out got
    out=$(env -i PATH="$PATH" KUBECONFIG=/nonexistent CODEBUILD_BUILD_NUMBER=9 "$pxclone" "$@" 2>&1)
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: pxclone $* exited $got, want $want: $out"
        fail=1
    elif ! grep -qF -- "$text" <<<"$out"; then
        echo "FAIL: pxclone $* did not say '$text': $out"
        fail=1
    fi
}
# A run id from CI variables alone never chooses what to delete.
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile"
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile" --all --expired
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile" --run 4 --all
check 2 "-o yaml is not supported" teardown -p "$profile" --all -o yaml
check 2 "-o env is not supported" list -p "$profile" -o env
env -i PATH="$PATH" "$pxclone" teardown --help | grep -q -- "--snapshots" ||
    { echo "FAIL: teardown --help lacks --snapshots"; fail=1; }
env -i PATH="$PATH" "$pxclone" list --help | grep -q -- "--all-profiles" ||
    { echo "FAIL: list --help lacks --all-profiles"; fail=1; }
exit $fail
