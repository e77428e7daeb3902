#!/usr/bin/env bash
# The permissions validate --online asks about cover what the commands really request: for each
# method, the whole life of an environment (snapshot, deploy-staging, restore in place, another
# set, restore from it, teardown --snapshots) against pxsim, then every Kubernetes request they
# sent, mapped to its RBAC attributes as kube-apiserver does, must be among the permissions of
# `validate --online -o json` (a verb, resource, subresource, namespace or all namespaces, name or
# any). Left out: events, read best-effort for messages. A request a command starts to send
# without plan::needed_permissions knowing fails this test.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

# life PROFILE: the commands' requests so far, then validate's permissions must cover them.
life() {
    local profile=$1
    px_run snapshot -p "$profile" --run s1 --skip-hooks -q
    expect_exit 0
    px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
    expect_exit 0
    px_run restore -p "$profile" --run r1 --all -q
    expect_exit 0
    px_run snapshot -p "$profile" --run s2 --skip-hooks -q
    expect_exit 0
    px_run restore -p "$profile" --run r1 --all --snapshot s2 -q
    expect_exit 0
    px_run teardown -p "$profile" --run r1 --snapshots -q
    expect_exit 0
    local commands_sent
    commands_sent=$(wc -l <"$E2E_SIM_LOG")
    px_run validate --online -p "$profile" --run r1 -o json
    expect_exit 0
    json_out '[.checks[] | select(.name == "access")][0].permissions' >"$E2E_TMP/permissions.json"
    local uncovered
    uncovered=$(sim_jq '.[:$n] | pxclone_requests | map(rbac)
        | map(select(.resource != "events" and (covered($permissions) | not))) | unique
        | map("\(.verb) \(.group)/\(.resource)/\(.subresource) ns=\(.namespace) name=\(.name)") | .[]' \
        --argjson n "$commands_sent" --argjson permissions "$(cat "$E2E_TMP/permissions.json")")
    expect_equal "requests of $(basename "$profile") not among validate's permissions" "" "$uncovered"
    local checked
    checked=$(sim_jq '.[:$n] | pxclone_requests | map(rbac) | length' --argjson n "$commands_sent")
    [[ $checked -gt 100 ]] || e2e_fail "only $checked Kubernetes requests were checked"
}

sim_start
life "$E2E_PROFILES/restore-portworx.yaml"
sim_restart
life "$E2E_PROFILES/restore-csi.yaml"
e2e_done
