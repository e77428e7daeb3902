#!/usr/bin/python3
"""A scripted bad server for pxclone's bad-input corpus (tests/cli/bad_input.sh).

One loopback HTTP server plays a tiny, consistent cluster (one PVC `prod/data` bound to a Portworx
CSI volume, a Portworx SDK gateway behind the API server's service proxy) and misbehaves in exactly
one place per case. The case is the first path segment: a kubeconfig whose server is
`http://127.0.0.1:PORT/CASE` makes every request of that run hit `/CASE/api/...`. Cases live in
CASES below: a list of (regex on "METHOD PATH", reply). A reply is (status, content type, body),
or one of the stream misbehaviours "truncate", "close", "huge-json", "huge-garbage",
"huge-announced" (a Content-Length over pxclone's 64 MiB limit) and "huge-watch-line" (a watch
stream, without Content-Length, whose first event does not end before the client stops reading).

Two misbehaviours hold pxclone as long as it lets them (tests/cli/deadline.sh): "stall" reads the
request and never answers, "trickle" sends its reply one byte a second.

`GET /_seen` lists the requests seen so far ("METHOD PATH AUTHORIZATION" lines).

Usage: badserver.py [--tls CERT KEY]   prints `badserver listening on PORT`, serves until killed.
       badserver.py --black-hole        the same line for a port that completes TCP handshakes
                                        (while its backlog lasts) but never accepts or reads.
Standard library only, so it costs the build nothing.
"""
import http.server
import json
import re
import socket
import socketserver
import ssl
import sys
import threading
import time

PX = r"/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy"
JSON = "application/json"


def status(code, reason, message):
    return (code, JSON, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                                    "status": "Failure", "message": message, "reason": reason,
                                    "code": code}))


def sdk_error(http_code, grpc_code, message):
    return (http_code, JSON, json.dumps({"error": message, "code": grpc_code,
                                         "message": message, "details": []}))


def ok(obj):
    return (200, JSON, json.dumps(obj))


PVC = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
       "metadata": {"name": "data", "namespace": "prod", "resourceVersion": "11", "uid": "u-pvc"},
       "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": "pv-data",
                "storageClassName": "px-csi", "resources": {"requests": {"storage": "1Gi"}}},
       "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}}
PV = {"apiVersion": "v1", "kind": "PersistentVolume",
      "metadata": {"name": "pv-data", "resourceVersion": "12", "uid": "u-pv"},
      "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
               "storageClassName": "px-csi",
               "claimRef": {"namespace": "prod", "name": "data"},
               "csi": {"driver": "pxd.portworx.com", "volumeHandle": "1100", "fsType": "ext4"}},
      "status": {"phase": "Bound"}}
VOLUME = {"id": "1100", "locator": {"name": "pvc-data", "volume_labels": {}},
          "spec": {"size": "1073741824", "ha_level": "1", "format": "FS_TYPE_EXT4"},
          "status": "VOLUME_STATUS_UP", "state": "VOLUME_STATE_ATTACHED"}
VERSION = {"sdk_version": {"major": 0, "minor": 186, "patch": 0, "version": "0.186.0"},
           "version": {"driver": "fake", "version": "0.186.0"}}

# The healthy world every case starts from.
WORLD = [
    (r"GET " + PX + r"/v1/identities/version", ok(VERSION)),
    (r"GET /api/v1/namespaces/prod/persistentvolumeclaims/data\b", ok(PVC)),
    (r"GET /api/v1/persistentvolumes/pv-data\b", ok(PV)),
    (r"POST " + PX + r"/v1/volumes/inspectwithfilters", ok({})),
    (r"GET " + PX + r"/v1/volumes/inspect/1100", ok({"volume": VOLUME, "name": "pvc-data"})),
    (r"POST " + PX + r"/v1/volumes/filters", ok({})),
    # The Portworx token as a Kubernetes Secret (tests/cli/security.sh): "pxclone-test-secret-data".
    (r"GET /api/v1/namespaces/kube-system/secrets/px-token\b",
     ok({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "px-token",
                                                            "namespace": "kube-system"},
         "type": "Opaque", "data": {"token": "cHhjbG9uZS10ZXN0LXNlY3JldC1kYXRh"}})),
    (r"GET " + PX + r"/v1/volumes/snapshots", ok({})),
    (r"GET /api/v1/(namespaces/[^/]+/)?[a-z]+\?", ok({"kind": "List", "apiVersion": "v1",
                                                       "metadata": {"resourceVersion": "20"},
                                                       "items": []})),
    (r"GET /apis/[^?]+\?", ok({"kind": "List", "apiVersion": "v1",
                               "metadata": {"resourceVersion": "20"}, "items": []})),
]

HTML_502 = (502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
            "</html>\r\n")
NGINX_WELCOME = (200, "text/html", "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title>"
                 "</head><body><h1>Welcome to nginx!</h1></body></html>\n")
PVC_GET = r"GET /api/v1/namespaces/prod/persistentvolumeclaims/data\b"
PV_GET = r"GET /api/v1/persistentvolumes/pv-data\b"
VERSION_GET = r"GET " + PX + r"/v1/identities/version"
FILTERS = r"POST " + PX + r"/v1/volumes/inspectwithfilters"
LIST_NS = r"GET /api/v1/namespaces\?"


def with_(obj, path, value):
    """A deep copy of obj with the dotted path set to value (None deletes it)."""
    obj = json.loads(json.dumps(obj))
    keys = path.split(".")
    node = obj
    for key in keys[:-1]:
        node = node[key]
    if value is None:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value
    return obj


# The staging namespace of run bad1, which `teardown --run bad1` finds, deletes and then waits for
# (watching it) until it is gone.
STAGED_NS = {"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": "bad-stg-bad1", "resourceVersion": "21", "labels": {
                 "app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "bad",
                 "pxclone.io/run": "bad1", "pxclone.io/role": "staging"}},
             "status": {"phase": "Active"}}
STAGED_NS_LIST = ok({"kind": "NamespaceList", "apiVersion": "v1",
                     "metadata": {"resourceVersion": "21"}, "items": [STAGED_NS]})


CASES = {
    "ok": [],
    # Kubernetes API server replies, on the source PVC's GET.
    "pvc-html-502": [(PVC_GET, HTML_502)],
    "pvc-malformed-json": [(PVC_GET, (200, JSON, '{"kind": "PersistentVolumeClaim", "spec": {'))],
    "pvc-json-array": [(PVC_GET, (200, JSON, "[1, 2, 3]"))],
    # Valid JSON nested 100000 levels: parsed without recursion, but copying or printing it
    # recursed until the stack overflowed.
    "pvc-deep-json": [(PVC_GET, (200, JSON, json.dumps(PVC)[:-1] + ', "x": ' + "[" * 100000 +
                                 "]" * 100000 + "}"))],
    "px-deep-json": [(VERSION_GET, (200, JSON, '{"sdk_version": ' + "[" * 100000 + "]" * 100000 +
                                    "}"))],
    "pvc-json-string": [(PVC_GET, (200, JSON, '"PersistentVolumeClaim"'))],
    "pvc-volume-name-number": [(PVC_GET, ok(with_(PVC, "spec.volumeName", 42)))],
    "pvc-spec-string": [(PVC_GET, ok(with_(PVC, "spec", "bound")))],
    "pvc-phase-object": [(PVC_GET, ok(with_(PVC, "status.phase", {"Bound": True})))],
    "pvc-404-status": [(PVC_GET, status(404, "NotFound",
                                        'persistentvolumeclaims "data" not found'))],
    "pvc-404-plain": [(PVC_GET, (404, "text/plain", "404 page not found\n"))],
    "pvc-401": [(PVC_GET, status(401, "Unauthorized", "Unauthorized"))],
    "pvc-403": [(PVC_GET, status(403, "Forbidden", 'persistentvolumeclaims "data" is forbidden: '
                                 'User "ci" cannot get resource'))],
    "pvc-500-status": [(PVC_GET, status(500, "InternalError", "etcdserver: request timed out"))],
    "pvc-418": [(PVC_GET, (418, "text/plain", "I'm a teapot"))],
    "pvc-301": [(PVC_GET, (301, "text/html", "<a href=\"https://elsewhere/\">Moved</a>"))],
    "pvc-204-empty": [(PVC_GET, (204, JSON, ""))],
    "pvc-200-empty": [(PVC_GET, (200, JSON, ""))],
    "pvc-truncated": [(PVC_GET, "truncate")],
    "pvc-closed": [(PVC_GET, "close")],
    "pvc-huge-json": [(PVC_GET, "huge-json")],
    "pvc-huge-garbage": [(PVC_GET, "huge-garbage")],
    "pvc-huge-announced": [(PVC_GET, "huge-announced")],
    "pvc-stall": [(PVC_GET, "stall")],
    "pvc-trickle": [(PVC_GET, "trickle")],
    # teardown: the staging namespace is found and deleted; the watch that waits for it to go never
    # ends its first line.
    "watch-huge-line": [
        (r"GET /api/v1/namespaces\?labelSelector=[^&]*run%3Dbad1", STAGED_NS_LIST),
        (r"DELETE /api/v1/namespaces/bad-stg-bad1", ok(STAGED_NS)),
        (r"GET /api/v1/namespaces\?.*watch=1", "huge-watch-line"),
        (r"GET /api/v1/namespaces\?.*fieldSelector=", STAGED_NS_LIST)],
    "pvc-status-multiline": [(PVC_GET, status(500, "InternalError", "line one\nline two\r\nthree"))],
    "pvc-pending": [(PVC_GET, ok(with_(with_(PVC, "spec.volumeName", None), "status.phase",
                                       "Pending")))],
    "pv-not-portworx": [(PV_GET, ok(with_(PV, "spec.csi.driver", "ebs.csi.aws.com")))],
    "pv-csi-number": [(PV_GET, ok(with_(PV, "spec.csi", 7)))],
    "pv-handle-number": [(PV_GET, ok(with_(PV, "spec.csi.volumeHandle", 1100)))],
    "pv-json-null": [(PV_GET, (200, JSON, "null"))],
    "list-items-string": [(LIST_NS, ok({"kind": "NamespaceList", "metadata": {},
                                        "items": "none"}))],
    "list-items-numbers": [(LIST_NS, ok({"kind": "NamespaceList", "metadata": {},
                                         "items": [1, 2]}))],
    "list-html-200": [(LIST_NS, NGINX_WELCOME)],
    # Portworx SDK gateway replies (through the service proxy).
    "px-nginx-welcome": [(VERSION_GET, NGINX_WELCOME)],
    "px-plain-404": [(VERSION_GET, (404, "text/plain", "Not Found\n"))],
    "px-empty-object": [(VERSION_GET, ok({}))],
    "px-version-wrong-type": [(VERSION_GET, ok({"sdk_version": "0.186", "version": 3}))],
    "px-version-minor-string": [(VERSION_GET, ok({"sdk_version": {"major": "x", "minor": []}}))],
    "px-no-endpoints": [(VERSION_GET, status(503, "ServiceUnavailable",
                                             'no endpoints available for service "portworx-api"'))],
    "px-unauthenticated": [(VERSION_GET, sdk_error(401, 16, "access denied: token missing"))],
    "px-html-502": [(VERSION_GET, HTML_502)],
    "px-truncated": [(VERSION_GET, "truncate")],
    "px-huge-garbage": [(VERSION_GET, "huge-garbage")],
    "px-filters-malformed": [(FILTERS, (200, JSON, '{"volumes": [{"volume": '))],
    "px-filters-volumes-string": [(FILTERS, ok({"volumes": "all"}))],
    "px-filters-size-word": [(FILTERS, ok({"volumes": [{"volume": with_(VOLUME, "spec.size",
                                                                         "ten gigabytes")}]}))],
    "px-filters-labels-number": [(FILTERS, ok({"volumes": [{"volume": with_(
        VOLUME, "locator.volume_labels", {"pxclone.io/run": 7})}]}))],
    "px-filters-id-object": [(FILTERS, ok({"volumes": [{"volume": with_(VOLUME, "id",
                                                                         {"x": 1})}]}))],
    "px-filters-sdk-500": [(FILTERS, sdk_error(500, 13, "HA level cannot be zero"))],
    "px-filters-text-500": [(FILTERS, (500, "text/plain", "upstream connect error"))],
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY each reply waits ~40 ms for the
    # client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.split("/", 2)
        case = parts[1] if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        if self.path == "/_seen":
            return self.reply(200, "text/plain", "".join(
                f"{m} {p} {a}\n" for m, p, a in self.server.seen))
        if case == "v1":
            # A direct Portworx endpoint (http://127.0.0.1:PORT): the healthy gateway.
            case, rest = "ok", PX + self.path
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization", "")))
        if case not in CASES:
            return self.reply(404, "text/plain", "no such case: " + case + "\n")
        key = self.command + " " + rest
        for pattern, reply in CASES[case] + WORLD:
            if re.match(pattern, key):
                return self.reply(*reply) if isinstance(reply, tuple) else self.misbehave(reply)
        return self.reply(*status(404, "NotFound", "the server could not find the requested "
                                                   "resource (" + key + ")"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def reply(self, code, content_type, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Retry-After", "0")  # keeps pxclone's retries of 5xx/429 instant
        self.end_headers()
        self.wfile.write(data)

    def misbehave(self, how):
        if how == "stall":
            threading.Event().wait()  # until the client hangs up or the server is killed
        if how == "trickle":
            body = json.dumps(PVC).encode()
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.write_slowly(body)
            return
        if how == "close":
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.close_connection = True
        if how == "huge-announced":
            self.send_header("Content-Length", str(80 * 1024 * 1024))
            self.end_headers()
            self.write_until_refused([b'{"kind": "PersistentVolumeClaim", "pad": "'])
            return
        if how == "huge-watch-line":
            # No Content-Length: the body ends when the connection does, here when pxclone stops
            # reading (or at 128 MiB, far past its 16 MiB limit).
            self.send_header("Connection", "close")
            self.end_headers()
            self.write_until_refused([b'{"type": "ADDED", "object": {"pad": "'] +
                                     [b"a" * 1024 * 1024] * 128)
            return
        if how == "truncate":
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"kind": "PersistentVolumeClaim", "metadata": {"na')
        else:
            # 8 MiB: one string value (valid JSON) or bytes that are not JSON at all.
            size = 8 * 1024 * 1024
            body = (b'{"kind": "X", "pad": "' + b"a" * size + b'"}' if how == "huge-json"
                    else bytes(range(256)) * (size // 256))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        self.wfile.flush()

    def write_slowly(self, data):
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass  # pxclone hung up, as it should

    def write_until_refused(self, pieces):
        try:
            for piece in pieces:
                self.wfile.write(piece)
            self.wfile.flush()
        except OSError:
            pass  # pxclone hung up, as it should


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    seen = []

    def server_bind(self):
        # HTTPServer's own looks the host name up (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def black_hole():
    """A listening socket nobody accepts from: the kernel completes the first handshakes (the
    backlog), takes what the client sends into its buffer, and nothing ever answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    print("badserver listening on", sock.getsockname()[1], flush=True)
    threading.Event().wait()


def main():
    if sys.argv[1:] == ["--black-hole"]:
        black_hole()
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("badserver listening on", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
