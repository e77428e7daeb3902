// The Portworx volumes pxsim keeps (volumes, snapshots and clones, in creation order) and their
// inspect reply shape; shared by the gateway's calls (px_api.cpp) and PxApi's direct calls
// (px_direct.cpp). Guarded by PxApi's mutex.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "px_api.hpp"
#include "px_cloud.hpp"
#include "px_wire.hpp"

namespace pxsim {

namespace px {

// The id of pxsim's one node (attached_on).
inline const char* const k_node_id = "1";

struct VolumeRecord {
    std::string id;
    std::string name;
    Labels labels;
    std::string parent;    // source.parent: the volume of a snapshot, the parent of a clone
    bool snapshot = false; // a read-only snapshot (what SnapshotEnumerate lists)
    Json spec = Json::object();
    std::chrono::system_clock::time_point ctime;
    std::string format = "FS_TYPE_XFS"; // Volume.format as the reference server reports it
    // What the volume holds, modelled as one string (not in any SDK reply; /_sim/state shows it
    // as "sim_data"): a snapshot or clone starts with its parent's, a restore takes the
    // snapshot's, tests write it through PUT /_sim/volume-data/{id}.
    std::string data;
};

using Volume = VolumeRecord;

struct Store {
    std::map<std::string, Volume> volumes;
    std::vector<std::string> order; // creation order, for enumerations
    std::uint64_t id_counter = 0;
    std::uint64_t id_salt = 0; // px::id_salt of the cluster: its own id sequence

    Volume* find(const std::string& id) {
        const auto found = volumes.find(id);
        return found == volumes.end() ? nullptr : &found->second;
    }

    // util.VolumeFromName: by id first, then the first volume (in creation order) with that name.
    Volume* find_by_name(const std::string& name) {
        if (Volume* by_id = find(name)) {
            return by_id;
        }
        for (const auto& id : order) {
            Volume& volume = volumes.at(id);
            if (volume.name == name) {
                return &volume;
            }
        }
        return nullptr;
    }

    std::string new_id() {
        std::string id;
        do {
            id = uuid_from_counter(++id_counter ^ id_salt);
        } while (volumes.count(id) != 0);
        return id;
    }

    Volume& insert(Volume volume) {
        const std::string id = volume.id;
        order.push_back(id);
        return volumes[id] = std::move(volume);
    }

    // A new snapshot or clone of `parent`: a fresh id, and the parent's spec (size, HA level,
    // labels aside) and filesystem.
    Volume& insert_child(const Volume& parent, std::string name, Labels labels, bool snapshot,
                         std::chrono::system_clock::time_point ctime) {
        Volume child;
        child.id = new_id();
        child.name = std::move(name);
        child.labels = std::move(labels);
        child.parent = parent.id;
        child.snapshot = snapshot;
        child.spec = parent.spec;
        child.format = parent.format;
        child.data = parent.data;
        child.ctime = ctime;
        return insert(std::move(child));
    }

    void erase(const std::string& id) {
        if (volumes.erase(id) != 0) {
            order.erase(std::remove(order.begin(), order.end(), id), order.end());
        }
    }
};

// The inspect reply shape: {volume, name, labels}.
Json to_json(const Volume& volume, bool attached);
std::string not_found_message(const std::string& id);

} // namespace px

struct PxApi::State {
    px::Store store;
    px::CloudState cloud;
    // Where backups go: the --object-store's, or a bucket of this PxApi's own.
    std::shared_ptr<ObjectStore> objects;
};

} // namespace pxsim
