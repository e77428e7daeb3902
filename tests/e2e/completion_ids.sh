#!/usr/bin/env bash
# The completions' dynamic candidates end to end: `pxclone __complete sets|runs|contexts` against
# pxsim seeded with production and two staging environments of profile `orders`
# (fixtures/staging-envs.yaml), directly and through the bash completion, read-only.
# Usage: completion_ids.sh PATH/TO/pxclone PATH/TO/pxsim
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$(realpath "$1")" "$2"
pxclone=$E2E_PXCLONE
work=$E2E_TMP
fail() { e2e_fail "$@"; }
sim_start --state "$E2E_DIR/fixtures/staging-envs.yaml" --seed 7

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
writes=$(sim_get /_sim/requests |
    jq '[.[] | select(.path | startswith("/_sim/") | not)
         | select(.method == "PUT" or .method == "PATCH" or .method == "DELETE"
                  or (.method == "POST" and (.path | test("filters|inspect") | not)))] | length')
[[ $writes == 0 ]] || fail "completion sent $writes writing requests"
e2e_done
