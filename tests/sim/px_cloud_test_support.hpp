// Helpers of the cloud backup tests (test_px_cloud*.cpp): credentials, backups and their status
// through PxApi, on the px_test_support.hpp fixture.
#pragma once

#include <string>

#include "px_test_support.hpp"
#include "px_wire.hpp"

namespace pxsim::testing {

inline std::string format_time(std::chrono::system_clock::time_point time) {
    return pxsim::px::format_timestamp(time);
}

inline const std::string k_s3_keys =
    R"("aws_credential":{"access_key":"AKIDUMMY","secret_key":"SECRETDUMMY",)"
    R"("endpoint":"http://127.0.0.1:9000","region":"us-east-1"})";

inline std::string add_credential(Sim& sim, const std::string& name,
                                  const std::string& bucket = "pxclone-staging") {
    return sim
        .call_json("POST", "/v1/credentials",
                   R"({"name":")" + name + R"(","bucket":")" + bucket + R"(",)" + k_s3_keys + "}")
        .at("credential_id")
        .get<std::string>();
}

// A request with the operation fault the server would have drawn for it.
inline SimReply call_with_fault(Sim& sim, const std::string& method, const std::string& path,
                                const std::string& body, const std::string& fault) {
    SimRequest request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.op_fault = fault;
    return sim.api.handle(request);
}

inline std::string backup_body(const std::string& volume_id, const std::string& credential_id,
                               const std::string& labels = "{}", const std::string& task_id = "") {
    std::string body = R"({"volume_id":")" + volume_id + R"(","credential_id":")" + credential_id +
                       R"(","labels":)" + labels;
    if (!task_id.empty()) {
        body += R"(,"task_id":")" + task_id + R"(")";
    }
    return body + "}";
}

// Starts a backup; its task id.
inline std::string start_backup(Sim& sim, const std::string& volume_id,
                                const std::string& credential_id, const std::string& labels = "{}",
                                const std::string& fault = "") {
    const SimReply reply = call_with_fault(sim, "POST", "/v1/cloudbackups",
                                           backup_body(volume_id, credential_id, labels), fault);
    REQUIRE_MESSAGE(reply.status == 200, reply.body);
    return json::parse(reply.body).at("task_id").get<std::string>();
}

// The status reply for a task id or a volume id.
inline json status_by(Sim& sim, const std::string& key, const std::string& value) {
    return sim.call_json("POST", "/v1/cloudbackups/status", json{{key, value}}.dump());
}

// statuses[task_id] (null when absent).
inline json task_status(Sim& sim, const std::string& task_id) {
    const json reply = status_by(sim, "task_id", task_id);
    return reply.contains("statuses") && reply.at("statuses").contains(task_id)
               ? reply.at("statuses").at(task_id)
               : json();
}

inline json enumerate(Sim& sim, const json& body) {
    return sim.call_json("POST", "/v1/cloudbackups/enumerate/filters", body.dump());
}

inline std::vector<std::string> backup_ids(const json& reply) {
    std::vector<std::string> ids;
    for (const auto& backup : reply.value("backups", json::array())) {
        ids.push_back(backup.at("id").get<std::string>());
    }
    return ids;
}

} // namespace pxsim::testing
