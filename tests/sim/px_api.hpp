// pxsim's OpenStorage SDK REST gateway (API.md §1): volumes, snapshots, clones, restore, labels,
// identities. Faithful to the real gateway's JSON (snake_case, int64 as strings, enum names, zero
// values omitted, `{}` for empty) and its errors ({"error","code","message"}; plain-text
// 404/405 for unknown routes). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim_http.hpp"

namespace pxsim {

class ObjectStore;

// What the Portworx side needs to know about the rest of the simulated cluster.
struct PxHooks {
    // True while a pod of a ready workload mounts a PV backed by this volume (Restore refuses it).
    std::function<bool(const std::string& volume_id)> is_attached = [](const std::string&) {
        return false;
    };
    // The attached volumes among `ids`, in one pass (inspecting many volumes at once); empty
    // function: is_attached for each.
    std::function<std::set<std::string>(const std::vector<std::string>& ids)> attached_among;
    // True for volumes behind PVs bound to PVCs of a --source-namespace (production).
    std::function<bool(const std::string& volume_id)> is_source = [](const std::string&) {
        return false;
    };
    // Records a production-guard violation (a write to a source volume); the reply is unchanged.
    std::function<void(const std::string& what)> violation = [](const std::string&) {
    };
    // Waits the modelled latency of an operation: "snapshot", "clone", "create", "restore".
    std::function<void(const std::string& operation)> wait = [](const std::string&) {
    };
    // The modelled time of an asynchronous operation, which runs on after its reply: "backup",
    // "cloud-restore" (px_cloud.hpp).
    std::function<std::chrono::milliseconds(const std::string& operation)> duration =
        [](const std::string&) {
            return std::chrono::milliseconds(0);
        };
    // The wall clock, for `ctime` (injectable so tests are deterministic).
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
};

// What makes one simulated Portworx cluster differ from another.
struct PxOptions {
    // The Portworx cluster id (GET /v1/clusters/inspectcurrent, the backups' cluster). Another id
    // than the default also gives the cluster's volumes, credentials and tasks other ids, as two
    // real clusters' uuids never meet.
    std::string cluster_id = "pxsim-cluster";
    // Where cloud backups go (object_store.hpp); null: a bucket of this PxApi's own in memory.
    std::shared_ptr<ObjectStore> object_store;
    // True when the gateway authenticates (--token): the SDK server then checks access to the
    // volumes a cloud backup call names (404 for a missing one) and drops from the status the
    // entries whose source volume is gone.
    bool authenticated = false;
    // How much longer a cloud backup or restore with the backup-slow fault takes.
    std::chrono::milliseconds slow_delay{2000};
};

class PxApi {
public:
    explicit PxApi(PxHooks hooks = {}, PxOptions options = {});

    // Handles one gateway request; request.path is "/v1/...". Authentication, faults and the
    // request log are the server's business, done before this is called.
    SimReply handle(const SimRequest& request);

    // Seeds a volume from a state document (the `Volume` JSON of API.md §1, snake_case, with `id`).
    void load_volume(const nlohmann::json& volume);

    // For the Kubernetes side's controllers: dynamic provisioning, CSI snapshots, reclaim Delete.
    std::string create_volume(const std::string& name, std::int64_t size_bytes,
                              const std::map<std::string, std::string>& labels);
    std::optional<std::string> create_snapshot(const std::string& volume_id,
                                               const std::string& name,
                                               const std::map<std::string, std::string>& labels);
    std::optional<std::string> clone_volume(const std::string& parent_id, const std::string& name,
                                            const std::map<std::string, std::string>& labels);
    void delete_volume(const std::string& volume_id);
    // In the inspect reply shape: {"volume": {...}, "name", "labels"}.
    std::optional<nlohmann::json> inspect(const std::string& volume_id) const;

    // Every volume and snapshot, sorted by id, in the inspect shape (for /_sim/state), with
    // "sim_data" beside "volume" when the volume holds modelled data.
    nlohmann::json dump() const;
    // This cluster's credentials (inspect form, never a secret), its tasks' status records and
    // the backups in its object store (enumerate form, every cluster's): for /_sim/state, as
    // {"cluster_id", "credentials", "tasks", "backups"}.
    nlohmann::json dump_cloud() const;
    // Replaces the modelled data of a volume (not a snapshot: those are read-only); false when
    // there is no such volume. A restore copies the snapshot's data back; tests check it.
    bool write_data(const std::string& volume_id, const std::string& data);
    void reset();

private:
    // The volume store (px_volumes.hpp), guarded by m_mutex.
    struct State;
    // The credential and cloud backup calls (px_cloud.hpp); `which` is the route's call.
    nlohmann::json cloud_call(int which, const SimRequest& request,
                              const std::map<std::string, std::string>& params,
                              const nlohmann::json& body);
    PxHooks m_hooks;
    PxOptions m_options;
    mutable std::mutex m_mutex;
    std::shared_ptr<State> m_state;
};

} // namespace pxsim
