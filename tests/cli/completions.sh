#!/usr/bin/env bash
# The shell completions in completions/ stay true to the binary: every subcommand, long flag and
# -o format of --help appears in each script; the scripts parse (bash, zsh, fish, shellcheck when
# installed); the bash one completes for real (COMP_WORDS/COMP_CWORD → COMPREPLY), as does the
# fish one (complete -C); and the hidden `__complete` entry point they use answers contexts from
# a kubeconfig and stays silent on errors.
set -u
pxclone=$(realpath "$1")
# shellcheck source=tests/docs/help.sh
. tests/docs/help.sh
help_warm "$pxclone"
fail=0
scripts=(completions/pxclone.bash completions/_pxclone completions/pxclone.fish)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

subcommands=$(help_subcommands "$pxclone")
flags=$(help_all_long_flags "$pxclone")
formats=$(help_text "$pxclone" | grep -oE 'text\|json[a-z|]*' | head -1 | tr '|' ' ')
if [ -z "$subcommands" ] || [ -z "$flags" ] || [ -z "$formats" ]; then
    echo "FAIL: could not read subcommands, flags and formats from pxclone --help"
    exit 1
fi
# (bash pattern matching rather than one grep per word: the test must stay fast on a busy machine)
for script in "${scripts[@]}"; do
    content=$(<"$script")
    for word in $subcommands $flags $formats; do
        pattern=$word
        # fish names long flags without their dashes: `complete -c pxclone -l dry-run`.
        [[ $script == *.fish && $word == --* ]] && pattern="-l ${word#--}"
        [[ $content =~ (^|[^a-z-])$pattern([^a-z-]|$) ]] ||
            { echo "FAIL: $script lacks '$word'"; fail=1; }
    done
done
if help_text "$pxclone" | grep -q __complete; then
    echo "FAIL: the hidden __complete shows in --help"
    fail=1
fi

# Syntax, with every shell that is installed.
bash -n completions/pxclone.bash || { echo "FAIL: bash -n completions/pxclone.bash"; fail=1; }
if command -v shellcheck >/dev/null; then
    shellcheck -s bash completions/pxclone.bash || { echo "FAIL: shellcheck pxclone.bash"; fail=1; }
fi
if command -v zsh >/dev/null; then
    zsh -n completions/_pxclone || { echo "FAIL: zsh -n completions/_pxclone"; fail=1; }
else
    echo "note: zsh not installed, completions/_pxclone not parsed"
fi
if command -v fish >/dev/null; then
    fish -n completions/pxclone.fish || { echo "FAIL: fish -n completions/pxclone.fish"; fail=1; }
else
    echo "note: fish not installed, completions/pxclone.fish not parsed"
fi

# A kubeconfig with two contexts, profile candidates, and `pxclone` on PATH as a user has it.
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/work/profiles"
ln -s "$pxclone" "$tmp/bin/pxclone"
cat >"$tmp/kubeconfig" <<'YAML'
apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: t } }]
contexts:
  - { name: prod-eks, context: { cluster: c, user: u } }
  - { name: dev-kind, context: { cluster: c, user: u } }
current-context: prod-eks
YAML
touch "$tmp/work/pxclone.yaml" "$tmp/work/ci.yml" "$tmp/work/notes.txt"
export HOME=$tmp/home PATH=$tmp/bin:$PATH
unset KUBECONFIG PXCLONE_PROFILE

# The entry point itself.
out=$(pxclone __complete contexts --kubeconfig "$tmp/kubeconfig" 2>&1)
[ "$out" = $'prod-eks\ndev-kind' ] ||
    { echo "FAIL: __complete contexts printed '$out'"; fail=1; }
for kind in runs sets contexts; do
    out=$(cd "$tmp/work" && pxclone __complete "$kind" -p missing.yaml 2>&1)
    rc=$?
    if [ "$rc" != 0 ] || [ -n "$out" ]; then
        echo "FAIL: __complete $kind without a profile: exit $rc, printed '$out'"
        fail=1
    fi
done

# complete_bash WORD...: COMPREPLY, sorted, one per line, for the line "WORD... " with the cursor
# on the last WORD (give "" to complete an empty word).
complete_bash() {
    (
        cd "$tmp/work" || exit 1
        # shellcheck disable=SC1091
        . "$OLDPWD/completions/pxclone.bash"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        _pxclone
        printf '%s\n' "${COMPREPLY[@]}" | sort
    )
}
expect_bash() {
    local want=$1
    shift
    local got
    got=$(complete_bash "$@" 2>&1)
    if [ "$got" != "$want" ]; then
        echo "FAIL: bash completion of '$*': got:"
        echo "$got"
        echo "want:"
        echo "$want"
        fail=1
    fi
}
# shellcheck disable=SC2086 # one word per subcommand
expect_bash "$(printf '%s\n' $subcommands restore | sort -u)" pxclone ""
expect_bash "deploy-staging" pxclone de
expect_bash "$(printf '%s\n' env json name text yaml)" pxclone -o ""
expect_bash "json" pxclone validate --output j
expect_bash "$(printf '%s\n' ci.yml profiles pxclone.yaml)" pxclone -p ""
expect_bash "pxclone.yaml" pxclone snapshot --profile px
expect_bash "$(printf '%s\n' dev-kind prod-eks)" pxclone --kubeconfig "$tmp/kubeconfig" list --context ""
expect_bash "prod-eks" pxclone list --kubeconfig "$tmp/kubeconfig" --context pr
expect_bash "$(printf '%s\n' bash fish zsh)" pxclone completion ""
expect_bash "" pxclone completion bash ""

# `pxclone completion SHELL` prints exactly the script that is installed for that shell.
for entry in bash:completions/pxclone.bash zsh:completions/_pxclone fish:completions/pxclone.fish; do
    pxclone completion "${entry%%:*}" >"$tmp/printed" 2>&1 ||
        { echo "FAIL: pxclone completion ${entry%%:*} exited $?"; fail=1; }
    cmp -s "$tmp/printed" "${entry#*:}" ||
        { echo "FAIL: pxclone completion ${entry%%:*} differs from ${entry#*:}"; fail=1; }
done
out=$(pxclone completion tcsh 2>&1)
rc=$?
if [ "$rc" != 2 ] || [ "$(grep -c '^pxclone: error: .*tcsh' <<<"$out")" != 1 ]; then
    echo "FAIL: pxclone completion tcsh: exit $rc (want 2, one error line naming tcsh): $out"
    fail=1
fi
# What a user pastes into ~/.bashrc works: the printed script registers the completion.
# shellcheck disable=SC1090
registered=$(bash -c 'source <(pxclone completion bash) && complete -p pxclone' 2>&1)
[ "$registered" = "complete -F _pxclone pxclone" ] ||
    { echo "FAIL: source <(pxclone completion bash) registered: $registered"; fail=1; }
expect_bash "" pxclone teardown -p missing.yaml --run ""
expect_bash "" pxclone deploy-staging --snapshot ""
global_flags=$(help_long_flags "$pxclone" | grep -vx -- --version)
for sub in $subcommands; do
    want=$(help_long_flags "$pxclone" "$sub")
    got=$(complete_bash pxclone -p x.yaml "$sub" --)
    for flag in $want $global_flags; do
        [[ $'\n'$got$'\n' == *$'\n'"$flag"$'\n'* ]] ||
            { echo "FAIL: bash completion of 'pxclone $sub --' lacks $flag"; fail=1; }
    done
done

if command -v fish >/dev/null; then
    complete_fish() {
        (cd "$tmp/work" && fish -c "source $OLDPWD/completions/pxclone.fish; complete -C'$1'" |
            cut -f1 | sort)
    }
    got=$(complete_fish "pxclone -o ")
    [ "$got" = "$(printf '%s\n' env json name text yaml)" ] ||
        { echo "FAIL: fish completion of -o: $got"; fail=1; }
    got=$(complete_fish "pxclone --kubeconfig $tmp/kubeconfig --context ")
    [ "$got" = "$(printf '%s\n' dev-kind prod-eks)" ] ||
        { echo "FAIL: fish completion of --context: $got"; fail=1; }
    got=$(complete_fish "pxclone -p ")
    [ "$got" = "$(printf '%s\n' ci.yml profiles/ pxclone.yaml)" ] ||
        { echo "FAIL: fish completion of -p: $got"; fail=1; }
fi

# zsh for real: an interactive zsh on a pseudo-terminal with compinit and completions/ in fpath,
# TAB pressed at the end of the line (tests/cli/zsh_complete.zsh prints what _pxclone offers).
if command -v zsh >/dev/null && zsh -c 'zmodload zsh/zpty' 2>/dev/null; then
    expect_zsh() {
        local want=$1 line=$2 got
        got=$(cd "$tmp/work" && TMPDIR=$tmp timeout 30 zsh "$OLDPWD/tests/cli/zsh_complete.zsh" \
            "$OLDPWD/completions" "$line" 2>&1)
        if [ "$got" != "$want" ]; then
            echo "FAIL: zsh completion of '$line': got:"
            echo "$got"
            echo "want:"
            echo "$want"
            fail=1
        fi
    }
    # shellcheck disable=SC2086 # one word per subcommand
    expect_zsh "$(printf '%s\n' $subcommands | sort -u)" "pxclone "
    expect_zsh "$(printf '%s\n' env json name text yaml)" "pxclone -o "
    expect_zsh "$(printf '%s\n' bash fish zsh)" "pxclone completion "
    expect_zsh "$(printf '%s\n' dev-kind prod-eks)" "pxclone --kubeconfig $tmp/kubeconfig list --context "
    expect_zsh "prod-eks" "pxclone --kubeconfig=$tmp/kubeconfig list --context pr"
    expect_zsh "--new-pvc" "pxclone restore --new-"
else
    echo "note: zsh (with zsh/zpty) not installed, completions/_pxclone not exercised"
fi
exit $fail
