#!/usr/bin/env bash
# Installs the Debian 12 packages pxclone needs to build and test, and only those that are missing.
# Idempotent; runs apt-get as root, or through sudo when not root. Says what it does.
#
# --release: also what scripts/release.sh needs: the arm64 cross compiler, the :arm64 libraries
# through Debian multiarch, qemu-user to run the arm64 binary, binutils (readelf) and what the
# empty-root test copies in (libcurl4, CA certificates). libyaml-cpp-dev:arm64 cannot be installed
# beside libyaml-cpp-dev (both own /usr/include/yaml-cpp, not Multi-Arch: same; apt would remove
# the amd64 one), so it and its library package are unpacked into build/deps-arm64 for the cross
# build instead.
set -euo pipefail

release=0
case "${1:-}" in
    --release) release=1 ;;
    "") ;;
    *)
        echo "usage: $0 [--release]" >&2
        exit 2
        ;;
esac

packages=(
    # toolchain
    g++ cmake make pkg-config git ccache
    # the mandated libraries
    libcli11-dev libcurl4-openssl-dev libyaml-cpp-dev libfmt-dev doctest-dev nlohmann-json3-dev
    libcpp-httplib-dev
    # tests, docs and CI checks
    openssl curl jq clang-format scdoc groff-base zsh fish shellcheck dpkg-dev python3 time
    # tests/e2e/json-schema.sh: every -o json|yaml document against docs/schema/
    python3-jsonschema python3-yaml
    # tests/e2e/http2-proxy.sh and bench/run.sh --http2: nghttpx, an HTTP/2 (ALPN) proxy before pxsim
    nghttp2-proxy
    # the libFuzzer stage of CI (tests/fuzz)
    clang-14 libclang-rt-14-dev
)
if [ "$release" = 1 ]; then
    packages+=(
        g++-aarch64-linux-gnu qemu-user binutils
        libfmt-dev:arm64 libcurl4-openssl-dev:arm64
        libcurl4 ca-certificates
    )
fi

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
else
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "install-deps: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
            exit 1
        fi
        sudo=(sudo)
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$release" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
        echo "install-deps: adding the arm64 architecture (Debian multiarch)"
        "${sudo[@]}" dpkg --add-architecture arm64
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$release" = 1 ]; then
    deps_arm64=$(cd "$(dirname "$0")/.." && pwd)/build/deps-arm64
    if [ ! -e "$deps_arm64/usr/lib/aarch64-linux-gnu/libyaml-cpp.a" ]; then
        echo "install-deps: unpacking libyaml-cpp-dev:arm64 into $deps_arm64"
        download=$(mktemp -d)
        chmod 755 "$download" # apt-get download fetches as the _apt user
        (cd "$download" && apt-get download -q libyaml-cpp-dev:arm64)
        # and the library package it depends on (libyaml-cpp0.7), whose .so its CMake files name.
        runtime=$(dpkg-deb -f "$download"/libyaml-cpp-dev_*_arm64.deb Depends | sed 's/[ ,(].*//')
        (cd "$download" && apt-get download -q "$runtime:arm64")
        mkdir -p "$deps_arm64"
        for deb in "$download"/*.deb; do
            dpkg-deb -x "$deb" "$deps_arm64"
        done
        rm -rf "$download"
    fi
fi
