# shellcheck shell=bash
# shellcheck disable=SC2034 # variables for the scripts that source this file
# Helpers of the command-line usage tests (restore_usage.sh, teardown_usage.sh): the real binary
# with a clean environment, checked for its exit code and a text. A check does not end the script:
# it prints FAIL and sets fail=1; the script ends with `exit $fail`.
#   source "$(dirname "$0")/lib.sh"
#   cli_init "$1"
#   check 2 "give --run RUN" restore -p "$profile" --all
#   expect_help restore --new-pvc
#   exit $fail

pxclone=""
fail=0
profile=examples/mongodb/pxclone.yaml

# cli_init PXCLONE: the binary under test.
cli_init() {
    pxclone=$1
}

# check EXIT TEXT ARGS...: `pxclone ARGS` (no kubeconfig, a CI build number set) exits EXIT and
# says TEXT (a fixed string) on stdout or stderr.
check() {
    local want=$1 text=$2
    shift 2
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

# expect_help COMMAND FLAG: `pxclone COMMAND --help` lists FLAG.
expect_help() {
    env -i PATH="$PATH" "$pxclone" "$1" --help | grep -q -- "$2" ||
        { echo "FAIL: $1 --help lacks $2"; fail=1; }
}
