// PxApi's direct calls, without HTTP: seeding volumes from state files, what the Kubernetes
// controllers ask of Portworx (provision, snapshot, clone, delete, inspect), and /_sim's dump,
// volume data and reset.
#include <mutex>
#include <stdexcept>
#include <utility>

#include "object_store.hpp"
#include "px_volumes.hpp"

namespace pxsim {

using namespace px;

void PxApi::load_volume(const nlohmann::json& document) {
    if (!document.is_object()) {
        throw std::invalid_argument("pxsim: a Portworx volume in the state is not an object");
    }
    const Json& source = document.contains("volume") ? document.at("volume") : document;
    Volume volume;
    try {
        volume.id = source.value("id", std::string());
        if (volume.id.empty()) {
            throw std::invalid_argument("pxsim: a Portworx volume in the state has no \"id\"");
        }
        const Json empty = Json::object();
        const Json& locator = source.contains("locator") ? source.at("locator") : empty;
        volume.name = locator.value("name", document.value("name", volume.id));
        volume.labels = labels_field(locator, "volume_labels");
        if (volume.labels.empty()) {
            volume.labels = labels_field(document, "labels");
        }
        volume.spec = source.contains("spec") ? normalize_spec(source.at("spec")) : Json::object();
        volume.spec.erase("volume_labels");
        volume.parent = source.value("source", empty).value("parent", std::string());
        // A seeded volume with a parent is a snapshot when marked read-only (as Portworx marks
        // them, and as dump() writes them) or explicitly; otherwise it is a clone.
        volume.snapshot = !volume.parent.empty() &&
                          (source.value("readonly", false) || document.value("snapshot", false));
        volume.format = source.value("format", std::string("FS_TYPE_XFS"));
        volume.data = document.value("sim_data", std::string());
        const std::string ctime_text = source.value("ctime", std::string());
        const auto ctime = parse_timestamp(ctime_text);
        if (!ctime_text.empty() && !ctime) {
            throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": ctime \"" +
                                        ctime_text + "\" is not an RFC 3339 timestamp");
        }
        volume.ctime = ctime ? *ctime : m_hooks.now();
    } catch (const RpcError& error) {
        throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": " + error.message);
    } catch (const Json::exception& error) {
        throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": " + error.what());
    }
    std::lock_guard lock(m_mutex);
    m_state->store.erase(volume.id);
    m_state->store.insert(std::move(volume));
}

std::string PxApi::create_volume(const std::string& name, std::int64_t size_bytes,
                                 const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    if (const Volume* existing = m_state->store.find_by_name(name)) {
        return existing->id;
    }
    Volume volume;
    volume.id = m_state->store.new_id();
    volume.name = name;
    volume.labels = labels;
    volume.spec = {{"size", std::to_string(size_bytes)}, {"ha_level", "1"}};
    volume.ctime = now;
    return m_state->store.insert(std::move(volume)).id;
}

std::optional<std::string>
PxApi::create_snapshot(const std::string& volume_id, const std::string& name,
                       const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    const Volume* parent = m_state->store.find(volume_id);
    if (parent == nullptr) {
        return std::nullopt;
    }
    return m_state->store.insert_child(*parent, name, labels, true, now).id;
}

std::optional<std::string> PxApi::clone_volume(const std::string& parent_id,
                                               const std::string& name,
                                               const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    const Volume* parent = m_state->store.find(parent_id);
    if (parent == nullptr) {
        return std::nullopt;
    }
    if (const Volume* existing = m_state->store.find_by_name(name)) {
        if (existing->parent == parent_id) {
            return existing->id;
        }
        return std::nullopt;
    }
    return m_state->store.insert_child(*parent, name, labels, false, now).id;
}

void PxApi::delete_volume(const std::string& volume_id) {
    std::lock_guard lock(m_mutex);
    m_state->store.erase(volume_id);
}

std::optional<nlohmann::json> PxApi::inspect(const std::string& volume_id) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_state->store.volumes.find(volume_id);
    if (found == m_state->store.volumes.end()) {
        return std::nullopt;
    }
    return to_json(found->second, false);
}

nlohmann::json PxApi::dump() const {
    std::lock_guard lock(m_mutex);
    Json list = Json::array();
    for (const auto& [id, volume] : m_state->store.volumes) {
        Json item = to_json(volume, false);
        if (volume.snapshot) {
            // Not in the gateway's replies (the reference server omits it), but it lets
            // load_volume tell a snapshot from a clone when a dump seeds a simulator.
            item["volume"]["readonly"] = true;
        }
        if (!volume.data.empty()) {
            item["sim_data"] = volume.data;
        }
        list.push_back(std::move(item));
    }
    return list;
}

nlohmann::json PxApi::dump_cloud() const {
    const auto now = m_hooks.now(); // hooks run without the mutex
    std::lock_guard lock(m_mutex);
    return px::dump_cloud(m_state->cloud, *m_state->objects, m_options.cluster_id, now);
}

bool PxApi::write_data(const std::string& volume_id, const std::string& data) {
    std::lock_guard lock(m_mutex);
    Volume* volume = m_state->store.find(volume_id);
    if (volume == nullptr || volume->snapshot) {
        return false;
    }
    volume->data = data;
    return true;
}

void PxApi::reset() {
    std::lock_guard lock(m_mutex);
    m_state->store = Store{};
    m_state->store.id_salt = id_salt(m_options.cluster_id);
    m_state->cloud = CloudState{};
    // A shared --object-store is the bucket's, not this cluster's: it stays.
    if (!m_options.object_store) {
        m_state->objects = std::make_shared<MemoryObjectStore>();
    }
}

} // namespace pxsim
