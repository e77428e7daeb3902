#include "k8s_store.hpp"

#include <algorithm>

namespace pxsim {

using Json = nlohmann::json;

namespace {

std::string key_of(const std::string& ns, const std::string& name) {
    return ns + "/" + name;
}

std::string key_of(const Json& object) {
    const Json& metadata = object.at("metadata");
    return key_of(metadata.value("namespace", ""), metadata.value("name", ""));
}

} // namespace

Store::Store(std::size_t history_size) : m_history_size(history_size) {}

std::optional<Json> Store::Txn::get(const ResourceType& type, const std::string& ns,
                                    const std::string& name) const {
    const auto objects = m_store.m_objects.find(&type);
    if (objects == m_store.m_objects.end()) {
        return std::nullopt;
    }
    const auto found = objects->second.find(key_of(type.namespaced ? ns : "", name));
    if (found == objects->second.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::vector<Json> Store::Txn::list(const ResourceType& type, const std::string& ns) const {
    std::vector<Json> result;
    for_each(type, ns, [&result](const Json& object) { result.push_back(object); });
    return result;
}

void Store::Txn::for_each(const ResourceType& type, const std::string& ns,
                          const std::function<void(const Json&)>& visit) const {
    const auto objects = m_store.m_objects.find(&type);
    if (objects == m_store.m_objects.end()) {
        return;
    }
    const std::string prefix = ns.empty() || !type.namespaced ? "" : ns + "/";
    for (auto it = objects->second.lower_bound(prefix); it != objects->second.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) {
            break;
        }
        visit(it->second);
    }
}

Json Store::Txn::put(const ResourceType& type, Json object) {
    auto& objects = m_store.m_objects[&type];
    const std::string key = key_of(object);
    const bool existed = objects.count(key) != 0;
    object["metadata"]["resourceVersion"] = std::to_string(++m_store.m_resource_version);
    objects[key] = object;
    m_store.record(type, existed ? "MODIFIED" : "ADDED", object);
    return object;
}

std::optional<Json> Store::Txn::erase(const ResourceType& type, const std::string& ns,
                                      const std::string& name) {
    auto& objects = m_store.m_objects[&type];
    const auto found = objects.find(key_of(type.namespaced ? ns : "", name));
    if (found == objects.end()) {
        return std::nullopt;
    }
    Json object = std::move(found->second);
    objects.erase(found);
    object["metadata"]["resourceVersion"] = std::to_string(++m_store.m_resource_version);
    m_store.record(type, "DELETED", object);
    return object;
}

std::uint64_t Store::Txn::resource_version() const {
    return m_store.m_resource_version;
}

void Store::record(const ResourceType& type, const std::string& event, const Json& object) {
    m_history.push_back({m_resource_version, event, &type, object});
    while (m_history.size() > m_history_size) {
        m_compacted = m_history.front().resource_version;
        m_history.pop_front();
    }
}

Store::WaitResult Store::wait_events(std::uint64_t after, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    WaitResult result;
    const auto ready = [&] {
        return m_stopping || after < m_compacted || m_resource_version > after;
    };
    m_changed.wait_for(lock, timeout, ready);
    result.stopping = m_stopping;
    result.resource_version = m_resource_version;
    if (after < m_compacted) {
        result.expired = true;
        return result;
    }
    for (auto it = m_history.rbegin(); it != m_history.rend(); ++it) {
        if (it->resource_version <= after) {
            break;
        }
        result.events.push_back(*it);
    }
    std::reverse(result.events.begin(), result.events.end());
    return result;
}

void Store::shutdown() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
}

void Store::clear() {
    {
        std::lock_guard lock(m_mutex);
        m_objects.clear();
        m_history.clear();
        m_compacted = m_resource_version;
    }
    m_changed.notify_all();
}

Json Store::dump() {
    std::lock_guard lock(m_mutex);
    Json result = Json::object();
    for (const auto& [type, objects] : m_objects) {
        Json& items = result[type->api_version() + "/" + type->plural];
        items = Json::array();
        for (const auto& [key, object] : objects) {
            items.push_back(object);
        }
    }
    return result;
}

std::uint64_t Store::resource_version() {
    std::lock_guard lock(m_mutex);
    return m_resource_version;
}

} // namespace pxsim
