// libFuzzer target: what pxclone makes of Portworx (OpenStorage SDK gateway) replies of any status
// and body, through every client call. A reply may be refused only with a pxclone::Error whose
// message is one line; any other exception (a JSON type error, std::invalid_argument escaping a
// decoder), a crash or a sanitizer report is a finding.
#include "pxclone/http/transport.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/types.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using namespace pxclone;

class FuzzTransport final : public http::Transport {
public:
    FuzzTransport(int status, std::string_view body) : m_status(status), m_body(body) {}
    http::Response send(const http::Request&) override {
        return {m_status, {{"Content-Type", "application/json"}}, std::string(m_body)};
    }
    http::Response stream(const http::Request& request, const http::ChunkHandler&) override {
        return send(request);
    }

private:
    int m_status;
    std::string_view m_body;
};

void call(const px::Client& client, unsigned which) {
    switch (which % 14) {
    case 0:
        (void)client.version();
        break;
    case 1:
        (void)client.check_endpoint();
        break;
    case 2:
        (void)client.capabilities();
        break;
    case 3:
        (void)client.create_volume({"v", {.size = 1 << 30, .ha_level = 1}, {{"a", "b"}}});
        break;
    case 4:
        (void)client.clone_volume({"c", "snap1", {{"a", "b"}}});
        break;
    case 5:
        client.delete_volume("v1");
        break;
    case 6:
        (void)client.inspect("v1");
        break;
    case 7:
        (void)client.inspect_with_filters({.labels = {{"a", "b"}}});
        break;
    case 8:
        (void)client.enumerate();
        break;
    case 9:
        (void)client.enumerate_with_filters({.name = "v"});
        break;
    case 10:
        client.update_labels("v1", {{"a", ""}});
        break;
    case 11:
        (void)client.snapshot_create({"v1", "s", {{"a", "b"}}});
        break;
    case 12:
        client.snapshot_restore("v1", "s1");
        break;
    default:
        (void)client.snapshot_list_by_labels("v1", {{"a", "b"}});
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    // Byte 0 picks the HTTP status, byte 1 the call; the rest is the reply body.
    static constexpr int k_statuses[] = {200, 200, 200, 200, 400, 401, 403, 404,
                                         405, 409, 429, 500, 501, 502, 503, 504};
    const int status = k_statuses[data[0] % std::size(k_statuses)];
    const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
    FuzzTransport transport(status, body);
    const px::Client client(transport, "https://px.test:9021", "token", "https://px.test:9021");
    fuzz::expect_only_pxclone_errors("px client", [&] { call(client, data[1]); });
    return 0;
}
