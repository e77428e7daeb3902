#!/usr/bin/env bash
# Installs the Debian 12 packages pxclone needs to build and test, and only those that are missing.
# Idempotent; runs apt-get as root, or through sudo when not root. Says what it does.
set -euo pipefail

packages=(
    # toolchain
    g++ cmake make pkg-config git ccache
    # the mandated libraries
    libcli11-dev libcurl4-openssl-dev libyaml-cpp-dev libfmt-dev doctest-dev nlohmann-json3-dev
    libcpp-httplib-dev
    # tests, docs and CI checks
    openssl curl jq clang-format scdoc groff-base zsh fish shellcheck dpkg-dev python3 time
    # the libFuzzer stage of CI (tests/fuzz)
    clang-14 libclang-rt-14-dev
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

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
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
