#!/usr/bin/env bash
# HTTP/2 as a real API server offers it: Debian's nghttpx (package nghttp2-proxy) terminates TLS
# in front of pxsim (which speaks HTTP/1.1 only) and offers h2 by ALPN. snapshot, deploy-staging
# and teardown --snapshots run through it with --parallel 4; every request is answered over
# HTTP/2 (pxclone's -v result lines and the proxy's access log, ALPN h2), and the requests that
# are not watches travel on at most --parallel connections (the proxy's log names each request's
# client port; a watch holds a connection of its own for its life, outside that bound).
# Then `teardown --expired` of 100 environments (pxsim --generate-catalog): large replies over
# many multiplexed streams, which crashed pxclone with a corrupted heap in libcurl 7.88 while it
# set a 4 KiB receive buffer (about one run in two).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
command -v nghttpx >/dev/null 2>&1 ||
    { echo "$E2E_NAME: nghttpx not found (scripts/install-deps.sh installs nghttp2-proxy)" >&2; exit 2; }
sim_start
profile=$E2E_PROFILES/staging-portworx.yaml
parallel=4

PROXY_PID=""
proxy_stop() {
    local rc=$?
    if [[ -n $PROXY_PID ]]; then
        kill -TERM "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
        PROXY_PID=""
    fi
    return "$rc"
}
trap 'proxy_stop; e2e_cleanup' EXIT

# A certificate for 127.0.0.1, trusted through the kubeconfig.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$E2E_TMP/proxy.key" -out "$E2E_TMP/proxy.crt" 2>/dev/null ||
    e2e_fail "openssl could not make the proxy's certificate"

# proxy_start: nghttpx on a free port in front of pxsim (SIM_URL), and k.yaml naming it instead
# of pxsim; tried again if another process took the port meanwhile.
access_log=$E2E_TMP/proxy-access.log
port=""
proxy_start() {
    local backend=${SIM_URL#http://}
    for _ in 1 2 3; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        : >"$access_log"
        # shellcheck disable=SC2016 # nghttpx's $variables
        nghttpx --frontend="127.0.0.1,$port" --backend="${backend%:*},${backend##*:}" \
            "$E2E_TMP/proxy.key" "$E2E_TMP/proxy.crt" --conf=/dev/null --workers=1 --no-ocsp \
            --backend-connections-per-host=512 --backend-read-timeout=120s \
            --accesslog-file="$access_log" --accesslog-format='$alpn $remote_port $method $path $status' \
            --errorlog-file="$E2E_TMP/proxy-error.log" &
        PROXY_PID=$!
        for _ in $(seq 50); do
            if curl -sS -o /dev/null --cacert "$E2E_TMP/proxy.crt" "https://127.0.0.1:$port/_sim/state" 2>/dev/null; then
                write_kubeconfig
                return 0
            fi
            kill -0 "$PROXY_PID" 2>/dev/null || break
            sleep 0.1
        done
        proxy_stop || true
    done
    e2e_fail "nghttpx did not start: $(tail -n 5 "$E2E_TMP/proxy-error.log" 2>/dev/null)"
}

write_kubeconfig() {
    cat >"$E2E_TMP/k.yaml" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: pxsim
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $E2E_TMP/proxy.crt
contexts:
- name: pxsim
  context:
    cluster: pxsim
    user: pxsim
    namespace: default
current-context: pxsim
users:
- name: pxsim
  user:
    token: $E2E_TOKEN
KUBECONFIG
}
proxy_start

# check_run NAME: the last run sent every request over HTTP/2 (its -v result lines name the
# protocol) and the proxy saw its requests, all by h2, the non-watch ones on at most $parallel
# client connections.
check_run() {
    local results
    results=$(grep -E '^(k8s|px) [A-Z]+ [^ ]+ [0-9]{3} [0-9]+ms' "$PX_ERR" || true)
    [[ -n $results ]] || e2e_fail "$1: no request result lines in -v output"
    expect_equal "$1: result lines not over HTTP/2" "" \
        "$(grep -Ev '^[a-z0-9]+ [A-Z]+ [^ ]+ [0-9]{3} [0-9]+ms HTTP/2( |$)' <<<"$results" || true)"
    local seen
    seen=$(sed -n "$((proxy_mark + 1)),\$p" "$access_log")
    [[ -n $seen ]] || e2e_fail "$1: the proxy logged no request"
    expect_equal "$1: requests the proxy did not take by h2" "" "$(awk '$1 != "h2"' <<<"$seen")"
    local connections
    connections=$(awk '$4 !~ /[?&]watch=(1|true)/ { print $2 }' <<<"$seen" | sort -u | wc -l)
    ((connections >= 1 && connections <= parallel)) ||
        e2e_fail "$1: requests (watches aside) went over $connections connections, more than --parallel $parallel"
    echo "$1: $(wc -l <<<"$seen") requests over h2, $connections connection(s) for those not watches," \
        "$(awk '{ print $2 }' <<<"$seen" | sort -u | wc -l) in all"
}

proxy_mark=$(wc -l <"$access_log")
px_run snapshot -p "$profile" --run e2e-h2 --skip-hooks --parallel "$parallel" -v
expect_exit 0
check_run snapshot

proxy_mark=$(wc -l <"$access_log")
px_run deploy-staging -p "$profile" --run e2e-h2 --snapshot e2e-h2 --parallel "$parallel" -v
expect_exit 0
check_run deploy-staging
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.state)"] | join(",")' \
    "e2e-h2 ready"

proxy_mark=$(wc -l <"$access_log")
px_run teardown -p "$profile" --run e2e-h2 --snapshots --parallel "$parallel" -v
expect_exit 0
check_run teardown
px_run list -p "$profile" -o name
expect_exit 0
expect_equal "list after teardown" "" "$(cat "$PX_OUT")"
expect_invariants

# 100 expired environments of profile "bench" (namespace, PVC, PV, clone, baseline each) and 10
# sets, beside the fixture's production volumes.
proxy_stop
sim_stop
"$E2E_PXSIM" --generate-catalog 100,10,1,100 >"$E2E_TMP/catalog.yaml"
sim_start --state "$E2E_TMP/catalog.yaml"
proxy_start
cat >"$E2E_TMP/bench.yaml" <<'YAML'
version: 1
name: bench
portworx:
  endpoint: service:kube-system/portworx-api:9021
source:
  namespace: prod
  selector: {app: mongo}
snapshot:
  method: portworx
staging:
  namespace: bench-stg-${run.id}
  ttl: 24h
  manifests: []
YAML
proxy_mark=$(wc -l <"$access_log")
px_run teardown -p "$E2E_TMP/bench.yaml" --expired --parallel "$parallel" -v
expect_exit 0
expect_out_contains "teardown complete: 400 objects deleted"
check_run "teardown --expired"
e2e_done
