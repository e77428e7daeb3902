// PLACEHOLDER so pxsim links before the Portworx side lands: the `simpx` branch's px_api.cpp
// replaces this file at merge. Every route answers the gateway's plain-text 404.
#include "px_api.hpp"

namespace pxsim {

struct PxApi::State {
    std::map<std::string, nlohmann::json> volumes;
    int next_id = 1;
};

PxApi::PxApi(PxHooks hooks) : m_hooks(std::move(hooks)), m_state(std::make_shared<State>()) {}

SimReply PxApi::handle(const SimRequest&) {
    SimReply reply;
    reply.status = 404;
    reply.content_type = "text/plain";
    reply.body = "Not Found\n";
    return reply;
}

void PxApi::load_volume(const nlohmann::json& volume) {
    std::lock_guard lock(m_mutex);
    m_state->volumes[volume.value("id", "")] = volume;
}

std::string PxApi::create_volume(const std::string& name, std::int64_t size_bytes,
                                 const std::map<std::string, std::string>& labels) {
    m_hooks.wait("create");
    std::lock_guard lock(m_mutex);
    const std::string id = "stub-" + std::to_string(m_state->next_id++);
    m_state->volumes[id] = {{"id", id},
                            {"locator", {{"name", name}, {"volume_labels", labels}}},
                            {"spec", {{"size", std::to_string(size_bytes)}, {"ha_level", "1"}}},
                            {"state", "VOLUME_STATE_AVAILABLE"}};
    return id;
}

std::optional<std::string>
PxApi::create_snapshot(const std::string& volume_id, const std::string& name,
                       const std::map<std::string, std::string>& labels) {
    m_hooks.wait("snapshot");
    std::lock_guard lock(m_mutex);
    const auto parent = m_state->volumes.find(volume_id);
    if (parent == m_state->volumes.end()) {
        return std::nullopt;
    }
    const std::string id = "stub-" + std::to_string(m_state->next_id++);
    nlohmann::json snapshot = parent->second;
    snapshot["id"] = id;
    snapshot["source"] = {{"parent", volume_id}};
    snapshot["locator"] = {{"name", name}, {"volume_labels", labels}};
    m_state->volumes[id] = snapshot;
    return id;
}

std::optional<std::string> PxApi::clone_volume(const std::string& parent_id,
                                               const std::string& name,
                                               const std::map<std::string, std::string>& labels) {
    m_hooks.wait("clone");
    std::lock_guard lock(m_mutex);
    const auto parent = m_state->volumes.find(parent_id);
    if (parent == m_state->volumes.end()) {
        return std::nullopt;
    }
    const std::string id = "stub-" + std::to_string(m_state->next_id++);
    nlohmann::json clone = parent->second;
    clone["id"] = id;
    clone["source"] = {{"parent", parent_id}};
    clone["locator"] = {{"name", name}, {"volume_labels", labels}};
    m_state->volumes[id] = clone;
    return id;
}

void PxApi::delete_volume(const std::string& volume_id) {
    if (m_hooks.is_source(volume_id)) {
        m_hooks.violation("delete portworx volume " + volume_id);
    }
    std::lock_guard lock(m_mutex);
    m_state->volumes.erase(volume_id);
}

std::optional<nlohmann::json> PxApi::inspect(const std::string& volume_id) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_state->volumes.find(volume_id);
    if (found == m_state->volumes.end()) {
        return std::nullopt;
    }
    return found->second;
}

nlohmann::json PxApi::dump() const {
    std::lock_guard lock(m_mutex);
    nlohmann::json result = nlohmann::json::array();
    for (const auto& [id, volume] : m_state->volumes) {
        result.push_back(volume);
    }
    return result;
}

void PxApi::reset() {
    std::lock_guard lock(m_mutex);
    m_state->volumes.clear();
}

} // namespace pxsim
