// A CA, a server certificate (SANs IP:127.0.0.1 and DNS:pxsim.test), a client certificate and
// an unrelated second CA, made once per test run with the openssl command.
#pragma once

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

namespace pxclone::test {

struct TlsFiles {
    TempDir dir;
    std::filesystem::path ca_crt, server_crt, server_key, client_crt, client_key, other_ca_crt;
};

inline const TlsFiles& tls_files() {
    static const std::unique_ptr<TlsFiles> files = [] {
        auto made = std::make_unique<TlsFiles>();
        const auto& d = made->dir.path();
        made->dir.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:pxsim.test\n"
                                      "extendedKeyUsage=serverAuth\n");
        made->dir.write("client.ext", "extendedKeyUsage=clientAuth\n");
        const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        const std::string script =
            "cd '" + d.string() + "' && " + "openssl req -x509 " + key +
            " -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 "
            "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign && "
            "openssl req -x509 " +
            key +
            " -keyout other.key -out other-ca.crt -subj /CN=other "
            "-days 2 -addext basicConstraints=critical,CA:TRUE && "
            "openssl req " +
            key +
            " -keyout server.key -out server.csr -subj /CN=pxsim && "
            "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
            "-out server.crt -days 2 -extfile server.ext && "
            "openssl req " +
            key +
            " -keyout client.key -out client.csr -subj /CN=test-user && "
            "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
            "-out client.crt -days 2 -extfile client.ext";
        if (std::system(("(" + script + ") >/dev/null 2>&1").c_str()) != 0) {
            throw std::runtime_error("openssl failed to make the test certificates");
        }
        made->ca_crt = d / "ca.crt";
        made->server_crt = d / "server.crt";
        made->server_key = d / "server.key";
        made->client_crt = d / "client.crt";
        made->client_key = d / "client.key";
        made->other_ca_crt = d / "other-ca.crt";
        return made;
    }();
    return *files;
}

} // namespace pxclone::test
