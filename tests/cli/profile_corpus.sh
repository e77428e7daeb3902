#!/usr/bin/env bash
# The bad-profile corpus against the real binary. Each tests/data/profiles/bad/*.yaml starts with
# its expectations:
#   # expect: exit=2 at=LINE:COLUMN message=key.path: message     (one line per diagnostic)
#   # absent: TEXT                                                 (must appear nowhere)
# `pxclone validate` must exit with that code, print exactly those diagnostics as
# `FILE:LINE:COLUMN: message` lines under one headline, nothing on stdout, and no text of the
# YAML library or of a crash. Inputs that are not worth committing (binary data, 10 MB, deep
# nesting, a missing file) are generated here.
set -u
pxclone=$1
corpus=tests/data/profiles/bad
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cases=0
leaks='yaml-cpp|YAML::|ParserException|terminate called|what\(\)|internal error|end of map not found|illegal|bad conversion|Sanitizer|runtime error|Segmentation'

# check FILE EXIT [ABSENT] -- then expected diagnostic lines (without "FILE:") on stdin
check() {
    local file=$1 want_exit=$2 absent=${3:-}
    cases=$((cases + 1))
    env -i PATH="$PATH" timeout 30 "$pxclone" validate -p "$file" --run t1 >"$tmp/out" 2>"$tmp/err"
    local got=$?
    local problems=()
    if [ "$got" != "$want_exit" ]; then
        problems+=("exit $got, want $want_exit")
    fi
    if [ -s "$tmp/out" ]; then
        problems+=("wrote to stdout")
    fi
    if grep -Eq "$leaks" "$tmp/err"; then
        problems+=("library or crash text: $(grep -E "$leaks" "$tmp/err" | head -1)")
    fi
    if [ -n "$absent" ] && grep -qF -- "$absent" "$tmp/err"; then
        problems+=("printed '$absent'")
    fi
    local want=0
    while IFS= read -r line; do
        want=$((want + 1))
        grep -qxF -- "$file:$line" "$tmp/err" || problems+=("missing: $file:$line")
    done
    # One headline, then only complete one-line diagnostics, exactly as many as expected.
    local headline details
    headline=$(head -1 "$tmp/err")
    details=$(tail -n +2 "$tmp/err" | grep -vc "^$file:")
    [[ $headline == "pxclone: error: $file"* ]] || problems+=("headline: $headline")
    [ "$details" = 0 ] || problems+=("$details line(s) that are not diagnostics")
    [ "$(tail -n +2 "$tmp/err" | wc -l)" = "$want" ] || problems+=("not exactly $want diagnostic(s)")
    if [ ${#problems[@]} -gt 0 ]; then
        echo "FAIL: $file"
        printf '  %s\n' "${problems[@]}"
        sed 's/^/  | /' "$tmp/err" | head -20
        fail=1
    fi
}

count=0
for file in "$corpus"/*.yaml; do
    count=$((count + 1))
    want_exit=$(sed -n 's/^# expect: exit=\([0-9]*\).*/\1/p' "$file" | head -1)
    absent=$(sed -n 's/^# absent: //p' "$file" | head -1)
    if [ -z "$want_exit" ]; then
        echo "FAIL: $file has no '# expect:' line"
        fail=1
        continue
    fi
    check "$file" "$want_exit" "$absent" < <(
        sed -n 's/^# expect: exit=[0-9]* at=\([0-9]*:[0-9]*\) message=\(.*\)$/\1: \2/p;
                s/^# expect: exit=[0-9]* message=\(.*\)$/ \1/p' "$file")
done
if [ "$count" -lt 25 ]; then
    echo "FAIL: only $count committed bad profiles (want at least 25)"
    fail=1
fi

# Generated inputs.
: >"$tmp/zero-bytes.yaml"
check "$tmp/zero-bytes.yaml" 2 <<<"1:1: the profile is empty (start with 'version: 1')"

# An ELF header followed by deterministic pseudo-random bytes.
{ printf '\177ELF\002\001\001\000'; LC_ALL=C awk 'BEGIN { srand(42); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 256) }'; } >"$tmp/binary.yaml"
check "$tmp/binary.yaml" 2 <<<"1:1: not a YAML text file (byte 0x7F here; profiles are UTF-8 text)"

# Valid YAML text up front, a NUL byte further down.
printf 'version: 1\nname: orders\nsource: {namespace: pr\000od}\n' >"$tmp/nul.yaml"
check "$tmp/nul.yaml" 2 <<<"3:23: not a YAML text file (byte 0x00 here; profiles are UTF-8 text)"

# 10 MB of plausible YAML.
yes 'key: value' | head -c 10485760 >"$tmp/ten-megabytes.yaml"
check "$tmp/ten-megabytes.yaml" 2 <<<"1:1: file is too large (a profile may have at most 1048576 bytes)"

# Deeply nested flow sequences on one line, and deeply nested block mappings.
{ printf 'version: 1\nname: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >"$tmp/deep-flow.yaml"
check "$tmp/deep-flow.yaml" 2 <<<"2:1: nested more than 32 levels deep; a profile is much flatter"
{ echo 'version: 1'; for i in $(seq 0 199); do printf "%*sk$i:\n" "$i" ''; done; } >"$tmp/deep-block.yaml"
check "$tmp/deep-block.yaml" 2 <<<"34:1: nested more than 32 levels deep; a profile is much flatter"
{ echo 'version: 1'; printf 'name: '; for i in $(seq 1 5000); do printf -- '- '; done; echo x; } >"$tmp/deep-dashes.yaml"
check "$tmp/deep-dashes.yaml" 2 <<<"2:1: nested more than 32 levels deep; a profile is much flatter"

# A file that is not there, and a directory: exit 2 with the reason, no diagnostics.
for missing in "$tmp/no-such-profile.yaml" "$tmp"; do
    cases=$((cases + 1))
    env -i PATH="$PATH" "$pxclone" validate -p "$missing" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" != 2 ] || ! grep -q "^pxclone: error: $missing: cannot read: " "$tmp/err"; then
        echo "FAIL: validate -p $missing exited $got with: $(cat "$tmp/err")"
        fail=1
    fi
done

echo "checked $cases bad inputs"
exit $fail
