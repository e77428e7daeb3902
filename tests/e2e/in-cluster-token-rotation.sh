#!/usr/bin/env bash
# In a pod, without a kubeconfig: pxclone finds the API server from KUBERNETES_SERVICE_HOST/PORT
# and authenticates with the pod's service-account token and CA (here under
# PXCLONE_IN_CLUSTER_ROOT, laid out as the kubelet projects them: files in a timestamped
# directory named by the ..data symlink). pxsim serves TLS with a certificate only that ca.crt
# trusts. During `pxclone snapshot`, its pre-hook (hooks/rotate-token; pxclone waits for it, so
# nothing is in flight) plays the kubelet's rotation: a second token is projected (..data swapped
# atomically) and the first token's ServiceAccount loses its binding. The snapshots and
# everything after them pass only if pxclone reads the new token; deploy-staging and teardown
# then run on it too. (Without the new projection the same run fails: forbidden for ci:old.)
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

# Both ServiceAccounts may do anything, until the hook deletes ci/old's binding.
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
kind: ClusterRoleBinding
metadata: {name: e2e-old}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-everything}
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
status_as() { # TOKEN: the status of a namespace list sent with TOKEN
    curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
        "$SIM_URL/api/v1/namespaces" || e2e_fail "GET with a token"
}
# The snapshot profile with the rotating pre-hook (manifests where the profile's are).
sed -e "s|manifests: \[manifests/|manifests: [$E2E_PROFILES/manifests/|" \
    -e "s|^  pvcs: \(.*\)$|  pvcs: \1\n  hooks:\n    pre: [{ run: [$E2E_SRC/tests/e2e/hooks/rotate-token], timeout: 30s }]|" \
    "$profile" >"$E2E_TMP/rotating.yaml"
grep -q rotate-token "$E2E_TMP/rotating.yaml" || e2e_fail "no hook in the rotating profile"
export E2E_ROTATE_DIR=$sa E2E_ROTATE_TOKEN=$NEW_TOKEN E2E_ROTATE_ADMIN=$E2E_TOKEN E2E_ROTATE_BINDING=e2e-old

in_pod list -p "$profile"
expect_exit 0
expect_equal "the first token before" 200 "$(status_as "$OLD_TOKEN")"
in_pod snapshot -p "$E2E_TMP/rotating.yaml" --run s1
expect_exit 0
# Everything pxclone sent after the hook deleted the binding was allowed: the new token.
rotated=$(sim_jq 'to_entries | map(select(.value.method == "DELETE" and (.value.path | endswith("/e2e-old"))))[0].key')
[[ $rotated =~ ^[0-9]+$ ]] || e2e_fail "the hook did not delete the binding"
after=$(sim_jq '.[$n:] | [pxclone_requests[] | select(.method == "POST" and (.path | endswith("/v1/volumes/snapshots")))] | length' \
    --argjson n "$rotated")
expect_equal "snapshots created after the rotation" 2 "$after"
denied=$(sim_jq '.[$n:] | [pxclone_requests[] | select(.status == 401 or .status == 403)
    | "\(.status) \(.method) \(.path)"] | join("\n")' --argjson n "$rotated")
[[ -z $denied ]] || e2e_fail "requests refused after the rotation (the first token was sent):
$denied"
expect_equal "the first token after the rotation" 403 "$(status_as "$OLD_TOKEN")"

in_pod deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
in_pod teardown -p "$profile" --run r1 --snapshots
expect_exit 0
e2e_done
