#!/usr/bin/python3
"""Regenerates the seed corpora in tests/fuzz/corpus/ (committed; run again only to refresh them).

Sources: the repository's profiles (examples, e2e, the bad-profile corpus), kubeconfigs written here,
and the real-server recordings in /work/shared/reference (osd-*.txt: Portworx SDK gateway replies,
k8s-*.txt: Kubernetes API server replies). Reply seeds carry the two selector bytes the targets
read first (status index, then call index or stream chunk size), then the body.
"""
import glob
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
REFERENCE = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference"
K8S_STATUSES = [200, 201, 200, 400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504, 302]
PX_STATUSES = [200, 200, 200, 200, 400, 401, 403, 404, 405, 409, 429, 500, 501, 502, 503, 504]
PX_CALLS = [("GET", r"/v1/identities/version"), None, ("GET", r"/v1/identities/capabilities"),
            ("POST", r"/v1/volumes$"), ("POST", r"/v1/volumes/clone"), ("DELETE", r"/v1/volumes/"),
            ("GET", r"/v1/volumes/inspect/"), ("POST", r"/v1/volumes/inspectwithfilters"),
            ("GET", r"/v1/volumes$"), ("POST", r"/v1/volumes/filters"), ("PUT", r"/v1/volumes/"),
            ("POST", r"/v1/volumes/snapshots$"), ("POST", r"/v1/volumes/snapshots/restore"),
            ("POST", r"/v1/volumes/snapshots/filters/")]


def write(target, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)


def recordings(pattern):
    """(method, path, status, body) of every recorded reply."""
    for file in sorted(glob.glob(os.path.join(REFERENCE, pattern))):
        text = open(file, encoding="utf-8", errors="replace").read()
        for block in text.split("\n### ")[1:]:
            head = block.split("\n", 1)[0].split()
            match = re.search(r"--- HTTP (\d+)\n(.*)", block, re.S)
            if len(head) >= 2 and match:
                yield head[0], head[1], int(match.group(1)), match.group(2).strip().encode()


def status_byte(statuses, status):
    return statuses.index(status) if status in statuses else 0


def main():
    for path in (glob.glob(os.path.join(ROOT, "examples", "*", "pxclone.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests", "e2e", "profiles", "*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests", "data", "profiles", "bad", "*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests", "badinput", "*.yaml")) +
                 # fuzz_profile reads each input as a staging manifest file too.
                 glob.glob(os.path.join(ROOT, "examples", "*", "manifests", "*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests", "e2e", "manifests", "*.yaml"))):
        write("profile", open(path, "rb").read())

    kubeconfigs = [
        b"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n"
        b"    certificate-authority-data: LS0tLS1CRUdJTg==\n    tls-server-name: api\n"
        b"users:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: x\n  context: {cluster: c, user: u, namespace: prod}\n"
        b"current-context: x\n",
        b"clusters: [{name: c, cluster: {server: 'http://127.0.0.1:8080', insecure-skip-tls-verify: true, proxy-url: 'http://proxy:3128'}}]\n"
        b"users: [{name: u, user: {username: a, password: b}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
        b"clusters: [{name: eks, cluster: {server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com'}}]\n"
        b"users: [{name: ci, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws,"
        b" args: [eks, get-token, --cluster-name, prod], env: [{name: AWS_PROFILE, value: ci}],"
        b" interactiveMode: Never, provideClusterInfo: true, installHint: 'install aws'}}}]\n"
        b"contexts: [{name: prod, context: {cluster: eks, user: ci}}]\ncurrent-context: prod\n",
        b"clusters: [{name: c, cluster: {server: 'https://h', client-certificate-data: eA==}}]\n"
        b"users: [{name: u, user: {client-certificate-data: eA==, client-key-data: eQ==, tokenFile: t}}]\n"
        b"contexts: [{name: x, context: {cluster: c, user: u}}, {name: y, context: {cluster: c, user: u}}]\ncurrent-context: y\n",
    ]
    # Alias cycles, an alias bomb and aliases that nest deeper than the text (issue 16): yaml-cpp
    # builds a node that contains itself from the first two, and a walk over it never ends.
    laughs = b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
        b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * 9) + b"]\n" for i in range(1, 9))
    chain = b"a0: &a0 [[[[x]]]]\n" + b"".join(
        b"a%d: &a%d [[[[*a%d]]]]\n" % (i, i, i - 1) for i in range(1, 40))
    aliases = [b"a: &a [*a]\n", b"a: &a {b: *a}\n", b"&r\nversion: 1\nname: *r\n",
               b"version: 1\nname: orders\nsource: &s {namespace: prod, pvcs: [*s]}\n",
               laughs, chain]
    for text in aliases:
        write("profile", text)
    kubeconfigs += [
        b"clusters: &c\n- name: c\n  cluster: {server: 'https://h'}\n  again: *c\ncurrent-context: x\n",
        b"users: [&u {name: u, user: {token: t, self: *u}}]\n",
        laughs + b"clusters: [{name: c, cluster: {server: 'https://h'}}]\n",
        chain,
    ]
    for kubeconfig in kubeconfigs:
        write("kubeconfig", kubeconfig)

    for method, path, status, body in recordings("osd-*.txt"):
        for call, route in enumerate(PX_CALLS):
            if route and route[0] == method and re.search(route[1], path.split("?")[0]):
                write("px_reply", bytes([status_byte(PX_STATUSES, status), call]) + body)
                if call == 0:
                    write("px_reply", bytes([status_byte(PX_STATUSES, status), 1]) + body)

    for method, path, status, body in recordings("k8s-*.txt"):
        write("k8s_reply", bytes([status_byte(K8S_STATUSES, status), 7]) + body)
        if "watch" in path and status == 200:
            write("k8s_reply", bytes([0, 3]) + body)
    events = b"\n".join([
        b'{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p","resourceVersion":"8"}}}',
        b'{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}}',
        b'{"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"Expired","code":410,"message":"too old"}}',
        b'{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p","resourceVersion":"10"}}}',
        b'{"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"p","resourceVersion":"11"}}}',
    ]) + b"\n"
    write("k8s_reply", bytes([0, 5]) + events)
    write("k8s_reply", bytes([8, 0]) + b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"gone","reason":"Expired","code":410}')
    write("k8s_reply", bytes([9, 0]) + b'{"kind":"Status","status":"Failure","reason":"Invalid","code":422,"details":{"name":"x","kind":"pods","causes":[{"reason":"FieldValueInvalid","message":"bad","field":"spec"}],"retryAfterSeconds":3}}')
    # JSON nested 100000 levels: parsed without recursion, but copying or printing it overflowed
    # the stack (issue 16). libFuzzer's -max_len keeps only the first 16 KiB of a seed.
    deep = b"[" * 8000 + b"]" * 8000
    write("k8s_reply", bytes([0, 7]) + b'{"kind":"Pod","metadata":{"name":"p"},"spec":' + deep + b"}")
    write("k8s_reply", bytes([0, 3]) + b'{"type":"ADDED","object":' + deep + b"}\n")
    write("px_reply", bytes([0, 0]) + b'{"sdk_version":' + deep + b"}")
    write("k8s_reply", bytes([0, 0]) + b'{"kind":"PodList","metadata":{"resourceVersion":"5","continue":"abc"},"items":[{"metadata":{"name":"a"}}]}')


if __name__ == "__main__":
    main()
