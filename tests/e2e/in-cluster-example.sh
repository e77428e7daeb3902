#!/usr/bin/env bash
# examples/in-cluster/ is valid and does what it says: its ConfigMap holds the profile and
# manifest beside it verbatim, and the profile validates; kubectl applies the ServiceAccount,
# ConfigMap and both CronJobs to pxsim (which validates them as the API server does, CronJob
# included); each CronJob forbids concurrent runs, retries, and gives pxclone a --timeout that
# covers the profile's timeouts it waits on and ends before activeDeadlineSeconds; the Containerfile
# unpacks the tarball scripts/release.sh makes. And the CronJobs' commands run: the refresh of
# shared-qa (deployed and pinned first) moves it to a new set, the hourly teardown removes the
# expired environment but not the pinned one.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
python3 -c 'import yaml' 2>/dev/null ||
    { echo "$E2E_NAME: python3-yaml needed (scripts/install-deps.sh)" >&2; exit 2; }
example=$E2E_SRC/examples/in-cluster
command -v kubectl >/dev/null || { echo "$E2E_NAME: kubectl needed" >&2; exit 2; }

# The ConfigMap is the files beside it.
python3 - "$example" <<'PY' || e2e_fail "configmap.yaml does not hold pxclone.yaml and app.yaml verbatim"
import pathlib, sys, yaml
example = pathlib.Path(sys.argv[1])
data = yaml.safe_load((example / "configmap.yaml").read_text())["data"]
assert sorted(data) == ["app.yaml", "pxclone.yaml"], sorted(data)
for name, text in data.items():
    assert text == (example / name).read_text(), name
PY
# The Containerfile takes the tarball release.sh names, and its bin/ and share/.
grep -q 'name=pxclone-$version-linux-$arch' "$E2E_SRC/scripts/release.sh" ||
    e2e_fail "scripts/release.sh no longer names its tarball pxclone-VERSION-linux-ARCH"
grep -q 'COPY pxclone-${VERSION}-linux-${TARGETARCH}.tar.gz' "$example/Containerfile" ||
    e2e_fail "the Containerfile does not copy the release tarball"

profile=$E2E_TMP/profile/pxclone.yaml
mkdir -p "$E2E_TMP/profile"
cp "$example/pxclone.yaml" "$example/app.yaml" "$E2E_TMP/profile/"
px_run validate -p "$profile" --run shared-qa -o json
expect_exit 0
# Timeouts the CronJobs must cover, in seconds.
seconds() { jq -rn --arg d "$1" '$d | capture("^(?<n>[0-9]+)(?<u>[smh])$") | (.n | tonumber) * {"s": 1, "m": 60, "h": 3600}[.u]'; }
snapshot_timeout=$(seconds "$(json_out .spec.snapshot.timeout)")
mask_timeout=$(seconds "$(json_out .spec.staging.mask.timeout)")
wait_timeout=$(seconds "$(json_out .spec.staging.wait.timeout)")

# kubectl sends a token only over HTTPS: pxsim serves TLS (curl trusts it via CURL_CA_BUNDLE).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pxsim -keyout "$E2E_TMP/tls.key" \
    -out "$E2E_TMP/tls.crt" -addext subjectAltName=IP:127.0.0.1 2>/dev/null || e2e_fail "openssl"
export CURL_CA_BUNDLE=$E2E_TMP/tls.crt
sim_start --tls-cert "$E2E_TMP/tls.crt" --tls-key "$E2E_TMP/tls.key"
kube() {
    KUBECACHEDIR=$E2E_TMP/kube-cache kubectl --kubeconfig "$E2E_TMP/k.yaml" --context pxsim \
        --request-timeout=20s "$@"
}
apply() { # FILE...: server-side apply as the cluster's admin (pxsim validates what it knows)
    kube apply --server-side --field-manager=e2e-admin "${@/#/--filename=}" >"$E2E_TMP/apply.out" 2>&1 ||
        e2e_fail "kubectl apply $*: $(cat "$E2E_TMP/apply.out")"
}
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pxclone\n' >"$E2E_TMP/namespace.yaml"
apply "$E2E_TMP/namespace.yaml"
apply "$example/serviceaccount.yaml" "$example/configmap.yaml" "$example/cronjob-teardown.yaml" \
    "$example/cronjob-refresh.yaml"
# pxsim refuses what the API server refuses: a CronJob without a name is not stored.
sed 's/name: pxclone-teardown-expired/name: Not_A_Name/' "$example/cronjob-teardown.yaml" >"$E2E_TMP/bad.yaml"
if kube apply --server-side --field-manager=e2e-admin -f "$E2E_TMP/bad.yaml" >"$E2E_TMP/bad.out" 2>&1; then
    e2e_fail "pxsim stored an invalid CronJob"
fi
grep -q "is invalid" "$E2E_TMP/bad.out" || e2e_fail "the invalid CronJob's refusal: $(cat "$E2E_TMP/bad.out")"

# check_cronjob NAME TIMEOUT_NEEDED: the CronJob as stored.
check_cronjob() {
    local job timeout deadline
    job=$(kube get cronjob -n pxclone "$1" -o json) || e2e_fail "kubectl get cronjob $1"
    expect_equal "$1 concurrencyPolicy" Forbid "$(jq -r .spec.concurrencyPolicy <<<"$job")"
    expect_equal "$1 serviceAccountName" pxclone "$(jq -r .spec.jobTemplate.spec.template.spec.serviceAccountName <<<"$job")"
    expect_equal "$1 restartPolicy" Never "$(jq -r .spec.jobTemplate.spec.template.spec.restartPolicy <<<"$job")"
    expect_equal "$1 profile volume" pxclone-profile "$(jq -r '.spec.jobTemplate.spec.template.spec.volumes[0].configMap.name' <<<"$job")"
    (($(jq -r .spec.jobTemplate.spec.backoffLimit <<<"$job") >= 1)) || e2e_fail "$1: backoffLimit"
    timeout=$(seconds "$(jq -r '.spec.jobTemplate.spec.template.spec.containers[0].args
        | .[index("--timeout") + 1]' <<<"$job")")
    deadline=$(jq -r .spec.jobTemplate.spec.activeDeadlineSeconds <<<"$job")
    ((timeout >= $2)) || e2e_fail "$1: --timeout ${timeout}s is shorter than the profile's ${2}s"
    ((timeout < deadline)) || e2e_fail "$1: --timeout ${timeout}s does not end before activeDeadlineSeconds ${deadline}"
    jq -r '.spec.jobTemplate.spec.template.spec.containers[0].args | map(if . == "/etc/pxclone/pxclone.yaml" then $p else . end) | .[]' \
        --arg p "$profile" <<<"$job" >"$E2E_TMP/$1.args"
}
check_cronjob pxclone-teardown-expired "$wait_timeout"
check_cronjob pxclone-refresh-shared-qa $((snapshot_timeout + mask_timeout + wait_timeout))

# The commands run: shared-qa deployed and pinned, another environment left to expire.
px_run deploy-staging -p "$profile" --run shared-qa --fresh -q
expect_exit 0
px_run extend -p "$profile" --run shared-qa --ttl never -q
expect_exit 0
PXCLONE_NOW=2026-11-27T10:00:00Z px_run deploy-staging -p "$profile" --run dev-1 --fresh -q
expect_exit 0
mapfile -t args <"$E2E_TMP/pxclone-refresh-shared-qa.args"
px_run "${args[@]}"
expect_exit 0
expect_json '"\(.kind) \(.namespace) \(.previousSnapshotSet)"' "RefreshReport orders-stg-shared-qa shared-qa"
mapfile -t args <"$E2E_TMP/pxclone-teardown-expired.args"
px_run "${args[@]}"
expect_exit 0
px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.pinned)"] | join(",")' "shared-qa true"
e2e_done
