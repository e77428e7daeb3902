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

# Every example shell script parses, and passes shellcheck when it is installed.
while IFS= read -r script; do
    bash -n "$script" || { echo "FAIL: bash -n $script"; fail=1; }
    if command -v shellcheck >/dev/null; then
        shellcheck -x "$script" || { echo "FAIL: shellcheck $script"; fail=1; }
    fi
done < <(find examples -name '*.sh' | sort)
for file in examples/codebuild/buildspec.yml examples/github-actions/staging.yml \
    examples/local/repro.sh; do
    [ -f "$file" ] || { echo "FAIL: $file is missing"; fail=1; }
done
# The CI examples tear down even when the tests fail.
grep -A8 '^  post_build:' examples/codebuild/buildspec.yml | grep -q 'pxclone teardown' ||
    { echo "FAIL: buildspec.yml does not tear down in post_build"; fail=1; }
grep -B2 'run: pxclone teardown' examples/github-actions/staging.yml | grep -q 'if: always()' ||
    { echo "FAIL: staging.yml does not tear down with if: always()"; fail=1; }
exit $fail
