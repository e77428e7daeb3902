#!/usr/bin/env bash
# The release tarball runs on a machine that has nothing but glibc and libcurl (issue 20): a root
# directory holding only the tarball's files, the dynamic loader, libc, libm, libcurl.so.4 and the
# libraries it needs (ldd) and the CA certificates. chroot'ed into it, pxclone runs `version`,
# `validate` and a snapshot → deploy-staging → teardown pipeline against pxsim outside (loopback),
# leaving pxsim as it found it. Then, with libcurl.so.4 removed from the root, `version` and
# `validate` still work and a command that talks to a server fails with the one clear line
# naming the package to install, exit 1 (not the loader's message).
# Usage: tests/release/empty_root.sh TARBALL_TREE PXSIM (from the source tree; root, or
# unprivileged user namespaces for unshare)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"
tree=$1
e2e_init "$tree/bin/pxclone" "$2"

if [ "$(id -u)" = 0 ]; then
    chroot=("$(command -v chroot)")
else
    chroot=("$(command -v unshare)" --map-root-user "$(command -v chroot)")
fi

# The root: the tarball's files in place of /usr (bin/pxclone is /bin/pxclone), then glibc and
# libcurl with its closure from this machine, at the paths the loader looks in.
root=$E2E_TMP/root
mkdir -p "$root"
cp -a "$tree/." "$root/"
copy_in() {
    local file
    for file in "$@"; do
        mkdir -p "$root$(dirname "$file")"
        cp -L "$file" "$root$file"
    done
}
interpreter=$(readelf -l "$tree/bin/pxclone" | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
copy_in "$interpreter"
# shellcheck disable=SC2046 # one path per word
copy_in $(ldd "$tree/bin/pxclone" | awk '$3 ~ /^\// { print $3 }')
libcurl=$(ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64/ && !seen++ { print $NF }')
[ -n "$libcurl" ] || e2e_fail "no libcurl.so.4 on this machine (scripts/install-deps.sh --release)"
# shellcheck disable=SC2046
copy_in "$libcurl" $(ldd "$libcurl" | awk '$3 ~ /^\// { print $3 }')
copy_in /etc/ssl/certs/ca-certificates.crt
echo "empty root: $(find "$root" -type f | wc -l) files, $(du -sh "$root" | cut -f1)"

mkdir -p "$root/work"
cp -r examples/mongodb "$root/work/"
profile=/work/mongodb/pxclone.yaml

# root_run ARGS...: pxclone ARGS in the root, with no environment at all; like px_run.
root_run() {
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="(in the empty root) $*"
    PX_RC=0
    env -i "${chroot[@]}" "$root" /bin/pxclone "$@" >"$PX_OUT" 2>"$PX_ERR" </dev/null || PX_RC=$?
    echo "run $E2E_RUNS: (empty root) pxclone $* -> exit $PX_RC"
}

root_run version
expect_exit 0
expect_out_contains "pxclone "
root_run validate -p "$profile"
expect_exit 0

sim_start
cp "$E2E_TMP/k.yaml" "$root/work/k.yaml"
cluster=(--kubeconfig /work/k.yaml --context pxsim)
root_run version -o json
expect_exit 0
expect_json '.libraries.libcurl | startswith("unavailable") | not' true
root_run snapshot -p "$profile" --run rel-set --skip-hooks -q "${cluster[@]}"
expect_exit 0
root_run deploy-staging -p "$profile" --run rel-stg "${cluster[@]}"
expect_exit 0
expect_equal "staging PVCs bound" "3" "$(sim_get /_sim/state | jq '[.kubernetes["v1/persistentvolumeclaims"][]
    | select(.metadata.namespace == "orders-stg-rel-stg" and .status.phase == "Bound")] | length')"
root_run teardown -p "$profile" --run rel-stg --snapshots "${cluster[@]}"
expect_exit 0
expect_out_contains "teardown complete: "
owned='[(.kubernetes[][] | .metadata.labels["app.kubernetes.io/managed-by"]),
        (.portworx[] | .labels["app.kubernetes.io/managed-by"])] | map(select(. == "pxclone")) | length'
expect_equal "objects labelled managed-by=pxclone after teardown" 0 "$(sim_get /_sim/state | jq "$owned")"

# Without libcurl.so.4: what works offline still does; the rest names the package to install.
rm "$root$libcurl"
root_run version
expect_exit 0
root_run validate -p "$profile"
expect_exit 0
root_run list -p "$profile" "${cluster[@]}"
expect_exit 1
expect_equal "first line of stderr without libcurl" \
    "pxclone: error: libcurl.so.4 not found: install libcurl (Amazon Linux) or libcurl4 (Debian/Ubuntu)" \
    "$(head -n 1 "$PX_ERR")"
expect_err_lacks "error while loading shared libraries"

e2e_done
