// PxApi replaying the recorded session of the real OpenStorage SDK gateway
// (reference/osd-rest.txt), and a failure inside pxsim answered as the gateway answers a panic.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <doctest/doctest.h>

#include "px_test_support.hpp"

using namespace pxsim::testing;

namespace {

// One request and its recorded reply from a transcript in shared/reference's format.
struct Exchange {
    std::string method;
    std::string target; // path and query
    std::string body;
    int status = 0;
    std::string reply;
};

std::vector<Exchange> read_transcript(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::vector<Exchange> exchanges;
    std::string line;
    enum { none, body, reply } section = none;
    while (std::getline(in, line)) {
        if (line.rfind("### ", 0) == 0) {
            Exchange exchange;
            std::istringstream words(line.substr(4));
            words >> exchange.method >> exchange.target;
            exchanges.push_back(exchange);
            section = none;
        } else if (line == "--- request body") {
            section = body;
        } else if (line.rfind("--- HTTP ", 0) == 0) {
            exchanges.back().status = std::stoi(line.substr(9));
            section = reply;
        } else if (section == body) {
            exchanges.back().body += line;
        } else if (section == reply) {
            exchanges.back().reply += line + "\n";
        }
    }
    return exchanges;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

// Timestamps and the order of id lists are the server's own (the fake driver's map order).
json normalise(json value) {
    if (value.is_object()) {
        for (auto& [key, item] : value.items()) {
            item = (key == "ctime" || key == "last_scan") ? json("<time>") : normalise(item);
        }
    } else if (value.is_array() && !value.empty() && value.at(0).is_string()) {
        std::sort(value.begin(), value.end());
    } else if (value.is_array()) {
        for (auto& item : value) {
            item = normalise(item);
        }
    }
    return value;
}

} // namespace

TEST_CASE("replaying the recorded real gateway session gives the recorded replies") {
    Sim sim;
    const auto exchanges =
        read_transcript(std::string(PXSIM_SOURCE_DIR) + "/reference/osd-rest.txt");
    REQUIRE(exchanges.size() > 40);
    std::map<std::string, std::string> ids; // the reference server's id -> pxsim's
    for (const auto& exchange : exchanges) {
        CAPTURE(exchange.method);
        CAPTURE(exchange.target);
        std::string target = exchange.target;
        std::string body = exchange.body;
        for (const auto& [reference_id, sim_id] : ids) {
            replace_all(target, reference_id, sim_id);
            replace_all(body, reference_id, sim_id);
        }
        SimRequest request;
        request.method = exchange.method;
        request.path = target.substr(0, target.find('?'));
        if (const auto question = target.find('?'); question != std::string::npos) {
            const std::string query = target.substr(question + 1);
            const auto equals = query.find('=');
            request.query.emplace(query.substr(0, equals), query.substr(equals + 1));
        }
        request.body = body;
        const SimReply reply = sim.api.handle(request);

        if (exchange.target.find("/snapshots/restore") != std::string::npos &&
            exchange.body.find("does-not-exist") != std::string::npos) {
            // Deliberate: the reference's fake driver restores from a missing snapshot; the
            // Portworx driver refuses, and pxclone must not rely on the lenient answer.
            CHECK(reply.status == 404);
            continue;
        }
        REQUIRE(reply.status == exchange.status);
        if (exchange.reply.front() != '{') {
            CHECK(reply.body == exchange.reply.substr(0, exchange.reply.find('\n') + 1));
            continue;
        }
        const json expected = json::parse(exchange.reply);
        std::string got_text = reply.body;
        for (const auto& [reference_id, sim_id] : ids) {
            replace_all(got_text, sim_id, reference_id);
        }
        json got = json::parse(got_text);
        for (const char* key : {"volume_id", "snapshot_id"}) {
            if (expected.contains(key) && got.contains(key) && expected.at(key) != got.at(key)) {
                ids[expected.at(key).get<std::string>()] = got.at(key).get<std::string>();
                got[key] = expected.at(key);
            }
        }
        if (exchange.target == "/v1/identities/version") {
            // The driver is the reference's `fake`; the SDK version is the same.
            CHECK(got.at("sdk_version") == expected.at("sdk_version"));
        } else if (exchange.target == "/v1/clusters/inspectcurrent") {
            // A freshly started reference was not yet in quorum; pxsim is a running cluster.
            CHECK(got.at("cluster").at("status") == "STATUS_OK");
        } else if (exchange.target.find("/stats/") != std::string::npos ||
                   exchange.target.find("/usage/") != std::string::npos) {
            // The fake driver invents counters; pxsim stores no data and reports none.
            CHECK(got.items().begin().key() == expected.items().begin().key());
        } else {
            CHECK(normalise(got) == normalise(expected));
        }
    }
    CHECK(ids.size() == 5);
}

TEST_CASE("a failure inside pxsim answers 500 code 13 instead of escaping handle") {
    PxHooks hooks;
    hooks.is_source = [](const std::string&) -> bool {
        throw std::runtime_error("hook broke");
    };
    PxApi api(hooks);
    SimRequest request;
    request.method = "DELETE";
    request.path = "/v1/volumes/x";
    const SimReply reply = api.handle(request);
    CHECK(reply.status == 500);
    CHECK(json::parse(reply.body) ==
          json{{"error", "pxsim: hook broke"}, {"code", 13}, {"message", "pxsim: hook broke"}});
}
