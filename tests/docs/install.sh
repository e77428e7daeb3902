#!/usr/bin/env bash
# `cmake --install` into a temporary DESTDIR with prefix /usr puts exactly these files (and the
# kubectl-pxclone symlink) in the standard places, and the installed binary runs. The binary's shared libraries come from the
# Debian packages the .deb must depend on (dpkg-shlibdeps derives Depends from the same files).
# Usage: install.sh CMAKE BUILD_DIR DOCS(0|1)
set -u
cmake=$1
build=$2
docs=$3
fail=0
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if ! out=$(DESTDIR=$dest "$cmake" --install "$build" --prefix /usr 2>&1); then
    echo "FAIL: cmake --install:"
    echo "$out"
    exit 1
fi
want=(
    usr/bin/pxclone
    usr/share/bash-completion/completions/pxclone
    usr/share/fish/vendor_completions.d/pxclone.fish
    usr/share/zsh/vendor-completions/_pxclone
)
for schema in docs/schema/*.schema.json; do
    want+=("usr/share/pxclone/schema/${schema##*/}")
done
if [ "$docs" = 1 ]; then
    want+=(usr/share/man/man1/pxclone.1.gz usr/share/man/man5/pxclone-profile.5.gz)
fi
got=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)
expected=$(printf '%s\n' "${want[@]}" | sort)
if [ "$got" != "$expected" ]; then
    echo "FAIL: installed files differ from the expected set:"
    diff <(echo "$expected") <(echo "$got")
    fail=1
fi
[ -x "$dest/usr/bin/pxclone" ] || { echo "FAIL: usr/bin/pxclone is not executable"; fail=1; }
# kubectl finds plugins by their name on PATH: kubectl-pxclone, a relative symlink to pxclone.
[ "$(readlink "$dest/usr/bin/kubectl-pxclone")" = pxclone ] ||
    { echo "FAIL: usr/bin/kubectl-pxclone is not a symlink to pxclone"; fail=1; }
version=$("$dest/usr/bin/pxclone" --version 2>&1) ||
    { echo "FAIL: the installed pxclone does not run: $version"; fail=1; }
[[ $version == "pxclone "* ]] || { echo "FAIL: pxclone --version printed '$version'"; fail=1; }
cmp -s docs/schema/snapshotset.schema.json "$dest/usr/share/pxclone/schema/snapshotset.schema.json" ||
    { echo "FAIL: the installed schemas are not docs/schema/"; fail=1; }
cmp -s completions/pxclone.bash "$dest/usr/share/bash-completion/completions/pxclone" ||
    { echo "FAIL: the installed bash completion is not completions/pxclone.bash"; fail=1; }
if [ "$docs" = 1 ]; then
    # Compressed with -n (no name or time stamp in the header: reproducible), and a built page.
    for page in man1/pxclone.1 man5/pxclone-profile.5; do
        gz=$dest/usr/share/man/$page.gz
        [ "$(od -An -tx1 -j4 -N4 "$gz" | tr -d ' ')" = 00000000 ] ||
            { echo "FAIL: usr/share/man/$page.gz carries a time stamp (gzip without -n)"; fail=1; }
        gzip -dc "$gz" | grep -q '^\.TH "pxclone' ||
            { echo "FAIL: usr/share/man/$page.gz is not a built man page"; fail=1; }
    done
fi

# The packages behind the binary's shared libraries (what the .deb's Depends will name).
if command -v dpkg >/dev/null && command -v ldd >/dev/null; then
    packages=$(ldd "$dest/usr/bin/pxclone" | awk '$3 ~ /^\// { print $3 }' |
        xargs -r realpath | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u)
    for package in libyaml-cpp0.7 libfmt9; do
        grep -qx "$package" <<<"$packages" ||
            { echo "FAIL: pxclone does not link a library of $package (links: $packages)"; fail=1; }
    done
    # libcurl is loaded with dlopen() when a command first talks to a server, never linked (start-up
    # time): dpkg-shlibdeps cannot see it, so cmake/Packaging.cmake names libcurl4 itself, the
    # package that ships the soname pxclone opens.
    if grep -qx libcurl4 <<<"$packages"; then
        echo "FAIL: pxclone links libcurl (every start would load its libraries)"
        fail=1
    fi
    grep -q 'CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 ' "$build/CPackConfig.cmake" ||
        { echo "FAIL: the package does not depend on libcurl4 ($build/CPackConfig.cmake)"; fail=1; }
    grep -aq 'libcurl\.so\.4' "$dest/usr/bin/pxclone" ||
        { echo "FAIL: the binary does not name libcurl.so.4"; fail=1; }
    soname_package=$(dpkg -S '*/libcurl.so.4' 2>/dev/null | cut -d: -f1 | sort -u)
    [ "$soname_package" = libcurl4 ] ||
        { echo "FAIL: libcurl.so.4 comes from '$soname_package', not libcurl4"; fail=1; }
fi
exit $fail
