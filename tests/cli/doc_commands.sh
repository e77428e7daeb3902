#!/usr/bin/env bash
# The documentation cannot rot: every `pxclone ...` command line shown in README.md's fenced code
# blocks and in the CI and developer examples uses only subcommands and flags that the binary's
# --help offers (with a value where the flag takes one), and README's commands that need no
# cluster (validate, version, --help) are run and must exit 0.
set -u
pxclone=$(realpath "$1")
# shellcheck source=tests/docs/help.sh
. tests/docs/help.sh
help_warm "$pxclone"
fail=0
checked=0
ran=0

subcommands=" $(help_subcommands "$pxclone" | tr '\n' ' ') "
# option_table [SUBCOMMAND]: "FLAG VALUE?" lines (VALUE is 1 when the flag takes a value) for the
# long and short names of the options --help lists.
option_table() {
    help_text "$pxclone" "$@" | grep -E '^ +-' | while read -r names rest; do
        local takes=0
        [[ $rest =~ ^[A-Z][A-Z_]+([=: ]|$) ]] && takes=1
        tr ',' '\n' <<<"$names" | sed "s/\$/ $takes/"
    done
}
# takes_value["SUB FLAG"]: 1 when FLAG (of pxclone, or of SUB) takes a value, 0 when not; unset
# when it is no option there. SUB is "-" for pxclone itself.
declare -A takes_value
while read -r flag takes; do
    takes_value["- $flag"]=$takes
    for sub in $subcommands; do
        takes_value["$sub $flag"]=$takes
    done
done < <(option_table)
for sub in $subcommands; do
    while read -r flag takes; do
        takes_value["$sub $flag"]=$takes
    done < <(option_table "$sub")
done

# check_line WHERE LINE: checks the pxclone command(s) on LINE.
check_line() {
    local where=$1 line=$2
    local -a words
    read -ra words <<<"$line"
    local i=0 n=${#words[@]}
    while ((i < n)); do
        # A command starts the line or follows a shell operator or keyword.
        if [ "${words[i]}" != pxclone ] ||
            { ((i > 0)) && [[ ! ${words[i - 1]} =~ ^(\&\&|\|\||\||\;|\(|\$\(|!|then|do|if|sudo|run:)$ ]]; }; then
            i=$((i + 1))
            continue
        fi
        checked=$((checked + 1))
        local sub="" j=$((i + 1)) word flag entry runnable=1 problem=""
        local -a argv=()
        while ((j < n)); do
            word=${words[j]}
            case $word in
                '|' | '||' | '&&' | ';' | '>' | '>>' | '<' | '2>&1' | '2>/dev/null' | '&' | ')' | \>* | \<*)
                    runnable=0
                    break
                    ;;
            esac
            [[ $word == *'$'* || $word == *'`'* ]] && runnable=0
            argv+=("$word")
            if [[ $word == -* ]]; then
                flag=${word%%=*}
                if [[ $flag != --* && ${#flag} -gt 2 ]]; then
                    # -vv: repeated short flags
                    flag=${flag:0:2}
                fi
                entry=${takes_value["${sub:--} $flag"]-}
                if [ -z "$entry" ]; then
                    problem="'$flag' is not an option of pxclone${sub:+ $sub}"
                    break
                fi
                if [ "$entry" = 1 ] && [[ $word != *=* ]]; then
                    j=$((j + 1))
                    if ((j >= n)); then
                        problem="'$flag' needs a value"
                        break
                    fi
                    argv+=("${words[j]}")
                    [[ ${words[j]} == *'$'* ]] && runnable=0
                fi
            elif [ -z "$sub" ] && [[ $word == *'$'* ]]; then
                # A wrapper passing its own arguments on ("$@"): nothing more to check.
                break
            elif [ -z "$sub" ]; then
                if [[ $subcommands != *" $word "* ]]; then
                    problem="'$word' is not a pxclone subcommand"
                    break
                fi
                sub=$word
            else
                problem="unexpected argument '$word' to pxclone $sub"
                break
            fi
            j=$((j + 1))
        done
        if [ -n "$problem" ]; then
            echo "FAIL: $where: $problem in: $line"
            fail=1
        elif [ "$runnable" = 1 ] && [ "$run_commands" = 1 ] &&
            [[ -z $sub || $sub == validate || $sub == version ]]; then
            ran=$((ran + 1))
            local out
            if ! out=$(env -i PATH="$PATH" "$pxclone" "${argv[@]}" 2>&1 </dev/null); then
                echo "FAIL: $where: 'pxclone ${argv[*]}' failed:"
                echo "$out"
                fail=1
            fi
        fi
        i=$j
    done
}

# check_file FILE MODE: MODE markdown checks the fenced code blocks; script checks the lines that
# are not comments, and comment lines indented as commands ("#   pxclone ...").
check_file() {
    local file=$1 mode=$2 number=0 fenced=0 line joined=""
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        if [ "$mode" = markdown ]; then
            if [[ $line == '```'* ]]; then
                fenced=$((1 - fenced))
                continue
            fi
            [ "$fenced" = 1 ] || continue
        elif [[ $line =~ ^[[:space:]]*# ]]; then
            [[ $line =~ ^[[:space:]]*#[[:space:]]{3}pxclone[[:space:]] ]] || continue
            line=${line#*#}
        fi
        # Continuation lines form one command.
        if [[ $line == *\\ ]]; then
            joined+="${line%\\} "
            continue
        fi
        line="$joined$line"
        joined=""
        # Comments, YAML list markers and indentation are not part of the command.
        [[ $line =~ ^([^#]*[[:space:]])?#.*$ ]] && line=${BASH_REMATCH[1]}
        line=${line#"${line%%[![:space:]]*}"}
        line=${line#- }
        [[ $line == *pxclone* ]] && check_line "$file:$number" "$line"
    done <"$file"
}

# README.md's commands are run when they need no cluster; the CI examples' depend on their CI.
run_commands=1
check_file README.md markdown
run_commands=0
for file in examples/codebuild/buildspec.yml examples/github-actions/staging.yml \
    examples/local/repro.sh examples/*/pxclone.yaml; do
    [ -f "$file" ] && check_file "$file" script
done
if [ "$checked" -lt 10 ]; then
    echo "FAIL: only $checked pxclone command lines found; the extraction is broken"
    fail=1
fi
if [ "$ran" -lt 1 ]; then
    echo "FAIL: no documented command could be run"
    fail=1
fi
echo "checked $checked command lines, ran $ran"
exit $fail
