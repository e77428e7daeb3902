#!/usr/bin/env bash
# Security checks of the real binary (issue 9), against tests/badinput/badserver.py on loopback:
# - TLS is verified by default: an unknown CA fails (exit 1, one line naming the request and a
#   hint); with the kubeconfig's certificate-authority the same server works;
# - credentials are never sent over plain http to a host that is not loopback (exit 2, nothing
#   sent) unless PXCLONE_ALLOW_HTTP_CREDENTIALS=1;
# - no secret (kubeconfig token, ExecCredential token, Portworx token from the environment or from
#   a Kubernetes Secret) appears in stdout, stderr or the --record file at -v, -vv or -vvv;
# - the record file is created 0600 (and an existing one is tightened to 0600);
# - exec plugins and hooks run without a shell: `$(...)` and `;` arguments arrive literally.
set -u
pxclone=$(realpath "$1")
here=$(cd "$(dirname "$0")/../badinput" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
problem() {
    echo "FAIL: $*"
    fail=1
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# start_server NAME [--tls CERT KEY]: sets ${NAME}_port once the server listens.
start_server() {
    local name=$1 banner
    shift
    mkfifo "$tmp/$name.fifo"
    "$python" "$here/badserver.py" "$@" >"$tmp/$name.fifo" &
    pids+=($!)
    read -r -t 60 banner <"$tmp/$name.fifo" || { echo "FAIL: $name did not start"; exit 1; }
    printf -v "${name}_port" '%s' "${banner##* }"
}

kubeconfig() {
    local file=$1 server=$2 user=$3 extra=${4:-}
    cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$server"$extra}}]
users: [{name: u, user: $user}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
KUBECONFIG
}

# run EXPECTED_EXIT NAME ARGS...: pxclone ARGS with stdout/stderr in $tmp/NAME.{out,err}.
run() {
    local want=$1 name=$2
    shift 2
    (cd "$tmp" && timeout 60 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err")
    local got=$?
    if [ "$got" != "$want" ]; then
        problem "$name: exit $got, want $want"
        head -5 "$tmp/$name.err" | sed 's/^/  | /'
    fi
}

plain_port='' tls_port=''
start_server plain

# --- TLS verified by default --------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pxclone-test-ca -keyout "$tmp/ca.key" \
    -out "$tmp/ca.crt" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$tmp/server.key" \
    -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$tmp/san.ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/san.ext" -out "$tmp/server.crt" 2>/dev/null
start_server tls --tls "$tmp/server.crt" "$tmp/server.key"
kubeconfig "$tmp/k-tls-unknown.yaml" "https://127.0.0.1:$tls_port/ok" "{}"
run 1 tls-unknown-ca env -u KUBECONFIG "$pxclone" snapshot --dry-run -q -p "$here/profile.yaml" \
    --kubeconfig "$tmp/k-tls-unknown.yaml" --run sec1
grep -q "^pxclone: error: GET https://127.0.0.1:$tls_port/ok/.*certificate" "$tmp/tls-unknown-ca.err" ||
    problem "tls-unknown-ca: no one-line certificate error: $(head -1 "$tmp/tls-unknown-ca.err")"
grep -q "hint: TLS is verified" "$tmp/tls-unknown-ca.err" || problem "tls-unknown-ca: no TLS hint"
kubeconfig "$tmp/k-tls-ca.yaml" "https://127.0.0.1:$tls_port/ok" "{}" ", certificate-authority: ca.crt"
run 0 tls-with-ca env -u KUBECONFIG "$pxclone" snapshot --dry-run -q -p "$here/profile.yaml" \
    --kubeconfig "$tmp/k-tls-ca.yaml" --run sec1

# --- no credentials over plain http to a host that is not loopback ------------------------------
# 0.0.0.0 is not a loopback name, yet Linux connects it to this machine, where the server listens.
kubeconfig "$tmp/k-remote-http.yaml" "http://0.0.0.0:$plain_port/ok" '{token: pxclone-test-secret-remote}'
run 2 http-token-refused env -u KUBECONFIG -u PXCLONE_ALLOW_HTTP_CREDENTIALS "$pxclone" snapshot \
    --dry-run -q -p "$here/profile.yaml" --kubeconfig "$tmp/k-remote-http.yaml" --run sec1
grep -q "refusing to send the kubeconfig user's credentials over plain http to http://0.0.0.0" \
    "$tmp/http-token-refused.err" || problem "http-token-refused: $(head -1 "$tmp/http-token-refused.err")"
curl -s "http://127.0.0.1:$plain_port/_seen" | grep -q pxclone-test-secret-remote &&
    problem "http-token-refused: the token reached the server"
run 0 http-token-allowed env -u KUBECONFIG PXCLONE_ALLOW_HTTP_CREDENTIALS=1 "$pxclone" snapshot \
    --dry-run -q -p "$here/profile.yaml" --kubeconfig "$tmp/k-remote-http.yaml" --run sec1
curl -s "http://127.0.0.1:$plain_port/_seen" | grep -q "Bearer pxclone-test-secret-remote" ||
    problem "http-token-allowed: the server did not get the token"
cat >"$tmp/profile-remote-px.yaml" <<PROFILE
version: 1
name: bad
portworx:
  endpoint: http://0.0.0.0:$plain_port
  token: {env: PX_TOKEN}
source: {namespace: prod, pvcs: [data]}
PROFILE
kubeconfig "$tmp/k-plain.yaml" "http://127.0.0.1:$plain_port/ok" "{}"
run 2 http-px-token-refused env -u KUBECONFIG -u PXCLONE_ALLOW_HTTP_CREDENTIALS PX_TOKEN=t \
    "$pxclone" snapshot --dry-run -q -p "$tmp/profile-remote-px.yaml" --kubeconfig "$tmp/k-plain.yaml" --run sec1
grep -q "portworx.endpoint: refusing to send portworx.token over plain http" "$tmp/http-px-token-refused.err" ||
    problem "http-px-token-refused: $(head -1 "$tmp/http-px-token-refused.err")"

# --- no secret in any output, at any verbosity; record file 0600; no shell --------------------
cat >"$tmp/plugin" <<'PLUGIN'
#!/bin/sh
# An exec credential plugin that records its arguments, one per line.
printf '%s\n' "$@" >"$(dirname "$0")/plugin.args"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"pxclone-test-secret-exec"}}\n'
PLUGIN
cat >"$tmp/hook" <<'HOOK'
#!/bin/sh
printf '%s\n' "$@" >>"$(dirname "$0")/hook.args"
HOOK
chmod +x "$tmp/plugin" "$tmp/hook"
kubeconfig "$tmp/k-exec.yaml" "http://127.0.0.1:$plain_port/ok" \
    "{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin, args: ['\$(touch pwned-plugin)', '; touch pwned-plugin2', '\`id\`'], interactiveMode: Never}}"
kubeconfig "$tmp/k-token.yaml" "http://127.0.0.1:$plain_port/ok" '{token: pxclone-test-secret-token}'
for source in "{env: PX_TOKEN}" "{secret: kube-system/px-token, key: token}"; do
    name="env"
    [[ $source == *secret* ]] && name=secret
    cat >"$tmp/profile-$name.yaml" <<PROFILE
version: 1
name: sec
portworx:
  endpoint: http://127.0.0.1:$plain_port
  token: $source
source:
  namespace: prod
  pvcs: [data]
  hooks:
    pre: [{ run: [./hook, "\$(touch pwned-hook)", "; touch pwned-hook2", "|id"] }]
snapshot: {method: portworx, timeout: 30s}
PROFILE
done
secrets='pxclone-test-secret-(token|exec|px|data)'
for verbosity in -v -vv -vvv; do
    for combo in "exec env" "token secret"; do
        set -- $combo
        name=secrets-$1-$2$verbosity
        rm -f "$tmp/rec.json"
        run 0 "$name" env -u KUBECONFIG PX_TOKEN=pxclone-test-secret-px "$pxclone" snapshot \
            --dry-run "$verbosity" -p "$tmp/profile-$2.yaml" --kubeconfig "$tmp/k-$1.yaml" \
            --run sec1 --record "$tmp/rec.json"
        for file in "$tmp/$name.out" "$tmp/$name.err" "$tmp/rec.json"; do
            if grep -Eq "$secrets" "$file"; then
                problem "$name: a secret in $(basename "$file"): $(grep -Eom1 ".{0,60}$secrets" "$file")"
            fi
        done
        [ "$(stat -c %a "$tmp/rec.json" 2>/dev/null)" = 600 ] ||
            problem "$name: record file mode $(stat -c %a "$tmp/rec.json" 2>/dev/null), want 600"
    done
done
# The secrets were really used: otherwise not finding them proves nothing.
seen=$(curl -s "http://127.0.0.1:$plain_port/_seen")
for token in exec token px data; do
    grep -q "pxclone-test-secret-$token" <<<"$seen" || problem "the $token secret was never sent"
done
# An existing record file is tightened to 0600.
: >"$tmp/old.json"
chmod 644 "$tmp/old.json"
run 0 record-existing env -u KUBECONFIG PX_TOKEN=x "$pxclone" snapshot --dry-run -q \
    -p "$here/profile.yaml" --kubeconfig "$tmp/k-plain.yaml" --run sec1 --record "$tmp/old.json"
[ "$(stat -c %a "$tmp/old.json")" = 600 ] || problem "an existing record file stays $(stat -c %a "$tmp/old.json")"

# Exec plugin arguments arrive literally and nothing ran them through a shell.
printf '%s\n' '$(touch pwned-plugin)' '; touch pwned-plugin2' '`id`' >"$tmp/plugin.want"
cmp -s "$tmp/plugin.args" "$tmp/plugin.want" || problem "plugin arguments changed: $(cat "$tmp/plugin.args" 2>&1)"
# Hooks run only for a real snapshot (the dry run runs none): the snapshot fails at the server
# (badserver has no snapshot route), but the pre-hook has run by then.
run 1 hook-literal env -u KUBECONFIG PX_TOKEN=x "$pxclone" snapshot -q -p "$tmp/profile-env.yaml" \
    --kubeconfig "$tmp/k-plain.yaml" --run sec2
printf '%s\n' '$(touch pwned-hook)' '; touch pwned-hook2' '|id' >"$tmp/hook.want"
cmp -s "$tmp/hook.args" "$tmp/hook.want" || problem "hook arguments changed: $(cat "$tmp/hook.args" 2>&1)"
ls "$tmp"/pwned* >/dev/null 2>&1 && problem "a shell ran: $(ls "$tmp"/pwned*)"

[ $fail = 0 ] && echo "security: all checks passed"
exit $fail
