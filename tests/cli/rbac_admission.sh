#!/usr/bin/env bash
# `pxclone rbac --admission-policy` adds a ValidatingAdmissionPolicy and its binding after the RBAC
# objects (YAML and -o json); without the flag neither is printed. Contacts no cluster.
set -u
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$1"
expect_help rbac --admission-policy
check 0 "kind: ValidatingAdmissionPolicyBinding" rbac -p "$profile" --admission-policy
check 0 "request.userInfo.username == 'system:serviceaccount:ci:pxclone'" \
    rbac -p "$profile" --service-account ci/pxclone --admission-policy
check 0 '"kind": "ValidatingAdmissionPolicy"' rbac -p "$profile" --admission-policy -o json
check 0 '"validationActions": [' rbac -p "$profile" --admission-policy -o json
check 2 "rbac prints yaml or json, not env" rbac -p "$profile" --admission-policy -o env
out=$(env -i PATH="$PATH" KUBECONFIG=/nonexistent "$pxclone" rbac -p "$profile" 2>&1)
if grep -q ValidatingAdmissionPolicy <<<"$out"; then
    echo "FAIL: pxclone rbac without --admission-policy printed a ValidatingAdmissionPolicy"
    fail=1
fi
exit $fail
