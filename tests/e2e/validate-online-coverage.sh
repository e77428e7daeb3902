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

# rbac: a logged request's RBAC attributes (RequestInfoFactory's rules), or nothing for a
# non-resource request.
readonly RBAC_JQ='
def rbac:
  (.path | split("/") | map(select(. != ""))) as $p
  | (if $p[0] == "api" and ($p | length) >= 3 then {group: "", rest: $p[2:]}
     elif $p[0] == "apis" and ($p | length) >= 4 then {group: $p[1], rest: $p[3:]}
     else null end) as $base
  | select($base != null)
  | $base.rest as $r0
  | (if $r0[0] == "namespaces" and ($r0 | length) > 1 then $r0[1] else "" end) as $ns
  | (if $r0[0] == "namespaces" and ($r0 | length) > 2 and $r0[2] != "status" and $r0[2] != "finalize"
     then $r0[2:] else $r0 end) as $r
  | ({"POST": "create", "GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[.method]) as $v0
  | ($r[1] // "") as $name0
  | (.query.watch // "") as $w
  | (if $name0 == "" and $v0 == "get" then (if $w == "1" or $w == "true" then "watch" else "list" end)
     elif $name0 == "" and $v0 == "delete" then "deletecollection" else $v0 end) as $verb
  | (((.query.fieldSelector // "") | capture("(^|,)metadata\\.name==?(?<n>[^,]*)") | .n) // "") as $field_name
  | {verb: $verb, group: $base.group, resource: $r[0], subresource: ($r[2] // ""), namespace: $ns,
     name: (if $name0 == "" then $field_name else $name0 end)};
def covered($permissions): . as $a | any($permissions[];
    .verb == $a.verb and .group == $a.group and .resource == $a.resource
    and .subresource == $a.subresource and (.namespace == "" or .namespace == $a.namespace)
    and (.name == "" or .name == $a.name));
'

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
    uncovered=$(sim_jq "$RBAC_JQ"' .[:$n] | pxclone_requests | map(rbac)
        | map(select(.resource != "events" and (covered($permissions) | not))) | unique
        | map("\(.verb) \(.group)/\(.resource)/\(.subresource) ns=\(.namespace) name=\(.name)") | .[]' \
        --argjson n "$commands_sent" --argjson permissions "$(cat "$E2E_TMP/permissions.json")")
    expect_equal "requests of $(basename "$profile") not among validate's permissions" "" "$uncovered"
    local checked
    checked=$(sim_jq "$RBAC_JQ"' .[:$n] | pxclone_requests | map(rbac) | length' --argjson n "$commands_sent")
    [[ $checked -gt 100 ]] || e2e_fail "only $checked Kubernetes requests were checked"
}

sim_start
life "$E2E_PROFILES/restore-portworx.yaml"
sim_restart
life "$E2E_PROFILES/restore-csi.yaml"
e2e_done
