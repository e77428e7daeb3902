#!/usr/bin/env bash
# The built man pages lint clean with groff (any warning fails) and stay true to the binary:
# pxclone(1) names every subcommand, every long flag and every exit code that --help shows, and
# pxclone-profile(5) documents every key the profile loader knows.
# Usage: man_pages.sh PXCLONE MAN_DIR (run from the source tree)
set -u
pxclone=$1
man_dir=$2
# shellcheck source=tests/docs/help.sh
. "$(dirname "$0")/help.sh"
help_warm "$pxclone"
fail=0

render() {
    # One long line per paragraph, no hyphenation, no overstriking: flags stay greppable.
    groff -man -Tascii -P-cbou -rLL=1000n -rHY=0 "$1" 2>/dev/null
}

for page in pxclone.1 pxclone-profile.5; do
    if [ ! -s "$man_dir/$page" ]; then
        echo "FAIL: $man_dir/$page was not built"
        fail=1
        continue
    fi
    warnings=$(groff -man -ww -wall -z "$man_dir/$page" 2>&1)
    if [ -n "$warnings" ]; then
        echo "FAIL: groff warns about $page:"
        echo "$warnings"
        fail=1
    fi
done
[ "$fail" = 0 ] || exit 1

text=$(render "$man_dir/pxclone.1")
subcommands=$(help_subcommands "$pxclone")
[ -n "$subcommands" ] || { echo "FAIL: found no subcommands in pxclone --help"; exit 1; }
commands_section=$(awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text")
# (bash pattern matching rather than one grep per word: the test must stay fast on a busy machine)
for sub in $subcommands; do
    [[ $'\n'$commands_section$'\n' == *$'\n       '"$sub"$'\n'* ]] ||
        { echo "FAIL: pxclone(1) COMMANDS has no entry for '$sub'"; fail=1; }
done
flags=$(help_all_long_flags "$pxclone")
[ -n "$flags" ] || { echo "FAIL: found no flags in pxclone --help"; exit 1; }
for flag in $flags; do
    [[ $text =~ (^|[^a-z-])$flag([^a-z-]|$) ]] ||
        { echo "FAIL: pxclone(1) does not mention $flag"; fail=1; }
done
status_section=$(awk '/^EXIT STATUS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text")
for code in $(help_exit_codes "$pxclone"); do
    [[ $'\n'$status_section$'\n' == *$'\n       '"$code"$'\n'* ]] ||
        { echo "FAIL: pxclone(1) EXIT STATUS lacks code $code"; fail=1; }
done
for section in SYNOPSIS ENVIRONMENT FILES EXAMPLES; do
    grep -q "^$section" <<<"$text" || { echo "FAIL: pxclone(1) has no $section section"; fail=1; }
done

# Every key of every mapping the loader knows (its k_*_keys tables), with the path it has in the
# profile, is documented.
profile_text=$(render "$man_dir/pxclone-profile.5")
tables=$(awk '/constexpr std::array<std::string_view, [0-9]+> k_[a-z_]+_(keys|sides)/ { on = 1 }
              on { printf "%s", $0 } on && /};/ { on = 0; print "" }' src/profile/loader.cpp)
[ -n "$tables" ] || { echo "FAIL: found no key tables in src/profile/loader.cpp"; exit 1; }
while IFS= read -r table; do
    name=$(grep -oE 'k_[a-z_]+_(keys|sides)' <<<"$table" | head -1)
    case $name in
        k_top_keys) prefix="" ;;
        k_cluster_keys) prefix="cluster." ;;
        k_portworx_keys) prefix="portworx." ;;
        k_source_keys) prefix="source." ;;
        k_hooks_keys) prefix="source.hooks." ;;
        k_hook_keys) prefix="source.hooks.pre[]." ;;
        k_snapshot_keys) prefix="snapshot." ;;
        k_staging_keys) prefix="staging." ;;
        k_mask_keys) prefix="staging.mask." ;;
        k_wait_keys) prefix="staging.wait." ;;
        k_staging_cluster_keys) prefix="staging.cluster." ;;
        k_transfer_keys) prefix="transfer." ;;
        k_credential_sides) prefix="transfer.credential." ;;
        k_secret_keys) prefix="{ " ;;
        *)
            echo "FAIL: pxclone-profile(5) test does not know where $name's keys live"
            fail=1
            continue
            ;;
    esac
    for key in $(grep -oE '"[a-z_]+"' <<<"${table#*\{}" | tr -d '"'); do
        if [ -z "$prefix" ]; then
            [[ $'\n'$profile_text$'\n' == *$'\n       '"$key ("* ||
                $'\n'$profile_text$'\n' == *$'\n   '"$key"$'\n'* ]] ||
                { echo "FAIL: pxclone-profile(5) does not document '$key'"; fail=1; }
        elif [ "$prefix" = "{ " ]; then
            [[ $profile_text == *"$key:"* ]] ||
                { echo "FAIL: pxclone-profile(5) does not document the secret form '$key'"; fail=1; }
        else
            [[ $profile_text == *"$prefix$key"* ]] ||
                { echo "FAIL: pxclone-profile(5) does not document '$prefix$key'"; fail=1; }
        fi
    done
done <<<"$tables"
exit $fail
