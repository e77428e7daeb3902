#!/usr/bin/env bash
# The real kubectl against pxsim: get/list -o json, apply --server-side, wait, rollout status,
# get -w, delete. Usage: kubectl_test.sh PATH/TO/pxsim. Exits 77 (skipped) without kubectl.
set -euo pipefail

pxsim=$1
if ! command -v kubectl >/dev/null 2>&1; then
    echo "kubectl not found: skipped"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pxsim_pid=""
watch_pid=""
cleanup() {
    if [[ -n $watch_pid ]]; then kill "$watch_pid" 2>/dev/null || true; fi
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
    --token kubectl-test-token --source-namespace prod --seed 7 \
    --latency rollout=200ms,pvc-bind=100ms,ns-delete=100ms >"$work/out" 2>"$work/err" &
pxsim_pid=$!
exec 3<"$work/out"
read -r -t 20 first <&3 || fail "pxsim did not start: $(cat "$work/err")"
[[ $first =~ ^pxsim\ listening\ on\ https://127\.0\.0\.1:[0-9]+$ ]] || fail "first line: $first"
export KUBECONFIG=$work/k.yaml KUBECACHEDIR=$work/cache
k() { kubectl --request-timeout=20s "$@"; }

# get / list
# (outputs are captured before grep -q: with pipefail, an early-exiting grep fails the pipe)
out=$(k get pvc -n prod)
grep -q '^mongo-data-mongo-0 ' <<<"$out" || fail "get pvc -n prod: $out"
names=$(k get pvc -n prod -o jsonpath='{.items[*].metadata.name}')
[[ $names == "mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2" ]] || fail "list: $names"
out=$(k get pvc mongo-data-mongo-1 -n prod -o json)
grep -q '"phase": "Bound"' <<<"$out" || fail "get -o json: $out"
out=$(k rollout status statefulset/mongo -n prod --timeout=30s)
grep -q "roll out complete" <<<"$out" || fail "rollout status statefulset: $out"

# apply --server-side, wait, rollout status
# (kubectl create <generator> sends protobuf, which pxsim does not read: apply a namespace instead)
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: staging\n' | k apply -f - >/dev/null
cat >"$work/web.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: staging
  labels: {app.kubernetes.io/managed-by: pxclone}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
YAML
out=$(k apply --server-side -f "$work/web.yaml")
grep -q 'deployment.apps/web serverside-applied' <<<"$out" || fail "apply --server-side: $out"
k apply --server-side -f "$work/web.yaml" >/dev/null || fail "apply --server-side again"
k wait --for=condition=Available deployment/web -n staging --timeout=30s >/dev/null
out=$(k rollout status deployment/web -n staging --timeout=30s)
grep -q 'successfully rolled out' <<<"$out" || fail "rollout status: $out"

# get pvc -w sees a claim appear, bind and go
k get pvc -n staging -w -o name >"$work/watch.txt" 2>&1 &
watch_pid=$!
cat >"$work/pvc.yaml" <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: staging
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: px-db
  resources:
    requests:
      storage: 1Gi
YAML
k apply -f "$work/pvc.yaml" >/dev/null
k wait --for=jsonpath='{.status.phase}'=Bound pvc/data -n staging --timeout=30s >/dev/null
k delete pvc data -n staging >/dev/null
for _ in $(seq 100); do
    [[ $(wc -l <"$work/watch.txt") -ge 3 ]] && break
    sleep 0.1
done
kill "$watch_pid" 2>/dev/null || true
watch_pid=""
[[ $(grep -c 'persistentvolumeclaim/data' "$work/watch.txt") -ge 3 ]] ||
    fail "get pvc -w: $(cat "$work/watch.txt")"

# delete (waits for the object to go), namespace deletion
out=$(k delete deployment web -n staging)
grep -q 'deployment.apps "web" deleted' <<<"$out" || fail "delete: $out"
if k get deployment web -n staging >/dev/null 2>&1; then fail "deployment still there"; fi
k delete namespace staging --timeout=30s >/dev/null
if k get namespace staging >/dev/null 2>&1; then fail "namespace still there"; fi

# nothing above wrote to production
violations=$(k get --raw /_sim/violations)
[[ $violations == "[]" ]] || fail "violations: $violations"

kill -TERM "$pxsim_pid"
wait "$pxsim_pid" || fail "pxsim did not stop cleanly"
pxsim_pid=""
echo "kubectl against pxsim: ok"
