# shellcheck shell=bash
# Helpers of the reliability suites (soak.sh, crash.sh, signals.sh): the real pxclone against
# pxsim on loopback, one pxsim per seed. Unlike tests/e2e/lib.sh, a check here does not end the
# script: it adds a line to REL_PROBLEMS, so that a long run can report every seed in a table.
#
# A suite sources this file, calls rel_init PXCLONE PXSIM, then per seed:
#   rel_sim_start SEED [pxsim arguments...]
#   rel_px NAME pxclone-arguments...     # REL_RC, REL_OUT, REL_ERR; never fails by itself
#   rel_check_outcome NAME               # a documented exit code, a one-line reason
#   rel_expect_clean                     # no pxclone-labelled object, no violation
#   rel_sim_stop
#   rel_write_result SEED SUMMARY        # what rel_collect_result reads back
# and runs the seeds with rel_run_seeds (which calls the suite's run_seed SEED), then
# rel_collect_result for each seed.

set -uo pipefail

REL_TOKEN="pxsim-reliability-token-8e2b6c01"
REL_PXCLONE=""
REL_PXSIM=""
REL_SRC=""     # the source tree (the suites run from it)
REL_DIR=""     # tests/reliability
REL_TMP=""     # this invocation's temp dir
REL_WORK=""    # this seed's dir
REL_PROFILE="" # tests/reliability/profiles/pipeline.yaml
REL_SIM_PID=""
REL_SIM_URL=""
REL_RC=0
REL_OUT=""
REL_ERR=""
REL_PROBLEMS=()
# Every pxclone run is bounded: a hang is a finding, not a stuck CI job.
REL_COMMAND_TIMEOUT=${REL_COMMAND_TIMEOUT:-120}

rel_init() {
    if [[ $# -lt 2 ]]; then
        echo "usage: $0 PATH/TO/pxclone PATH/TO/pxsim [options]" >&2
        exit 2
    fi
    REL_PXCLONE=$(realpath "$1")
    REL_PXSIM=$(realpath "$2")
    REL_SRC=$(pwd)
    REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    REL_PROFILE=$REL_DIR/profiles/pipeline.yaml
    for tool in "$REL_PXCLONE" "$REL_PXSIM"; do
        [[ -x $tool ]] || { echo "$0: $tool is not an executable" >&2; exit 2; }
    done
    for tool in jq curl timeout; do
        command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 2; }
    done
    [[ -f $REL_SRC/tests/sim/fixtures/prod-mongo.yaml ]] ||
        { echo "$0: run from the source tree" >&2; exit 2; }
    REL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pxclone-reliability.XXXXXX")
    trap rel_cleanup EXIT
}

rel_cleanup() {
    local rc=$?
    rel_sim_stop
    if [[ $rc == 0 && ${REL_KEEP:-0} != 1 ]]; then
        rm -rf "$REL_TMP"
    else
        echo "files kept in $REL_TMP" >&2
    fi
    exit "$rc"
}

# rel_problem TEXT: records a broken promise of this seed.
rel_problem() {
    REL_PROBLEMS+=("$*")
}

# rel_sim_start NAME SEED [ARGS...]: a fresh pxsim (production fixture, namespace prod, a token,
# a request log) in a new work dir $REL_TMP/NAME; ARGS add --faults, --latency, ...
rel_sim_start() {
    local name=$1 seed=$2
    shift 2
    rel_sim_stop
    REL_PROBLEMS=()
    REL_WORK=$REL_TMP/$name
    mkdir -p "$REL_WORK"
    export REL_HOOK_LOG=$REL_WORK/hooks.log
    : >"$REL_HOOK_LOG"
    local out=$REL_WORK/sim.out
    mkfifo "$out"
    "$REL_PXSIM" --port 0 --threads 32 --state "$REL_SRC/tests/sim/fixtures/prod-mongo.yaml" \
        --source-namespace prod --token "$REL_TOKEN" --seed "$seed" \
        --kubeconfig-out "$REL_WORK/k.yaml" --log "$REL_WORK/requests.jsonl" "$@" \
        >"$out" 2>"$REL_WORK/sim.err" &
    REL_SIM_PID=$!
    local first=""
    exec 3<"$out"
    if ! read -r -t 30 first <&3 || [[ ! $first =~ ^pxsim\ listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]]; then
        echo "pxsim did not start ('$first'): $(cat "$REL_WORK/sim.err")" >&2
        exit 2
    fi
    REL_SIM_URL=${BASH_REMATCH[1]}
}

rel_sim_stop() {
    if [[ -n $REL_SIM_PID ]]; then
        kill -TERM "$REL_SIM_PID" 2>/dev/null || true
        wait "$REL_SIM_PID" 2>/dev/null || true
        REL_SIM_PID=""
        exec 3<&- || true
    fi
}

# rel_sim_get PATH: pxsim's admin API (no token) to stdout.
rel_sim_get() {
    curl -sS --fail --max-time 20 "$REL_SIM_URL$1"
}

# rel_px_command NAME ARGS...: the command line rel_px runs, for replay messages.
rel_px_command() {
    echo "$REL_PXCLONE -p $REL_PROFILE --kubeconfig $REL_WORK/k.yaml --context pxsim -q $*"
}

# rel_px NAME ARGS...: runs pxclone (profile, kubeconfig, context, -q added) with a bound;
# stdout/stderr in $REL_WORK/NAME.{out,err}, the exit code in REL_RC (124: it hung).
rel_px() {
    local name=$1
    shift
    REL_OUT=$REL_WORK/$name.out
    REL_ERR=$REL_WORK/$name.err
    REL_RC=0
    echo "pxclone $* (exit code below)" >"$REL_WORK/$name.cmd"
    timeout -s KILL "$REL_COMMAND_TIMEOUT" "$REL_PXCLONE" -p "$REL_PROFILE" \
        --kubeconfig "$REL_WORK/k.yaml" --context pxsim -q "$@" \
        >"$REL_OUT" 2>"$REL_ERR" </dev/null || REL_RC=$?
    echo "$REL_RC" >>"$REL_WORK/$name.cmd"
}

# rel_check_outcome NAME [ALLOWED_CODES]: the last run ended with a documented exit code (default
# 0 1 3 4 5) and, unless it succeeded, one `pxclone: error:` line; nothing on stderr is a crash,
# a sanitizer report, an internal error or raw multi-line library text.
rel_check_outcome() {
    local name=$1 allowed=${2:-"0 1 3 4 5"}
    if [[ $REL_RC == 124 || $REL_RC == 137 ]]; then
        rel_problem "$name: hung (killed after ${REL_COMMAND_TIMEOUT}s)"
        return
    fi
    if [[ " $allowed " != *" $REL_RC "* ]]; then
        rel_problem "$name: exit code $REL_RC (allowed: $allowed): $(rel_first_error)"
    fi
    local bad
    bad=$(grep -nE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer|terminate called|Segmentation fault|Aborted|internal error|what\(\):' "$REL_ERR" | head -n 3)
    if [[ -n $bad ]]; then
        rel_problem "$name: crash or internal error on stderr: $bad"
    fi
    # The reason is one line; what follows it are the error's detail lines and hint. Before it
    # only warnings may come (-q). A raw reply body or markup anywhere is a finding.
    local stray
    stray=$(awk '/^pxclone: error: / { seen = 1; next } !seen && !/^pxclone: warning: / { print NR": "$0; exit }' "$REL_ERR")
    if [[ -n $stray ]]; then
        rel_problem "$name: stderr line before the error that is no warning: $stray"
    fi
    stray=$(grep -nE '^[[:space:]]*[{<]|<html|"kind":"Status"' "$REL_ERR" | head -n 1)
    if [[ -n $stray ]]; then
        rel_problem "$name: raw reply text on stderr: ${stray:0:200}"
    fi
    local long
    long=$(awk 'length($0) > 600 { print NR": "substr($0, 1, 120)"..."; exit }' "$REL_ERR")
    if [[ -n $long ]]; then
        rel_problem "$name: stderr line longer than 600 characters: $long"
    fi
}

rel_first_error() {
    grep -m1 '^pxclone: error: ' "$REL_ERR" 2>/dev/null | cut -c1-200
}

# rel_owned_objects: every object in pxsim's state that carries app.kubernetes.io/managed-by=pxclone
# (Kubernetes objects of any resource, Portworx volumes, snapshots and clones), one per line.
rel_owned_objects() {
    rel_sim_get /_sim/state | jq -r '
        ([.kubernetes | to_entries[] | .key as $r | .value[]
          | select(.metadata.labels["app.kubernetes.io/managed-by"] == "pxclone")
          | "kubernetes \($r) \(.metadata.namespace // "")/\(.metadata.name)"]
         + [.portworx[] | select(.labels["app.kubernetes.io/managed-by"] == "pxclone")
            | "portworx \(.volume.id) \(.name // .volume.locator.name // "")"]) | .[]'
}

# rel_expect_clean: no pxclone-labelled object is left and pxsim saw no violation.
rel_expect_clean() {
    local left violations
    left=$(rel_owned_objects | head -n 5)
    if [[ -n $left ]]; then
        rel_problem "orphans after teardown: $(tr '\n' ';' <<<"$left")"
        rel_sim_get /_sim/state >"$REL_WORK/state-after.json"
    fi
    violations=$(rel_sim_get /_sim/violations | jq -c .)
    [[ $violations == "[]" ]] || rel_problem "violations: ${violations:0:300}"
}

# rel_expect_hooks_paired: as many post-hooks ran as pre-hooks (the source is never left frozen).
rel_expect_hooks_paired() {
    local pre post
    pre=$(grep -c '^pre ' "$REL_HOOK_LOG")
    post=$(grep -c '^post ' "$REL_HOOK_LOG")
    [[ $pre == "$post" ]] || rel_problem "hooks: $pre pre-hook runs but $post post-hook runs"
}

# rel_teardown_until_clean RUN [MAX]: re-runs `teardown --run RUN --snapshots` as a user would
# until it exits 0 (at most MAX times, default 5); each attempt must itself be a documented
# outcome. Sets REL_TEARDOWN_TRIES and REL_TEARDOWN_CODES ("5,0").
REL_TEARDOWN_TRIES=0
REL_TEARDOWN_CODES=""
rel_teardown_until_clean() {
    local run=$1 max=${2:-5}
    REL_TEARDOWN_TRIES=0
    REL_TEARDOWN_CODES=""
    while ((REL_TEARDOWN_TRIES < max)); do
        REL_TEARDOWN_TRIES=$((REL_TEARDOWN_TRIES + 1))
        rel_px "teardown-$REL_TEARDOWN_TRIES" teardown --run "$run" --snapshots
        rel_check_outcome "teardown#$REL_TEARDOWN_TRIES"
        REL_TEARDOWN_CODES+="${REL_TEARDOWN_CODES:+,}$REL_RC"
        [[ $REL_RC != 0 ]] || return 0
    done
    rel_problem "teardown did not exit 0 in $max attempts (codes $REL_TEARDOWN_CODES): $(rel_first_error)"
}

# rel_write_result SEED SUMMARY: the seed's result file $REL_TMP/seed-SEED.result: "summary
# SUMMARY", "verdict PASS" (FAIL when rel_problem was called), then a "problem ..." line each.
rel_write_result() {
    local seed=$1 summary=$2
    {
        echo "summary $summary"
        echo "verdict $([[ ${#REL_PROBLEMS[@]} == 0 ]] && echo PASS || echo FAIL)"
        for problem in "${REL_PROBLEMS[@]}"; do
            echo "problem $problem"
        done
    } >"$REL_TMP/seed-$seed.result"
}

# rel_run_seeds FIRST COUNT JOBS: the suite's run_seed SEED for FIRST .. FIRST+COUNT-1, each in a
# subshell, JOBS at a time (most of a run is waiting on the network); returns when all ended.
rel_run_seeds() {
    local first=$1 count=$2 jobs=$3 seed
    for ((seed = first; seed < first + count; ++seed)); do
        while (($(jobs -rp | wc -l) >= jobs)); do
            wait -n
        done
        (run_seed "$seed") &
    done
    wait
}

# rel_collect_result SEED REPLAY: reads the seed's result back (a seed without one FAILs), counts
# it in REL_PASSED or REL_FAILED, adds its table row to REL_ROWS, prints "seed N: SUMMARY
# VERDICT", its problems and, when it failed, "replay: REL_KEEP=1 REPLAY". Sets REL_SUMMARY.
REL_PASSED=0
REL_FAILED=0
REL_ROWS=()
REL_SUMMARY=""
rel_collect_result() {
    local seed=$1 replay=$2 result=$REL_TMP/seed-$1.result verdict problems
    REL_SUMMARY=$(sed -n 's/^summary //p' "$result" 2>/dev/null)
    verdict=$(sed -n 's/^verdict //p' "$result" 2>/dev/null)
    problems=$(sed -n 's/^problem //p' "$result" 2>/dev/null)
    if [[ $verdict == PASS ]]; then
        REL_PASSED=$((REL_PASSED + 1))
    else
        verdict=FAIL
        REL_FAILED=$((REL_FAILED + 1))
        [[ -n $problems ]] || problems="the seed's run ended without a result"
    fi
    REL_ROWS+=("| $seed | $REL_SUMMARY | $verdict | $(tr '\n|' '; ' <<<"$problems" | sed 's/; *$//') |")
    echo "seed $seed: $REL_SUMMARY $verdict"
    while IFS= read -r problem; do
        [[ -z $problem ]] || echo "  problem: $problem"
    done <<<"$problems"
    if [[ $verdict == FAIL ]]; then
        echo "  replay: REL_KEEP=1 $replay"
    fi
}
