#!/usr/bin/env bash
# The README's test command: builds pxclone and pxsim with AddressSanitizer + UndefinedBehaviorSanitizer
# (Debug, warnings as errors) and runs every test under them. The sanitizers make every test a memory
# and UB check as well, so there is one build to wait for, not two; `cmake --workflow --preset dev`
# is the faster unsanitized loop while editing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Recompile only what changed since the last run on this machine, from any clone: ccache with
# paths taken relative to the clone (a cold run compiles everything, which takes most of the time).
if command -v ccache >/dev/null && [ -z "${CCACHE_DISABLE:-}" ]; then
    export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
cmake --workflow --preset asan
