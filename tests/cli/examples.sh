#!/usr/bin/env bash
# Every example profile validates with the real binary, in a bare environment (the examples give
# defaults for their ${env.*} references), and prints as text, JSON, YAML and env.
set -u
pxclone=$1
fail=0
found=0
while IFS= read -r profile; do
    found=$((found + 1))
    for format in text json yaml env name; do
        if ! out=$(env -i PATH="$PATH" "$pxclone" validate -p "$profile" --run ci-1 -o "$format" 2>&1); then
            echo "FAIL: pxclone validate -p $profile -o $format:"
            echo "$out"
            fail=1
        elif [ -z "$out" ]; then
            echo "FAIL: pxclone validate -p $profile -o $format printed nothing"
            fail=1
        fi
    done
done < <(find examples -name pxclone.yaml | sort)
if [ "$found" = 0 ]; then
    echo "FAIL: no examples/**/pxclone.yaml found"
    fail=1
fi

# The MongoDB example resolves its substitutions.
out=$(env -i PATH="$PATH" ECR_REPO=ecr.example/orders GITHUB_RUN_ID=77 \
    "$pxclone" validate -p examples/mongodb/pxclone.yaml -o yaml 2>&1)
for want in "namespace: orders-stg-77" "app: ecr.example/orders:77"; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: resolved example lacks '$want'"; fail=1; }
done
# The PX-Security example shows its token as a reference, never the value.
out=$(env -i PATH="$PATH" PX_TOKEN=s3cr3t-token GITHUB_RUN_ID=77 \
    "$pxclone" validate -p examples/px-security/pxclone.yaml -o yaml 2>&1)
grep -qF "env: PX_TOKEN" <<<"$out" || { echo "FAIL: resolved example lacks 'env: PX_TOKEN'"; fail=1; }
if grep -q "s3cr3t-token" <<<"$out"; then
    echo "FAIL: the token's value was printed"
    fail=1
fi
# The developer's profile takes its TTL and context from the environment, with defaults.
out=$(env -i PATH="$PATH" USER=alice REPRO_TTL=2h PXCLONE_CONTEXT=dev-eks \
    "$pxclone" validate -p examples/local/pxclone.yaml --run dev-alice-ord-1 -o yaml 2>&1)
for want in "ttl: 2h" "context: dev-eks" "namespace: orders-dev-dev-alice-ord-1"; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: resolved local example lacks '$want'"; fail=1; }
done

# The cross-cluster example: both sides resolved, each token shown as its reference only.
out=$(env -i PATH="$PATH" PX_TOKEN=s3cr3t-prod PX_STG_TOKEN=s3cr3t-staging GITHUB_RUN_ID=77 \
    "$pxclone" validate -p examples/cross-cluster/pxclone.yaml -o yaml 2>&1)
for want in "context: prod-eks" "context: staging-eks" "env: PX_STG_TOKEN" \
    "source: s3-orders-backups" "staging: s3-orders-backups-ro" "namespace: orders-stg-77"; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: resolved cross-cluster example lacks '$want'"; fail=1; }
done
if grep -q "s3cr3t-" <<<"$out"; then
    echo "FAIL: a cross-cluster token's value was printed"
    fail=1
fi
# Its kubeconfig names both contexts (pxclone reads it) and holds no secret: exec users only.
kubeconfig=examples/cross-cluster/kubeconfig.example.yaml
contexts=$(env -i PATH="$PATH" "$pxclone" __complete contexts --kubeconfig "$kubeconfig" | sort | tr '\n' ' ')
[ "$contexts" = "prod-eks staging-eks " ] ||
    { echo "FAIL: $kubeconfig: contexts '$contexts', want 'prod-eks staging-eks '"; fail=1; }
if grep -qE '^ *(token|password|client-key-data|client-certificate-data):' "$kubeconfig"; then
    echo "FAIL: $kubeconfig holds a credential"
    fail=1
fi
[ "$(grep -cE '^ +args: .*eks, get-token' "$kubeconfig")" = 2 ] ||
    { echo "FAIL: $kubeconfig: each user should run aws eks get-token"; fail=1; }

# Every example shell script parses, and passes shellcheck when it is installed.
while IFS= read -r script; do
    bash -n "$script" || { echo "FAIL: bash -n $script"; fail=1; }
    if command -v shellcheck >/dev/null; then
        shellcheck -x "$script" || { echo "FAIL: shellcheck $script"; fail=1; }
    fi
done < <(find examples -name '*.sh' | sort)
for file in examples/codebuild/buildspec.yml examples/github-actions/staging.yml \
    examples/local/repro.sh examples/cross-cluster/buildspec.yml \
    examples/cross-cluster/snapshot-buildspec.yml examples/cross-cluster/README.md; do
    [ -f "$file" ] || { echo "FAIL: $file is missing"; fail=1; }
done
# The CI examples tear down even when the tests fail.
grep -A8 '^  post_build:' examples/codebuild/buildspec.yml | grep -q 'pxclone teardown' ||
    { echo "FAIL: buildspec.yml does not tear down in post_build"; fail=1; }
grep -B2 'run: pxclone teardown' examples/github-actions/staging.yml | grep -q 'if: always()' ||
    { echo "FAIL: staging.yml does not tear down with if: always()"; fail=1; }
# The staging account's build tears its run down in post_build, without --snapshots: the sets
# and their backups are the production side's, which that account cannot reach.
post_build=$(sed -n '/^  post_build:/,/^[a-z]/p' examples/cross-cluster/buildspec.yml | grep -v '^ *#')
grep -q 'pxclone teardown --run' <<<"$post_build" ||
    { echo "FAIL: cross-cluster buildspec.yml does not tear down in post_build"; fail=1; }
if grep -q -- '--snapshots' <<<"$post_build"; then
    echo "FAIL: cross-cluster buildspec.yml tears down --snapshots from the staging account"
    fail=1
fi
grep -q '^ *- pxclone snapshot' examples/cross-cluster/snapshot-buildspec.yml ||
    { echo "FAIL: snapshot-buildspec.yml does not run pxclone snapshot"; fail=1; }
# The CI files are YAML (when PyYAML is there to say so).
if python3 -c 'import yaml' 2>/dev/null; then
    for file in examples/codebuild/buildspec.yml examples/github-actions/staging.yml \
        examples/cross-cluster/buildspec.yml examples/cross-cluster/snapshot-buildspec.yml \
        examples/cross-cluster/kubeconfig.example.yaml; do
        python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$file" ||
            { echo "FAIL: $file is not YAML"; fail=1; }
    done
fi
exit $fail
