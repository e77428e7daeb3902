#!/usr/bin/env bash
# --timeout is the deadline of the whole command (issue 16 §3), against servers and programs that
# never finish (tests/badinput): a server that accepts and never answers ("stall"), one that sends
# its reply a byte a second ("trickle"), a black hole (a port whose backlog completes handshakes but
# that never accepts or reads), and an exec credential plugin that never exits (it ignores SIGTERM
# and has a child that does too). Each run must exit 4 with one error naming what it waited for,
# end well within the deadline plus 2 s (a generous upper bound only: `--timeout 3s` must end in
# under 8 s, whatever the machine's load), send no write, and leave no process behind.
# --request-timeout bounds one request: against the trickling server without --timeout, the
# request is cut, retried, and the command fails (exit 1) with the timeout and a hint.
set -u
pxclone=$(realpath "$1")
here=$(cd "$(dirname "$0")/../badinput" && pwd)
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
problem() {
    echo "FAIL: $*"
    fail=1
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
profile=$here/profile.yaml

# start_server NAME [ARGS]: sets ${NAME}_port once the server listens.
start_server() {
    local name=$1 banner
    shift
    mkfifo "$tmp/$name.fifo"
    "$python" "$here/badserver.py" "$@" >"$tmp/$name.fifo" &
    pids+=($!)
    read -r -t 60 banner <"$tmp/$name.fifo" || { echo "FAIL: $name did not start"; exit 1; }
    printf -v "${name}_port" '%s' "${banner##* }"
}

kubeconfig() {
    local file=$1 server=$2 user=${3:-"{}"}
    cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$server"}}]
users: [{name: u, user: $user}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
KUBECONFIG
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# run NAME WANT_EXIT MAX_SECONDS ARGS...: pxclone snapshot ARGS; checks the exit code, one error
# line, nothing on stdout and the elapsed time (an upper bound only).
run() {
    local name=$1 want=$2 max=$3
    shift 3
    local start got elapsed
    start=$(now_ms)
    (cd "$tmp" && timeout 120 env -u KUBECONFIG NEVER_EXITS_PIDS="$tmp/$name.pids" \
        "$pxclone" snapshot -q -p "$profile" --run dl1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err")
    got=$?
    elapsed=$(($(now_ms) - start))
    echo "$name: exit $got in ${elapsed} ms"
    [ "$got" = "$want" ] || problem "$name: exit $got, want $want: $(head -3 "$tmp/$name.err")"
    [ "$elapsed" -lt $((max * 1000)) ] || problem "$name: took ${elapsed} ms, want under ${max} s"
    [ -s "$tmp/$name.out" ] && problem "$name: wrote to stdout"
    local headlines
    headlines=$(grep -c '^pxclone: error: ' "$tmp/$name.err")
    [ "$headlines" = 1 ] || problem "$name: $headlines 'pxclone: error:' lines, want 1"
}

expect_err() {
    grep -qF -- "$2" "$tmp/$1.err" || problem "$1: stderr lacks '$2': $(head -3 "$tmp/$1.err")"
}

# Every pid a never-exits run wrote (itself and its child) is gone (or a zombie awaiting its
# reaper): nothing pxclone started is left running.
expect_nothing_left() {
    local name=$1 pid state
    [ -s "$tmp/$name.pids" ] || { problem "$name: the program never ran"; return; }
    local all=()
    read -ra all <<<"$(tr '\n' ' ' <"$tmp/$name.pids")"
    for pid in "${all[@]}"; do
        for _ in $(seq 50); do
            state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
            [ -z "$state" ] || [ "$state" = Z ] && break
            sleep 0.1
        done
        if [ -n "$state" ] && [ "$state" != Z ]; then
            problem "$name: process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) is still running"
            kill -9 "$pid" 2>/dev/null
        fi
    done
}

bad_port=""
hole_port=""
start_server bad
start_server hole --black-hole
deadline='before the deadline (--timeout 3s)'

# The slowest case (retries of a request cut by --request-timeout) runs meanwhile.
kubeconfig "$tmp/k-trickle.yaml" "http://127.0.0.1:$bad_port/pvc-trickle"
run request-timeout 1 60 --kubeconfig "$tmp/k-trickle.yaml" --request-timeout 1s &
request_timeout_run=$!

for case in stall trickle; do
    kubeconfig "$tmp/k-$case.yaml" "http://127.0.0.1:$bad_port/pvc-$case"
    run "$case" 4 8 --kubeconfig "$tmp/k-$case.yaml" --timeout 3s
    expect_err "$case" "GET http://127.0.0.1:$bad_port/pvc-$case/api/v1/namespaces/prod/persistentvolumeclaims/data: no complete answer $deadline"
done
writes=$(curl -s "http://127.0.0.1:$bad_port/_seen" | grep -cvE '^GET |^POST [^ ]*/v1/volumes/inspectwithfilters ')
[ "$writes" = 0 ] || problem "a write reached the server: $(curl -s "http://127.0.0.1:$bad_port/_seen")"

kubeconfig "$tmp/k-hole.yaml" "http://127.0.0.1:$hole_port"
run black-hole 4 8 --kubeconfig "$tmp/k-hole.yaml" --timeout 3s
expect_err black-hole "GET http://127.0.0.1:$hole_port/"
expect_err black-hole "no complete answer $deadline"

plugin="{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: $here/never-exits, interactiveMode: Never}}"
kubeconfig "$tmp/k-plugin.yaml" "http://127.0.0.1:$bad_port/ok" "$plugin"
run exec-plugin 4 8 --kubeconfig "$tmp/k-plugin.yaml" --timeout 3s
expect_err exec-plugin "exec plugin '$here/never-exits' of user \"u\" (kubeconfig $tmp/k-plugin.yaml) did not finish $deadline; it was stopped"
expect_nothing_left exec-plugin
# Only one run of the plugin: the requests that waited for it do not start it again.
[ "$(wc -l <"$tmp/exec-plugin.pids")" = 1 ] || problem "exec-plugin: ran $(wc -l <"$tmp/exec-plugin.pids") times"

wait "$request_timeout_run"
expect_err request-timeout "persistentvolumeclaims/data: no complete answer within 1000 ms of the request being sent"
expect_err request-timeout "hint: the server took longer than --request-timeout"

# Usage: a value that is not a duration.
out=$(env -u KUBECONFIG "$pxclone" snapshot -p "$profile" --request-timeout soon 2>&1)
rc=$?
[ "$rc" = 2 ] || problem "--request-timeout soon: exit $rc, want 2"
grep -qF -- "--request-timeout: 'soon' is not a duration" <<<"$out" ||
    problem "--request-timeout soon: $out"

[ "$fail" = 0 ] && echo "deadline: all cases passed"
exit "$fail"
