#!/usr/bin/env bash
# The layer rules of docs/ARCHITECTURE.md, checked on the sources by their #include lines and a few
# calls (run from the source tree; `layers.sh [ROOT]` checks another tree, as the self-test does):
# - each layer includes only the pxclone headers the table allows: no upward dependency, and
#   plan/ and profile/ reach the clients' pure value headers only, never a client or a transport;
# - <curl/...> only in src/http/libcurl_api.hpp, which only src/http/*.cpp include;
# - yaml-cpp only in profile/, k8s/kubeconfig*, output/format.cpp; CLI11 only in main.cpp, cli/
#   and commands/;
# - std::cout/std::cerr and printf-style writes only in src/main.cpp and src/output/;
# - only src/main.cpp ends the process (exit, _exit, quick_exit, abort, std::terminate).
set -u
root=${1:-.}
cd "$root" || exit 1
fail=0
problem() {
    echo "FAIL: $*"
    fail=1
}

# The layer of a source or header: its folder under src/ or include/pxclone/; main and error for
# the two files at the top.
layer_of() {
    case $1 in
    src/main.cpp) echo main ;;
    src/error.cpp | include/pxclone/error.hpp) echo error ;;
    src/*/*) echo "${1#src/}" | cut -d/ -f1 ;;
    include/pxclone/*/*) echo "${1#include/pxclone/}" | cut -d/ -f1 ;;
    *) echo other ;;
    esac
}

# What each layer may include besides itself (extended regexes over "pxclone/<path>").
declare -A allowed=(
    [error]='^pxclone/(error\.hpp|util/text\.hpp)$'
    [util]='^pxclone/error\.hpp$'
    [output]='^pxclone/(error\.hpp|util/|plan/)'
    [http]='^pxclone/(error\.hpp|util/)'
    [px]='^pxclone/(error\.hpp|util/|http/)'
    [k8s]='^pxclone/(error\.hpp|util/|http/|profile/yaml_text\.hpp$)'
    [profile]='^pxclone/(error\.hpp|util/|px/endpoint\.hpp$)'
    [plan]='^pxclone/(error\.hpp|util/|profile/|k8s/(resource|readiness)\.hpp$|px/(types|cloud_backup_types)\.hpp$)'
    [discover]='^pxclone/(error\.hpp|util/|profile/|plan/|method/|k8s/|px/|exec/(catalog|backup_sets|teardown)\.hpp$)'
    [method]='^pxclone/(error\.hpp|util/|profile/|plan/|k8s/|px/|exec/snapshot_backend\.hpp$)'
    [exec]='^pxclone/(error\.hpp|util/|profile/|plan/|k8s/|px/|http/redact\.hpp$)'
    [commands]='^pxclone/(error\.hpp|util/|profile/|plan/|method/|discover/|exec/|k8s/|px/|http/|output/|build_info\.hpp$|completion_scripts\.hpp$)'
    [cli]='^pxclone/(error\.hpp|util/|output/|commands/|build_info\.hpp$)'
    [main]='^pxclone/(error\.hpp|util/|output/|cli/)'
)

files=$(find src include -name '*.cpp' -o -name '*.hpp' | sort)
[ -n "$files" ] || problem "no sources under $root"
for file in $files; do
    layer=$(layer_of "$file")
    if [ -z "${allowed[$layer]+set}" ]; then
        problem "$file: layer '$layer' is not in the table of tests/docs/layers.sh (add it there and to docs/ARCHITECTURE.md)"
        continue
    fi
    while IFS= read -r header; do
        [ -n "$header" ] || continue
        case $header in pxclone/"$layer"/*) continue ;; esac
        [[ $header =~ ${allowed[$layer]} ]] || problem "$file: $layer/ may not include $header"
    done < <(sed -nE 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"(pxclone/[^"]+)".*|\1|p' "$file")
done

# Third-party headers with one home each.
only_in() { # only_in WHAT ERE ALLOWED_PATH_ERE: ERE may match only in files matching the paths
    local what=$1 pattern=$2 where=$3 hit
    while IFS= read -r hit; do
        [ -n "$hit" ] || continue
        [[ ${hit%%:*} =~ $where ]] || problem "$hit: $what"
    done < <(grep -rnE "$pattern" src include --include='*.cpp' --include='*.hpp' |
        grep -vE '^[^:]+:[0-9]+:[[:space:]]*//')
}
only_in "only src/http/libcurl_api.hpp includes curl" '#[[:space:]]*include[[:space:]]*<curl/' \
    '^src/http/libcurl_api\.hpp$'
only_in "only src/http/*.cpp include libcurl_api.hpp" '#[[:space:]]*include.*libcurl_api\.hpp' \
    '^src/http/[a-z_]+\.cpp$'
only_in "yaml-cpp belongs to profile/, k8s/kubeconfig and output/format" \
    '#[[:space:]]*include[[:space:]]*<yaml-cpp/' \
    '^(src|include/pxclone)/profile/|^src/k8s/kubeconfig[a-z_]*\.cpp$|^src/output/format\.cpp$'
only_in "CLI11 belongs to main.cpp, cli/ and commands/" '#[[:space:]]*include[[:space:]]*<CLI/' \
    '^src/main\.cpp$|^(src|include/pxclone)/(cli|commands)/'
only_in "the console belongs to main.cpp and output/ (take a std::ostream&)" \
    'std::(cout|cerr|clog)\b|(^|[^a-z_.>:])(printf|fprintf|puts|fputs|perror)[[:space:]]*\(' \
    '^src/main\.cpp$|^(src|include/pxclone)/output/'
only_in "only main.cpp ends the process (throw an Error)" \
    '(^|[^a-z_.>:])(std::)?(exit|_exit|_Exit|quick_exit|abort|terminate)[[:space:]]*\(' \
    '^src/main\.cpp$'

if [ "$fail" = 0 ]; then
    echo "PASS: layer rules hold ($(echo "$files" | wc -l) files)"
fi
exit "$fail"
