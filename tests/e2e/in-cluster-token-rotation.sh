#!/usr/bin/env bash
# In a pod, without a kubeconfig: pxclone finds the API server from KUBERNETES_SERVICE_HOST/PORT
# and authenticates with the pod's service-account token and CA (here under
# PXCLONE_IN_CLUSTER_ROOT, laid out as the kubelet projects them: files in a timestamped
# directory named by the ..data symlink). pxsim serves TLS with a certificate only that ca.crt
# trusts. The first token's ServiceAccount may do everything but delete; the second's may delete
# too. `restore --all --snapshot s2` is stopped (SIGSTOP) right after its first write, the
# kubelet's rotation is played (the second token projected, ..data swapped atomically), and the
# restore resumed: its DELETEs (the replaced PVCs, PVs, clones and masking Job), all sent after
# the rotation, are allowed only if pxclone read the new token. teardown then runs on it too.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
readonly OLD_TOKEN="pxsim-e2e-sa-old-5d0c71e2"
readonly NEW_TOKEN="pxsim-e2e-sa-new-83aa4f19"
profile=$E2E_PROFILES/restore-portworx.yaml

# pxsim's certificate, its own CA; curl (sim_get, admin) trusts it through CURL_CA_BUNDLE.
tls=$E2E_TMP/tls
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pxsim -keyout "$tls/key.pem" \
    -out "$tls/cert.pem" -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null || e2e_fail "openssl"
export CURL_CA_BUNDLE=$tls/cert.pem

# ci/old may do anything but delete; ci/new anything.
cat >"$E2E_TMP/state.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-no-delete}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch, create, update, patch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-old}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-no-delete}
subjects: [{kind: ServiceAccount, namespace: ci, name: old}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-new}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-everything}
subjects: [{kind: ServiceAccount, namespace: ci, name: new}]
YAML
sim_start --tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem" --state "$E2E_TMP/state.yaml" \
    --service-account-token "$OLD_TOKEN=ci/old" --service-account-token "$NEW_TOKEN=ci/new"
[[ $SIM_URL =~ ^https://127\.0\.0\.1:([0-9]+)$ ]] || e2e_fail "pxsim does not serve TLS: $SIM_URL"
port=${BASH_REMATCH[1]}

# The pod's service-account volume, as the kubelet writes it.
root=$E2E_TMP/pod
sa=$root/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$sa" "$E2E_TMP/home"
project() { # DIR TOKEN: a new projection, made current by one atomic rename of ..data
    mkdir "$sa/$1"
    printf '%s' "$2" >"$sa/$1/token"
    cp "$tls/cert.pem" "$sa/$1/ca.crt"
    printf 'ci' >"$sa/$1/namespace"
    ln -s "$1" "$sa/..data_tmp"
    mv -T "$sa/..data_tmp" "$sa/..data"
}
project ..2026_12_07_10_00_00.1 "$OLD_TOKEN"
for file in token ca.crt namespace; do
    ln -s "..data/$file" "$sa/$file"
done

# in_pod ARGS...: pxclone as in a pod (no kubeconfig anywhere), in the background (PX_PID).
in_pod_start() {
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="$* (in the pod)"
    env -u KUBECONFIG HOME="$E2E_TMP/home" KUBERNETES_SERVICE_HOST=127.0.0.1 \
        KUBERNETES_SERVICE_PORT="$port" PXCLONE_IN_CLUSTER_ROOT="$root" \
        "$E2E_PXCLONE" "$@" >"$PX_OUT" 2>"$PX_ERR" </dev/null &
    PX_PID=$!
}
in_pod() {
    in_pod_start "$@"
    px_wait
}
delete_as() { # TOKEN: the status of a DELETE sent with TOKEN (of nothing: 404 when allowed)
    curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $1" \
        "$SIM_URL/api/v1/namespaces/ci/configmaps/nothing" || e2e_fail "DELETE with a token"
}
expect_equal "the first token may not delete" 403 "$(delete_as "$OLD_TOKEN")"
expect_equal "the second token may" 404 "$(delete_as "$NEW_TOKEN")"

in_pod list -p "$profile"
expect_exit 0
for set in s1 s2; do
    in_pod snapshot -p "$profile" --run "$set" -q
    expect_exit 0
done
in_pod deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0

request_mark
in_pod_start restore -p "$profile" --run r1 --all --snapshot s2
signal_at_request STOP '^PATCH /apis/apps/v1/namespaces/orders-stg-r1/'
project ..2026_12_07_11_00_00.2 "$NEW_TOKEN"
request_mark
kill -CONT "$PX_PID"
px_wait
expect_exit 0
deletes=$(sim_jq '.[$mark:] | [pxclone_requests[] | select(.method == "DELETE" and .status < 300)] | length' \
    --argjson mark "$E2E_MARK")
((deletes > 0)) || e2e_fail "the restore deleted nothing after the rotation"
denied=$(sim_jq '.[$mark:] | [pxclone_requests[] | select(.status == 401 or .status == 403)
    | "\(.status) \(.method) \(.path)"] | join("\n")' --argjson mark "$E2E_MARK")
[[ -z $denied ]] || e2e_fail "requests refused after the rotation (the first token was sent):
$denied"
echo "ok: $deletes deletions after the rotation, with the second token"

in_pod teardown -p "$profile" --run r1 --snapshots
expect_exit 0
e2e_done
