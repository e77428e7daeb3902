#!/usr/bin/env bash
# Builds pxclone and pxsim (Debug, warnings as errors) and runs every test: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --workflow --preset dev
