#!/usr/bin/env bash
# `pxclone rbac --admission-policy`'s output applied with the real kubectl to pxsim: the
# ValidatingAdmissionPolicy and its binding (and the RBAC objects) are accepted and read back as
# printed (their spec round-trips). pxsim evaluates no CEL, so this proves the objects' shape for
# kubectl, not the policy's effect (tests/unit/test_plan_rbac.cpp checks its expressions).
# Usage: kubectl_admission_test.sh PATH/TO/pxsim PATH/TO/pxclone. Exits 77 without kubectl.
set -euo pipefail

pxsim=$1
pxclone=$2
if ! command -v kubectl >/dev/null 2>&1; then
    echo "kubectl not found: skipped"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pxsim_pid=""
cleanup() {
    if [[ -n $pxsim_pid ]]; then kill "$pxsim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# kubectl sends a token only over HTTPS: serve TLS with a certificate made here.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
mkfifo "$work/out"
"$pxsim" --port 0 --state "$here/fixtures/prod-mongo.yaml" --kubeconfig-out "$work/k.yaml" \
    --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
    --token kubectl-test-token --source-namespace prod --seed 7 >"$work/out" 2>"$work/err" &
pxsim_pid=$!
exec 3<"$work/out"
read -r -t 20 _ <&3 || fail "pxsim did not start: $(cat "$work/err")"
export KUBECONFIG=$work/k.yaml KUBECACHEDIR=$work/cache
k() { kubectl --request-timeout=20s "$@"; }

profile=$here/../../examples/mongodb/pxclone.yaml
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ci\n' | k apply -f - >/dev/null
for format in yaml json; do
    "$pxclone" rbac -p "$profile" --service-account ci/pxclone --admission-policy -o "$format" \
        >"$work/rbac.$format" || fail "pxclone rbac -o $format"
    # -o json is a v1 List: kubectl's client-side validation of it asks pxsim's OpenAPI for a
    # document pxsim does not serve, so the JSON's items are checked by the server only.
    validate=()
    [[ $format == yaml ]] || validate=(--validate=false)
    out=$(k apply --server-side "${validate[@]}" -f "$work/rbac.$format") || fail "apply -o $format: $out"
    grep -q 'validatingadmissionpolicy.admissionregistration.k8s.io/pxclone-orders serverside-applied' \
        <<<"$out" || fail "apply $format: no policy: $out"
    grep -q 'validatingadmissionpolicybinding.admissionregistration.k8s.io/pxclone-orders serverside-applied' \
        <<<"$out" || fail "apply $format: no binding: $out"
done
# Read back: the spec kubectl returns is the one printed.
for kind in ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding; do
    want=$(jq -S --arg kind "$kind" '.items[] | select(.kind == $kind) | .spec' "$work/rbac.json")
    got=$(k get "${kind,,}" pxclone-orders -o json | jq -S .spec)
    [[ -n $want && $want == "$got" ]] || fail "$kind read back: $got, printed: $want"
done
k get validatingadmissionpolicybindings -o name | grep -qx \
    'validatingadmissionpolicybinding.admissionregistration.k8s.io/pxclone-orders' ||
    fail "list bindings"
echo "ok: rbac --admission-policy applied and read back"
