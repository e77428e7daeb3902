#!/usr/bin/env bash
# The benchmark of issue 8: pxclone against the critical-path bound and against the kubectl way,
# on pxsim with a latency model, for N = 1, 10, 50, 200 production volumes. Writes bench/RESULTS.md.
#
#   bench/run.sh                       # Release build (ccache), N = 1 10 50 200, the full report
#   bench/run.sh --sizes "10" --out /tmp/r.md
#   bench/run.sh --smoke --pxclone build/dev/pxclone --pxsim build/dev/tests/sim/pxsim --out F
#
# Options:
#   --pxclone PATH --pxsim PATH   use these binaries (default: build the Release preset)
#   --sizes "N ..."               fixture sizes (default "1 10 50 200")
#   --latency SPEC                pxsim's latency model (default: $k_latency below)
#   --startup-runs N              runs of `validate` / `version` for the median (default 101)
#   --rollout-check N             deploy-staging at N volumes with rollout=1s and rollout=30s, to
#                                 show that the request count does not depend on the wait (default
#                                 10; 0 skips it)
#   --wide-parallel P             the largest N again with `--parallel P` (default 64; 0 skips)
#   --kubectl-max N               the kubectl baseline only for sizes up to N (its clones and
#                                 deletions are one kubectl process each: slow on a loaded machine)
#   --no-kubectl                  skip the kubectl baseline
#   --no-catalog                  skip the many-environments rows (`list` over 500 environments
#                                 and 2,000 sets of 20 profiles; `teardown --expired` of 100)
#   --only-catalog                only those rows (with --sizes "": no per-N runs either)
#   --cross-sizes "N ..."         the cross-cluster rows (issue 19) at these sizes (default "10";
#                                 "" skips them): two pxsims sharing an object store, snapshot
#                                 with a cloudsnap transfer on A, deploy-staging and teardown on
#                                 B, then teardown --snapshots (the backups and the snapshots)
#   --cross-latency SPEC          added to the model for those rows (default: $k_cross_latency)
#   --only-cross-cluster          only the cross-cluster rows (and the start-up medians)
#   --smoke                       N=2, zero latencies, 5 start-up runs, no rollout check (CI)
#   --out FILE                    the report (default bench/RESULTS.md)
#   --keep                        keep the work directory (request logs, time -v outputs)
#   --http2                       every N again through nghttpx (package nghttp2-proxy), which
#                                 offers HTTP/2 by ALPN in front of pxsim as a real API server
#                                 does; the rows also give the client connections it saw
#
# Every command runs under /usr/bin/time -v; pxsim's /_sim/requests gives the requests each sent.
# The bench fails (exit 1, "bench: FAILED: ...") when a command fails or when any request of a
# measured run failed (a 5xx, a dropped connection, a retry or an error in pxclone's --record).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
k_latency="snapshot=2s,clone=1s,pvc-bind=500ms,rollout=3s,ns-delete=1s,job=2s,request=5ms"
# A cloud backup and a restore stay Active this long after their reply (pxsim: tests/sim).
k_cross_latency="backup=5s,cloud-restore=5s"

pxclone=""
pxsim=""
sizes="1 10 50 200"
latency=$k_latency
startup_runs=101
rollout_check=10
wide_parallel=64
kubectl_max=1000000
kubectl_baseline=1
catalog=1
smoke=0
cross_sizes=10
cross_latency=$k_cross_latency
out=$root/bench/RESULTS.md
keep=0
http2=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --pxclone) pxclone=$(realpath "$2"); shift 2 ;;
    --pxsim) pxsim=$(realpath "$2"); shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --latency) latency=$2; shift 2 ;;
    --startup-runs) startup_runs=$2; shift 2 ;;
    --rollout-check) rollout_check=$2; shift 2 ;;
    --wide-parallel) wide_parallel=$2; shift 2 ;;
    --kubectl-max) kubectl_max=$2; shift 2 ;;
    --no-kubectl) kubectl_baseline=0; shift ;;
    --no-catalog) catalog=0; shift ;;
    --only-catalog) sizes=""; kubectl_baseline=0; rollout_check=0; wide_parallel=0; cross_sizes=""; shift ;;
    --cross-sizes) cross_sizes=$2; shift 2 ;;
    --cross-latency) cross_latency=$2; shift 2 ;;
    --only-cross-cluster) sizes=""; kubectl_baseline=0; rollout_check=0; wide_parallel=0; catalog=0; shift ;;
    --smoke) smoke=1; shift ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    --http2) http2=1; shift ;;
    -h | --help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $smoke == 1 ]]; then
    sizes=2
    latency="snapshot=0s,clone=0s,pvc-bind=0s,rollout=0s,ns-delete=0s,job=0s,request=0ms"
    startup_runs=5
    rollout_check=0
    wide_parallel=0
    catalog=0
    cross_sizes=2
    cross_latency="backup=0s,cloud-restore=0s"
fi
for tool in jq curl openssl awk /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "bench/run.sh: $tool not found (apt-get install jq curl openssl gawk time)" >&2; exit 2; }
done
if [[ $http2 == 1 ]] && ! command -v nghttpx >/dev/null 2>&1; then
    echo "bench/run.sh: nghttpx not found (apt-get install nghttp2-proxy)" >&2
    exit 2
fi
if [[ $kubectl_baseline == 1 ]] && ! command -v kubectl >/dev/null 2>&1; then
    echo "bench/run.sh: kubectl not found: no kubectl baseline" >&2
    kubectl_baseline=0
fi

# ---- binaries ------------------------------------------------------------------------------------
build_commands=""
if [[ -z $pxclone || -z $pxsim ]]; then
    build_commands="cmake --preset release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
cmake --build build/release --target pxclone pxsim -j2"
    (cd "$root" && cmake --preset release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null &&
        cmake --build build/release --target pxclone pxsim -j2 >/dev/null)
    pxclone=$root/build/release/pxclone
    pxsim=$root/build/release/tests/sim/pxsim
fi
for tool in "$pxclone" "$pxsim"; do
    [[ -x $tool ]] || { echo "bench/run.sh: $tool is not an executable" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pxclone-bench.XXXXXX")
sim_pid=""
cleanup() {
    local rc=$?
    sim_stop
    if [[ $keep == 1 || $rc != 0 ]]; then
        echo "bench/run.sh: files kept in $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
log() { echo "bench: $*" >&2; }

# kubectl sends its token only over HTTPS, so pxsim serves TLS with a token for both clients.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
readonly token="pxclone-bench-token"

# sim_start FIXTURE LATENCY [PXSIM-ARGS...]: pxsim on a free port; sets sim_url, writes $work/k.yaml.
sim_url=""
sim_start() {
    local fixture=$1 model=$2
    shift 2
    rm -f "$work/sim.out" && mkfifo "$work/sim.out"
    "$pxsim" --port 0 --state "$fixture" --source-namespace prod --token "$token" \
        --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" --kubeconfig-out "$work/k.yaml" \
        --latency "$model" --seed 1 "$@" >"$work/sim.out" 2>"$work/sim.err" &
    sim_pid=$!
    local first=""
    exec 3<"$work/sim.out"
    read -r -t 60 first <&3 || { echo "pxsim did not start: $(cat "$work/sim.err")" >&2; exit 1; }
    sim_url=${first#pxsim listening on }
    # The fixture's production StatefulSet must be up (its pods hold the volumes) before timing.
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $(sim_get "apis/apps/v1/namespaces/prod/statefulsets/mongo" |
            jq '.status.readyReplicas // 0') == "$(sim_get "apis/apps/v1/namespaces/prod/statefulsets/mongo" |
            jq '.spec.replicas')" ]] && return 0
        sleep 0.1
    done
    echo "pxsim: the production StatefulSet did not become ready" >&2
    exit 1
}
# sim_b_start FIXTURE LATENCY: the second pxsim of the cross-cluster rows (staging cluster B):
# its own cluster id and token, the object store of A (sim_start with --object-store); sets sim_b_url.
sim_b_url=""
sim_b_pid=""
readonly token_b="pxclone-bench-token-b"
sim_b_start() {
    local bucket=$1 model=$2
    rm -f "$work/sim-b.out" && mkfifo "$work/sim-b.out"
    "$pxsim" --port 0 --cluster-id bench-staging --object-store "$bucket" --token "$token_b" \
        --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" --latency "$model" --seed 2 \
        >"$work/sim-b.out" 2>"$work/sim-b.err" &
    sim_b_pid=$!
    local first=""
    exec 4<"$work/sim-b.out"
    read -r -t 60 first <&4 || { echo "pxsim B did not start: $(cat "$work/sim-b.err")" >&2; exit 1; }
    sim_b_url=${first#pxsim listening on }
}
sim_stop() {
    proxy_stop
    if [[ -n $sim_b_pid ]]; then
        kill -TERM "$sim_b_pid" 2>/dev/null || true
        wait "$sim_b_pid" 2>/dev/null || true
        sim_b_pid=""
        sim_b_url=""
        { exec 4<&-; } 2>/dev/null || true
    fi
    if [[ -n $sim_pid ]]; then
        kill -TERM "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        sim_pid=""
    fi
    # Braces: a bare `exec 3<&- 2>/dev/null` also sent the harness's own stderr to /dev/null for
    # good, so every message after the first sim_stop (failures included) was lost.
    { exec 3<&-; } 2>/dev/null || true
}

# proxy_start: nghttpx on a free port in front of the running pxsim (TLS to it, HTTP/2 by ALPN
# to clients, the same certificate), its access log naming each request's client port; points
# $work/k.yaml at it.
proxy_pid=""
proxy_start() {
    local port i
    : >"$work/proxy-access.log"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local backend=${sim_url#https://}
    # shellcheck disable=SC2016 # nghttpx's $variables
    nghttpx --frontend="127.0.0.1,$port" --backend="${backend%:*},${backend##*:};;tls" --insecure \
        "$work/tls.key" "$work/tls.crt" --conf=/dev/null --workers=1 --no-ocsp --backend-connections-per-host=1024 \
        --backend-read-timeout=120s --accesslog-file="$work/proxy-access.log" \
        --accesslog-format='$alpn $remote_port $method $path $status' \
        --errorlog-file="$work/proxy-error.log" &
    proxy_pid=$!
    for ((i = 0; i < 100; i++)); do
        if curl -sf -o /dev/null --cacert "$work/tls.crt" -H "Authorization: Bearer $token" \
            "https://127.0.0.1:$port/_sim/violations"; then
            sed -i "s|server: $sim_url|server: https://127.0.0.1:$port|" "$work/k.yaml"
            return 0
        fi
        sleep 0.1
    done
    echo "bench: nghttpx did not start: $(tail -n 5 "$work/proxy-error.log")" >&2
    exit 1
}
proxy_stop() {
    if [[ -n $proxy_pid ]]; then
        kill -TERM "$proxy_pid" 2>/dev/null || true
        wait "$proxy_pid" 2>/dev/null || true
        proxy_pid=""
    fi
}
# proxy_connections FROM TO: "all/not-watches" client connections of access log lines FROM..TO.
proxy_connections() {
    sed -n "$1,$2p" "$work/proxy-access.log" | awk '
        $1 != "h2" { other++ }
        { all[$2] = 1 } $4 !~ /[?&]watch=(1|true)/ { sends[$2] = 1 }
        END { printf "%d/%d%s", length(all), length(sends), (other ? " (" other " not h2)" : "") }'
}
sim_get() { curl -sfk -H "Authorization: Bearer $token" "$sim_url/$1"; }

# requests [URL TOKEN]: the requests clients sent to pxsim (default: A; its admin calls left
# out), one JSON array.
requests() {
    curl -sfk -H "Authorization: Bearer ${2:-$token}" "${1:-$sim_url}/_sim/requests" |
        jq -c '[.[] | select(.path | startswith("/_sim/") | not)]'
}
# request_marks: how many requests each pxsim has logged so far ("A B"; B is 0 when not running).
request_marks() {
    local b=0
    [[ -z $sim_b_url ]] || b=$(requests "$sim_b_url" "$token_b" | jq length)
    echo "$(requests | jq length) $b"
}
# requests_since A B: the requests logged after request_marks printed "A B", A's then B's (each
# with "cluster": "A" or "B"), one JSON array.
requests_since() {
    # B's through a file: at N=200 they are too long for an argument.
    echo '[]' >"$work/requests-b.json"
    [[ -z $sim_b_url ]] || requests "$sim_b_url" "$token_b" | jq -c --argjson from "$2" '.[$from:]' >"$work/requests-b.json"
    requests | jq -c --argjson from "$1" --slurpfile b "$work/requests-b.json" \
        '(.[$from:] | map(. + {cluster: "A"})) + ($b[0] | map(. + {cluster: "B"}))'
}

# jq: a request's verb (GET, LIST, WATCH, POST, PUT, PATCH, DELETE) and resource
# (Kubernetes: the plural, with a subresource; Portworx: px:<path> with ids as {id}).
# shellcheck disable=SC2016 # jq's $variables
readonly jq_classify='
def px_path: .path | sub("^/api/v1/namespaces/[^/]+/services/[^/]+/proxy"; "");
def is_px: (.path | startswith("/v1/")) or (.path | test("^/api/v1/namespaces/[^/]+/services/[^/]+/proxy/v1/"));
def segments: .path | split("/") | map(select(. != ""));
def k8s_rest: segments as $s | if $s[0] == "api" then $s[2:] elif $s[0] == "apis" then $s[3:] else null end;
def resource:
  if is_px then "px:" + (px_path | sub("^/v1/"; "") | gsub("/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|/[0-9]{6,}"; "/{id}"))
  else k8s_rest as $r
    | if $r == null or ($r | length) == 0 then "discovery:" + ((segments[0:2]) | join("/"))
      elif $r[0] == "namespaces" and ($r | length) >= 3 then $r[2] + (if ($r | length) >= 5 then "/" + $r[4] else "" end)
      else $r[0] + (if ($r | length) >= 3 then "/" + $r[2] else "" end) end end;
def is_item:
  if is_px then false
  else k8s_rest as $r | if $r == null then false
    elif $r[0] == "namespaces" and ($r | length) >= 3 then ($r | length) >= 4
    else ($r | length) >= 2 end end;
def verb:
  if .method == "GET" and ((.query.watch // "") == "1" or (.query.watch // "") == "true") then "WATCH"
  elif .method == "GET" and (is_px | not) and (is_item | not) then "LIST"
  else .method end;
'

# time_run NAME CMD...: runs CMD under /usr/bin/time -v with its output in $work/NAME.*, the
# requests it caused in $work/NAME.requests.json; prints nothing. Fails the bench, loudly, when the
# command fails or when any request of it failed: a figure that timed a failure (a request that
# timed out unseen by pxsim and then went through on a retry) is no figure.
time_run() {
    local name=$1
    shift
    local before
    before=$(request_marks)
    local cmd=("$@")
    if [[ $1 == "$pxclone" ]]; then
        # pxclone's own record of every request: what pxsim's log cannot show (no answer at all).
        cmd=("$1" --record "$work/$name.record.json" "${@:2}")
    fi
    if ! /usr/bin/time -v -o "$work/$name.time" "${cmd[@]}" >"$work/$name.stdout" 2>"$work/$name.stderr"; then
        echo "bench: FAILED: $name: the command failed: $*" >&2
        tail -n 20 "$work/$name.stderr" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # two numbers
    requests_since $before >"$work/$name.requests.json"
    failed_requests "$name"
}
# failed_requests NAME: exits 1 naming them when a request of NAME failed: pxsim answered 5xx or
# dropped it (status 0 in its log), or pxclone recorded an error or had to re-send it (the bench
# injects no fault, so a retry means a request got no answer).
failed_requests() {
    local name=$1 failed
    failed=$(jq -r '.[] | select(.status == 0 or .status >= 500)
        | "pxsim answered \(.status): \(.method) \(.path)"' "$work/$name.requests.json")
    if [[ -f $work/$name.record.json ]]; then
        failed+=$(jq -r '.requests[] | select((.error // "") != "" or .retries > 0 or .status == 0 or .status >= 500)
            | "\npxclone: \(.method) \(.path): status \(.status), \(.retries) retries\(if .error then ", " + .error else "" end)"' \
            "$work/$name.record.json")
    fi
    if [[ -n $failed ]]; then
        echo "bench: FAILED: $name: $(grep -c . <<<"$failed") request(s) failed; no figure is reported:" >&2
        grep . <<<"$failed" | head -n 20 >&2
        exit 1
    fi
}
# time_field NAME: wall seconds, cpu seconds, max RSS KiB (from time -v).
time_fields() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
        END { printf "%.3f %.3f %d\n", w, u + s, r }' "$work/$1.time"
}
request_count() { jq length "$work/$1.requests.json"; }
# "GET px:volumes/inspect/{id} ×3, ..." sorted by count.
request_breakdown() {
    jq -r "$jq_classify"' map("\(verb) \(resource)") | group_by(.) | map([length, .[0]])
        | sort_by(-.[0]) | map("\(.[1]) ×\(.[0])") | join(", ")' "$work/$1.requests.json"
}
request_verbs() {
    jq -r "$jq_classify"' map(verb) | group_by(.) | map("\(.[0]) \(length)") | join(", ")' \
        "$work/$1.requests.json"
}

# ---- the workload --------------------------------------------------------------------------------
# write_profile DIR N: the bench profile (source: the fixture's StatefulSet by selector) and its
# staging manifests: the same MongoDB StatefulSet with N members (Parallel), a headless Service, and
# the app (Deployment + Service).
write_workload() {
    local dir=$1 n=$2
    mkdir -p "$dir"
    cat >"$dir/pxclone.yaml" <<'YAML'
version: 1
name: bench
portworx:
  endpoint: service:kube-system/portworx-api:9021
source:
  namespace: prod
  selector: {app: mongo}
snapshot:
  method: portworx
  keep: 5
  timeout: 10m
staging:
  namespace: bench-stg-${run.id}
  ttl: 24h
  manifests: [manifests.yaml]
  wait: {timeout: 10m}
YAML
    cat >"$dir/manifests.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: mongo, labels: {app: mongo}}
spec:
  clusterIP: None
  selector: {app: mongo}
  ports: [{name: mongodb, port: 27017, targetPort: 27017}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongo, labels: {app: mongo}}
spec:
  serviceName: mongo
  podManagementPolicy: Parallel
  replicas: $n
  selector: {matchLabels: {app: mongo}}
  template:
    metadata: {labels: {app: mongo}}
    spec:
      containers:
      - name: mongo
        image: mongo:7
        ports: [{name: mongodb, containerPort: 27017}]
        volumeMounts: [{name: mongo-data, mountPath: /data/db}]
  volumeClaimTemplates:
  - metadata: {name: mongo-data}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: px-db
      resources: {requests: {storage: 10Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, labels: {app: orders}}
spec:
  replicas: 2
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
      - name: app
        image: registry.example.com/orders:bench
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: orders, labels: {app: orders}}
spec:
  selector: {app: orders}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}

# ---- the critical-path bound ---------------------------------------------------------------------
# latency_of NAME: seconds of the model's NAME (0 when absent).
latency_of() {
    local value
    value=$(tr ',' '\n' <<<"$latency" | sed -n "s/^$1=//p" | head -n 1)
    [[ -n $value ]] || { echo 0; return; }
    awk -v v="$value" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "ms" || u == "") n /= 1000; else if (u == "m") n *= 60; else if (u == "h") n *= 3600
        printf "%.3f\n", n }'
}
L_snap=$(latency_of snapshot)
L_clone=$(latency_of clone)
L_bind=$(latency_of pvc-bind)
L_rollout=$(latency_of rollout)
L_nsdel=$(latency_of ns-delete)
L_req=$(latency_of request)
# Independent of N: every volume's chain runs in parallel (see RESULTS.md for the graph).
cp_snapshot=$(awk -v s="$L_snap" -v r="$L_req" 'BEGIN { printf "%.3f", s + 2 * r }')
# deploy-staging: the clone, then its PV+PVC (the bind) alongside its baseline snapshot (the
# clone's data is final: no mask in this workload), then the manifests and the rollout.
cp_deploy=$(awk -v c="$L_clone" -v b="$L_bind" -v s="$L_snap" -v o="$L_rollout" -v r="$L_req" \
    'BEGIN { m = (b > s ? b : s); printf "%.3f", c + m + o + 4 * r }')
# teardown: one round of reads finds the run, its namespace's DELETE, its finalisation (watched),
# then the Portworx clones (no pod mounts them any more), the snapshots they were made from, and
# one round of reads to check that nothing is left: five requests one after another.
cp_teardown=$(awk -v d="$L_nsdel" -v r="$L_req" 'BEGIN { printf "%.3f", d + 5 * r }')
cp_pipeline=$(awk -v a="$cp_snapshot" -v b="$cp_deploy" -v c="$cp_teardown" \
    'BEGIN { printf "%.3f", a + b + c }')
# Staging in another cluster (issue 19), on the model plus $cross_latency. pxsim answers a cloud
# backup or restore at once and reports it Active until `backup` / `cloud-restore` has passed.
# snapshot: the in-cluster chain, then each snapshot's backup (credential lookup, POST, the status
# that sees Done). deploy-staging: the restore in place of the clone (credential lookup, backup
# listing, POST, the status that sees Done), then as in one cluster. teardown (B): as in one
# cluster. teardown --snapshots (A, after the environment is gone): nothing modelled, the serial
# requests: B's and A's listings, credential, backup listing, backup DELETE, snapshot DELETE, its
# check.
L_backup=$(latency=$cross_latency latency_of backup)
L_restore=$(latency=$cross_latency latency_of cloud-restore)
cp_x_snapshot=$(awk -v s="$L_snap" -v k="$L_backup" -v r="$L_req" 'BEGIN { printf "%.3f", s + k + 5 * r }')
cp_x_deploy=$(awk -v c="$L_restore" -v b="$L_bind" -v s="$L_snap" -v o="$L_rollout" -v r="$L_req" \
    'BEGIN { m = (b > s ? b : s); printf "%.3f", c + m + o + 8 * r }')
cp_x_teardown=$cp_teardown
cp_x_sets=$(awk -v r="$L_req" 'BEGIN { printf "%.3f", 7 * r }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "–" }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- measurements --------------------------------------------------------------------------------
declare -A wall cpu rss reqs verbs breakdown kwall kcpu krss kreqs kverbs loads conns
# run_pxclone N [TAG PXCLONE-ARGS...]: the three commands on a fresh pxsim; figures under N (or TAG).
run_pxclone() {
    local n=$1
    local tag=${2:-$1}
    shift $(($# > 1 ? 2 : 1))
    local dir=$work/n$n
    write_workload "$dir" "$n"
    "$pxsim" --generate-fixture "$n" >"$dir/fixture.yaml"
    sim_start "$dir/fixture.yaml" "$latency"
    [[ $tag != h2-* ]] || proxy_start
    loads[$tag]="$(load)"
    local px=("$pxclone" -p "$dir/pxclone.yaml" --kubeconfig "$work/k.yaml" --run "b$n" -q "$@")
    log "N=$n: pxclone snapshot / deploy-staging / teardown $* ${tag%%-*}"
    local cmd from
    for cmd in snapshot deploy teardown; do
        [[ $tag != h2-* ]] || from=$(($(wc -l <"$work/proxy-access.log") + 1))
        case $cmd in
        snapshot) time_run "px-$cmd-$tag" "${px[@]}" snapshot --skip-hooks ;;
        deploy) time_run "px-$cmd-$tag" "${px[@]}" deploy-staging ;;
        teardown) time_run "px-$cmd-$tag" "${px[@]}" teardown --snapshots ;;
        esac
        if [[ $tag == h2-* ]]; then
            conns[$cmd,$tag]=$(proxy_connections "$from" '$')
        fi
    done
    local violations
    violations=$(sim_get _sim/violations)
    [[ $violations == "[]" ]] || { echo "bench: production was written: $violations" >&2; exit 1; }
    sim_stop
    for cmd in snapshot deploy teardown; do
        read -r "wall[$cmd,$tag]" "cpu[$cmd,$tag]" "rss[$cmd,$tag]" <<<"$(time_fields "px-$cmd-$tag")"
        reqs[$cmd,$tag]=$(request_count "px-$cmd-$tag")
        verbs[$cmd,$tag]=$(request_verbs "px-$cmd-$tag")
        breakdown[$cmd,$tag]=$(request_breakdown "px-$cmd-$tag")
    done
}

run_kubectl() {
    local n=$1
    local dir=$work/n$n
    sim_start "$dir/fixture.yaml" "$latency"
    log "N=$n: kubectl baseline"
    local kb=(env KUBECONFIG="$work/k.yaml" KUBECACHEDIR="$work/kcache-$n" bash "$here/kubectl-baseline.sh")
    time_run "kc-snapshot-$n" "${kb[@]}" snapshot "b$n" "$dir/manifests.yaml"
    time_run "kc-deploy-$n" "${kb[@]}" deploy "b$n" "$dir/manifests.yaml"
    time_run "kc-teardown-$n" "${kb[@]}" teardown "b$n" "$dir/manifests.yaml"
    sim_stop
    local cmd
    for cmd in snapshot deploy teardown; do
        read -r "kwall[$cmd,$n]" "kcpu[$cmd,$n]" "krss[$cmd,$n]" <<<"$(time_fields "kc-$cmd-$n")"
        kreqs[$cmd,$n]=$(request_count "kc-$cmd-$n")
        kverbs[$cmd,$n]=$(request_verbs "kc-$cmd-$n")
    done
}

# median_ms CMD...: the median wall time of startup_runs runs, in milliseconds.
median_ms() {
    local i start end
    local -a times=()
    for ((i = 0; i < startup_runs; i++)); do
        start=$EPOCHREALTIME
        "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
        end=$EPOCHREALTIME
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'
}

mkdir -p "$(dirname "$out")"
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(load)
for n in $sizes; do
    run_pxclone "$n"
    if [[ $http2 == 1 ]]; then
        run_pxclone "$n" "h2-$n"
    fi
    if [[ $kubectl_baseline == 1 && $n -le $kubectl_max ]]; then
        run_kubectl "$n"
    fi
done

# The largest N again with more concurrency than the default --parallel 8.
wide_n=""
if [[ $wide_parallel -gt 0 ]]; then
    wide_n=$(tr ' ' '\n' <<<"$sizes" | sort -n | tail -n 1)
    run_pxclone "$wide_n" wide --parallel "$wide_parallel"
fi

# The same deploy-staging with a 1 s and a 30 s rollout: the request count must not change.
rollout_rows=""
if [[ $rollout_check -gt 0 ]]; then
    n=$rollout_check
    dir=$work/n$n
    [[ -f $dir/fixture.yaml ]] || { write_workload "$dir" "$n"; "$pxsim" --generate-fixture "$n" >"$dir/fixture.yaml"; }
    for rollout in 1s 30s; do
        log "N=$n: deploy-staging with rollout=$rollout"
        model=$(sed -E "s/rollout=[^,]*/rollout=$rollout/" <<<"$latency")
        sim_start "$dir/fixture.yaml" "$model"
        px=("$pxclone" -p "$dir/pxclone.yaml" --kubeconfig "$work/k.yaml" --run "r$rollout" -q)
        time_run "rollout-snap-$rollout" "${px[@]}" snapshot --skip-hooks
        time_run "rollout-$rollout" "${px[@]}" deploy-staging
        sim_stop
        read -r w _ _ <<<"$(time_fields "rollout-$rollout")"
        rollout_rows+="| $rollout | $w | $(request_count "rollout-$rollout") | $(request_verbs "rollout-$rollout") |"$'\n'
    done
fi

# Many environments: `list` over 500 staging environments and 2,000 snapshot sets of 20 profiles
# (the bench profile holds 25 and 100 of them), and `teardown --expired` of 100 environments
# (namespace, PVC on a static PV, clone, baseline each), on fixtures of `pxsim --generate-catalog`.
declare -A catalog_figures
run_catalog() {
    local dir=$work/catalog name shape
    write_workload "$dir" 1
    for name in list expired; do
        case $name in list) shape=500,2000,20,0 ;; expired) shape=100,10,1,100 ;; esac
        { "$pxsim" --generate-fixture 1 && "$pxsim" --generate-catalog "$shape"; } >"$dir/$name.yaml"
        sim_start "$dir/$name.yaml" "$latency"
        catalog_figures[$name,load]=$(load)
        local px=("$pxclone" -p "$dir/pxclone.yaml" --kubeconfig "$work/k.yaml" -q)
        log "catalog: $name ($shape)"
        if [[ $name == list ]]; then
            time_run "catalog-$name" "${px[@]}" -o json list
        else
            time_run "catalog-$name" "${px[@]}" teardown --expired
        fi
        sim_stop
        read -r "catalog_figures[$name,wall]" "catalog_figures[$name,cpu]" "catalog_figures[$name,rss]" \
            <<<"$(time_fields "catalog-$name")"
        catalog_figures[$name,reqs]=$(request_count "catalog-$name")
        catalog_figures[$name,verbs]=$(request_verbs "catalog-$name")
    done
    [[ $(jq '[.items[]? // .[]? | select(type == "object")] | length' "$work/catalog-list.stdout") -gt 0 ]] ||
        { echo "bench: catalog: list printed nothing" >&2; exit 1; }
}
if [[ $catalog == 1 ]]; then
    run_catalog
fi

# Staging in another cluster: pxsim A (production, the fixture) and pxsim B (staging, empty)
# sharing one object store, the credential s3-bench on each as an admin makes it; snapshot on A
# with the transfer, deploy-staging and teardown on B with a kubeconfig naming B alone, then
# teardown --snapshots (both contexts). Fails when anything of pxclone's is left on A, B or in the
# bucket, or when production was written.
declare -A xwall xcpu xrss xreqs xverbs xloads
readonly cross_steps="snapshot deploy teardown sets"
run_cross() {
    local n=$1
    local dir=$work/x$n bucket=$work/x$n/bucket
    write_workload "$dir" "$n"
    mkdir -p "$bucket"
    "$pxsim" --generate-fixture "$n" >"$dir/fixture.yaml"
    # The bench profile with a staging cluster of its own and the transfer.
    sed -e 's/^name: bench$/name: bench\ncluster: {context: bench-a}/' \
        -e 's/^staging:$/staging:\n  cluster: {context: bench-b}/' "$dir/pxclone.yaml" >"$dir/pxclone-x.yaml"
    printf 'transfer:\n  method: cloudsnap\n  credential: s3-bench\n  backup_timeout: 10m\n  restore_timeout: 10m\n' \
        >>"$dir/pxclone-x.yaml"
    local model="$latency,$cross_latency"
    sim_start "$dir/fixture.yaml" "$model" --cluster-id bench-prod --object-store "$bucket"
    sim_b_start "$bucket" "$model"
    local side url tok
    for side in "$sim_url $token" "$sim_b_url $token_b"; do
        read -r url tok <<<"$side"
        curl -sfk -X POST -H "Authorization: bearer $tok" -H 'Content-Type: application/json' \
            --data '{"name":"s3-bench","bucket":"pxclone-bench","aws_credential":{"access_key":"AKID","secret_key":"bench-secret","endpoint":"http://127.0.0.1:9000","region":"us-east-1"}}' \
            "$url/v1/credentials" >/dev/null || { echo "bench: could not create the credential at $url" >&2; exit 1; }
    done
    # Both contexts (bench-a current), and B's alone: the staging account's CI job.
    local ca
    ca=$(base64 -w0 "$work/tls.crt")
    cat >"$dir/k.yaml" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- {name: bench-a, cluster: {server: "$sim_url", certificate-authority-data: $ca}}
- {name: bench-b, cluster: {server: "$sim_b_url", certificate-authority-data: $ca}}
contexts:
- {name: bench-a, context: {cluster: bench-a, user: bench-a}}
- {name: bench-b, context: {cluster: bench-b, user: bench-b}}
current-context: bench-a
users:
- {name: bench-a, user: {token: $token}}
- {name: bench-b, user: {token: $token_b}}
KUBECONFIG
    cat >"$dir/k-b.yaml" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- {name: bench-b, cluster: {server: "$sim_b_url", certificate-authority-data: $ca}}
contexts:
- {name: bench-b, context: {cluster: bench-b, user: bench-b}}
current-context: bench-b
users:
- {name: bench-b, user: {token: $token_b}}
KUBECONFIG
    xloads[$n]="$(load)"
    local px=("$pxclone" -p "$dir/pxclone-x.yaml" --run "x$n" -q)
    log "N=$n: cross-cluster snapshot (A) / deploy-staging (B) / teardown (B) / teardown --snapshots"
    time_run "x-snapshot-$n" "${px[@]}" --kubeconfig "$dir/k.yaml" snapshot --skip-hooks
    time_run "x-deploy-$n" "${px[@]}" --kubeconfig "$dir/k-b.yaml" deploy-staging
    time_run "x-teardown-$n" "${px[@]}" --kubeconfig "$dir/k-b.yaml" teardown
    time_run "x-sets-$n" "${px[@]}" --kubeconfig "$dir/k.yaml" teardown --snapshots
    [[ $(jq '[.[] | select(.cluster == "A")] | length' "$work/x-deploy-$n.requests.json") == 0 ]] ||
        { echo "bench: FAILED: N=$n: deploy-staging sent requests to the source cluster" >&2; exit 1; }
    local violations left
    violations=$(sim_get _sim/violations)
    [[ $violations == "[]" ]] || { echo "bench: production was written: $violations" >&2; exit 1; }
    left=$(curl -sfk -H "Authorization: Bearer $token_b" "$sim_b_url/_sim/state" | jq -r '
        [.portworx[] | select(.labels["app.kubernetes.io/managed-by"] == "pxclone") | "volume \(.name)"]
        + [.kubernetes | to_entries[] | .key as $kind | .value[]
           | select(.metadata.labels["app.kubernetes.io/managed-by"] == "pxclone")
           | "\($kind) \(.metadata.name)"] | .[]')
    left+=$'\n'$(sim_get _sim/state | jq -r '.portworx[]
        | select(.labels["app.kubernetes.io/managed-by"] == "pxclone") | "A: volume \(.name)"')
    left+=$'\n'$(find "$bucket" -type f -name '*.json' -printf 'bucket: %f\n')
    left=$(grep . <<<"$left" || true)
    [[ -z $left ]] || { printf 'bench: FAILED: N=%s: left after the cross-cluster teardown:\n%s\n' "$n" "$left" >&2; exit 1; }
    sim_stop
    local step
    for step in $cross_steps; do
        read -r "xwall[$step,$n]" "xcpu[$step,$n]" "xrss[$step,$n]" <<<"$(time_fields "x-$step-$n")"
        xreqs[$step,$n]=$(request_count "x-$step-$n")
        xverbs[$step,$n]=$(jq -r "$jq_classify"' map("\(.cluster) \(verb)") | group_by(.) | map("\(.[0]) \(length)") | join(", ")' \
            "$work/x-$step-$n.requests.json")
    done
}
for n in $cross_sizes; do
    run_cross "$n"
done

log "start-up: $startup_runs runs each of version and validate"
startup_dir=$work/n-startup
write_workload "$startup_dir" 3
# The loop's own cost (bash forks a copy of itself, then execs): measured the same way on
# /bin/true, and taken off so the target judges pxclone's time, not the harness's.
floor_ms=$(median_ms /bin/true)
version_ms=$(median_ms "$pxclone" version)
validate_ms=$(median_ms "$pxclone" validate -p "$startup_dir/pxclone.yaml")
less_floor() { awk -v a="$1" -v b="$floor_ms" 'BEGIN { printf "%.2f", a - b }'; }
load_after=$(load)

# ---- the report ----------------------------------------------------------------------------------
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | head -c1)
[[ -z $dirty ]] || commit="$commit (+ uncommitted changes)"
cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
command_line="bench/run.sh"
[[ $smoke == 1 ]] && command_line+=" --smoke"
[[ $kubectl_max -lt 1000000 ]] && command_line+=" --kubectl-max $kubectl_max"
[[ $http2 == 1 ]] && command_line+=" --http2"
[[ $smoke == 1 || $cross_sizes == 10 ]] || command_line+=" --cross-sizes \"$cross_sizes\""
[[ $smoke == 1 || $cross_latency == "$k_cross_latency" ]] || command_line+=" --cross-latency $cross_latency"
pipeline_of() { # ARRAY-NAME N FIELD: sum (wall, cpu) or max (rss) over the three commands
    local -n values=$1
    local n=$2 how=$3
    awk -v a="${values[snapshot,$n]}" -v b="${values[deploy,$n]}" -v c="${values[teardown,$n]}" -v how="$how" \
        'BEGIN { if (how == "max") { m = a; if (b > m) m = b; if (c > m) m = c; printf "%d", m }
                 else printf "%.3f", a + b + c }'
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
target_mark() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "**missed**") }'; }

{
    echo "# pxclone benchmark results"
    echo
    echo "Generated by \`$command_line\` (issue 8). Do not edit by hand: re-run the harness."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $started_at |"
    echo "| commit | $commit |"
    echo "| machine | $(nproc) CPUs, $cpu_model, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr) |"
    echo "| load average (1/5/15 min) | before: $load_before · after: $load_after (other builds share the CPUs) |"
    echo "| pxclone | \`$pxclone\` |"
    echo "| pxsim | \`$pxsim\` |"
    echo "| latency model | \`$latency\` |"
    [[ -n $build_commands ]] && echo "| build | \`${build_commands//$'\n'/\` then \`}\` |"
    echo
    echo "Commands per N (in a temp dir with \`pxsim --generate-fixture N\`, the profile and manifests"
    echo "of \`write_workload\` in bench/run.sh; pxsim serves TLS with a token, as kubectl needs):"
    echo
    echo '```sh'
    echo "pxsim --port 0 --state fixture.yaml --source-namespace prod --token T --tls-cert C --tls-key K \\"
    echo "      --kubeconfig-out k.yaml --latency '$latency' --seed 1"
    echo "pxclone -p pxclone.yaml --kubeconfig k.yaml --run bN -q snapshot --skip-hooks"
    echo "pxclone -p pxclone.yaml --kubeconfig k.yaml --run bN -q deploy-staging"
    echo "pxclone -p pxclone.yaml --kubeconfig k.yaml --run bN -q teardown --snapshots"
    echo "bench/kubectl-baseline.sh snapshot|deploy|teardown bN manifests.yaml   # fresh pxsim"
    echo '```'
    echo
    echo "## Critical-path bound (seconds, the same for every N)"
    echo
    echo "| command | bound | formula |"
    echo "|---|---|---|"
    echo "| snapshot | $cp_snapshot | snapshot + 2·request |"
    echo "| deploy-staging | $cp_deploy | clone + max(pvc-bind, snapshot) + rollout + 4·request |"
    echo "| teardown | $cp_teardown | ns-delete + 5·request |"
    echo "| pipeline | $cp_pipeline | the sum |"
    echo
    echo "## pxclone"
    echo
    echo "| N | command | wall s | × bound | CPU s | peak RSS MiB | requests | limit 8N+30 | by verb |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for n in $sizes; do
        for cmd in snapshot deploy teardown; do
            case $cmd in snapshot) cp=$cp_snapshot ;; deploy) cp=$cp_deploy ;; teardown) cp=$cp_teardown ;; esac
            limit=$((8 * n + 30))
            mark=""
            ((reqs[$cmd,$n] > limit)) && mark=" **over**"
            echo "| $n | ${cmd/deploy/deploy-staging} | ${wall[$cmd,$n]} | $(ratio "${wall[$cmd,$n]}" "$cp") | ${cpu[$cmd,$n]} | $(mib "${rss[$cmd,$n]}") | ${reqs[$cmd,$n]}$mark | $limit | ${verbs[$cmd,$n]} |"
        done
        pw=$(pipeline_of wall "$n" sum)
        preq=$((reqs[snapshot,$n] + reqs[deploy,$n] + reqs[teardown,$n]))
        echo "| $n | **pipeline** | $pw | $(ratio "$pw" "$cp_pipeline") | $(pipeline_of cpu "$n" sum) | $(mib "$(pipeline_of rss "$n" max)") | $preq | $((3 * (8 * n + 30))) | |"
    done
    echo
    if [[ $http2 == 1 ]]; then
        echo "## pxclone over HTTP/2 (nghttpx in front of pxsim, ALPN h2; same model and commands)"
        echo
        echo "Connections: the client connections nghttpx saw during the command, all / those that carried"
        echo "a request other than a watch (bounded by --parallel, default 8; a watch holds one of its own)."
        echo
        echo "| N | command | wall s | × bound | CPU s | peak RSS MiB | requests | connections |"
        echo "|---|---|---|---|---|---|---|---|"
        for n in $sizes; do
            for cmd in snapshot deploy teardown; do
                case $cmd in snapshot) cp=$cp_snapshot ;; deploy) cp=$cp_deploy ;; teardown) cp=$cp_teardown ;; esac
                echo "| $n | ${cmd/deploy/deploy-staging} | ${wall[$cmd,h2-$n]} | $(ratio "${wall[$cmd,h2-$n]}" "$cp") | ${cpu[$cmd,h2-$n]} | $(mib "${rss[$cmd,h2-$n]}") | ${reqs[$cmd,h2-$n]} | ${conns[$cmd,h2-$n]} |"
            done
            pw=$(pipeline_of wall "h2-$n" sum)
            echo "| $n | **pipeline** | $pw | $(ratio "$pw" "$cp_pipeline") | $(pipeline_of cpu "h2-$n" sum) | $(mib "$(pipeline_of rss "h2-$n" max)") | $((reqs[snapshot,h2-$n] + reqs[deploy,h2-$n] + reqs[teardown,h2-$n])) | |"
        done
        echo
    fi
    if [[ -n $wide_n ]]; then
        echo "## N=$wide_n with \`--parallel $wide_parallel\` (default: 8)"
        echo
        echo "| command | wall s | × bound | CPU s | peak RSS MiB | requests | by verb |"
        echo "|---|---|---|---|---|---|---|"
        for cmd in snapshot deploy teardown; do
            case $cmd in snapshot) cp=$cp_snapshot ;; deploy) cp=$cp_deploy ;; teardown) cp=$cp_teardown ;; esac
            echo "| ${cmd/deploy/deploy-staging} | ${wall[$cmd,wide]} | $(ratio "${wall[$cmd,wide]}" "$cp") | ${cpu[$cmd,wide]} | $(mib "${rss[$cmd,wide]}") | ${reqs[$cmd,wide]} | ${verbs[$cmd,wide]} |"
        done
        pw=$(pipeline_of wall wide sum)
        echo "| **pipeline** | $pw | $(ratio "$pw" "$cp_pipeline") | $(pipeline_of cpu wide sum) | $(mib "$(pipeline_of rss wide max)") | $((reqs[snapshot,wide] + reqs[deploy,wide] + reqs[teardown,wide])) | |"
        echo
    fi
    if [[ $kubectl_baseline == 1 ]]; then
        echo "## kubectl baseline (bench/kubectl-baseline.sh, same pxsim model, fresh server per N)"
        echo
        echo "| N | step | kubectl wall s | pxclone wall s | kubectl / pxclone | kubectl CPU s | kubectl peak RSS MiB | kubectl requests | by verb |"
        echo "|---|---|---|---|---|---|---|---|---|"
        for n in $sizes; do
            [[ $n -le $kubectl_max ]] || continue
            for cmd in snapshot deploy teardown; do
                echo "| $n | ${cmd/deploy/deploy-staging} | ${kwall[$cmd,$n]} | ${wall[$cmd,$n]} | $(ratio "${kwall[$cmd,$n]}" "${wall[$cmd,$n]}") | ${kcpu[$cmd,$n]} | $(mib "${krss[$cmd,$n]}") | ${kreqs[$cmd,$n]} | ${kverbs[$cmd,$n]} |"
            done
            kw=$(pipeline_of kwall "$n" sum)
            pw=$(pipeline_of wall "$n" sum)
            echo "| $n | **pipeline** | $kw | $pw | **$(ratio "$kw" "$pw")** | $(pipeline_of kcpu "$n" sum) | $(mib "$(pipeline_of krss "$n" max)") | $((kreqs[snapshot,$n] + kreqs[deploy,$n] + kreqs[teardown,$n])) | |"
        done
        echo
    fi
    if [[ $catalog == 1 ]]; then
        echo "## Many environments (\`pxsim --generate-catalog E,S,P,X\` appended to \`--generate-fixture 1\`)"
        echo
        echo "| command | catalog | wall s | × bound | CPU s | peak RSS MiB | requests | by verb | target |"
        echo "|---|---|---|---|---|---|---|---|---|"
        echo "| \`list -o json\` | 500 environments, 2,000 sets, 20 profiles | ${catalog_figures[list,wall]} | | ${catalog_figures[list,cpu]} | $(mib "${catalog_figures[list,rss]}") | ${catalog_figures[list,reqs]} | ${catalog_figures[list,verbs]} | ≤ 20 requests: $(target_mark "${catalog_figures[list,reqs]}" 20); ≤ 2 s: $(target_mark "${catalog_figures[list,wall]}" 2) |"
        echo "| \`teardown --expired\` | 100 expired environments | ${catalog_figures[expired,wall]} | $(ratio "${catalog_figures[expired,wall]}" "$cp_teardown") | ${catalog_figures[expired,cpu]} | $(mib "${catalog_figures[expired,rss]}") | ${catalog_figures[expired,reqs]} | ${catalog_figures[expired,verbs]} | ≤ 1.3× bound: $(target_mark "$(ratio "${catalog_figures[expired,wall]}" "$cp_teardown")" 1.3) |"
        echo
        echo "Load when they started: list ${catalog_figures[list,load]}; teardown --expired ${catalog_figures[expired,load]}."
        echo
    fi
    if [[ -n $cross_sizes ]]; then
        echo "## Staging in another cluster (issue 19: two pxsims sharing an object store)"
        echo
        echo "Model: \`$latency,$cross_latency\`. pxsim A (\`--cluster-id bench-prod\`, the fixture) and B"
        echo "(\`--cluster-id bench-staging\`, empty) with one \`--object-store\` directory; the credential"
        echo "s3-bench made on each first. The profile is the bench profile with \`cluster: {context: bench-a}\`,"
        echo "\`staging.cluster: {context: bench-b}\` and \`transfer: {method: cloudsnap, credential: s3-bench}\`;"
        echo "deploy-staging and teardown get a kubeconfig naming B alone (they send nothing to A):"
        echo
        echo '```sh'
        echo "pxclone -p pxclone-x.yaml --run xN -q --kubeconfig k.yaml   snapshot --skip-hooks   # A"
        echo "pxclone -p pxclone-x.yaml --run xN -q --kubeconfig k-b.yaml deploy-staging          # B"
        echo "pxclone -p pxclone-x.yaml --run xN -q --kubeconfig k-b.yaml teardown                # B"
        echo "pxclone -p pxclone-x.yaml --run xN -q --kubeconfig k.yaml   teardown --snapshots    # A: backups, snapshots"
        echo '```'
        echo
        echo "| command | bound s | formula |"
        echo "|---|---|---|"
        echo "| snapshot (A) | $cp_x_snapshot | snapshot + backup + 5·request |"
        echo "| deploy-staging (B) | $cp_x_deploy | cloud-restore + max(pvc-bind, snapshot) + rollout + 8·request |"
        echo "| teardown (B) | $cp_x_teardown | ns-delete + 5·request (as in one cluster) |"
        echo "| teardown --snapshots (A) | $cp_x_sets | 7·request (nothing modelled: listings, credential, backup DELETE, snapshot DELETE) |"
        echo
        echo "| N | command | wall s | × bound | CPU s | peak RSS MiB | requests | by cluster and verb |"
        echo "|---|---|---|---|---|---|---|---|"
        for n in $cross_sizes; do
            for step in $cross_steps; do
                case $step in
                snapshot) cp=$cp_x_snapshot label="snapshot (A)" ;;
                deploy) cp=$cp_x_deploy label="deploy-staging (B)" ;;
                teardown) cp=$cp_x_teardown label="teardown (B)" ;;
                sets) cp=$cp_x_sets label="teardown --snapshots" ;;
                esac
                echo "| $n | $label | ${xwall[$step,$n]} | $(ratio "${xwall[$step,$n]}" "$cp") | ${xcpu[$step,$n]} | $(mib "${xrss[$step,$n]}") | ${xreqs[$step,$n]} | ${xverbs[$step,$n]} |"
            done
        done
        echo
        echo "Load when each N started: $(for n in $cross_sizes; do printf 'N=%s: %s. ' "$n" "${xloads[$n]}"; done)"
        echo
    fi
    echo "## Start-up (median of $startup_runs runs, wall ms, including fork/exec from bash)"
    echo
    echo "| command | median ms | less the loop's floor | target |"
    echo "|---|---|---|---|"
    echo "| \`/bin/true\` (the floor: bash's fork and exec) | $floor_ms | | |"
    echo "| \`pxclone version\` | $version_ms | $(less_floor "$version_ms") | |"
    echo "| \`pxclone validate -p pxclone.yaml\` | $validate_ms | $(less_floor "$validate_ms") | ≤ 10 ms: $(target_mark "$(less_floor "$validate_ms")" 10) |"
    echo
    if [[ -n $rollout_rows ]]; then
        echo "## Requests do not depend on how long the rollout takes (deploy-staging, N=$rollout_check)"
        echo
        echo "| rollout | wall s | requests | by verb |"
        echo "|---|---|---|---|"
        printf '%s' "$rollout_rows"
        echo
    fi
    echo "## Requests by verb and resource (pxclone)"
    echo
    for n in $sizes; do
        for cmd in snapshot deploy teardown; do
            echo "- N=$n ${cmd/deploy/deploy-staging}: ${breakdown[$cmd,$n]}"
        done
    done
    echo
    echo "## Load average when each N started"
    echo
    for n in $sizes; do echo "- N=$n: ${loads[$n]}"; done
} >"$out.tmp"

# Notes kept by hand below the generated part survive a re-run.
if [[ -f $out ]] && grep -q '^<!-- notes -->' "$out"; then
    { echo; sed -n '/^<!-- notes -->/,$p' "$out"; } >>"$out.tmp"
fi
mv "$out.tmp" "$out"
log "wrote $out"

# Every command sent requests and every figure is there (what the CI smoke run checks).
for n in $sizes; do
    for cmd in snapshot deploy teardown; do
        [[ ${reqs[$cmd,$n]} -gt 0 && -n ${wall[$cmd,$n]} && ${rss[$cmd,$n]} -gt 0 ]] ||
            { echo "bench: N=$n $cmd: missing figures" >&2; exit 1; }
        if [[ $kubectl_baseline == 1 && $n -le $kubectl_max ]]; then
            [[ ${kreqs[$cmd,$n]} -gt 0 ]] || { echo "bench: N=$n kubectl $cmd sent nothing" >&2; exit 1; }
        fi
    done
done
for n in $cross_sizes; do
    for step in $cross_steps; do
        [[ ${xreqs[$step,$n]} -gt 0 && -n ${xwall[$step,$n]} && ${xrss[$step,$n]} -gt 0 ]] ||
            { echo "bench: cross-cluster N=$n $step: missing figures" >&2; exit 1; }
    done
done
[[ -n $version_ms && -n $validate_ms ]] || { echo "bench: no start-up figures" >&2; exit 1; }
