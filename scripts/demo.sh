#!/usr/bin/env bash
# The demo: builds pxclone (Release) and runs it on the example MongoDB pipeline profile.
# Today it validates the profile and prints it resolved; the full pipeline against pxsim follows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
pxclone=build/release/pxclone
export ECR_REPO=${ECR_REPO:-123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders}
"$pxclone" version
"$pxclone" validate -p examples/mongodb/pxclone.yaml --run demo -o yaml
