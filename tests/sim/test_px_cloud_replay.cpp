// PxApi replaying the recorded session of the real SDK server's credential and cloud backup calls
// (reference/osd-cloudbackup.txt, sections 1 to 7c: the instance without authentication). Errors
// and credential replies must match exactly; where the recording's fake driver is a stub that
// pxsim deliberately does not copy (API.md §1b: random extra status entries, unfiltered
// enumerates, ignored task ids and labels), the status code must match and the difference is
// checked for what pxsim does instead.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "px_cloud_test_support.hpp"

using namespace pxsim::testing;

namespace {

struct Exchange {
    std::string section; // the "# ==== N." header it is under
    std::string method;
    std::string target;
    std::string body;
    int status = 0; // 0: no reply (the recorded server crashed)
    std::string reply;
};

// The transcript's format (shared/reference/README.md); comment lines are skipped.
std::vector<Exchange> read_transcript(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::vector<Exchange> exchanges;
    std::string line;
    std::string section;
    enum { none, body, reply } part = none;
    while (std::getline(in, line)) {
        if (line.rfind("# ==== ", 0) == 0) {
            section = line.substr(7, line.find(' ', 7) - 7);
            part = none;
        } else if (line.rfind("#", 0) == 0 && line.rfind("### ", 0) != 0) {
            continue;
        } else if (line.rfind("### ", 0) == 0) {
            Exchange exchange;
            exchange.section = section;
            std::istringstream words(line.substr(4));
            words >> exchange.method >> exchange.target;
            exchanges.push_back(exchange);
            part = none;
        } else if (line == "--- request body") {
            part = body;
        } else if (line.rfind("--- HTTP ", 0) == 0) {
            exchanges.back().status = std::stoi(line.substr(9));
            part = reply;
        } else if (part == body) {
            exchanges.back().body += line;
        } else if (part == reply) {
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

json normalise(json value) {
    if (value.is_object()) {
        for (auto& [key, item] : value.items()) {
            item = (key == "ctime" || key == "last_scan") ? json("<time>") : normalise(item);
        }
    } else if (value.is_array() && !value.empty() && value.at(0).is_string()) {
        std::sort(value.begin(), value.end());
    }
    return value;
}

// The reference server's ids -> pxsim's, learned from the replies.
struct Ids {
    std::map<std::string, std::string> to_sim;

    std::string forward(std::string text) const {
        for (const auto& [reference, sim] : to_sim) {
            replace_all(text, reference, sim);
        }
        return text;
    }
    std::string back(std::string text) const {
        for (const auto& [reference, sim] : to_sim) {
            replace_all(text, sim, reference);
        }
        return text;
    }
    void learn(const json& expected, const json& got, const char* key) {
        if (expected.contains(key) && got.contains(key) && expected.at(key) != got.at(key)) {
            to_sim[expected.at(key).get<std::string>()] = got.at(key).get<std::string>();
        }
    }
};

// A request as the HTTP server hands it over: path decoded (%2F is a slash), query split.
SimRequest request_of(const Exchange& exchange, const Ids& ids) {
    std::string target = exchange.target;
    const std::string prefix = "/v1/cloudbackups/backup/";
    SimRequest request;
    request.method = exchange.method;
    request.body = ids.forward(exchange.body);
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    replace_all(request.path, "%2F", "/");
    if (question != std::string::npos) {
        std::istringstream query(target.substr(question + 1));
        std::string item;
        while (std::getline(query, item, '&')) {
            const auto equals = item.find('=');
            request.query.emplace(item.substr(0, equals), ids.forward(item.substr(equals + 1)));
        }
    }
    if (request.path.rfind(prefix, 0) == 0) {
        // A backup id pxsim made carries a slash: sent as the path part and ?bucket=.
        const std::string id = ids.forward(request.path.substr(prefix.size()));
        const auto slash = id.find('/');
        if (slash != std::string::npos && id != request.path.substr(prefix.size())) {
            request.path = prefix + id.substr(slash + 1);
            request.query.emplace("bucket", id.substr(0, slash));
        } else {
            request.path = prefix + id;
        }
    } else {
        request.path = ids.forward(request.path);
    }
    return request;
}

} // namespace

TEST_CASE("replaying the recorded cloud backup session gives the recorded replies") {
    const auto exchanges =
        read_transcript(std::string(PXSIM_SOURCE_DIR) + "/reference/osd-cloudbackup.txt");
    REQUIRE(exchanges.size() > 100);
    auto sim = std::make_unique<Sim>();
    Ids ids;
    std::size_t exact = 0;
    std::size_t replayed = 0;
    for (const auto& exchange : exchanges) {
        if (exchange.section.rfind("8", 0) == 0 || exchange.section.rfind("9", 0) == 0) {
            break; // the authenticated instance, and the calls that crashed the recorded one
        }
        if (exchange.section == "7c." && exchange.target == "/v1/credentials" &&
            exchange.method == "POST") {
            sim = std::make_unique<Sim>(); // "plain osd, fresh start"
        }
        CAPTURE(exchange.method);
        CAPTURE(exchange.target);
        CAPTURE(exchange.body);
        ++replayed;
        const SimRequest request = request_of(exchange, ids);
        const SimReply reply = sim->api.handle(request);
        CAPTURE(reply.body);

        if (exchange.method == "POST" && exchange.target == "/v1/cloudbackups" &&
            exchange.body.find("pxclone-r1-bk") != std::string::npos &&
            ids.to_sim.count("9879350b-1eba-40e3-a050-3efc42a6fb7b") != 0) {
            // Deliberate: the fake ignores task_id; the SDK answers a taken one 409 code 6.
            check_error(reply, 409, 6, "backup with this name already exists: Already exists");
            // Made again without it, so the session goes on with the same backups.
            SimRequest again = request;
            again.body = ids.forward(
                R"({"volume_id":"a3e46d50-c0a6-47cb-a241-d7df25a2fdc1","credential_id":"d2634535-ce39-4905-ae19-6c32421898bf"})");
            const json made = json::parse(sim->api.handle(again).body);
            ids.learn(json::parse(exchange.reply), made, "task_id");
            continue;
        }
        REQUIRE(reply.status == exchange.status);
        if (exchange.reply.empty() || exchange.reply.front() != '{') {
            CHECK(reply.body == exchange.reply.substr(0, exchange.reply.find('\n') + 1));
            ++exact;
            continue;
        }
        const json expected = json::parse(exchange.reply);
        json got = json::parse(reply.body);
        for (const char* key :
             {"credential_id", "volume_id", "snapshot_id", "task_id", "restore_volume_id"}) {
            ids.learn(expected, got, key);
        }
        const std::string path = request.path;
        if (path == "/v1/cloudbackups/status") {
            // The fake adds other tasks' entries at random; pxsim answers what was asked. Each
            // entry both have is the same task: learn its backup id.
            const json expected_statuses = expected.value("statuses", json::object());
            for (const auto& [key, entry] : expected_statuses.items()) {
                const std::string sim_key = ids.forward(key);
                if (got.contains("statuses") && got["statuses"].contains(sim_key)) {
                    ids.learn(entry, got["statuses"][sim_key], "backup_id");
                    CHECK(got["statuses"][sim_key].at("status") == entry.at("status"));
                    CHECK(got["statuses"][sim_key].at("optype") == entry.at("optype"));
                }
            }
            const json asked = json::parse(request.body);
            if (asked.contains("task_id") && expected.contains("statuses") &&
                expected["statuses"].contains(exchange.body.substr(12, 36))) {
                CHECK(got.at("statuses").size() == 1);
            }
            continue;
        }
        if (path == "/v1/cloudbackups/enumerate/filters") {
            // The fake filters on src_volume_id and cluster_id only; pxsim on every filter.
            const json backups = got.value("backups", json::array());
            for (const auto& backup : backups) {
                CHECK(backup.at("status") == "SdkCloudBackupStatusTypeDone");
            }
            continue;
        }
        if (path == "/v1/identities/version") {
            CHECK(got.at("sdk_version") == expected.at("sdk_version"));
            continue;
        }
        if (path.rfind("/v1/volumes/inspect/", 0) == 0 &&
            expected.at("volume").at("source") == json::object()) {
            // A restored volume: pxsim keeps the labels the request asked for (the fake drops
            // them) and has no locator name when none was asked.
            CHECK(got.at("volume").at("spec") == expected.at("volume").at("spec"));
            CHECK(got.value("name", "") == expected.value("name", ""));
            continue;
        }
        got = json::parse(ids.back(got.dump()));
        CHECK(normalise(got) == normalise(expected));
        ++exact;
    }
    CHECK(replayed > 90);
    CHECK(exact > 60);
    // Credentials, volumes, tasks, backups and restored volumes were all mapped.
    CHECK(ids.to_sim.size() > 20);
}
