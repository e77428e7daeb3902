#!/usr/bin/env bash
# `pxclone rbac` is enough and every verb of it is needed (issue 21): pxsim authorizes a
# ServiceAccount token by the RBAC objects applied to it. The admin applies `pxclone rbac`'s
# output; then, with a kubeconfig holding the ServiceAccount's token, the whole pipeline passes
# (validate --online, snapshot, deploy-staging, list, restore, teardown). Then minimality: each
# verb of each rule in turn is taken away (the admin replaces that Role or ClusterRole), and a
# command that needs it (the commands `validate --online -o json` names for the permissions the
# rule grants, tried in the order that sets up each) fails with the server's "forbidden" naming
# the verb, the resource and the namespace; the rule is put back before the next one. A failed
# masking Job's log is read only on failure: that rule is shown under Jobs that fail. Last,
# without any rule, validate --online names each of those permissions as denied. The portworx
# profile sets staging.role_binding: the staging ClusterRole is bound by deploy-staging inside each
# staging namespace only, so the ServiceAccount cannot delete or patch production's objects (a
# direct request is refused). A csi profile's rules (without staging.role_binding) carry its whole
# pipeline as well.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

readonly SA_TOKEN="pxsim-e2e-sa-token-9b27e1c4"
profile=$E2E_PROFILES/restore-portworx-bound.yaml

# admin METHOD PATH [JSON]: the Kubernetes API as pxsim's unrestricted admin (field manager
# e2e-admin: the invariants leave the test's own requests out); prints the reply.
admin() {
    local args=(-sS --max-time 20 -X "$1" -H "Authorization: Bearer $E2E_TOKEN"
        -H 'Content-Type: application/json' "$SIM_URL$2?fieldManager=e2e-admin")
    [[ $# -lt 3 ]] || args+=(--data "$3")
    curl "${args[@]}" || e2e_fail "admin $1 $2"
}
# path_of OBJECT: the object's path on the API (its collection when $2 is "collection").
path_of() {
    jq -r --arg what "${2:-object}" '
        (if .apiVersion == "v1" then "/api/v1" else "/apis/\(.apiVersion)" end) as $base
        | ({ServiceAccount: "serviceaccounts", Role: "roles", RoleBinding: "rolebindings",
             ClusterRole: "clusterroles", ClusterRoleBinding: "clusterrolebindings"}[.kind]) as $plural
        | (if .metadata.namespace then "/namespaces/\(.metadata.namespace)" else "" end) as $ns
        | "\($base)\($ns)/\($plural)" + (if $what == "collection" then "" else "/\(.metadata.name)" end)' <<<"$1"
}
# put_role OBJECT: the admin replaces a Role or ClusterRole.
put_role() {
    local path current reply
    path=$(path_of "$1")
    current=$(admin GET "$path")
    reply=$(admin PUT "$path" "$(jq -c --argjson current "$current" \
        '.metadata.resourceVersion = $current.metadata.resourceVersion' <<<"$1")")
    [[ $(jq -r .kind <<<"$reply") == "$(jq -r .kind <<<"$1")" ]] || e2e_fail "PUT $path: $reply"
}

# 1. The RBAC objects pxclone rbac prints (it contacts no cluster), applied by the admin: pxsim
# starts with them (and the ServiceAccount's namespace), so that its request log holds only
# pxclone's requests and the admin's later replacements of roles.
"$E2E_PXCLONE" rbac -p "$profile" --service-account ci/pxclone -o json >"$E2E_TMP/rbac.json" ||
    e2e_fail "pxclone rbac failed"
sa_state "$E2E_TMP/rbac.json" >"$E2E_TMP/rbac-state.yaml"
sa_start "$SA_TOKEN" "$E2E_TMP/rbac-state.yaml"
[[ $(admin GET /apis/rbac.authorization.k8s.io/v1/clusterroles | jq '.items | length') -ge 1 ]] ||
    e2e_fail "pxsim did not load the ClusterRoles"

# 2. The whole pipeline as the ServiceAccount.
time_start=$SECONDS
as_sa validate --online -p "$profile" --run r1 -o json
expect_exit 0
as_sa snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
as_sa list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | .run] | join(",")' r1
as_sa restore -p "$profile" --run r1 --all -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run r2 --snapshot s1 -q
expect_exit 0
as_sa teardown -p "$profile" --run r2 -q
expect_exit 0
echo "pipeline: $((SECONDS - time_start))s"
# The ServiceAccount is no admin: what no rule grants is refused.
denied=$(curl -sS --max-time 20 -H "Authorization: Bearer $SA_TOKEN" "$SIM_URL/api/v1/namespaces/prod/secrets")
expect_equal "the ServiceAccount reading prod's Secrets" \
    'secrets is forbidden: User "system:serviceaccount:ci:pxclone" cannot list resource "secrets" in API group "" in the namespace "prod"' \
    "$(jq -r .message <<<"$denied")"
# No rule lets it change production: deleting or patching a Deployment, a PVC or the namespace.
# sa_write METHOD PATH: the test's own request with the ServiceAccount's token (field manager
# e2e-admin: not pxclone's, for the invariants); prints "STATUS MESSAGE".
sa_write() {
    curl -sS --max-time 20 -X "$1" -H "Authorization: Bearer $SA_TOKEN" \
        -H 'Content-Type: application/merge-patch+json' --data '{"metadata":{"labels":{"x":"y"}}}' \
        "$SIM_URL$2?fieldManager=e2e-admin" | jq -r '"\(.code) \(.message)"'
}
for method in DELETE PATCH; do
    verb=${method,,}
    expect_equal "$verb prod's Deployment" \
        "403 deployments.apps \"mongo\" is forbidden: User \"system:serviceaccount:ci:pxclone\" cannot $verb resource \"deployments\" in API group \"apps\" in the namespace \"prod\"" \
        "$(sa_write "$method" /apis/apps/v1/namespaces/prod/deployments/mongo)"
    expect_equal "$verb prod's PVC" \
        "403 persistentvolumeclaims \"mongo-data-mongo-0\" is forbidden: User \"system:serviceaccount:ci:pxclone\" cannot $verb resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"prod\"" \
        "$(sa_write "$method" /api/v1/namespaces/prod/persistentvolumeclaims/mongo-data-mongo-0)"
    expect_equal "$verb the namespace prod" \
        "403 namespaces \"prod\" is forbidden: User \"system:serviceaccount:ci:pxclone\" cannot $verb resource \"namespaces\" in API group \"\" in the namespace \"prod\"" \
        "$(sa_write "$method" /api/v1/namespaces/prod)"
done
# The commands that need each permission, as validate --online names them (for run r1).
as_sa validate --online -p "$profile" --run r1 -o json
expect_exit 0
json_out '[.checks[] | select(.name == "access")][0].permissions' >"$E2E_TMP/permissions.json"

# 3. Minimality: each verb of each rule, taken away in turn.
# entries: one line per (object, rule, verb) of the Roles and ClusterRoles, with the commands
# that need a permission the rule grants, in the order they are tried below.
jq -c --slurpfile permissions "$E2E_TMP/permissions.json" '
    .items | to_entries[] | select(.value.kind == "Role" or .value.kind == "ClusterRole")
    | .key as $item | .value as $role
    | $role.rules | to_entries[] | .key as $rule | .value as $r
    | $r.verbs[] as $verb
    | {item: $item, rule: $rule, verb: $verb, group: $r.apiGroups[0], resource: $r.resources[0],
       names: ($r.resourceNames // []), ns: ($role.metadata.namespace // ""), role: $role.metadata.name}
    | . as $e
    | .commands = ([$permissions[0][]
        | select(.verb == $e.verb and .group == $e.group
                 and (.resource + (if .subresource == "" then "" else "/" + .subresource end)) == $e.resource
                 and ($e.names == [] or (.name as $n | $e.names | index($n)))
                 and ($e.ns == "" or .namespace == $e.ns))
        | .neededBy[]] | unique)' "$E2E_TMP/rbac.json" >"$E2E_TMP/entries.jsonl"
entries=$(wc -l <"$E2E_TMP/entries.jsonl")
[[ $entries -gt 30 ]] || e2e_fail "only $entries verbs in pxclone rbac's rules"

# try COMMAND N: runs one command that may need the missing permission (N names its runs).
try() {
    case $1 in
    list) as_sa list -p "$profile" ;;
    snapshot) as_sa snapshot -p "$profile" --run "m$2" --skip-hooks -q ;;
    restore) as_sa restore -p "$profile" --run r1 --all -q ;;
    restore-other)
        as_sa restore -p "$profile" --run r1 --all --snapshot "$other_set" -q
        if [[ $PX_RC == 0 ]]; then # r1 is on that set now
            [[ $other_set == s2 ]] && other_set=s1 || other_set=s2
        fi
        ;;
    deploy-again) as_sa deploy-staging -p "$profile" --run d1 --snapshot s1 -q ;;
    deploy-staging) as_sa deploy-staging -p "$profile" --run "m$2" --snapshot s1 -q ;;
    # (what a denied delete leaves is waited for no longer than 5s: exit 5 says the rest)
    teardown) as_sa teardown -p "$profile" --run "t$2" --timeout 5s -q ;;
    validate) as_sa validate --online -p "$profile" --run r1 ;;
    esac
}

# deploy-again re-runs deploy-staging on a complete environment d1 (it adopts what exists: the
# GET after AlreadyExists); restore-other swaps r1 to the other set and back (the replace path: PVCs made again).
as_sa snapshot -p "$profile" --run s2 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run d1 --snapshot s1 -q
expect_exit 0
other_set=s2
# expect_denial: the failed command quotes the server's denial: the verb, the resource, and
# where. A server-side apply that would create is denied with RBAC's empty reason: pxclone's hint
# names the verbs, the resource and the namespace instead.
expect_denial() {
    if [[ $verb == bind ]]; then # RBAC's escalation check on the RoleBinding, not the authorizer
        expect_err_contains "rolebindings.rbac.authorization.k8s.io \"pxclone-orders-staging\" is forbidden: user \"system:serviceaccount:ci:pxclone\""
        expect_err_contains "is attempting to grant RBAC permissions not currently held"
        return
    fi
    if grep -qF "cannot $verb resource \"$resource\" in API group \"$group\"" "$PX_ERR"; then
        expect_err_contains "forbidden: User \"system:serviceaccount:ci:pxclone\" cannot $verb resource \"$resource\" in API group \"$group\""
        if [[ -n $ns ]]; then
            expect_err_contains "in the namespace \"$ns\""
        else
            grep -qE 'in the namespace "[a-z0-9-]+"|at the cluster scope' "$PX_ERR" ||
                e2e_fail "$what: the denial names no namespace or scope"
        fi
    else
        expect_err_contains "is forbidden"
        expect_err_contains "pxclone needs RBAC permission to \`"
        expect_err_contains "\`$verb\`"
        expect_err_contains " ${resource%%/*} (API group \"$group\") in namespace \"orders-"
    fi
}

time_start=$SECONDS
n=0
while IFS= read -r entry; do
    n=$((n + 1))
    read -r item rule verb group resource ns role < <(jq -r \
        '"\(.item) \(.rule) \(.verb) \(.group | if . == "" then "-" else . end) \(.resource) \(.ns | if . == "" then "-" else . end) \(.role)"' <<<"$entry")
    [[ $group == - ]] && group=""
    [[ $ns == - ]] && ns=""
    what="$verb $resource${group:+ ($group)} of $role"
    described="${resource%%/*}${group:+.$group}"
    [[ $resource == */* ]] && described="$described/${resource#*/}"
    mapfile -t commands < <(jq -r '.commands[]' <<<"$entry")
    if [[ $resource == pods/log ]]; then # read only when the masking Job failed: section 4
        echo "$entry" >>"$E2E_TMP/on-failure.jsonl"
        continue
    fi
    [[ ${#commands[@]} -gt 0 ]] || e2e_fail "$what: no command needs it, says validate --online"
    echo "cannot $verb $described" >>"$E2E_TMP/denials"
    # The order: cheap reads first, commands that set up their own state last.
    order=()
    for candidate in list snapshot restore restore-other deploy-again deploy-staging teardown; do
        wanted=${candidate/deploy-again/deploy-staging}
        wanted=${wanted/restore-other/restore}
        [[ " ${commands[*]} " == *" $wanted "* ]] && order+=("$candidate")
    done
    original=$(jq -c --argjson i "$item" '.items[$i]' "$E2E_TMP/rbac.json")
    without=$(jq -c --argjson r "$rule" --arg v "$verb" \
        '.rules[$r].verbs -= [$v] | .rules |= map(select(.verbs != []))' <<<"$original")
    put_role "$without"
    failed=""
    ran=()
    for candidate in "${order[@]}"; do
        if [[ $candidate == teardown ]]; then
            # An environment to tear down, made with every rule.
            put_role "$original"
            as_sa deploy-staging -p "$profile" --run "t$n" --snapshot s1 -q
            expect_exit 0
            put_role "$without"
        fi
        ran+=("$candidate")
        try "$candidate" "$n"
        if [[ $PX_RC != 0 ]]; then
            failed=$candidate
            break
        fi
    done
    if [[ -z $failed ]]; then
        # A wait lists, then watches only when the condition does not hold yet: whether it
        # needs its watch depends on how fast pxsim's controllers are, so a watch may be
        # unneeded in one run (validate --online names it all the same, section 5).
        [[ $verb == watch ]] || e2e_fail "$what: none of ${order[*]} failed without it"
        echo "  without $what: nothing waited long enough to watch this time"
    else
        expect_denial
        echo "  without $what: $failed fails"
    fi
    put_role "$original"
    # Clean up: finish what failed, remove what this round made.
    case $failed in
    restore | restore-other | deploy-again)
        try "$failed" "$n"
        expect_exit 0
        ;;
    esac
    if [[ $failed == deploy-staging && $resource =~ ^(rolebindings|clusterroles)$ ]]; then
        # Its namespace was made but not bound: the ServiceAccount may not delete it until the
        # same deploy-staging, run again, has made its RoleBinding.
        try deploy-staging "$n"
        expect_exit 0
    fi
    for candidate in "${ran[@]}"; do
        case $candidate in
        snapshot | deploy-staging) as_sa teardown -p "$profile" --run "m$n" --snapshots -q ;;
        teardown) as_sa teardown -p "$profile" --run "t$n" -q ;;
        *) continue ;;
        esac
        expect_exit 0
    done
done <"$E2E_TMP/entries.jsonl"
echo "minimality: $n verbs in $((SECONDS - time_start))s"

# 4. What only a failure reads: a failed masking Job's pod log, quoted in deploy-staging's error.
# pxsim fails every Job now; with the rule the log is quoted, without it the denial is.
[[ -s $E2E_TMP/on-failure.jsonl ]] || e2e_fail "no pods/log rule in pxclone rbac's output"
sa_start "$SA_TOKEN" "$E2E_TMP/rbac-state.yaml" --faults rate=1,kinds=job-fail
as_sa snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run f0 --snapshot s1 -q
expect_exit 1
expect_err_contains "; log of pod orders-f0-mask-"
expect_err_lacks "forbidden"
while IFS= read -r entry; do
    n=$((n + 1))
    read -r item rule verb resource ns role < <(jq -r \
        '"\(.item) \(.rule) \(.verb) \(.resource) \(.ns | if . == "" then "-" else . end) \(.role)"' <<<"$entry")
    [[ $ns == - ]] && ns=""
    group=""
    what="$verb $resource of $role"
    echo "cannot $verb $resource" >>"$E2E_TMP/denials"
    original=$(jq -c --argjson i "$item" '.items[$i]' "$E2E_TMP/rbac.json")
    put_role "$(jq -c --argjson r "$rule" --arg v "$verb" \
        '.rules[$r].verbs -= [$v] | .rules |= map(select(.verbs != []))' <<<"$original")"
    as_sa deploy-staging -p "$profile" --run "f$n" --snapshot s1 -q
    expect_exit 1
    failed=deploy-staging
    expect_denial
    echo "  without $what: a failed deploy-staging quotes the denial instead of the log"
    put_role "$original"
done <"$E2E_TMP/on-failure.jsonl"

# 5. validate --online names every one of those permissions as denied, in the same words as the
# commands' hints, once the ServiceAccount has no rule at all. Run r1's namespace is there with
# deploy-staging's RoleBinding (made by the admin: every deploy-staging fails under job-fail), so
# what the staging ClusterRole grants in it is asked too.
labels='{"app.kubernetes.io/managed-by":"pxclone","pxclone.io/profile":"orders","pxclone.io/run":"r1","pxclone.io/role":"staging"}'
admin POST /api/v1/namespaces \
    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"orders-stg-r1\",\"labels\":$labels}}" >/dev/null
admin POST /apis/rbac.authorization.k8s.io/v1/namespaces/orders-stg-r1/rolebindings \
    "$(jq -c '.items[] | select(.kind == "ClusterRole" and .metadata.name == "pxclone-orders-staging")
        | {apiVersion, kind: "RoleBinding", metadata: {name: .metadata.name, namespace: "orders-stg-r1"},
           roleRef: {apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: .metadata.name},
           subjects: [{kind: "ServiceAccount", name: "pxclone", namespace: "ci"}]}' "$E2E_TMP/rbac.json")" >/dev/null
while IFS= read -r object; do
    put_role "$(jq -c '.rules = []' <<<"$object")"
done < <(jq -c '.items[] | select(.kind == "Role" or .kind == "ClusterRole")' "$E2E_TMP/rbac.json")
as_sa validate --online -p "$profile" --run r1
expect_exit 1
while IFS= read -r denial; do
    expect_out_contains "$denial"
done <"$E2E_TMP/denials"

# 6. Method csi: its own rules (VolumeSnapshots in the source namespace, their contents) are
# enough for the whole pipeline too.
csi=$E2E_PROFILES/restore-csi.yaml
"$E2E_PXCLONE" rbac -p "$csi" --service-account ci/pxclone -o json >"$E2E_TMP/rbac-csi.json" ||
    e2e_fail "pxclone rbac (csi) failed"
sa_state "$E2E_TMP/rbac-csi.json" >"$E2E_TMP/rbac-csi-state.yaml"
sa_start "$SA_TOKEN" "$E2E_TMP/rbac-csi-state.yaml"
as_sa validate --online -p "$csi" --run r1 -o json
expect_exit 0
as_sa snapshot -p "$csi" --run s1 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$csi" --run r1 --snapshot s1 -q
expect_exit 0
as_sa list -p "$csi" -o json
expect_exit 0
as_sa restore -p "$csi" --run r1 --all -q
expect_exit 0
as_sa teardown -p "$csi" --run r1 --snapshots -q
expect_exit 0
e2e_done
