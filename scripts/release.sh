#!/usr/bin/env bash
# Makes the release artefacts under dist/ (issue 20):
#   pxclone-VERSION-linux-amd64.tar.gz, pxclone-VERSION-linux-arm64.tar.gz,
#   pxclone_VERSION_amd64.deb, pxclone_VERSION_arm64.deb, SHA256SUMS and pxclone.krew.yaml (the
#   krew plugin manifest, from packaging/krew/pxclone.yaml, for PXCLONE_RELEASE_URL).
# Each binary is the portable build (presets dist-amd64 and dist-arm64, cmake/Portable.cmake):
# everything but glibc and libcurl linked statically, no glibc symbol newer than 2.34. arm64 is
# cross-compiled on the same Debian 12 machine. The .deb of an architecture holds the same binary
# as its tarball.
#
# Usage: scripts/release.sh [--check] [--arch amd64|arm64]...
#   --check   then prove the artefacts (tests/release/check.sh): readelf of both binaries, the
#             amd64 tarball in an empty root (chroot) against pxsim, with and without libcurl,
#             the arm64 binary under qemu-aarch64, the .deb's metadata. Needs root (chroot) or
#             unprivileged user namespaces.
#   --arch    build only that architecture (repeatable; both by default)
# Needs scripts/install-deps.sh --release. Builds one configuration at a time (2 jobs each).
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
arches=()
while [ $# -gt 0 ]; do
    case $1 in
        --check) check=1 ;;
        --arch)
            [ $# -ge 2 ] || { echo "release: --arch needs amd64 or arm64" >&2; exit 2; }
            case $2 in
                amd64 | arm64) arches+=("$2") ;;
                *) echo "release: unknown architecture '$2' (amd64, arm64)" >&2; exit 2 ;;
            esac
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
            exit 0
            ;;
        *) echo "release: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)

version=$(sed -n 's/^project(pxclone VERSION \([0-9][0-9.]*\) .*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "release: no version in CMakeLists.txt's project()" >&2; exit 1; }
for tool in cmake cpack readelf sha256sum tar gzip; do
    command -v "$tool" >/dev/null ||
        { echo "release: $tool not found: run scripts/install-deps.sh --release" >&2; exit 1; }
done
if [[ " ${arches[*]} " == *" arm64 "* ]]; then
    if ! command -v aarch64-linux-gnu-g++ >/dev/null ||
        [ ! -e build/deps-arm64/usr/lib/aarch64-linux-gnu/libyaml-cpp.a ]; then
        echo "release: the arm64 cross build needs scripts/install-deps.sh --release" >&2
        exit 1
    fi
fi

# Reproducible archives: file times, owners and order fixed, gzip without name and time stamp.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
if command -v ccache >/dev/null && [ -z "${CCACHE_DISABLE:-}" ]; then
    export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi

dist=$PWD/dist
mkdir -p "$dist"
made=()
for arch in "${arches[@]}"; do
    preset=dist-$arch
    build=build/$preset
    name=pxclone-$version-linux-$arch
    echo "release: building $name"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"

    # The tarball: the install tree (bin/, share/man, share/*completions*, share/pxclone/schema)
    # with a README, so `tar -xzf ... --strip-components=1 -C /usr/local` installs it in place.
    stage=build/stage/$name
    rm -rf "$stage"
    cmake --install "$build" --prefix "$PWD/$stage" --strip >/dev/null
    cp packaging/README.tarball.md "$stage/README.md"
    [ ! -f LICENSE ] || cp LICENSE "$stage/"
    # The JSON Schemas of the -o json|yaml documents come with the install tree.
    ls "$stage"/share/pxclone/schema/*.schema.json >/dev/null ||
        { echo "release: $stage lacks share/pxclone/schema (cmake/Docs.cmake installs it)" >&2; exit 1; }
    tar -C build/stage --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
        -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
    made+=("$name.tar.gz")

    # The .deb, from the same build (cpack installs it again and strips it the same way).
    rm -rf "$build/cpack"
    (cd "$build" && cpack -G DEB -B "$PWD/cpack" >/dev/null)
    deb=$(cd "$build/cpack" && ls pxclone_"$version"_*.deb)
    mv "$build/cpack/$deb" "$dist/"
    made+=("$deb")
done

(cd "$dist" && sha256sum "${made[@]}" >SHA256SUMS)
# The krew manifest names both tarballs, so it is made only when both were built.
if [ -f "$dist/pxclone-$version-linux-amd64.tar.gz" ] && [ -f "$dist/pxclone-$version-linux-arm64.tar.gz" ]; then
    url=${PXCLONE_RELEASE_URL:-https://github.com/example/pxclone/releases/download/v$version}
    sum() { sha256sum "$dist/pxclone-$version-linux-$1.tar.gz" | cut -d' ' -f1; }
    sed -e "s|@VERSION@|$version|g" -e "s|@URL@|$url|g" -e "s|@SHA256_AMD64@|$(sum amd64)|g" \
        -e "s|@SHA256_ARM64@|$(sum arm64)|g" packaging/krew/pxclone.yaml | grep -v '^# ' \
        >"$dist/pxclone.krew.yaml"
    made+=(pxclone.krew.yaml)
fi
echo "release: made in dist/:"
(cd "$dist" && ls -l "${made[@]}" SHA256SUMS)
echo "release: built in ${SECONDS}s"

if [ "$check" = 1 ]; then
    bash tests/release/check.sh "$dist" "$version" "$PWD/build/dist-amd64/tests/sim/pxsim"
    echo "release: built and checked in ${SECONDS}s"
fi
