# shellcheck shell=bash
# shellcheck disable=SC2034 # variables for the scenario scripts that source this file
# End-to-end test helpers: the real pxclone binary against pxsim on loopback (docs/ARCHITECTURE.md, "Tests").
# A scenario script is run as `bash SCENARIO.sh PATH/TO/pxclone PATH/TO/pxsim` from the source
# tree and starts with:
#
#   source "$(dirname "$0")/lib.sh"
#   e2e_init "$@"
#   sim_start [extra pxsim arguments...]
#   px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run r1 -o json
#   expect_exit 0
#   ...
#   e2e_done            # the invariants every run must keep, then PASS
#
# Every helper that checks something ends the scenario with exit 1 and a message saying what
# was expected, what came, and pxclone's last stderr. pxsim is stopped on exit whatever happens.
# UPDATE_GOLDEN=1 rewrites golden files instead of comparing; E2E_KEEP=1 keeps the temp dir.

set -euo pipefail

# The bearer token pxsim requires: it must never appear in anything pxclone or a hook prints.
readonly E2E_TOKEN="pxsim-e2e-token-4c1f9a7d"
# The labels that prove an object belongs to a pxclone run (README.md, "Architecture").
readonly E2E_OWNERSHIP_KEYS='["app.kubernetes.io/managed-by","pxclone.io/profile","pxclone.io/run","pxclone.io/role"]'

# jq definitions shared by the request-log checks.
# - pxclone's requests: everything but pxsim's admin API (/_sim/...), which only the tests call,
#   and the Kubernetes requests a test makes itself as the cluster's admin, marked with the field
#   manager e2e-admin (pxclone's is pxclone).
# - px_path: the Portworx path, also when it went through the API server's service proxy.
# - read-only POSTs: the SDK's filter/inspect calls (cloud backup status and enumerate too),
#   Kubernetes server-side dry runs and access reviews (a create that stores nothing).
readonly E2E_JQ_DEFS='
def pxclone_requests: map(select((.path | startswith("/_sim/") | not)
    and (.query.fieldManager // "") != "e2e-admin"));
def is_px: (.path | startswith("/v1/")) or (.path | test("^/api/v1/namespaces/[^/]+/services/[^/]+/proxy/v1/"));
def px_path: .path | sub("^/api/v1/namespaces/[^/]+/services/[^/]+/proxy"; "");
def read_only_post: .method == "POST" and (
    (is_px and (px_path == "/v1/volumes/inspectwithfilters" or px_path == "/v1/volumes/filters"
                or (px_path | startswith("/v1/volumes/snapshots/filters/"))
                or px_path == "/v1/cloudbackups/status"
                or px_path == "/v1/cloudbackups/enumerate/filters"))
    or ((.query.dryRun // "") == "All")
    or (.path | test("^/apis/authorization\\.k8s\\.io/v1/self(subjectaccess|subjectrules)reviews$")));
def mutating: (.method == "POST" or .method == "PUT" or .method == "PATCH" or .method == "DELETE")
    and (read_only_post | not) and ((.query.dryRun // "") != "All");
def owned($keys): type == "object" and .["app.kubernetes.io/managed-by"] == "pxclone"
    and all($keys[] as $k | .[$k] // ""; type == "string" and length > 0);
def canonical_query: if (.query | length) == 0 then ""
    else "?" + ([.query | to_entries | sort_by(.key)[] | .key as $k
                | (if (.value | type) == "array" then .value[] else .value end) | "\($k)=\(.)"]
               | join("&")) end;
# Server-assigned ids in paths as {uuid}: Portworx ids (pxsim draws them) and the names of
# provisioned PVs (pvc-<uid of the claim>: uids depend on the order of parallel creates).
def uuid_free: gsub("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"; "{uuid}");
def uuid_free_path: .path | uuid_free;
# rbac: the RBAC attributes of a logged request (the rules of RequestInfoFactory), or nothing for
# a non-resource request; covered($permissions): whether one of the permissions of an access
# check of validate --online (its -o json "permissions") allows them.
def rbac:
  (.path | split("/") | map(select(. != ""))) as $p
  | (if $p[0] == "api" and ($p | length) >= 3 then {group: "", rest: $p[2:]}
     elif $p[0] == "apis" and ($p | length) >= 4 then {group: $p[1], rest: $p[3:]}
     else null end) as $base
  | select($base != null)
  | $base.rest as $r0
  | (if $r0[0] == "namespaces" and ($r0 | length) > 1 then $r0[1] else "" end) as $ns
  | (if $r0[0] == "namespaces" and ($r0 | length) > 2 and $r0[2] != "status" and $r0[2] != "finalize"
     then $r0[2:] else $r0 end) as $r
  | ({"POST": "create", "GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[.method]) as $v0
  | ($r[1] // "") as $name0
  | (.query.watch // "") as $w
  | (if $name0 == "" and $v0 == "get" then (if $w == "1" or $w == "true" then "watch" else "list" end)
     elif $name0 == "" and $v0 == "delete" then "deletecollection" else $v0 end) as $verb
  | (((.query.fieldSelector // "") | capture("(^|,)metadata\\.name==?(?<n>[^,]*)") | .n) // "") as $field_name
  | {verb: $verb, group: $base.group, resource: $r[0], subresource: ($r[2] // ""), namespace: $ns,
     name: (if $name0 == "" then $field_name else $name0 end)};
def covered($permissions): . as $a | any($permissions[];
    .verb == $a.verb and .group == $a.group and .resource == $a.resource
    and .subresource == $a.subresource and (.namespace == "" or .namespace == $a.namespace)
    and (.name == "" or .name == $a.name));
'

E2E_PXCLONE=""
E2E_PXSIM=""
E2E_NAME=""
E2E_SRC=""
E2E_DIR=""      # tests/e2e
E2E_PROFILES="" # tests/e2e/profiles
E2E_TMP=""      # this run's temp dir
E2E_FIXTURE=""  # pxsim's seed state
SIM_PID=""
SIM_URL=""
PX_OUT=""   # file: stdout of the last px_run
PX_ERR=""   # file: stderr of the last px_run
PX_RC=""    # exit code of the last px_run
PX_ARGS=""  # the last px_run's argv, for messages
E2E_RUNS=0
E2E_PASSED=0

# e2e_init PXCLONE PXSIM: checks the arguments, makes the temp dir, installs the EXIT trap.
e2e_init() {
    if [[ $# -lt 2 ]]; then
        echo "usage: $0 PATH/TO/pxclone PATH/TO/pxsim" >&2
        exit 2
    fi
    E2E_PXCLONE=$1
    E2E_PXSIM=$2
    E2E_NAME=$(basename "$0" .sh)
    E2E_SRC=$(pwd)
    E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    E2E_PROFILES=$E2E_DIR/profiles
    E2E_FIXTURE=$E2E_SRC/tests/sim/fixtures/prod-mongo.yaml
    for tool in "$E2E_PXCLONE" "$E2E_PXSIM"; do
        [[ -x $tool ]] || { echo "$E2E_NAME: $tool is not an executable" >&2; exit 2; }
    done
    for tool in jq curl; do
        command -v "$tool" >/dev/null 2>&1 ||
            { echo "$E2E_NAME: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
    done
    [[ -f $E2E_FIXTURE ]] || { echo "$E2E_NAME: run from the source tree" >&2; exit 2; }
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pxclone-e2e-$E2E_NAME.XXXXXX")
    E2E_BUCKET=$E2E_TMP/bucket
    E2E_CLUSTER_A=(--cluster-id "$E2E_CLUSTER_A_ID" --object-store "$E2E_BUCKET")
    # Hooks (tests/e2e/hooks/record) append to this file; they inherit pxclone's environment.
    export E2E_HOOK_LOG=$E2E_TMP/hooks.log
    trap e2e_cleanup EXIT
}

e2e_cleanup() {
    local rc=$?
    sim_b_stop
    sim_stop
    if [[ $E2E_PASSED != 1 ]] || [[ ${E2E_KEEP:-0} == 1 ]]; then
        echo "$E2E_NAME: files kept in $E2E_TMP" >&2
    else
        rm -rf "$E2E_TMP"
    fi
    exit "$rc"
}

# e2e_fail MESSAGE...: ends the scenario, with the last pxclone run for context.
e2e_fail() {
    {
        echo "FAIL $E2E_NAME: $*"
        if [[ -n $PX_ARGS ]]; then
            echo "--- last run: pxclone $PX_ARGS (exit $PX_RC)"
            echo "--- its stdout (first 40 lines):"
            head -n 40 "$PX_OUT" 2>/dev/null || true
            echo "--- its stderr (last 40 lines):"
            tail -n 40 "$PX_ERR" 2>/dev/null || true
        fi
        if [[ -s $E2E_TMP/sim.err ]]; then
            echo "--- pxsim stderr (last 10 lines):"
            tail -n 10 "$E2E_TMP/sim.err"
        fi
    } >&2
    exit 1
}

# sim_start [ARGS...]: pxsim on a free loopback port with the prod-mongo fixture, production
# namespace prod, a token, a request log and a kubeconfig in the temp dir; ARGS are added
# (--state FILE for more seed objects, --latency, --faults, ...). Sets SIM_URL and exports
# E2E_SIM_URL and E2E_SIM_LOG (the request log, one JSON object a line) for the hooks.
E2E_SIM_ARGS=()
E2E_SIM_STARTS=0
sim_start() {
    [[ -z $SIM_PID ]] || e2e_fail "sim_start: pxsim already runs"
    E2E_SIM_ARGS=("$@")
    E2E_SIM_STARTS=$((E2E_SIM_STARTS + 1))
    local out=$E2E_TMP/sim-$E2E_SIM_STARTS.out
    export E2E_SIM_LOG=$E2E_TMP/sim-requests-$E2E_SIM_STARTS.jsonl
    : >"$E2E_SIM_LOG"
    mkfifo "$out"
    "$E2E_PXSIM" --port 0 --threads 32 --state "$E2E_FIXTURE" --source-namespace prod --token "$E2E_TOKEN" \
        --kubeconfig-out "$E2E_TMP/k.yaml" --log "$E2E_SIM_LOG" "$@" \
        >"$out" 2>"$E2E_TMP/sim.err" &
    SIM_PID=$!
    # The first line says where it listens; EOF means it could not start.
    exec 3<"$out"
    local first=""
    read -r -t 30 first <&3 || e2e_fail "pxsim did not start: $(cat "$E2E_TMP/sim.err")"
    [[ $first =~ ^pxsim\ listening\ on\ (https?://127\.0\.0\.1:[0-9]+)$ ]] ||
        e2e_fail "pxsim's first line: '$first'"
    SIM_URL=${BASH_REMATCH[1]}
    export E2E_SIM_URL=$SIM_URL
    # A restarted cluster A next to a running B: k.yaml names both again.
    [[ -z $SIM_B_PID ]] || _write_two_cluster_kubeconfig
    # What existed before pxclone ran: objects deleted later must have carried pxclone's labels.
    sim_get /_sim/state >"$E2E_TMP/state-before.json"
    bucket_metadata >"$E2E_TMP/bucket-before.json"
}

sim_stop() {
    if [[ -n $SIM_PID ]]; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=""
        exec 3<&- || true
    fi
}

# ---- a second cluster (issue 19: staging in another cluster through cloud backups) -------------
#
#   sim_start "${E2E_CLUSTER_A[@]}"       # cluster A: production, as sim_start always is
#   sim_b_start [extra pxsim arguments...] # cluster B: staging, sharing A's object store
#   px_run deploy-staging -p "$E2E_PROFILES/cross-cluster-pipeline.yaml" ...  # staging.cluster: pxsim-b
#
# Both clusters write their cloud backups to one directory standing for the bucket,
# $E2E_TMP/bucket. sim_b_start adds B to k.yaml as context pxsim-b (cluster A stays pxsim, the
# current context), with a token of its own, so that a client that sends A's token to B (or the
# reverse) is refused. The invariants (expect_invariants, e2e_done) are checked on both: no
# violation, everything created owned, every delete of something owned, on A and on B.
# sim_stop and sim_restart concern A only (a restarted A is written into
# k.yaml beside B again); sim_b_stop stops B; both stop when the scenario ends.
readonly E2E_TOKEN_B="pxsim-e2e-token-b-83e0d2c5"
readonly E2E_CLUSTER_A_ID="pxsim-prod"
readonly E2E_CLUSTER_B_ID="pxsim-staging"
E2E_CLUSTER_A=() # set by e2e_init: sim_start's arguments for cluster A
SIM_B_PID=""
SIM_B_URL=""
E2E_BUCKET="" # set by e2e_init: the shared object store directory

# sim_b_start [ARGS...]: pxsim B on a free port: cluster id $E2E_CLUSTER_B_ID, no seed state but
# the built-in namespaces (ARGS may add --state FILE, --latency, --faults, ...), no production
# namespace, its own token and request log ($E2E_SIM_B_LOG); then rewrites k.yaml with both
# clusters. Needs A running (sim_start) first.
sim_b_start() {
    [[ -n $SIM_URL ]] || e2e_fail "sim_b_start: start cluster A (sim_start) first"
    [[ -z $SIM_B_PID ]] || e2e_fail "sim_b_start: pxsim B already runs"
    local out=$E2E_TMP/sim-b.out
    export E2E_SIM_B_LOG=$E2E_TMP/sim-b-requests.jsonl
    : >"$E2E_SIM_B_LOG"
    rm -f "$out"
    mkfifo "$out"
    "$E2E_PXSIM" --port 0 --threads 32 --cluster-id "$E2E_CLUSTER_B_ID" --object-store "$E2E_BUCKET" \
        --token "$E2E_TOKEN_B" --log "$E2E_SIM_B_LOG" "$@" >"$out" 2>"$E2E_TMP/sim-b.err" &
    SIM_B_PID=$!
    exec 4<"$out"
    local first=""
    read -r -t 30 first <&4 || e2e_fail "pxsim B did not start: $(cat "$E2E_TMP/sim-b.err")"
    [[ $first =~ ^pxsim\ listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] ||
        e2e_fail "pxsim B's first line: '$first'"
    SIM_B_URL=${BASH_REMATCH[1]}
    export E2E_SIM_B_URL=$SIM_B_URL
    _write_two_cluster_kubeconfig
    sim_b_get /_sim/state >"$E2E_TMP/state-before-b.json"
}

# k.yaml with cluster A (context pxsim, the current one) and B (context pxsim-b).
_write_two_cluster_kubeconfig() {
    cat >"$E2E_TMP/k.yaml" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: pxsim
  cluster:
    server: $SIM_URL
- name: pxsim-b
  cluster:
    server: $SIM_B_URL
contexts:
- name: pxsim
  context:
    cluster: pxsim
    user: pxsim
    namespace: default
- name: pxsim-b
  context:
    cluster: pxsim-b
    user: pxsim-b
    namespace: default
current-context: pxsim
users:
- name: pxsim
  user:
    token: $E2E_TOKEN
- name: pxsim-b
  user:
    token: $E2E_TOKEN_B
preferences: {}
KUBECONFIG
}

# add_credential URL TOKEN SECRET: the Portworx cloud credential s3-e2e (bucket pxclone-e2e) at
# URL, as an administrator makes it (pxctl credentials create); SECRET is its secret key, which
# a test greps pxclone's output for (it must never show).
add_credential() {
    local body
    body=$(jq -cn --arg secret "$3" '{name: "s3-e2e", bucket: "pxclone-e2e",
        aws_credential: {access_key: "AKID", secret_key: $secret,
                         endpoint: "http://127.0.0.1:9000", region: "us-east-1"}}')
    curl -sS --fail --max-time 20 -X POST -H "Authorization: bearer $2" \
        -H 'Content-Type: application/json' --data "$body" "$1/v1/credentials" >/dev/null ||
        e2e_fail "could not create the credential at $1"
}

# add_credential_both SECRET: the credential s3-e2e in cluster A and in cluster B.
add_credential_both() {
    add_credential "$SIM_URL" "$E2E_TOKEN" "$1"
    add_credential "$SIM_B_URL" "$E2E_TOKEN_B" "$1"
}

# kubeconfig_b_only FILE: a kubeconfig naming cluster B alone (context pxsim-b, current), for a
# command that must not need, or reach, cluster A (deploy-staging of a staging.cluster profile).
kubeconfig_b_only() {
    jq -n --arg server "$SIM_B_URL" --arg token "$E2E_TOKEN_B" '{
        apiVersion: "v1", kind: "Config", "current-context": "pxsim-b",
        clusters: [{name: "pxsim-b", cluster: {server: $server}}],
        contexts: [{name: "pxsim-b",
                    context: {cluster: "pxsim-b", user: "pxsim-b", namespace: "default"}}],
        users: [{name: "pxsim-b", user: {token: $token}}]}' >"$1"
}

sim_b_stop() {
    if [[ -n $SIM_B_PID ]]; then
        kill -TERM "$SIM_B_PID" 2>/dev/null || true
        wait "$SIM_B_PID" 2>/dev/null || true
        SIM_B_PID=""
        exec 4<&- || true
    fi
}

# sim_b_get PATH: GET from pxsim B's admin API to stdout.
sim_b_get() {
    curl -sS --fail --max-time 20 "$SIM_B_URL$1" || e2e_fail "GET $SIM_B_URL$1 failed"
}

# bucket_metadata: the shared bucket's backups as one JSON object, id -> metadata ({} without
# a bucket).
bucket_metadata() {
    local files=()
    [[ -z $E2E_BUCKET || ! -d $E2E_BUCKET ]] || files=("$E2E_BUCKET"/*.json)
    if [[ ${#files[@]} -eq 0 || ! -e ${files[0]} ]]; then
        echo '{}'
        return
    fi
    jq -s 'map({key: .id, value: (.metadata // {})}) | from_entries' "${files[@]}"
}

# bucket_backups: the backups in the shared object store, one "id<TAB>metadata as JSON" line
# each, sorted (after a teardown --snapshots: none of the run's).
bucket_backups() {
    local file
    for file in "$E2E_BUCKET"/*.json; do
        [[ -e $file ]] || continue
        jq -r '[.id, (.metadata | tojson)] | @tsv' "$file"
    done | sort
}

# sim_restart [ARGS...]: checks the invariants so far, then a fresh pxsim (seed state, empty
# request log, fault counters from zero) with ARGS, or else the same arguments as before, and an
# empty hook log.
sim_restart() {
    expect_invariants
    sim_stop
    rm -f "$E2E_HOOK_LOG"
    if [[ $# -eq 0 ]]; then
        set -- "${E2E_SIM_ARGS[@]}"
    fi
    sim_start "$@"
}

# jq programs over pxsim's state (/_sim/state): the Portworx volume behind PVC $n of namespace
# $ns (--arg ns NS --arg n NAME), and the data pxsim models in volume $id (--arg id ID; "" when
# the volume is gone).
readonly E2E_JQ_PVC_VOLUME='
    (.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns and .metadata.name == $n)
     | .spec.volumeName) as $pv
    | .kubernetes["v1/persistentvolumes"][] | select(.metadata.name == $pv)
    | .spec.csi.volumeHandle // .spec.portworxVolume.volumeID'
readonly E2E_JQ_VOLUME_DATA='.portworx[] | select(.volume.id == $id) | .sim_data // ""'

# sim_get PATH: GET from pxsim's admin API (no token needed) to stdout.
sim_get() {
    curl -sS --fail --max-time 20 "$SIM_URL$1" || e2e_fail "GET $SIM_URL$1 failed"
}

# px_run ARGS...: runs pxclone with ARGS plus the kubeconfig pxsim wrote and its context;
# stdout, stderr and the exit code go to PX_OUT, PX_ERR and PX_RC. Never fails by itself.
px_run() {
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="$* --kubeconfig $E2E_TMP/k.yaml --context pxsim"
    PX_RC=0
    "$E2E_PXCLONE" "$@" --kubeconfig "$E2E_TMP/k.yaml" --context pxsim \
        >"$PX_OUT" 2>"$PX_ERR" </dev/null || PX_RC=$?
    echo "run $E2E_RUNS: pxclone $* -> exit $PX_RC"
}

# ---- a ServiceAccount holding only `pxclone rbac`'s output (least-privilege scenarios) ----------
#
#   "$E2E_PXCLONE" rbac -p "$profile" -o json >"$E2E_TMP/rbac.json"
#   sa_state "$E2E_TMP/rbac.json" >"$E2E_TMP/rbac-state.yaml"    # (a profile of two clusters:
#   sa_start "$SA_TOKEN" "$E2E_TMP/rbac-state.yaml"              #  sa_state FILE source | staging,
#   as_sa snapshot -p "$profile" --run s1                         #  sa_b_start for B, as_sa_of)
#
# pxsim authorizes the token as ServiceAccount ci/pxclone by the RBAC objects it was seeded with;
# $E2E_TMP/sa.yaml is k.yaml with that token in place of the admin's (and with B running,
# $E2E_TMP/sa-b.yaml names B alone with B's).
E2E_SA_TOKEN=""
E2E_SA_TOKEN_B=""

# sa_state RBAC_JSON [SIDE]: to stdout, a seed state for pxsim: the ServiceAccount's namespace
# ci and the objects of RBAC_JSON (`pxclone rbac -o json`; with SIDE, source or staging, that
# cluster's part of a two-cluster profile's).
sa_state() {
    echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ci"}}'
    if [[ -n ${2:-} ]]; then
        jq -c --arg side "$2" '.clusters[] | select(.cluster == $side) | .list.items[] | "---", .' "$1"
    else
        jq -c '.items[] | "---", .' "$1"
    fi | sed 's/^"---"$/---/'
}

# sa_start TOKEN STATE [PXSIM_ARGS...]: pxsim (A; a fresh one through sim_restart when it runs)
# seeded with STATE, TOKEN authorized as ci/pxclone, then the ServiceAccounts' kubeconfigs.
sa_start() {
    E2E_SA_TOKEN=$1
    local state=$2
    shift 2
    if [[ -n $SIM_PID ]]; then
        sim_restart --service-account-token "$E2E_SA_TOKEN=ci/pxclone" --state "$state" "$@"
    else
        sim_start --service-account-token "$E2E_SA_TOKEN=ci/pxclone" --state "$state" "$@"
    fi
    _sa_kubeconfigs
}

# sa_b_start TOKEN STATE [PXSIM_ARGS...]: pxsim B (stopped first when it runs) seeded with
# STATE, TOKEN authorized as ci/pxclone, then the ServiceAccounts' kubeconfigs.
sa_b_start() {
    E2E_SA_TOKEN_B=$1
    local state=$2
    shift 2
    sim_b_stop
    sim_b_start --service-account-token "$E2E_SA_TOKEN_B=ci/pxclone" --state "$state" "$@"
    _sa_kubeconfigs
}

# sa.yaml (and with B running sa-b.yaml) from the admin's kubeconfigs, each running cluster's
# admin token replaced by its ServiceAccount's; fails when a token was not there to replace, or
# an admin token is left.
_sa_kubeconfigs() {
    local replace=(-e "s/token: $E2E_TOKEN\$/token: $E2E_SA_TOKEN/")
    if [[ -n $SIM_B_PID ]]; then
        replace+=(-e "s/token: $E2E_TOKEN_B\$/token: $E2E_SA_TOKEN_B/")
        kubeconfig_b_only "$E2E_TMP/k-b.yaml"
        jq --arg token "$E2E_SA_TOKEN_B" '.users[0].user.token = $token' "$E2E_TMP/k-b.yaml" \
            >"$E2E_TMP/sa-b.yaml"
        grep -qF "$E2E_SA_TOKEN_B" "$E2E_TMP/sa-b.yaml" || e2e_fail "no token to replace in B's kubeconfig"
    fi
    sed "${replace[@]}" "$E2E_TMP/k.yaml" >"$E2E_TMP/sa.yaml"
    grep -qF "$E2E_SA_TOKEN" "$E2E_TMP/sa.yaml" || e2e_fail "no token to replace in pxsim's kubeconfig"
    if [[ -n $SIM_B_PID ]]; then
        grep -qF "$E2E_SA_TOKEN_B" "$E2E_TMP/sa.yaml" || e2e_fail "no token of B to replace in pxsim's kubeconfig"
    fi
    if grep -qF -e "$E2E_TOKEN" -e "$E2E_TOKEN_B" "$E2E_TMP/sa.yaml" "$E2E_TMP"/sa-b.yaml 2>/dev/null; then
        e2e_fail "an admin token is left in a ServiceAccount's kubeconfig"
    fi
}

# as_sa_of KUBECONFIG ARGS...: pxclone ARGS as the ServiceAccount(s) of KUBECONFIG (its current
# context), with px_run's files (PX_OUT, PX_ERR, PX_RC).
as_sa_of() {
    local kubeconfig=$1
    shift
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="$* --kubeconfig $kubeconfig"
    PX_RC=0
    "$E2E_PXCLONE" "$@" --kubeconfig "$kubeconfig" >"$PX_OUT" 2>"$PX_ERR" </dev/null || PX_RC=$?
    echo "run $E2E_RUNS: pxclone $* (as the ServiceAccount of $(basename "$kubeconfig")) -> exit $PX_RC"
}

# as_sa ARGS...: pxclone ARGS as the ServiceAccount, in cluster A (sa.yaml, context pxsim).
as_sa() {
    as_sa_of "$E2E_TMP/sa.yaml" "$@" --context pxsim
}

expect_exit() {
    [[ $PX_RC == "$1" ]] || e2e_fail "expected exit code $1, got $PX_RC"
}

# expect_{out,err}_{contains,lacks} TEXT: fixed-string checks on the last run's stdout/stderr.
expect_out_contains() { _expect_file_contains "$PX_OUT" stdout "$1"; }
expect_err_contains() { _expect_file_contains "$PX_ERR" stderr "$1"; }
expect_out_lacks() { _expect_file_lacks "$PX_OUT" stdout "$1"; }
expect_err_lacks() { _expect_file_lacks "$PX_ERR" stderr "$1"; }

_expect_file_contains() {
    grep -qF -- "$3" "$1" || e2e_fail "expected $2 to contain '$3'"
}
_expect_file_lacks() {
    if grep -qF -- "$3" "$1"; then
        e2e_fail "expected $2 not to contain '$3'; it does: $(grep -F -- "$3" "$1" | head -n 3)"
    fi
}

# json_out FILTER: jq FILTER applied to the last run's stdout (-r: raw strings).
json_out() {
    jq -r "$1" "$PX_OUT" 2>/dev/null || e2e_fail "stdout is not JSON (or '$1' does not apply)"
}

# expect_json FILTER EXPECTED: the last run's stdout, through jq FILTER, prints EXPECTED.
expect_json() {
    local got
    got=$(json_out "$1")
    [[ $got == "$2" ]] || e2e_fail "expected stdout's $1 to be '$2', got '$got'"
}

# sim_jq FILTER [ARGS...]: jq FILTER (with the shared definitions) over the request log of the
# running pxsim as one array (every request so far, admin ones included; pxsim writes a request's
# line before it answers, so a finished pxclone run is all there).
sim_jq() {
    local filter=$1
    shift
    jq -rs "$@" "$E2E_JQ_DEFS $filter" "$E2E_SIM_LOG" || e2e_fail "jq over the request log: $filter"
}

# count_requests METHOD PX_PATH: how many of pxclone's requests were METHOD to that Portworx
# path (through the service proxy or directly).
count_requests() {
    sim_jq '[pxclone_requests[] | select(.method == $m and is_px and px_path == $p)] | length' \
        --arg m "$1" --arg p "$2"
}

# count_requests_matching METHOD REGEX: like count_requests, the Portworx path matching REGEX.
count_requests_matching() {
    sim_jq '[pxclone_requests[] | select(.method == $m and is_px and (px_path | test($re)))] | length' \
        --arg m "$1" --arg re "$2"
}

# (A write the test itself made as the admin, field manager e2e-admin, to an object in the source
# namespace, e.g. replacing pxclone rbac's Role there, is not pxclone's: left out.)
expect_no_violations() {
    local violations
    violations=$(jq -c --slurpfile requests <(sim_get /_sim/requests) '
        [$requests[0][] | select((.query.fieldManager // "") == "e2e-admin"
                                 and .method != "GET") | .path] as $admin
        | map(select(([.what | capture("^\\S+ (?<plural>[^ .]+)\\S* (?<ns>[^/ ]+)/(?<name>\\S+)$")]
                      | first) as $c
                     | $c == null or ([$admin[] | endswith("/namespaces/\($c.ns)/\($c.plural)/\($c.name)")]
                                      | any | not)))' <(sim_get /_sim/violations))
    [[ $violations == "[]" ]] || e2e_fail "pxsim recorded violations: $violations"
}

# No POST/PUT/PATCH/DELETE but read-only ones (SDK filters/inspect, server-side dry runs).
expect_no_mutations() {
    local mutations
    mutations=$(sim_jq '[pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | join("\n")')
    [[ -z $mutations ]] || e2e_fail "expected no mutating request, got:
$mutations"
}

# Every object pxclone created carries the ownership labels: Portworx creates (volume,
# clone, snapshot, cloud backup, volume restored from one) and Kubernetes creates (POST, or a
# whole-object PATCH/PUT as apply sends).
expect_created_owned() {
    local unowned
    unowned=$(sim_jq '
        [pxclone_requests[] | select(mutating and .method != "DELETE") |
         if is_px then
             select(px_path == "/v1/volumes" or px_path == "/v1/volumes/snapshots"
                    or px_path == "/v1/volumes/clone" or px_path == "/v1/cloudbackups"
                    or px_path == "/v1/cloudbackups/restore")
             | select((if px_path == "/v1/volumes/clone" then .body.additional_labels
                       elif px_path == "/v1/cloudbackups/restore" then .body.locator.volume_labels
                       else .body.labels end) | owned($keys) | not)
         else
             select((.body | type) == "object" and (.body.metadata | type) == "object"
                    and (.body.kind // "") != "" and (.body.metadata.labels | owned($keys) | not))
         end
         | "\(.method) \(.path) \(.body | tostring | .[0:300])"] | join("\n")' \
        --argjson keys "$E2E_OWNERSHIP_KEYS")
    [[ -z $unowned ]] || e2e_fail "objects created without pxclone's ownership labels:
$unowned"
}

# Every DELETE targets an object that carried pxclone's labels: one that existed before with
# them, or one created during the test (whose create expect_created_owned checks); a cloud
# backup (DELETE .../backup/ID?bucket=B) by the metadata it had in the bucket at sim_start.
# A collection DELETE must select by app.kubernetes.io/managed-by=pxclone.
expect_deletes_owned() {
    local bad
    bad=$(sim_jq '
        ($before[0]) as $s
        | ([$s.portworx[] | {key: .volume.id, value: (.labels | owned($keys))}] | from_entries) as $px
        | ([$s.kubernetes | to_entries[] | .key as $r | .value[]
            | {key: (($r | split("/")) as $p
                     | (if ($p | length) == 2 then "/api/\($p[0])" else "/apis/\($p[0])/\($p[1])" end)
                       + (if .metadata.namespace then "/namespaces/\(.metadata.namespace)" else "" end)
                       + "/\($p[-1])/\(.metadata.name)"),
               value: (.metadata.labels | owned($keys))}] | from_entries) as $k8s
        | [pxclone_requests[] | select(.method == "DELETE") |
           if is_px and (px_path | startswith("/v1/cloudbackups/backup/")) then
               (px_path | ltrimstr("/v1/cloudbackups/backup/")) as $part
               | (if (.query.bucket // "") == "" then $part else "\(.query.bucket)/\($part)" end) as $id
               | select($bucket[0][$id] != null and ($bucket[0][$id] | owned($keys) | not))
           elif is_px then
               (px_path | ltrimstr("/v1/volumes/")) as $id
               | select($px[$id] == false)
           elif (.query.labelSelector // "") != "" then
               select(.query.labelSelector | contains("app.kubernetes.io/managed-by=pxclone") | not)
           else
               select($k8s[.path] == false)
           end
           | "\(.method) \(.path)"] | join("\n")' \
        --argjson keys "$E2E_OWNERSHIP_KEYS" \
        --slurpfile before "${E2E_STATE_BEFORE:-$E2E_TMP/state-before.json}" \
        --slurpfile bucket "$E2E_TMP/bucket-before.json")
    [[ -z $bad ]] || e2e_fail "DELETE of objects that did not carry pxclone's labels:
$bad"
}

# The test tokens (cluster B's too) appear in nothing pxclone or a hook wrote.
expect_no_token() {
    local leaks
    leaks=$(grep -lF -e "$E2E_TOKEN" -e "$E2E_TOKEN_B" "$E2E_TMP"/run-* "$E2E_TMP"/hooks.log \
        "$E2E_TMP"/*.record.json 2>/dev/null || true)
    [[ -z $leaks ]] || e2e_fail "the token appears in: $leaks"
}

# Portworx snapshots in pxsim's state carrying pxclone's labels (run RUN when given), as
# "name" lines, sorted.
sim_owned_snapshots() {
    sim_get /_sim/state | jq -r --arg run "${1:-}" '
        [.portworx[] | select(.volume.source.parent != null)
         | select(.labels["app.kubernetes.io/managed-by"] == "pxclone")
         | select($run == "" or .labels["pxclone.io/run"] == $run) | .name] | sort | .[]'
}

# VolumeSnapshots in pxsim's state carrying pxclone's labels (run RUN when given).
sim_owned_volume_snapshots() {
    sim_get /_sim/state | jq -r --arg run "${1:-}" '
        [(.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshots"] // [])[]
         | select(.metadata.labels["app.kubernetes.io/managed-by"] == "pxclone")
         | select($run == "" or .metadata.labels["pxclone.io/run"] == $run)
         | "\(.metadata.namespace)/\(.metadata.name)"] | sort | .[]'
}

# expect_equal WHAT EXPECTED GOT
expect_equal() {
    [[ $2 == "$3" ]] || e2e_fail "$1: expected
$2
got
$3"
}

# The hook log (one line per hook run), or nothing.
hook_log() {
    cat "$E2E_HOOK_LOG" 2>/dev/null || true
}

# Golden files and ordering checks hold only what cannot depend on timing (docs/ARCHITECTURE.md, "Tests"):
# pxclone's mutating requests (`mutating` above), in the order the plan fixes (--parallel 1) or as
# a multiset. Reads are left out: whether a wait needs a watch, how often it polls or reopens one,
# and whether an object was already gone at the first list all depend on how fast pxsim's
# controllers run. A test that means a read checks it on its own (request_lines all | grep ...).

# request_lines [all]: pxclone's mutating requests so far as "METHOD PATH?QUERY" lines (ids as
# {uuid}); with `all`, its reads too.
request_lines() {
    sim_jq '[pxclone_requests[] | select($only == "all" or mutating)
             | "\(.method) \(uuid_free_path)\(canonical_query)"] | .[]' --arg only "${1:-mutating}"
}

# _expect_golden_lines FILE MODE GOT WHAT: GOT equals FILE line by line (MODE exact) or as a
# multiset (MODE sorted). UPDATE_GOLDEN=1 writes FILE (exact mode only), never empty: a golden
# file without a mutating request would prove nothing.
_expect_golden_lines() {
    local file=$1 mode=$2 got=$3 what=$4 want
    if [[ ${UPDATE_GOLDEN:-0} == 1 && $mode == exact ]]; then
        [[ -n $got ]] || e2e_fail "no mutating request to write to $file"
        printf '%s\n' "$got" >"$file"
        echo "updated $file"
        return
    fi
    [[ -s $file ]] || e2e_fail "golden file $file is missing or empty (UPDATE_GOLDEN=1 writes it)"
    want=$(cat "$file")
    if [[ $mode == sorted ]]; then
        want=$(sort <<<"$want")
        got=$(sort <<<"$got")
    elif [[ $mode != exact ]]; then
        e2e_fail "golden comparison mode '$mode' (exact or sorted)"
    fi
    if [[ $want != "$got" ]]; then
        e2e_fail "$what differ from $file ($mode; UPDATE_GOLDEN=1 rewrites it):
$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 40)"
    fi
}

# expect_golden FILE [sorted]: pxclone's mutating requests so far equal FILE line by line; with
# `sorted`, as a multiset (order free: parallel requests).
expect_golden() {
    local got
    got=$(request_lines)
    _expect_golden_lines "$1" "${2:-exact}" "$got" "mutating requests"
}

# The invariants every run keeps (docs/ARCHITECTURE.md, "Rules the tests check"): checked by e2e_done and sim_restart.
expect_invariants() {
    expect_no_violations
    expect_created_owned
    expect_deletes_owned
    expect_no_token
    [[ -z $SIM_B_PID ]] || _expect_invariants_on_b
}

# The same on cluster B, over its request log and the state it started with (the helpers see
# these locals: bash scopes dynamically).
_expect_invariants_on_b() {
    local SIM_URL=$SIM_B_URL
    local E2E_SIM_LOG=$E2E_SIM_B_LOG
    local E2E_STATE_BEFORE=$E2E_TMP/state-before-b.json
    expect_no_violations
    expect_created_owned
    expect_deletes_owned
}

# e2e_done: the invariants of every run, then PASS.
e2e_done() {
    expect_invariants
    E2E_PASSED=1
    echo "PASS $E2E_NAME ($E2E_RUNS pxclone runs)"
}

# ---- staging scenarios: request marks, background runs, kills at a chosen request ----------------

E2E_MARK=0
# request_mark: later *_since_mark helpers look only at requests logged after this point.
request_mark() {
    E2E_MARK=$(wc -l <"$E2E_SIM_LOG")
}

# request_lines_since_mark [all]: like request_lines, for the requests after the mark (the
# mutating ones; with `all`, the reads too).
request_lines_since_mark() {
    sim_jq '.[$mark:] | pxclone_requests[] | select($only == "all" or mutating)
            | "\(.method) \(uuid_free_path)\(canonical_query)"' \
        --argjson mark "$E2E_MARK" --arg only "${1:-mutating}"
}

# expect_golden_since_mark FILE [sorted]: the mutating requests after the mark equal FILE line by
# line (or as a multiset). UPDATE_GOLDEN=1 writes FILE.
expect_golden_since_mark() {
    local got
    got=$(request_lines_since_mark)
    _expect_golden_lines "$1" "${2:-exact}" "$got" "mutating requests since the mark"
}

# expect_no_mutations_since_mark: nothing was written after the mark.
expect_no_mutations_since_mark() {
    local got
    got=$(request_lines_since_mark mutating)
    [[ -z $got ]] || e2e_fail "expected no mutating request, got:
$got"
}

# px_start ARGS...: like px_run, in the background (PX_PID); px_wait collects it.
PX_PID=""
px_start() {
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="$* --kubeconfig $E2E_TMP/k.yaml --context pxsim"
    PX_RC=""
    "$E2E_PXCLONE" "$@" --kubeconfig "$E2E_TMP/k.yaml" --context pxsim \
        >"$PX_OUT" 2>"$PX_ERR" </dev/null &
    PX_PID=$!
}

px_wait() {
    PX_RC=0
    wait "$PX_PID" || PX_RC=$?
    PX_PID=""
    echo "run $E2E_RUNS: pxclone $PX_ARGS -> exit $PX_RC"
}

# signal_at_request SIGNAL REGEX: waits (no polling: it follows the request log) until a
# mutating request of pxclone logged after the mark reads "METHOD PATH" matching REGEX (pxsim
# logs a request once it has been carried out), then sends SIGNAL to the background pxclone.
# Fails when pxclone ends first or nothing matches within 20 s.
signal_at_request() {
    local signal=$1 regex=$2 follower matched=""
    exec 4< <(exec tail -n "+$((E2E_MARK + 1))" -f --pid="$PX_PID" "$E2E_SIM_LOG")
    follower=$!
    local line
    local method path
    # Plain bash on each line (no jq per line): the signal must follow the request closely.
    # The line's keys are sorted, so its own method and path come after the body (which may
    # hold keys of the same names): the last match is the request's.
    while IFS= read -r -t 20 line <&4; do
        [[ $line =~ .*\"method\":\"([A-Z]+)\" ]] || continue
        method=${BASH_REMATCH[1]}
        [[ $line =~ .*\"path\":\"([^\"]*)\" ]] || continue
        path=${BASH_REMATCH[1]}
        case $method in POST | PUT | PATCH | DELETE) ;; *) continue ;; esac
        [[ $path == /_sim/* || $path == */filters* || $path == */inspectwithfilters ]] && continue
        [[ $line == *'"dryRun":"All"'* ]] && continue
        if [[ "$method $path" =~ $regex ]]; then
            matched="$method $path"
            break
        fi
    done
    if [[ -n $matched ]]; then
        kill "-$signal" "$PX_PID" 2>/dev/null || true
    fi
    kill "$follower" 2>/dev/null || true
    exec 4<&-
    [[ -n $matched ]] || e2e_fail "no request matching '$regex' before pxclone ended (or 20 s)"
}

# ---- restore scenarios (restore-other-set.sh, restore-csi.sh) -------------------------------
# restore_two_sets PROFILE: what both restore scenarios start from, with their shared helpers
# defined (for the staging namespace in $ns): production's mongo-data-mongo-1 holds "orders of
# monday" in snapshot set s1 and "orders of tuesday" in s2; run r1 is deployed from s1 and a test
# has changed its staging data. Sets $prod (production's volume) and $old_volume (r1's).
#   sj ARGS...            jq over pxsim's state, fetched once after each change (call `stale`
#                         after anything that changes it)
#   requests_so_far       the request log's length, for writes_since
#   writes_since N        the writes pxclone sent after the first N requests
#   volume_of NS PVC      the Portworx volume behind a PVC
#   data_of VOLUME        pxsim's data of a volume ("" when it is gone)
#   write_data VOLUME T   puts data in a volume
#   workload KIND NAME    "replicas restore-annotation" of a workload in $ns (KIND plural)
#   mask_jobs             the masking Jobs created in $ns so far
# shellcheck disable=SC2317,SC2154 # helpers for the caller, over its $ns
restore_two_sets() {
    local profile=$1
    requests_so_far() { sim_jq 'length'; }
    sj() {
        [[ -f $E2E_TMP/state.json ]] || sim_get /_sim/state >"$E2E_TMP/state.json"
        jq "$@" "$E2E_TMP/state.json"
    }
    stale() { rm -f "$E2E_TMP/state.json"; }
    writes_since() {
        sim_jq '.[$n:] | [pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | .[]' --argjson n "$1"
    }
    volume_of() {
        sj -r --arg ns "$1" --arg n "$2" "$E2E_JQ_PVC_VOLUME"
    }
    data_of() {
        sj -r --arg id "$1" "$E2E_JQ_VOLUME_DATA"
    }
    write_data() {
        curl -sS --fail -X PUT --data "$2" "$SIM_URL/_sim/volume-data/$1" >/dev/null ||
            e2e_fail "writing data to volume $1"
        stale
    }
    workload() {
        sj -r --arg r "apps/v1/$1" --arg n "$2" --arg ns "$ns" '
            .kubernetes[$r][] | select(.metadata.namespace == $ns and .metadata.name == $n)
            | "\(.spec.replicas) \(.metadata.annotations["pxclone.io/restore-replicas"] // "-")"'
    }
    mask_jobs() {
        sim_jq '[pxclone_requests[] | select(.method == "POST" and .path == $p and (.query.dryRun // "") == "")] | length' \
            --arg p "/apis/batch/v1/namespaces/$ns/jobs"
    }

    prod=$(volume_of prod mongo-data-mongo-1)
    write_data "$prod" "orders of monday"
    px_run snapshot -p "$profile" --run s1 -q; stale
    expect_exit 0
    write_data "$prod" "orders of tuesday"
    px_run snapshot -p "$profile" --run s2 -q; stale
    expect_exit 0
    px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q; stale
    expect_exit 0
    old_volume=$(volume_of "$ns" mongo-data-mongo-1)
    expect_equal "staging data from s1" "orders of monday" "$(data_of "$old_volume")"
    write_data "$old_volume" "changed by a test"
}

# ---- dry run versus the real run (issue 16 §5) --------------------------------------------------
# A dry run prints every write the real run sends ("METHOD PATH [body]" lines; "WAIT ..." and
# "RUN ..." lines say what it would await and which hooks it would run). These helpers compare
# those lines with what pxsim logged of the same command run for real on the same state.

# jq: a "METHOD PATH" line as both sides are compared: the query dropped, Portworx paths without
# the API server's service-proxy prefix, server-assigned ids (uuids, provisioned PVs'
# pvc-<uid>) and the dry run's placeholders for them (<...>) as {id}.
readonly E2E_JQ_NORMAL_REQUEST='
def normal_request: sub("\\?.*$"; "")
    | sub("^(?<m>[A-Z]+) /api/v1/namespaces/[^/]+/services/[^/]+/proxy/v1/"; "\(.m) /v1/")
    | gsub("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"; "{id}")
    | gsub("<[^>/ ]*>"; "{id}") | gsub("pvc-[{]id[}]"; "{id}");
'

# dry_run_requests FILE: the request lines of a dry run's output FILE, normalised.
dry_run_requests() {
    grep -E '^[[:space:]]*(POST|PUT|PATCH|DELETE) ' "$1" | awk '{print $1 " " $2}' |
        jq -Rr "$E2E_JQ_NORMAL_REQUEST normal_request" || e2e_fail "reading the dry run's requests in $1"
}

# sent_requests_since_mark: pxclone's mutating requests after the mark, normalised the same way.
sent_requests_since_mark() {
    sim_jq "$E2E_JQ_NORMAL_REQUEST"'.[$mark:] | pxclone_requests[] | select(mutating)
            | "\(.method) \(.path)" | normal_request' --argjson mark "$E2E_MARK"
}

# expect_dry_run_equals_real [--sorted] ARGS...: runs `pxclone ARGS --dry-run` (exit 0, no
# mutating request sent), then `pxclone ARGS` (exit 0) on the same state, and checks that the dry
# run printed exactly the writes the real run sent: in the same order, or with --sorted as a
# multiset (for commands that send in parallel). Leaves DRY_OUT (the dry run's stdout) and the
# real run as the last px_run.
DRY_OUT=""
expect_dry_run_equals_real() {
    local mode=exact planned sent
    if [[ ${1:-} == --sorted ]]; then
        mode=sorted
        shift
    fi
    request_mark
    px_run "$@" --dry-run
    expect_exit 0
    expect_no_mutations_since_mark
    DRY_OUT=$PX_OUT
    planned=$(dry_run_requests "$DRY_OUT")
    [[ -n $planned ]] || e2e_fail "the dry run printed no request"
    request_mark
    px_run "$@"
    expect_exit 0
    sent=$(sent_requests_since_mark)
    if [[ $mode == sorted ]]; then
        planned=$(sort <<<"$planned")
        sent=$(sort <<<"$sent")
    fi
    [[ $planned == "$sent" ]] || e2e_fail "the dry run of '$*' differs from the real run ($mode;
< printed by the dry run, > sent by the real run):
$(diff <(printf '%s\n' "$planned") <(printf '%s\n' "$sent") | head -n 40)"
    echo "ok: the dry run of '$*' printed the $(wc -l <<<"$sent") writes the real run sent ($mode)"
}

# ---- what pxsim's controllers finish after pxclone returned ---------------------------------------

# await_sim_state WHAT FILTER EXPECTED [SECONDS]: waits until jq FILTER over pxsim's state prints
# EXPECTED (at most SECONDS, default 30; checked every 0.1 s), else fails with what it printed
# last. For what the controllers do on their own time after pxclone's writes (a Delete-policy
# VolumeSnapshotContent and its Portworx snapshot go only once their VolumeSnapshot is gone):
# comparing at once would race with them.
await_sim_state() {
    local what=$1 filter=$2 expected=$3 seconds=${4:-30} got="" tries
    for ((tries = seconds * 10; tries > 0; --tries)); do
        got=$(sim_get /_sim/state | jq -r "$filter") || e2e_fail "jq over pxsim's state: $filter"
        [[ $got != "$expected" ]] || return 0
        sleep 0.1
    done
    e2e_fail "$what: expected within ${seconds}s
$expected
got
$got"
}
