#!/usr/bin/env zsh
# zsh_complete.zsh FPATH_DIR LINE: the candidates zsh's completion system offers when TAB is
# pressed at the end of LINE, one per line, sorted. Runs an interactive zsh on a pseudo-terminal
# (zpty) with compinit, where compadd also prints what the completion functions add, between
# two \036 bytes (which the echoed command lines do not contain: they show the escape).
zmodload zsh/zpty || exit 2
dir=$1 line=$2
dump=${TMPDIR:-/tmp}/pxclone-zcompdump-$$
zpty z zsh -f -i
setup=(
    "PS1= PS2= RPS1="
    "fpath=(${(q)dir} \$fpath)"
    "autoload -Uz compinit && compinit -u -d ${(q)dump}"
    "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
    "compadd() { if (( \${@[(I)-[OAD]]} )); then builtin compadd \"\$@\"; return; fi; local -a hits; builtin compadd -A hits \"\$@\"; (( \$#hits )) && print -rl -- \$hits; }"
    "_pxc_begin() { printf '\\036\\n'; }; _pxc_end() { printf '\\036\\n'; exit; }"
    "compprefuncs=(_pxc_begin); comppostfuncs=(_pxc_end)"
)
for command in $setup; do
    zpty -w z "$command"
done
zpty -w -n z "$line"$'\t'
out=
while zpty -r z chunk; do
    out+=$chunk
    [[ $out == *$'\036'*$'\036'* ]] && break
done
zpty -d z
rm -f $dump
out=${out//$'\r'/}
out=${out#*$'\036'}
out=${out%%$'\036'*}
print -rl -- ${(f)out} | sort -u
