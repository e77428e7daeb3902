#include "pxclone/http/transport.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace pxclone;
using Kind = http::TransportError::Kind;

TEST_CASE("a TransportError is an Error: exit 1, its message as given, the hint of its kind") {
    for (const auto kind : {Kind::connect, Kind::tls, Kind::timeout, Kind::reset, Kind::other}) {
        const http::TransportError error(kind, "GET https://k8s.test/api: Connection refused");
        const Error& as_error = error;
        CHECK(as_error.code() == ExitCode::failed);
        CHECK(std::string(as_error.what()) == "GET https://k8s.test/api: Connection refused");
        CHECK(as_error.hint() == http::transport_hint(kind));
        CHECK(as_error.details().empty());
        CHECK(error.kind() == kind);
    }
}

TEST_CASE("main's one catch of Error gets a TransportError thrown from below") {
    try {
        throw http::TransportError(Kind::reset, "POST https://px.test/v1/volumes/clone: reset");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::failed);
        CHECK(error.hint().find("the connection failed") == 0);
        return;
    } catch (...) {
    }
    FAIL("a TransportError was not caught as a pxclone::Error");
}

TEST_CASE("transport_hint names the fix for each kind") {
    // tests/cli/security.sh and tests/cli/deadline.sh look for these words on stderr.
    CHECK(http::transport_hint(Kind::tls).find("TLS is verified") == 0);
    CHECK(http::transport_hint(Kind::timeout)
              .find("the server took longer than "
                    "--request-timeout") == 0);
    const auto connection = http::transport_hint(Kind::connect);
    CHECK(connection == "the connection failed before the server answered: check the server "
                        "address, proxy and network");
    CHECK(http::transport_hint(Kind::reset) == connection);
    CHECK(http::transport_hint(Kind::other) == connection);
}

TEST_CASE("a TransportError's message is one line, like every Error's") {
    const http::TransportError error(Kind::other, "GET https://k8s.test/: bad\r\nreply");
    CHECK(std::string(error.what()).find('\n') == std::string::npos);
}
