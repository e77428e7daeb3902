#!/usr/bin/env bash
# libcurl is loaded only when a command first needs to talk to a server (src/http/libcurl_api.hpp):
# ld.so's own trace (LD_DEBUG=files names every library it maps) shows that the commands that never
# do (validate, completion, --help, usage errors, shell completion of contexts) do not map it, that
# `version -o json` (which reports libcurl's version) does, and that a libcurl.so.4 that cannot be
# loaded is one clear error line with exit 1 and a hint.
set -u
pxclone=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
profile=examples/mongodb/pxclone.yaml
cat >"$tmp/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: here, context: {cluster: c, user: u}}]
current-context: here
EOF

# maps_libcurl ARGS...: ld.so's trace of `pxclone ARGS` names libcurl.so.4 (its exit is ignored).
maps_libcurl() {
    env -i PATH="$PATH" CODEBUILD_BUILD_NUMBER=9 GITHUB_SHA=0123456789abcdef LD_DEBUG=files \
        "$pxclone" "$@" 2>&1 >/dev/null | grep -q 'file=libcurl\.so\.4'
}
expect_no_libcurl() {
    if maps_libcurl "$@"; then
        echo "FAIL: pxclone $* loads libcurl.so.4"
        fail=1
    fi
}

# Few runs, in two groups at once: each start of an ASan build costs ~0.4 s of CPU (the CI budget
# is 5 s per test). Each group prints its failures and returns non-zero when it has any.
libcurl_checks() {
    expect_no_libcurl validate -p "$profile" -o json
    expect_no_libcurl __complete contexts --kubeconfig "$tmp/kubeconfig"
    # The probe can see libcurl when it is loaded.
    maps_libcurl version -o json || { echo "FAIL: version -o json does not load libcurl.so.4"; fail=1; }
    # A libcurl.so.4 that cannot be loaded (an empty file found first through LD_LIBRARY_PATH).
    mkdir "$tmp/lib"
    : >"$tmp/lib/libcurl.so.4"
    out=$(env -i PATH="$PATH" CODEBUILD_BUILD_NUMBER=9 LD_LIBRARY_PATH="$tmp/lib" \
        "$pxclone" list -p "$profile" --kubeconfig "$tmp/kubeconfig" --context here 2>&1)
    got=$?
    want="pxclone: error: cannot load libcurl.so.4: $tmp/lib/libcurl.so.4: file too short"
    if [ "$got" != 1 ] || [ "$(head -n 1 <<<"$out")" != "$want" ] ||
        ! grep -qF 'hint: pxclone talks to servers through libcurl: install it' <<<"$out"; then
        echo "FAIL: list without a loadable libcurl exited $got and said: $out"
        fail=1
    fi
    # version -o json says why it has no libcurl version, and still succeeds.
    out=$(env -i PATH="$PATH" LD_LIBRARY_PATH="$tmp/lib" "$pxclone" version -o json 2>&1)
    grep -qF '"libcurl": "unavailable (cannot load libcurl.so.4: ' <<<"$out" ||
        { echo "FAIL: version -o json without libcurl printed: $out"; fail=1; }
    return $fail
}
libcurl_checks &
libcurl_group=$!

mkdir "$tmp/bin" "$tmp/p"
cat >"$tmp/bin/git" <<SCRIPT
#!/bin/sh
echo started >>"$tmp/git-starts"
echo 0123456789abcdef0123456789abcdef01234567
SCRIPT
chmod +x "$tmp/bin/git"
cat >"$tmp/p/plain.yaml" <<'PROFILE'
version: 1
name: startup
portworx: {endpoint: "service:kube-system/portworx-api:9021"}
source: {namespace: prod, pvcs: [data]}
staging: {namespace: stg, manifests: [m.yaml]}
PROFILE
# shellcheck disable=SC2016 # a literal ${git.sha}
sed 's/namespace: stg,/namespace: "stg-${git.sha}",/' "$tmp/p/plain.yaml" >"$tmp/p/sha.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n' >"$tmp/p/m.yaml"
# git_starts WANT ARGS...: `pxclone ARGS` succeeds and starts git WANT times; its output is $out.
git_starts() {
    local want=$1 got
    shift
    rm -f "$tmp/git-starts"
    out=$(env -i PATH="$tmp/bin:$PATH" "$pxclone" "$@" 2>&1) ||
        { echo "FAIL: pxclone $* failed: $out"; fail=1; return; }
    got=0
    [ -f "$tmp/git-starts" ] && got=$(wc -l <"$tmp/git-starts")
    [ "$got" = "$want" ] || { echo "FAIL: pxclone $* started git $got times, want $want"; fail=1; }
}
git_starts 0 validate -p "$tmp/p/plain.yaml"
git_starts 1 validate -p "$tmp/p/sha.yaml" -o name
git_starts 1 validate -p "$tmp/p/plain.yaml" -o env
grep -qx "PXCLONE_GIT_SHA='0123456789abcdef0123456789abcdef01234567'" <<<"$out" ||
    { echo "FAIL: validate -o env does not print the commit git gave: $out"; fail=1; }
wait "$libcurl_group" || fail=1
exit $fail
