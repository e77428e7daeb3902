#!/usr/bin/env bash
# scripts/release.sh --check: the release artefacts keep issue 20's promises.
#   - each tarball holds bin/pxclone, the bin/kubectl-pxclone symlink, the man pages, the three
#     completions and a README, and is listed in SHA256SUMS with the right sum;
#   - each binary (readelf): the right machine, NEEDED only libc, libm and the dynamic loader, no
#     GLIBC_ version newer than 2.34;
#   - the amd64 tarball runs in an empty root against pxsim, and says which package to install
#     when libcurl.so.4 is missing (tests/release/empty_root.sh);
#   - the arm64 binary runs under qemu-aarch64 (tests/release/arm64.sh);
#   - each .deb holds the same binary as its tarball, the symlink, and Depends on libc6 (>= 2.34)
#     and libcurl4 only.
# Usage: tests/release/check.sh DIST VERSION PXSIM (from the source tree)
set -uo pipefail
dist=$1
version=$2
pxsim=$3
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed() {
    echo "FAIL: $*"
    fail=1
}

# check_elf BINARY ARCH: machine, NEEDED, highest GLIBC_ version; prints what it found.
check_elf() {
    local binary=$1 arch=$2 machine needed lib max newer
    case $arch in
        amd64) machine='Advanced Micro Devices X86-64' ;;
        arm64) machine='AArch64' ;;
    esac
    [[ $(readelf -h "$binary") =~ Machine:\ *$machine ]] || failed "$arch: not a $machine binary"
    needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    while read -r lib; do
        [[ $lib =~ ^(libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$ ]] ||
            failed "$arch: needs $lib (only glibc may be linked dynamically)"
    done <<<"$needed"
    # Every version the binary asks of glibc (the version-needs section), and the symbols behind
    # any newer than 2.34.
    max=$(readelf -V -W "$binary" | grep -o 'Name: GLIBC_[0-9.]*' | sed 's/Name: GLIBC_//' |
        sort -V | tail -n 1)
    [ -n "$max" ] || failed "$arch: no GLIBC_ version found by readelf -V"
    if [ "$(printf '%s\n' "$max" 2.34 | sort -V | tail -n 1)" != 2.34 ]; then
        newer=$(readelf --dyn-syms -W "$binary" | grep -oE '[^ ]+@GLIBC_2\.(3[5-9]|[4-9][0-9])[^ ]*' |
            tr '\n' ' ')
        failed "$arch: needs GLIBC_$max (> 2.34): $newer"
    fi
    echo "$arch: $(stat -c %s "$binary") bytes; NEEDED $(echo "$needed" | tr '\n' ' '); highest GLIBC_$max"
}

for arch in amd64 arm64; do
    name=pxclone-$version-linux-$arch
    tarball=$dist/$name.tar.gz
    [ -f "$tarball" ] || { failed "$tarball is missing"; continue; }
    (cd "$dist" && grep " $name.tar.gz\$" SHA256SUMS | sha256sum -c --quiet -) ||
        failed "$name.tar.gz does not match SHA256SUMS"
    mkdir -p "$tmp/$arch"
    tar -xzf "$tarball" -C "$tmp/$arch"
    tree=$tmp/$arch/$name
    got=$(cd "$tree" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
    want=$(printf '%s\n' README.md bin/pxclone bin/kubectl-pxclone share/man/man1/pxclone.1.gz \
        share/man/man5/pxclone-profile.5.gz share/bash-completion/completions/pxclone \
        share/zsh/vendor-completions/_pxclone share/fish/vendor_completions.d/pxclone.fish |
        { cat; [ ! -f LICENSE ] || echo LICENSE; } | sort)
    [ "$got" = "$want" ] || failed "$name.tar.gz holds other files: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
    [ "$(readlink "$tree/bin/kubectl-pxclone")" = pxclone ] ||
        failed "$name: bin/kubectl-pxclone is not a symlink to pxclone"
    check_elf "$tree/bin/pxclone" "$arch"

    deb=$dist/pxclone_${version}_$arch.deb
    [ -f "$deb" ] || { failed "$deb is missing"; continue; }
    [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || failed "$deb: Architecture is not $arch"
    depends=$(dpkg-deb -f "$deb" Depends)
    [ "$depends" = "libc6 (>= 2.34), libcurl4 (>= 7.77.0)" ] ||
        failed "$deb: Depends is '$depends'"
    dpkg-deb -x "$deb" "$tmp/deb-$arch"
    cmp -s "$tmp/deb-$arch/usr/bin/pxclone" "$tree/bin/pxclone" ||
        failed "$deb: usr/bin/pxclone is not the tarball's binary"
    [ "$(readlink "$tmp/deb-$arch/usr/bin/kubectl-pxclone")" = pxclone ] ||
        failed "$deb: usr/bin/kubectl-pxclone is not a symlink to pxclone"
done

if [ -f "$dist/pxclone.krew.yaml" ]; then
    ! grep -n '@[A-Z0-9_]*@' "$dist/pxclone.krew.yaml" || failed "pxclone.krew.yaml: unfilled placeholders"
    for arch in amd64 arm64; do
        sum=$(sha256sum "$dist/pxclone-$version-linux-$arch.tar.gz" | cut -d' ' -f1)
        grep -q "sha256: $sum\$" "$dist/pxclone.krew.yaml" || failed "pxclone.krew.yaml: no sha256 of $arch"
    done
fi

# Each run's files stay in its own temp dir; it prints PASS or FAIL and what it saw.
bash tests/release/empty_root.sh "$tmp/amd64/pxclone-$version-linux-amd64" "$pxsim" || fail=1
bash tests/release/arm64.sh "$tmp/arm64/pxclone-$version-linux-arm64/bin/pxclone" || fail=1

if [ "$fail" = 0 ]; then
    echo "release check: PASS"
else
    echo "release check: FAIL"
fi
exit $fail
