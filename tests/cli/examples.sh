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
exit $fail
