#!/usr/bin/env bash
# The completions' dynamic candidates end to end: `pxclone __complete sets|runs|contexts` against
# pxsim seeded with production and two staging environments of profile `orders`
# (fixtures/staging-envs.yaml), directly and through the bash completion, read-only.
# Usage: completion_ids.sh PATH/TO/pxclone PATH/TO/pxsim
set -euo pipefail

pxclone=$(realpath "$1")
pxsim=$2
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

mkfifo "$work/out"
"$pxsim" --port 0 --state "$here/../sim/fixtures/prod-mongo.yaml" \
    --state "$here/fixtures/staging-envs.yaml" --kubeconfig-out "$work/k.yaml" \
    --source-namespace prod --seed 7 >"$work/out" 2>"$work/err" &
pxsim_pid=$!
exec 3<"$work/out"
read -r -t 20 first <&3 || fail "pxsim did not start: $(cat "$work/err")"
url=${first#pxsim listening on }

cat >"$work/pxclone.yaml" <<'PROFILE'
version: 1
name: orders
source:
  namespace: prod
  pvcs: [mongo-data-mongo-0]
PROFILE

mkdir -p "$work/bin"
ln -s "$pxclone" "$work/bin/pxclone"
export PATH=$work/bin:$PATH HOME=$work
unset KUBECONFIG PXCLONE_PROFILE

complete_ids() {
    pxclone __complete "$1" -p "$work/pxclone.yaml" --kubeconfig "$work/k.yaml" 2>&1
}
[[ $(complete_ids sets) == $'4\n5' ]] || fail "__complete sets: $(complete_ids sets)"
[[ $(complete_ids runs) == $'4\n5\n7\n8' ]] || fail "__complete runs: $(complete_ids runs)"
[[ $(complete_ids contexts) == pxsim ]] || fail "__complete contexts: $(complete_ids contexts)"

# The bash completion passes the profile and kubeconfig on the line to pxclone.
# shellcheck disable=SC1091
. completions/pxclone.bash
COMP_WORDS=(pxclone --kubeconfig "$work/k.yaml" -p "$work/pxclone.yaml" teardown --run "")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_pxclone
[[ ${COMPREPLY[*]} == "4 5 7 8" ]] || fail "bash completion of teardown --run: ${COMPREPLY[*]}"
COMP_WORDS=(pxclone deploy-staging --kubeconfig "$work/k.yaml" -p "$work/pxclone.yaml" --snapshot 5)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_pxclone
[[ ${COMPREPLY[*]} == "5" ]] || fail "bash completion of --snapshot 5: ${COMPREPLY[*]}"

# Completion only reads.
writes=$(curl -sf "$url/_sim/requests" |
    jq '[.[] | select(.path | startswith("/_sim/") | not)
         | select(.method == "PUT" or .method == "PATCH" or .method == "DELETE"
                  or (.method == "POST" and (.path | test("filters|inspect") | not)))] | length')
[[ $writes == 0 ]] || fail "completion sent $writes writing requests"
[[ $(curl -sf "$url/_sim/violations") == "[]" ]] || fail "pxsim recorded violations"
echo PASS
