# bash completion for pxclone                                   -*- shell-script -*-
#
# Subcommands, flags, -o formats, profile files (*.yaml, *.yml), and — through the hidden
# `pxclone __complete contexts|sets|runs` — kubeconfig contexts, snapshot sets and run ids. The
# profile, kubeconfig and context already on the command line are passed on, so the ids are
# those of the cluster and profile the command will use. Installed as
# share/bash-completion/completions/pxclone; works without the bash-completion package too.

_pxclone_commands="version validate snapshot deploy-staging restore list teardown extend refresh rbac completion"
_pxclone_global_flags="--help --profile --context --kubeconfig --run --output --dry-run --quiet
    --verbose --timeout --request-timeout --record --parallel --color"
# Flags whose next word is their value.
_pxclone_value_flags="-p --profile --context --kubeconfig --run -o --output --timeout
    --request-timeout --record
    --parallel --snapshot --pvc -n --namespace --new-pvc --from --color --ttl"

_pxclone_command_flags() {
    case $1 in
        validate) echo "--online" ;;
        snapshot) echo "--skip-hooks" ;;
        deploy-staging) echo "--snapshot --keep-on-failure --fresh --skip-hooks" ;;
        restore) echo "--snapshot --pvc --all --namespace --new-pvc --from" ;;
        list) echo "--all-profiles" ;;
        teardown) echo "--expired --all --snapshots" ;;
        extend) echo "--ttl" ;;
        refresh) echo "--skip-hooks" ;;
        rbac) echo "--service-account --commands --cluster --admission-policy" ;;
    esac
}

# _pxclone_dynamic KIND: asks the binary on the command line for candidates; silent on errors.
_pxclone_dynamic() {
    local -a forward=()
    local i word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            -p | --profile | --kubeconfig | --context)
                forward+=("$word" "${COMP_WORDS[i + 1]}")
                ;;
            --profile=* | --kubeconfig=* | --context=*)
                forward+=("$word")
                ;;
        esac
    done
    # A ~ in a path the user typed is theirs to expand; eval would run anything else, so only
    # the tilde prefix is replaced.
    for i in "${!forward[@]}"; do
        [[ ${forward[i]} == \~/* ]] && forward[i]=$HOME/${forward[i]#\~/}
    done
    "${COMP_WORDS[0]}" __complete "$1" "${forward[@]}" 2>/dev/null
}

# _pxclone_takes_value WORD: whether WORD is a flag whose value is the next word.
_pxclone_takes_value() {
    local flag
    for flag in $_pxclone_value_flags; do
        [ "$1" = "$flag" ] && return 0
    done
    return 1
}

# _pxclone_reply WORDS: the words that start with $cur.
_pxclone_reply() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# _pxclone_files [SUFFIX...]: directories and the files ending in a SUFFIX (none: all files).
_pxclone_files() {
    compopt -o filenames 2>/dev/null
    if [ $# -eq 0 ]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
    fi
    local suffix
    mapfile -t COMPREPLY < <(
        compgen -d -- "$cur"
        for suffix in "$@"; do
            compgen -f -X "!*$suffix" -- "$cur"
        done
    )
}

_pxclone() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    local IFS=$' \t\n'
    COMPREPLY=()

    # The subcommand: the first word that is neither a flag nor a flag's value.
    local command="" i word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if _pxclone_takes_value "$word"; then
            # bash splits `--flag=value` into three words when '=' is in COMP_WORDBREAKS.
            [ "${COMP_WORDS[i + 1]}" = "=" ] && ((i++))
            ((i++))
        elif [[ $word != -* ]]; then
            command=$word
            break
        fi
    done

    # Values of the flag before the cursor (also `--flag=value`).
    local flag=$prev
    if [[ $cur == --*=* ]]; then
        flag=${cur%%=*}
        cur=${cur#*=}
    elif [ "$cur" = "=" ] && _pxclone_takes_value "$prev"; then
        cur=""
    elif [ "$prev" = "=" ] && ((COMP_CWORD >= 2)); then
        flag=${COMP_WORDS[COMP_CWORD - 2]}
        _pxclone_takes_value "$flag" || flag=""
    elif ! _pxclone_takes_value "$prev"; then
        flag=""
    fi
    case $flag in
        -p | --profile)
            _pxclone_files .yaml .yml
            return
            ;;
        --kubeconfig | --record)
            _pxclone_files
            return
            ;;
        --color)
            _pxclone_reply "auto always never"
            return
            ;;
        -o | --output)
            _pxclone_reply "text json yaml env name"
            return
            ;;
        --context)
            _pxclone_reply "$(_pxclone_dynamic contexts)"
            return
            ;;
        --run)
            _pxclone_reply "$(_pxclone_dynamic runs)"
            return
            ;;
        --snapshot)
            _pxclone_reply "$(_pxclone_dynamic sets)"
            return
            ;;
        --timeout)
            _pxclone_reply "30s 5m 10m 30m 1h"
            return
            ;;
        --request-timeout)
            _pxclone_reply "0 10s 30s 1m"
            return
            ;;
        --ttl)
            _pxclone_reply "24h 48h 168h never"
            return
            ;;
        ?*)
            # A value pxclone cannot guess (a count, a PVC or namespace name).
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        local flags
        flags="$_pxclone_global_flags $(_pxclone_command_flags "$command")"
        [ -z "$command" ] && flags+=" --version"
        _pxclone_reply "$flags"
        return
    fi
    if [ -z "$command" ]; then
        _pxclone_reply "$_pxclone_commands"
    elif [ "$command" = completion ] && [ "$prev" = completion ]; then
        _pxclone_reply "bash zsh fish"
    fi
}

complete -F _pxclone pxclone
