# shellcheck shell=bash
# What the binary's --help offers, for the tests that keep docs and completions true to it.
# Source this file; it defines functions only. Each --help text is asked for once per test.

declare -A _help_cache=()

# help_text PXCLONE [SUBCOMMAND]: `pxclone [SUBCOMMAND] --help`, remembered.
help_text() {
    local key="$*"
    if [ -z "${_help_cache[$key]+set}" ]; then
        _help_cache[$key]=$("$@" --help)
    fi
    printf '%s\n' "${_help_cache[$key]}"
}

# help_subcommands PXCLONE: the subcommands `pxclone --help` lists, one per line.
help_subcommands() {
    help_text "$1" | awk '/^Subcommands:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && NF { print $1 }'
}

# help_long_flags PXCLONE [SUBCOMMAND]: the long flags of the options `--help` lists, one per line.
help_long_flags() {
    help_text "$@" | grep -E '^ +-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# help_all_long_flags PXCLONE: every long flag of pxclone and of each of its subcommands.
help_all_long_flags() {
    local sub
    {
        help_long_flags "$1"
        for sub in $(help_subcommands "$1"); do
            help_long_flags "$1" "$sub"
        done
    } | sort -u
}

# help_exit_codes PXCLONE: the exit codes the --help footer lists.
help_exit_codes() {
    help_text "$1" | awk '/^Exit codes:/ { on = 1; next } on && NF { print $1 }'
}

# help_warm PXCLONE: asks for every --help text now, in this shell, so that the functions above
# (also when called in command substitutions) find them remembered.
help_warm() {
    local sub
    help_text "$1" >/dev/null
    for sub in $(help_subcommands "$1"); do
        help_text "$1" "$sub" >/dev/null
    done
}
