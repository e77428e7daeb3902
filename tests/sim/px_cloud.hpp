// pxsim's Portworx credentials and cloud backups (cloudsnaps), API.md §1b: the SDK server's
// checks, messages and codes as recorded in shared/reference/osd-cloudbackup.txt, with the
// semantics of a real cluster where the recording's fake driver cuts corners (labels kept as the
// backup's metadata, every enumerate filter applied, task ids honoured, backups and restores
// running on after their reply).
//
// Credentials and tasks belong to one cluster (one PxApi); backups live in the object store
// (object_store.hpp), which two pxsim processes may share: one cluster backs up, the other
// enumerates and restores. An operation's course is fixed when it starts (its end time from
// the latency model, its outcome from the faults) and its status is computed from the clock, so
// both clusters see the same state without anything running in the background.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "px_api.hpp"
#include "sim_http.hpp"

namespace pxsim {

class ObjectStore;

namespace px {

struct Store;

struct Credential {
    std::string id;
    std::string name;
    std::string bucket;
    // The inspect reply but credential_id: secrets (secret_key, account_key, json_key,
    // encryption_key) are never kept, so no reply and no /_sim/state can show them.
    nlohmann::json inspect;
};

// A backup or restore this cluster started; its status record.
struct CloudTask {
    std::string id;
    bool restore = false;
    std::string backup_id;     // the backup made, or the one restored from
    std::string volume_id;     // src_volume_id: the volume backed up, or the restored volume
    std::string credential_id; // as resolved when the task started
    std::int64_t size = 0;
    std::chrono::system_clock::time_point start;
    std::optional<std::chrono::system_clock::time_point> done_at; // none: stuck Active
    bool failed = false;
};

struct CloudState {
    std::vector<Credential> credentials; // in creation order
    std::map<std::string, CloudTask> tasks;
    std::uint64_t id_counter = 0;
};

// One cloud call: the request and the PxApi parts it works on. Handlers lock `mutex` themselves
// and never hold it while a hook runs.
struct CloudCall {
    const SimRequest& request;
    const std::map<std::string, std::string>& params;
    const nlohmann::json& body;
    PxHooks& hooks;
    const PxOptions& options;
    std::mutex& mutex;
    Store& store;
    CloudState& cloud;
    ObjectStore& objects;
};

// Each returns the reply body or throws RpcError (px_wire.hpp).
nlohmann::json credential_create(CloudCall& call);
nlohmann::json credential_enumerate(CloudCall& call);
nlohmann::json credential_inspect(CloudCall& call);
nlohmann::json credential_validate(CloudCall& call);
nlohmann::json credential_delete(CloudCall& call);
nlohmann::json backup_create(CloudCall& call);
nlohmann::json backup_status(CloudCall& call);
nlohmann::json backup_enumerate(CloudCall& call);
nlohmann::json backup_restore(CloudCall& call);
nlohmann::json backup_delete(CloudCall& call);
nlohmann::json backup_delete_all(CloudCall& call);

// PxApi::dump_cloud's document, at `now`; the caller holds the PxApi's mutex.
nlohmann::json dump_cloud(const CloudState& cloud, const ObjectStore& objects,
                          const std::string& cluster_id, std::chrono::system_clock::time_point now);

// The salt that gives a cluster's ids their own sequence: 0 for the default cluster id (ids as
// pxsim always had them), a hash with the top bit set for any other.
std::uint64_t id_salt(const std::string& cluster_id);

} // namespace px

} // namespace pxsim
