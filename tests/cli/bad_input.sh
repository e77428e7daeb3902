#!/usr/bin/env bash
# The bad-input corpus (issue 9) against the real binary: kubeconfigs, flags, environment variables
# and server replies (tests/badinput/badserver.py plays a cluster that misbehaves in one place per
# case; bad profiles are tests/cli/profile_corpus.sh's). Every case asserts the documented exit code
# (include/pxclone/error.hpp), one `pxclone: error:` line (or CLI11's one-line usage error) that
# contains the expected text naming the input and place, no line longer than 600 bytes (a huge
# body is not echoed), nothing on stdout when it fails (but for a partial failure's account of what
# was done), and no crash, sanitizer or library text.
set -u
pxclone=$(realpath "$1")
here=$(cd "$(dirname "$0")/../badinput" && pwd)
tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
leaks='internal error|terminate called|what\(\)|Sanitizer|runtime error|Segmentation|core dumped|json\.exception|YAML::|bad_alloc|FAILED|value in \{'
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# The server prints its port once it listens: read that line (no polling).
coproc BADSERVER { exec "$python" "$here/badserver.py"; }
server_pid=$BADSERVER_PID
if ! read -r -t 60 banner <&"${BADSERVER[0]}"; then
    echo "FAIL: badserver did not start"
    exit 1
fi
port=${banner##* }
profile=$here/profile.yaml

# A kubeconfig for a server URL (and optional user fields).
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

# run_case NAME EXIT TEXT -- ARGS...: runs pxclone ARGS (in $tmp/NAME.d, env as set by the caller
# through `env`), then checks; the verdict goes to $tmp/NAME.result.
run_case() {
    local name=$1 want_exit=$2 text=$3
    shift 4
    local dir=$tmp/$name.d
    mkdir -p "$dir"
    (cd "$dir" && timeout 60 "$@" >"$dir/out" 2>"$dir/err")
    local got=$? problems=()
    [ "$got" = "$want_exit" ] || problems+=("exit $got, want $want_exit")
    if [ "$want_exit" != 0 ]; then
        grep -qF -- "$text" "$dir/err" || problems+=("stderr lacks: $text")
        # A partial failure (5) reports on stdout what was done before it; nothing else does.
        [ "$want_exit" != 5 ] && [ -s "$dir/out" ] && problems+=("wrote to stdout")
        local headlines
        headlines=$(grep -c '^pxclone: error: ' "$dir/err")
        if [ "$headlines" != 1 ]; then
            problems+=("$headlines 'pxclone: error:' lines, want 1")
        fi
    fi
    grep -Eq "$leaks" "$dir/err" && problems+=("crash or library text: $(grep -Em1 "$leaks" "$dir/err" | cut -c1-200)")
    awk 'length > 600 { found = 1 } END { exit !found }' "$dir/err" && problems+=("a line longer than 600 bytes")
    if [ ${#problems[@]} -gt 0 ]; then
        {
            echo "FAIL: $name"
            printf '  %s\n' "${problems[@]}"
            cut -c1-300 "$dir/err" | head -8 | sed 's/^/  | /'
        } >"$tmp/$name.result"
    else
        echo ok >"$tmp/$name.result"
    fi
}

# Cases run six at a time: many wait on the server or on retry backoff, not on the CPU. The ones
# that wait longest (retries after transport errors) are started first.
cases=0
pids=()
spawn() {
    cases=$((cases + 1))
    # The server is a job too: at most 6 cases besides it.
    while [ "$(jobs -rp | wc -l)" -gt 6 ]; do
        wait -n
    done
    run_case "$@" &
    pids+=($!)
}

# server CASE COMMAND EXIT TEXT: pxclone COMMAND against badserver's CASE.
server() {
    local name=$1 command=$2 want_exit=$3 text=$4
    kubeconfig "$tmp/k-$name.yaml" "http://127.0.0.1:$port/$name"
    local args=(snapshot --dry-run)
    [ "$command" = list ] && args=(list)
    [ "$command" = teardown ] && args=(teardown)
    spawn "$name" "$want_exit" "$text" -- env -u KUBECONFIG "$pxclone" "${args[@]}" -q \
        -p "$profile" --kubeconfig "$tmp/k-$name.yaml" --run bad1
}

pvc='persistentvolumeclaims "data" in namespace "prod": get'
gateway='portworx endpoint service:kube-system/portworx-api:9021'
server pvc-truncated snapshot 1 "persistentvolumeclaims/data: transfer closed"
server pvc-closed snapshot 1 "persistentvolumeclaims/data: Empty reply from server"
server px-truncated snapshot 1 "$gateway: cannot reach it: GET http://127.0.0.1:$port/px-truncated/"
server watch-huge-line teardown 5 "namespaces: watch: an event is larger than 16 MiB, the most pxclone reads of one watch event (GET http://127.0.0.1:$port/watch-huge-line/api/v1/namespaces?watch=1"
server pvc-huge-garbage snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
server px-huge-garbage snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway"
server ok snapshot 0 ''
server pvc-html-502 snapshot 1 "$pvc: HTTP 502 with a reply that is not a Kubernetes Status (text/html)"
server pvc-malformed-json snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
server pvc-json-array snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
# JSON nested 100000 levels: refused as not JSON (copying it overflowed the stack, exit 139).
server pvc-deep-json snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
server px-deep-json snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway (GET /v1/identities/version answered HTTP 200 with a body that is not a JSON object"
server pvc-json-string snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
server pvc-volume-name-number snapshot 1 'persistentvolumeclaim "prod/data": is Bound but names no volume'
server pvc-spec-string snapshot 1 'persistentvolumeclaim "prod/data": is Bound but names no volume'
server pvc-phase-object snapshot 1 'persistentvolumeclaim "prod/data": is in no phase, not Bound'
server pvc-404-status snapshot 3 'persistentvolumeclaim "prod/data": not found'
server pvc-404-plain snapshot 1 "$pvc: HTTP 404 with a reply that is not a Kubernetes Status (text/plain): \"404 page not found\""
server pvc-401 snapshot 1 "$pvc: Unauthorized (Unauthorized)"
server pvc-403 snapshot 1 "$pvc: persistentvolumeclaims \"data\" is forbidden"
server pvc-500-status snapshot 1 "$pvc: etcdserver: request timed out (InternalError)"
server pvc-418 snapshot 1 "$pvc: HTTP 418"
server pvc-301 snapshot 1 "$pvc: HTTP 301"
server pvc-204-empty snapshot 1 "$pvc: HTTP 204 with a reply that is not JSON"
server pvc-200-empty snapshot 1 "$pvc: HTTP 200 with a reply that is not JSON"
server pvc-huge-announced snapshot 1 "GET http://127.0.0.1:$port/pvc-huge-announced/api/v1/namespaces/prod/persistentvolumeclaims/data: the reply is larger than 64 MiB, the most pxclone reads of one reply"
server pvc-status-multiline snapshot 1 "$pvc: line one line two three (InternalError)"
server pvc-pending snapshot 1 'persistentvolumeclaim "prod/data": is Pending, not Bound'
server pv-not-portworx snapshot 1 'persistentvolume "pv-data": behind persistentvolumeclaim "prod/data" is not a Portworx volume'
server pv-csi-number snapshot 1 'persistentvolume "pv-data": behind persistentvolumeclaim "prod/data" is not a Portworx volume'
server pv-handle-number snapshot 1 'persistentvolume "pv-data": behind persistentvolumeclaim "prod/data" is not a Portworx volume'
server pv-json-null snapshot 1 'persistentvolumes "pv-data": get: HTTP 200 with a reply that is not JSON'
server px-nginx-welcome snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway (GET /v1/identities/version answered HTTP 200"
server px-plain-404 snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway (GET /v1/identities/version answered HTTP 404 \"Not Found\")"
server px-empty-object snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway (GET /v1/identities/version has no sdk_version)"
server px-version-wrong-type snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway"
server px-version-minor-string snapshot 1 "$gateway: version: the reply does not have the OpenStorage SDK's shape (field major is not a 64-bit integer)"
server px-no-endpoints snapshot 1 "$gateway: version: the Kubernetes API server answered HTTP 503: no endpoints available for service \"portworx-api\""
server px-unauthenticated snapshot 1 'portworx: version: access denied: token missing (Unauthenticated)'
server px-html-502 snapshot 1 "$gateway: version: HTTP 502 with a reply that is not an SDK error: \"<html>\""
server px-filters-malformed snapshot 1 "$gateway: this endpoint is not an OpenStorage SDK gateway (POST /v1/volumes/inspectwithfilters answered HTTP 200 with a body that is not a JSON object"
server px-filters-volumes-string snapshot 1 "$gateway: inspect volumes with filters: the reply does not have the OpenStorage SDK's shape (field volumes is not a list)"
server px-filters-size-word snapshot 1 "$gateway: inspect volumes with filters: the reply does not have the OpenStorage SDK's shape (field size is not a 64-bit integer)"
server px-filters-id-object snapshot 1 "$gateway: inspect volumes with filters: the reply does not have the OpenStorage SDK's shape (field id is not a string)"
server px-filters-sdk-500 snapshot 1 'portworx: inspect volumes with filters: HA level cannot be zero (Internal)'
server px-filters-text-500 snapshot 1 "$gateway: inspect volumes with filters: HTTP 500 with a reply that is not an SDK error: \"upstream connect error\""
server list-items-string list 1 'namespaces: list: HTTP 200 with a reply that is not a list (items is not an array)'
server list-items-numbers list 1 'namespaces: list: HTTP 200 with a reply that is not a list (an item is not an object)'
server list-html-200 list 1 'namespaces: list: HTTP 200 with a reply that is not JSON'

# Kubeconfigs: exit 2 (3 for a missing --kubeconfig file or context), the file and key named.
kc() {
    local name=$1 want_exit=$2 text=$3 file=$tmp/$1.yaml
    shift 3
    spawn "$name" "$want_exit" "$text" -- env -u KUBECONFIG "$pxclone" snapshot --dry-run -q \
        -p "$profile" --kubeconfig "$file" --run bad1 "$@"
}
https=https://127.0.0.1:1
: >"$tmp/kc-empty.yaml"
kc kc-empty 2 'kc-empty.yaml: no current-context is set'
printf '\0\1\2\377' >"$tmp/kc-binary.yaml"
kc kc-binary 2 'kc-binary.yaml: not a kubeconfig (expected a mapping)'
printf 'clusters: [\n' >"$tmp/kc-syntax.yaml"
kc kc-syntax 2 'kc-syntax.yaml:2:1: '
printf 'clusters: 5\ncontexts: x\n' >"$tmp/kc-types.yaml"
kc kc-types 2 "kc-types.yaml: 'clusters' must be a list"
kubeconfig "$tmp/kc-no-server.yaml" ""
kc kc-no-server 2 "kc-no-server.yaml: cluster \"c\": missing key 'server'"
kubeconfig "$tmp/kc-ftp.yaml" ftp://h
kc kc-ftp 2 "kc-ftp.yaml: cluster \"c\": server 'ftp://h' must start with https:// or http://"
kubeconfig "$tmp/kc-ca-missing.yaml" "$https\", certificate-authority: \"missing-ca.crt"
kc kc-ca-missing 2 'kc-ca-missing.yaml: cluster "c": certificate-authority: '
kubeconfig "$tmp/kc-ca-base64.yaml" "$https\", certificate-authority-data: \"!!!notbase64"
kc kc-ca-base64 2 "kc-ca-base64.yaml: cluster \"c\": key 'certificate-authority-data' is not valid base64"
kubeconfig "$tmp/kc-unknown-context.yaml" "$https"
kc kc-unknown-context 3 'kc-unknown-context.yaml: context "nope" not found' --context nope
kubeconfig "$tmp/kc-no-current.yaml" "$https"
sed -i 's/^current-context: x/current-context: ""/' "$tmp/kc-no-current.yaml"
kc kc-no-current 2 'kc-no-current.yaml: no current-context is set'
# Alias cycles and runaway alias expansion: the guard every YAML reader shares.
printf 'clusters: &c\n- name: c\n  cluster: {server: "%s"}\n  again: *c\n' "$https" >"$tmp/kc-alias-cycle.yaml"
kc kc-alias-cycle 2 "kc-alias-cycle.yaml:4:10: alias '*c' refers to the node that contains it"
{
    echo 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
    for i in 1 2 3 4 5 6 7 8; do
        printf 'a%s: &a%s [' "$i" "$i"
        printf '*a%s, ' "$((i - 1))" "$((i - 1))" "$((i - 1))" "$((i - 1))" "$((i - 1))" "$((i - 1))" "$((i - 1))" "$((i - 1))"
        printf '*a%s]\n' "$((i - 1))"
    done
} >"$tmp/kc-alias-bomb.yaml"
kc kc-alias-bomb 2 'kc-alias-bomb.yaml:7:10: aliases expand to more than 1000000 values in all'
# A file the kubeconfig names that is not a regular file is named as what it is.
kubeconfig "$tmp/kc-token-file-device.yaml" "$https" '{tokenFile: /dev/zero}'
kc kc-token-file-device 2 'kc-token-file-device.yaml: user "u": tokenFile: /dev/zero is not a regular file (a character device)'
kubeconfig "$tmp/kc-ca-directory.yaml" "$https\", certificate-authority: \"/tmp"
kc kc-ca-directory 2 'kc-ca-directory.yaml: cluster "c": certificate-authority: /tmp is not a regular file (a directory)'
# Nesting 100000 levels deep (yaml-cpp refuses past 500 with its "bad file"): ours first.
{ printf 'clusters: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >"$tmp/kc-deep-flow.yaml"
kc kc-deep-flow 2 'nested more than 64 levels deep'
kc kc-missing-file 3 'kc-missing-file.yaml (--kubeconfig) does not exist'
kubeconfig "$tmp/kc-exec-no-command.yaml" "$https" '{exec: {apiVersion: client.authentication.k8s.io/v1}}'
kc kc-exec-no-command 2 "kc-exec-no-command.yaml: user \"u\": exec: missing key 'command'"
kubeconfig "$tmp/kc-exec-version.yaml" "$https" '{exec: {apiVersion: v0, command: aws}}'
kc kc-exec-version 2 "kc-exec-version.yaml: user \"u\": exec: apiVersion 'v0' is not supported"
kubeconfig "$tmp/kc-two-auth.yaml" "$https" '{token: a, username: b, password: c}'
kc kc-two-auth 2 'kc-two-auth.yaml: user "u": more than one authentication method'
kubeconfig "$tmp/kc-token-file-missing.yaml" "$https" '{tokenFile: missing-token}'
kc kc-token-file-missing 2 'kc-token-file-missing.yaml: user "u": tokenFile: '
kubeconfig "$tmp/kc-context-cluster-missing.yaml" "$https"
sed -i 's/cluster: c, user: u/cluster: nosuch, user: u/' "$tmp/kc-context-cluster-missing.yaml"
kc kc-context-cluster-missing 2 "kc-context-cluster-missing.yaml: context \"x\": key 'cluster' names \"nosuch\""

# Environment variables.
good=$tmp/good.yaml
kubeconfig "$good" "http://127.0.0.1:$port/ok"
spawn env-kubeconfig-garbage 2 'kc-binary.yaml: not a kubeconfig' -- \
    env KUBECONFIG="$tmp/kc-binary.yaml" "$pxclone" snapshot --dry-run -q -p "$profile" --run bad1
spawn env-now 2 "PXCLONE_NOW: 'yesterday' is not an RFC 3339 time" -- \
    env PXCLONE_NOW=yesterday "$pxclone" snapshot --dry-run -q -p "$profile" --kubeconfig "$good"
spawn env-profile-missing 2 '/nonexistent/pxclone.yaml: cannot read' -- \
    env PXCLONE_PROFILE=/nonexistent/pxclone.yaml "$pxclone" validate
spawn env-profile-variable-unset 2 'PXCLONE_BAD_UNSET' -- \
    env -u PXCLONE_BAD_UNSET "$pxclone" validate -p "$here/profile-env.yaml"
spawn env-px-token-unset 3 'portworx.token: environment variable PXCLONE_BAD_TOKEN is not set' -- \
    env -u PXCLONE_BAD_TOKEN "$pxclone" snapshot --dry-run -q -p "$here/profile-token.yaml" \
    --kubeconfig "$good" --run bad1
spawn px-token-file-device 2 '/dev/zero: cannot read the Portworx token file: not a regular file (a character device)' -- \
    "$pxclone" snapshot --dry-run -q -p "$here/profile-token-device.yaml" --kubeconfig "$good" --run bad1
spawn env-home-unset-no-kubeconfig 2 'no kubeconfig found (looked at: KUBECONFIG and HOME are unset)' -- \
    env -u KUBECONFIG -u HOME -u KUBERNETES_SERVICE_HOST "$pxclone" snapshot --dry-run -q \
    -p "$profile" --run bad1

# Flags.
# A value refused is named with the valid ones, in pxclone's words (CLI11's said
# "Check xml value in {env->3,json->1,...} OR {3,1,4,0,2} FAILED").
spawn flag-parallel-word 2 '--parallel abc: not a whole number from 1 to 64' -- "$pxclone" snapshot --parallel abc -p "$profile"
spawn flag-parallel-range 2 '--parallel 65: not a whole number from 1 to 64' -- "$pxclone" snapshot --parallel 65 -p "$profile"
spawn flag-timeout-unit 2 "--timeout 5x: not a duration (e.g. 90s, 10m, 1h30m)" -- "$pxclone" snapshot --timeout 5x -p "$profile"
spawn flag-output-unknown 2 '--output xml: invalid output format (valid: text, json, yaml, env, name)' -- "$pxclone" list -o xml -p "$profile"
spawn flag-output-version 2 '--output xml: invalid output format (valid: text, json, yaml, env, name)' -- "$pxclone" version -o xml
spawn flag-color-unknown 2 '--color sometimes: invalid colour mode (valid: auto, always, never)' -- "$pxclone" validate --color sometimes -p "$profile"
spawn flag-completion-shell 2 'completion csh: invalid shell (valid: bash, fish, zsh)' -- "$pxclone" completion csh
spawn flag-unknown 2 'The following argument was not expected: --frobnicate' -- "$pxclone" snapshot --frobnicate -p "$profile"
spawn flag-run-symbols 2 "--run '***': a run id needs letters or digits" -- "$pxclone" snapshot --run '***' -p "$profile" --kubeconfig "$good"
spawn flag-profile-directory 2 '/tmp: cannot read: is a directory' -- "$pxclone" validate -p /tmp
# Endless or huge files: one line at once, without reading them (util::read_file).
# A device is named as what it is, before it is opened.
spawn flag-profile-dev-zero 2 '/dev/zero: cannot read: not a regular file (a character device)' -- \
    "$pxclone" validate -p /dev/zero
spawn flag-kubeconfig-dev-zero 2 'kubeconfig /dev/zero: cannot be read: not a regular file (a character device)' -- \
    "$pxclone" snapshot --dry-run -q -p "$profile" --kubeconfig /dev/zero --run bad1
# An endless stream that is no device (a FIFO, or `-p <(...)`) is read up to the limit.
# shellcheck disable=SC2016 # $1 is bash -c's, not this script's
spawn flag-profile-endless-pipe 2 'file is too large (a profile may have at most 1048576 bytes)' -- \
    bash -c '"$1" validate -p <(yes)' _ "$pxclone"
truncate -s 8G "$tmp/kc-8g.yaml"
spawn flag-kubeconfig-8g 2 'kc-8g.yaml: cannot be read: larger than 16 MiB' -- \
    "$pxclone" snapshot --dry-run -q -p "$profile" --kubeconfig "$tmp/kc-8g.yaml" --run bad1
spawn flag-verbose-value 2 'The following argument was not expected' -- "$pxclone" validate -v=3 -p "$profile"
spawn flag-teardown-nothing 2 'teardown: give exactly one of --run ID, --expired or --all' -- "$pxclone" teardown -p "$profile" --kubeconfig "$good"

wait "${pids[@]}"
fail=0
for result in "$tmp"/*.result; do
    if [ "$(cat "$result")" != ok ]; then
        cat "$result"
        fail=1
    fi
done
results=$(find "$tmp" -name '*.result' | wc -l)
if [ "$results" != "$cases" ]; then
    echo "FAIL: $results results for $cases cases"
    fail=1
fi
if [ "$cases" -lt 60 ]; then
    echo "FAIL: only $cases cases (want at least 60)"
    fail=1
fi
echo "bad input: $cases cases, $([ $fail = 0 ] && echo all passed || echo some failed)"
exit $fail
