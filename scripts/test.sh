#!/usr/bin/env bash
# The README's test command: builds pxclone and pxsim with AddressSanitizer + UndefinedBehaviorSanitizer
# (Debug, warnings as errors) and runs every test under them. The sanitizers make every test a memory
# and UB check as well, so there is one build to wait for, not two; `cmake --workflow --preset dev`
# is the faster unsanitized loop while editing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --workflow --preset asan
