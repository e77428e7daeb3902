#!/usr/bin/env bash
# progress on a real terminal: under util-linux `script` (a pseudo-terminal) a snapshot shows live
# lines redrawn in place (carriage returns, cursor movement) and colour; stdout redirected to a
# file stays plain JSON. NO_COLOR keeps the redraws but drops the colour, -q shows nothing, and
# the same command with stderr piped writes plain timestamped lines only. Errors are red on a
# terminal or with --color=always (even with NO_COLOR), plain otherwise.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
command -v script >/dev/null 2>&1 || e2e_fail "util-linux script not found"
# Each snapshot takes long enough for a few frames of the spinner (frames come every 100 ms).
sim_start --latency snapshot=300ms
profile=$E2E_PROFILES/names-portworx.yaml
esc=$'\x1b'

# tty_run NAME ENV... -- ARGS...: pxclone ARGS with stderr on a pseudo-terminal and stdout in
# $E2E_TMP/NAME.out; what the terminal showed goes to $E2E_TMP/NAME.tty.
tty_run() {
    local name=$1
    shift
    local -a env_args=()
    while [[ $1 != -- ]]; do
        env_args+=("$1")
        shift
    done
    shift
    local command
    command=$(printf '%q ' env -u NO_COLOR TERM=xterm COLUMNS=100 "${env_args[@]}" \
        "$E2E_PXCLONE" "$@" --kubeconfig "$E2E_TMP/k.yaml" --context pxsim)
    # shellcheck disable=SC2034 # read by e2e_fail
    PX_ARGS="$* (on a terminal)"
    PX_OUT=$E2E_TMP/$name.out
    PX_ERR=$E2E_TMP/$name.tty
    PX_RC=0
    script -qfec "$command >$(printf '%q' "$PX_OUT")" /dev/null >"$PX_ERR" </dev/null || PX_RC=$?
    echo "$name: pxclone $* on a terminal -> exit $PX_RC"
}

# contains FILE TEXT: fixed-string search that sees carriage returns and escapes.
contains() { grep -qF -- "$2" "$1"; }

tty_run colour -- snapshot -p "$profile" --run tty-1 --skip-hooks -o json
expect_exit 0
expect_json .snapshotSet tty-1
contains "$PX_OUT" "${esc}" && e2e_fail "stdout (-o json) carries an escape sequence"
contains "$PX_ERR" $'\r' || e2e_fail "the terminal saw no carriage return"
contains "$PX_ERR" "${esc}[" || e2e_fail "the terminal saw no escape sequence"
grep -qE "$esc\[[0-9]+A" "$PX_ERR" || e2e_fail "the live lines were never redrawn in place"
contains "$PX_ERR" "${esc}[36m" || e2e_fail "no coloured spinner"
contains "$PX_ERR" "${esc}[32m✓${esc}[0m snapshot mongo-data-mongo-0 ready" ||
    e2e_fail "no green ✓ line for mongo-data-mongo-0"
contains "$PX_ERR" "snapshot mongo-data-mongo-1 creating" || e2e_fail "no 'creating' state shown"

tty_run no-color NO_COLOR=1 -- snapshot -p "$profile" --run tty-2 --skip-hooks -o json
expect_exit 0
grep -qE "$esc\[[0-9]+A" "$PX_ERR" || e2e_fail "NO_COLOR: the live lines were not redrawn"
grep -qE "$esc\[[0-9;]*m" "$PX_ERR" && e2e_fail "NO_COLOR: colour on the terminal"
contains "$PX_ERR" "✓ snapshot mongo-data-mongo-2 ready" || e2e_fail "NO_COLOR: no ✓ line"

tty_run quiet -- snapshot -p "$profile" --run tty-4 --skip-hooks -q -o json
expect_exit 0
[[ ! -s $PX_ERR ]] || e2e_fail "-q: the terminal showed: $(head -c 300 "$PX_ERR" | cat -v)"

# The same command with stderr piped, as in CI: plain lines, one per state change.
px_run snapshot -p "$profile" --run tty-5 --skip-hooks -o json
expect_exit 0
contains "$PX_ERR" $'\r' && e2e_fail "piped: a carriage return"
contains "$PX_ERR" "${esc}" && e2e_fail "piped: an escape sequence"
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} ✓ snapshot mongo-data-mongo-0 ready \(.*\) \([0-9.]+s\)$' \
    "$PX_ERR" || e2e_fail "piped: no timestamped ✓ line"
duplicates=$(sort "$PX_ERR" | uniq -d)
[[ -z $duplicates ]] || e2e_fail "piped: repeated lines: $duplicates"

# An error on a terminal is coloured too; piped it is not.
tty_run error -- snapshot -p "$E2E_PROFILES/no-such-profile.yaml" --run tty-6
[[ $PX_RC != 0 ]] || e2e_fail "a missing profile succeeded"
contains "$PX_ERR" "${esc}[31mpxclone: error:${esc}[0m" || e2e_fail "the error is not red"
px_run snapshot -p "$E2E_PROFILES/no-such-profile.yaml" --run tty-6
contains "$PX_ERR" "${esc}" && e2e_fail "piped: the error carries an escape sequence"
NO_COLOR=1 px_run snapshot -p "$E2E_PROFILES/no-such-profile.yaml" --run tty-6 --color=always
contains "$PX_ERR" "${esc}[31mpxclone: error:" || e2e_fail "--color=always: the error is not red"
e2e_done
