#include "controllers.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "k8s_util.hpp"

namespace pxsim {

namespace {

const ResourceType& rt(const std::string& group, const std::string& plural) {
    return *find_resource(group, "v1", plural);
}
const ResourceType& k_namespaces() {
    return rt("", "namespaces");
}
const ResourceType& k_pvcs() {
    return rt("", "persistentvolumeclaims");
}
const ResourceType& k_pvs() {
    return rt("", "persistentvolumes");
}
const ResourceType& k_pods() {
    return rt("", "pods");
}
const ResourceType& k_deployments() {
    return rt("apps", "deployments");
}
const ResourceType& k_replicasets() {
    return rt("apps", "replicasets");
}
const ResourceType& k_statefulsets() {
    return rt("apps", "statefulsets");
}
const ResourceType& k_jobs() {
    return rt("batch", "jobs");
}
const ResourceType& k_storageclasses() {
    return rt("storage.k8s.io", "storageclasses");
}
const ResourceType& k_snapshots() {
    return rt("snapshot.storage.k8s.io", "volumesnapshots");
}
const ResourceType& k_snapshot_classes() {
    return rt("snapshot.storage.k8s.io", "volumesnapshotclasses");
}
const ResourceType& k_snapshot_contents() {
    return rt("snapshot.storage.k8s.io", "volumesnapshotcontents");
}

const std::string k_portworx = "pxd.portworx.com";
const std::string k_node = "pxsim-node-1";
// The external-snapshotter's finalizers (utils.Volume*Finalizer).
const std::string k_as_source_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection";
const std::string k_bound_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection";
const std::string k_content_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection";

std::string ns_of(const Json& object) {
    return object["metadata"].value("namespace", "");
}
std::string name_of(const Json& object) {
    return object["metadata"].value("name", "");
}
std::string uid_of(const Json& object) {
    return object["metadata"].value("uid", "");
}
bool deleting(const Json& object) {
    return object["metadata"].contains("deletionTimestamp");
}

Json at(const Json& object, const std::string& pointer, const Json& fallback = Json()) {
    const Json::json_pointer path(pointer);
    return object.contains(path) && !object[path].is_null() ? object[path] : fallback;
}

// The value at `pointer`, in place; nullptr when absent or null (at() without the copy).
const Json* find(const Json& object, const std::string& pointer) {
    const Json::json_pointer path(pointer);
    if (!object.contains(path) || object[path].is_null()) {
        return nullptr;
    }
    return &object[path];
}

bool owned_by(const Json& object, const std::string& uid) {
    const Json* owners = find(object, "/metadata/ownerReferences");
    if (owners == nullptr || !owners->is_array()) {
        return false;
    }
    for (const Json& owner : *owners) {
        if (owner.value("uid", "") == uid) {
            return true;
        }
    }
    return false;
}

Json owner_reference(const ResourceType& type, const Json& owner) {
    return {{"apiVersion", type.api_version()},
            {"kind", type.kind},
            {"name", name_of(owner)},
            {"uid", uid_of(owner)},
            {"controller", true},
            {"blockOwnerDeletion", true}};
}

bool pod_ready(const Json& pod) {
    if (deleting(pod) || at(pod, "/status/phase", "") != "Running") {
        return false;
    }
    const Json* conditions = find(pod, "/status/conditions");
    if (conditions == nullptr || !conditions->is_array()) {
        return false;
    }
    for (const Json& condition : *conditions) {
        if (condition.value("type", "") == "Ready") {
            return condition.value("status", "") == "True";
        }
    }
    return false;
}

std::vector<std::string> claims_of(const Json& pod) {
    std::vector<std::string> claims;
    for (const Json& volume : at(pod, "/spec/volumes", Json::array())) {
        const std::string claim = at(volume, "/persistentVolumeClaim/claimName", "");
        if (!claim.empty()) {
            claims.push_back(claim);
        }
    }
    return claims;
}

std::string volume_handle(const Json& pv) {
    const std::string csi = at(pv, "/spec/csi/volumeHandle", "");
    return csi.empty() ? at(pv, "/spec/portworxVolume/volumeID", "").get<std::string>() : csi;
}

// Sets (or refreshes) a condition, keeping lastTransitionTime when the status is unchanged.
void set_condition(Json& status, Json condition, const std::string& now) {
    Json& conditions = status["conditions"];
    if (!conditions.is_array()) {
        conditions = Json::array();
    }
    for (Json& existing : conditions) {
        if (existing.value("type", "") == condition.value("type", "")) {
            const bool same = existing.value("status", "") == condition.value("status", "");
            condition["lastTransitionTime"] =
                same ? existing.value("lastTransitionTime", now) : now;
            if (condition.contains("lastUpdateTime") && same &&
                existing.value("reason", "") == condition.value("reason", "")) {
                condition["lastUpdateTime"] = existing.value("lastUpdateTime", now);
            }
            existing = condition;
            return;
        }
    }
    condition["lastTransitionTime"] = now;
    conditions.push_back(condition);
}

bool has_finalizer(const Json& object, const std::string& finalizer) {
    const Json finalizers = at(object, "/metadata/finalizers", Json::array());
    return std::find(finalizers.begin(), finalizers.end(), Json(finalizer)) != finalizers.end();
}

// Nanoseconds since the epoch of an RFC 3339 "YYYY-MM-DDTHH:MM:SS..." UTC timestamp (a
// Portworx ctime), as VolumeSnapshotContent.status.creationTime holds it; nullopt if malformed.
std::optional<std::int64_t> unix_nanos(const std::string& text) {
    std::tm parts{};
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6) {
        return std::nullopt;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return static_cast<std::int64_t>(timegm(&parts)) * 1000000000;
}

// The claims in `ns` still waiting to be provisioned from VolumeSnapshot `name`.
bool restoring_from(Store& store, const std::string& ns, const std::string& name) {
    return store.transact([&](Store::Txn& txn) {
        for (const Json& pvc : txn.list(k_pvcs(), ns)) {
            if (at(pvc, "/spec/dataSource/kind", "") == "VolumeSnapshot" &&
                at(pvc, "/spec/dataSource/name", "") == name &&
                at(pvc, "/status/phase", "") == "Pending" && !deleting(pvc)) {
                return true;
            }
        }
        return false;
    });
}

// Drops zero counters, as the real status JSON omits them.
void omit_zero(Json& status, const std::vector<std::string>& fields) {
    for (const std::string& field : fields) {
        if (status.contains(field) && status[field] == 0) {
            status.erase(field);
        }
    }
}

} // namespace

Controllers::Controllers(Store& store, K8sApi& api, PxApi& px, const Latency& latency,
                         FaultPlan& faults)
    : m_store(store), m_api(api), m_px(px), m_latency(latency), m_faults(faults) {}

Controllers::~Controllers() {
    stop();
}

void Controllers::start() {
    m_scheduler = std::thread([this] { run_scheduler(); });
    m_follower = std::thread([this] { follow_events(); });
}

void Controllers::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && !m_scheduler.joinable()) {
            return;
        }
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_follower.joinable()) {
        m_follower.join();
    }
    if (m_scheduler.joinable()) {
        m_scheduler.join();
    }
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(m_mutex);
        workers.swap(m_workers);
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
}

void Controllers::after(std::chrono::milliseconds delay, std::function<void()> work) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_tasks.push({Clock::now() + delay, m_sequence++, std::move(work)});
    }
    m_wake.notify_all();
}

void Controllers::in_background(std::function<void()> work) {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
        return;
    }
    // Join the workers that are done, so a long run does not pile up finished threads.
    for (const std::thread::id id : m_finished) {
        const auto found =
            std::find_if(m_workers.begin(), m_workers.end(),
                         [id](const std::thread& worker) { return worker.get_id() == id; });
        if (found != m_workers.end()) {
            found->join();
            m_workers.erase(found);
        }
    }
    m_finished.clear();
    m_workers.emplace_back([this, work = std::move(work)] {
        work();
        std::lock_guard done(m_mutex);
        m_finished.push_back(std::this_thread::get_id());
    });
}

void Controllers::run_scheduler() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_tasks.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const auto due = m_tasks.top().due;
        if (Clock::now() < due) {
            m_wake.wait_until(lock, due);
            continue;
        }
        Task task = m_tasks.top();
        m_tasks.pop();
        lock.unlock();
        task.work();
        lock.lock();
    }
}

void Controllers::follow_events() {
    std::uint64_t cursor = m_store.resource_version();
    const auto resync = [this] {
        m_store.transact([&](Store::Txn& txn) {
            for (const ResourceType& type : resource_types()) {
                for (const Json& object : txn.list(type, "")) {
                    after(std::chrono::milliseconds(0),
                          [this, &type, object] { reconcile(type, object, "SYNC"); });
                }
            }
        });
    };
    resync();
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return;
            }
        }
        Store::WaitResult result = m_store.wait_events(cursor, std::chrono::milliseconds(200));
        if (result.stopping) {
            return;
        }
        if (result.expired) {
            cursor = m_store.resource_version();
            resync();
            continue;
        }
        for (StoreEvent& event : result.events) {
            cursor = event.resource_version;
            const ResourceType* type = event.resource;
            if (event.type != "DELETED") {
                // A reconcile reads the object as it is when it runs: one queued is enough.
                reconcile_soon(*type, ns_of(event.object), name_of(event.object));
                continue;
            }
            after(std::chrono::milliseconds(0),
                  [this, type, object = std::move(event.object), kind = event.type] {
                      reconcile(*type, object, kind);
                  });
        }
    }
}

bool Controllers::waited(const std::string& key, std::chrono::milliseconds delay,
                         const std::function<void()>& retry) {
    if (delay.count() <= 0) {
        return true;
    }
    const auto now = Clock::now();
    const auto found = m_ready_at.find(key);
    if (found == m_ready_at.end()) {
        m_ready_at[key] = now + delay;
        after(delay, retry);
        return false;
    }
    return now >= found->second;
}

void Controllers::requeue(const ResourceType& type, const std::string& ns,
                          const std::string& name) {
    reconcile_soon(type, ns, name);
}

void Controllers::reconcile_soon(const ResourceType& type, const std::string& ns,
                                 const std::string& name) {
    const std::string key = type.kind + "/" + ns + "/" + name;
    {
        std::lock_guard lock(m_mutex);
        if (!m_queued.insert(key).second) {
            return;
        }
    }
    after(std::chrono::milliseconds(0), [this, &type, ns, name, key] {
        {
            std::lock_guard lock(m_mutex);
            m_queued.erase(key);
        }
        const auto object =
            m_store.transact([&](Store::Txn& txn) { return txn.get(type, ns, name); });
        if (object) {
            reconcile(type, *object, "SYNC");
        }
    });
}

void Controllers::reconcile(const ResourceType& type, const Json& event_object,
                            const std::string& event) {
    if (event == "DELETED") {
        reconcile_deleted(type, event_object);
        return;
    }
    const auto current = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(type, ns_of(event_object), name_of(event_object)); });
    if (!current) {
        return;
    }
    const Json& object = *current;
    if (type.kind != "Namespace" && deleting(object)) {
        reconcile_finalizers(type, object);
    }
    // A change inside a terminating namespace moves its deletion on.
    if (type.namespaced) {
        const auto ns = m_store.transact(
            [&](Store::Txn& txn) { return txn.get(k_namespaces(), "", ns_of(object)); });
        if (ns && deleting(*ns)) {
            requeue(k_namespaces(), "", ns_of(object));
        }
    }
    if (type.kind == "Namespace") {
        reconcile_namespace(object);
    } else if (type.kind == "PersistentVolumeClaim") {
        reconcile_pvc(object);
    } else if (type.kind == "PersistentVolume") {
        reconcile_pv(object);
    } else if (type.kind == "Deployment") {
        reconcile_deployment(object);
    } else if (type.kind == "ReplicaSet") {
        reconcile_replicaset(object);
    } else if (type.kind == "StatefulSet") {
        reconcile_statefulset(object);
    } else if (type.kind == "Job") {
        reconcile_job(object);
    } else if (type.kind == "Pod") {
        reconcile_pod(object);
    } else if (type.kind == "VolumeSnapshot") {
        reconcile_snapshot(object);
    } else if (type.kind == "VolumeSnapshotContent") {
        reconcile_snapshot_content(object);
    }
}

// --- helpers that write through the API (internal: never guard violations) -------------------

namespace {

SimRequest api_request(const std::string& method, const std::string& path, const Json& body) {
    SimRequest request;
    request.method = method;
    request.path = path;
    request.headers["content-type"] = "application/json";
    if (!body.is_null()) {
        request.body = body.dump();
    }
    return request;
}

} // namespace

// Reads, changes and writes one object in one transaction; `change` returns false for no write.
// Erases an object whose deletion was waiting only on finalizers that `change` removed.
static bool mutate(Store& store, const ResourceType& type, const std::string& ns,
                   const std::string& name, const std::function<bool(Json&)>& change) {
    return store.transact([&](Store::Txn& txn) {
        auto object = txn.get(type, ns, name);
        if (!object) {
            return false;
        }
        Json updated = *object;
        if (!change(updated) || updated == *object) {
            return false;
        }
        const Json finalizers = at(updated, "/metadata/finalizers", Json::array());
        // A Namespace also waits for its spec.finalizers.
        const Json spec_finalizers = type.kind == "Namespace"
                                         ? at(updated, "/spec/finalizers", Json::array())
                                         : Json::array();
        if (deleting(updated) && finalizers.empty() && spec_finalizers.empty()) {
            txn.erase(type, ns, name);
        } else {
            txn.put(type, std::move(updated));
        }
        return true;
    });
}

static void remove_finalizer(Store& store, const ResourceType& type, const Json& object,
                             const std::string& finalizer) {
    mutate(store, type, ns_of(object), name_of(object), [&](Json& updated) {
        Json& finalizers = updated["metadata"]["finalizers"];
        if (!finalizers.is_array()) {
            return false;
        }
        const auto end = std::remove(finalizers.begin(), finalizers.end(), Json(finalizer));
        finalizers.erase(end, finalizers.end());
        if (finalizers.empty()) {
            updated["metadata"].erase("finalizers");
        }
        return true;
    });
}

static void api_delete(K8sApi& api, const ResourceType& type, const Json& object,
                       const std::string& policy = "Background") {
    api.handle(
        api_request(
            "DELETE", type.collection_path(ns_of(object)) + "/" + name_of(object),
            {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", policy}}),
        true);
}

static std::optional<Json> api_create(K8sApi& api, const ResourceType& type, const Json& object) {
    const auto outcome =
        api.handle(api_request("POST", type.collection_path(ns_of(object)), object), true);
    if (outcome.reply.status != 201) {
        return std::nullopt;
    }
    return Json::parse(outcome.reply.body);
}

void Controllers::record_event(const ResourceType& type, const Json& object,
                               const std::string& event_type, const std::string& reason,
                               const std::string& message, const std::string& component) {
    if (!m_pending.insert("event/" + uid_of(object) + "/" + reason).second) {
        return;
    }
    const std::string now = format_time(m_api.options().now());
    const std::string ns = type.namespaced ? ns_of(object) : "default";
    Json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata",
                   {{"name", name_of(object) + "." + short_hash(uid_of(object) + reason, 16)},
                    {"namespace", ns}}},
                  {"involvedObject",
                   {{"apiVersion", type.api_version()},
                    {"kind", type.kind},
                    {"name", name_of(object)},
                    {"namespace", ns_of(object)},
                    {"resourceVersion", object["metadata"].value("resourceVersion", "")},
                    {"uid", uid_of(object)}}},
                  {"reason", reason},
                  {"message", message},
                  {"type", event_type},
                  {"source", {{"component", component}}},
                  {"reportingComponent", component},
                  {"reportingInstance", ""},
                  {"firstTimestamp", now},
                  {"lastTimestamp", now},
                  {"count", 1}};
    api_create(m_api, rt("", "events"), event);
}

// --- finalizers, garbage collection ------------------------------------------------------------

void Controllers::reconcile_finalizers(const ResourceType& type, const Json& object) {
    const Json finalizers = at(object, "/metadata/finalizers", Json::array());
    const std::string uid = uid_of(object);
    const auto dependents = [&] {
        std::vector<std::pair<const ResourceType*, Json>> found;
        m_store.transact([&](Store::Txn& txn) {
            for (const ResourceType& candidate : resource_types()) {
                if (!candidate.namespaced) {
                    continue;
                }
                txn.for_each(candidate, ns_of(object), [&](const Json& item) {
                    if (owned_by(item, uid)) {
                        found.emplace_back(&candidate, item);
                    }
                });
            }
        });
        return found;
    };
    for (const Json& entry : finalizers) {
        const std::string finalizer = entry.get<std::string>();
        if (finalizer == "foregroundDeletion") {
            const auto children = dependents();
            if (children.empty()) {
                remove_finalizer(m_store, type, object, finalizer);
            } else {
                for (const auto& [child_type, child] : children) {
                    if (!deleting(child)) {
                        api_delete(m_api, *child_type, child, "Foreground");
                    }
                }
                after(std::chrono::milliseconds(50),
                      [this, &type, ns = ns_of(object), name = name_of(object)] {
                          requeue(type, ns, name);
                      });
            }
        } else if (finalizer == "orphan") {
            for (const auto& [child_type, child] : dependents()) {
                mutate(m_store, *child_type, ns_of(child), name_of(child), [&](Json& updated) {
                    Json& owners = updated["metadata"]["ownerReferences"];
                    Json kept = Json::array();
                    for (const Json& owner : owners) {
                        if (owner.value("uid", "") != uid) {
                            kept.push_back(owner);
                        }
                    }
                    owners = kept;
                    return true;
                });
            }
            remove_finalizer(m_store, type, object, finalizer);
        } else if (finalizer == "kubernetes.io/pvc-protection") {
            bool in_use = false;
            m_store.transact([&](Store::Txn& txn) {
                txn.for_each(k_pods(), ns_of(object), [&](const Json& pod) {
                    const std::string phase = at(pod, "/status/phase", "");
                    const auto claims = claims_of(pod);
                    if (phase != "Succeeded" && phase != "Failed" &&
                        std::find(claims.begin(), claims.end(), name_of(object)) != claims.end()) {
                        in_use = true;
                    }
                });
            });
            if (!in_use) {
                remove_finalizer(m_store, type, object, finalizer);
            }
        } else if (finalizer == "kubernetes.io/pv-protection") {
            // Kept while bound to a claim that still exists (a claim's deletion requeues its PV;
            // a PV deleted before its claim went would otherwise stay Terminating for ever).
            const std::string claim_ns = at(object, "/spec/claimRef/namespace", "");
            const std::string claim_name = at(object, "/spec/claimRef/name", "");
            const bool claimed = at(object, "/status/phase", "") == "Bound" &&
                                 !claim_name.empty() && m_store.transact([&](Store::Txn& txn) {
                                     return txn.get(k_pvcs(), claim_ns, claim_name).has_value();
                                 });
            if (!claimed) {
                remove_finalizer(m_store, type, object, finalizer);
            }
        } else if (finalizer == k_as_source_finalizer) {
            // Kept while a claim is still being provisioned from the snapshot (the claim's
            // binding or deletion requeues us).
            if (!restoring_from(m_store, ns_of(object), name_of(object))) {
                remove_finalizer(m_store, type, object, finalizer);
            }
        } else if (finalizer == k_content_finalizer) {
            finalize_content(object);
        } else if (finalizer.rfind("snapshot.storage.kubernetes.io/", 0) == 0) {
            if (type.kind == "VolumeSnapshot") {
                const std::string content =
                    at(object, "/status/boundVolumeSnapshotContentName", "");
                const auto bound = m_store.transact(
                    [&](Store::Txn& txn) { return txn.get(k_snapshot_contents(), "", content); });
                if (bound && at(*bound, "/spec/deletionPolicy", "") == "Delete" &&
                    !deleting(*bound)) {
                    api_delete(m_api, k_snapshot_contents(), *bound);
                }
            }
            remove_finalizer(m_store, type, object, finalizer);
        }
    }
}

void Controllers::reconcile_deleted(const ResourceType& type, const Json& object) {
    const std::string uid = uid_of(object);
    // Garbage collection of dependents (background propagation).
    if (type.namespaced || type.kind == "Namespace") {
        std::vector<std::pair<const ResourceType*, Json>> children;
        m_store.transact([&](Store::Txn& txn) {
            for (const ResourceType& candidate : resource_types()) {
                if (!candidate.namespaced) {
                    continue;
                }
                // In place: each deleted object looked at every object of its namespace.
                txn.for_each(candidate, ns_of(object), [&](const Json& item) {
                    if (owned_by(item, uid)) {
                        children.emplace_back(&candidate, item);
                    }
                });
            }
        });
        for (const auto& [child_type, child] : children) {
            api_delete(m_api, *child_type, child);
        }
    }
    if (type.kind == "PersistentVolumeClaim") {
        const std::string pv = at(object, "/spec/volumeName", "");
        if (!pv.empty()) {
            requeue(k_pvs(), "", pv);
        }
        if (at(object, "/spec/dataSource/kind", "") == "VolumeSnapshot") {
            requeue(k_snapshots(), ns_of(object), at(object, "/spec/dataSource/name", ""));
        }
    } else if (type.kind == "Pod") {
        for (const Json& owner : at(object, "/metadata/ownerReferences", Json::array())) {
            const std::string kind = owner.value("kind", "");
            const ResourceType& owner_type = kind == "ReplicaSet"    ? k_replicasets()
                                             : kind == "StatefulSet" ? k_statefulsets()
                                                                     : k_jobs();
            requeue(owner_type, ns_of(object), owner.value("name", ""));
        }
        for (const std::string& claim : claims_of(object)) {
            requeue(k_pvcs(), ns_of(object), claim);
        }
    } else if (type.kind == "VolumeSnapshot") {
        const std::string content = at(object, "/status/boundVolumeSnapshotContentName", "");
        const auto bound = m_store.transact(
            [&](Store::Txn& txn) { return txn.get(k_snapshot_contents(), "", content); });
        if (bound && at(*bound, "/spec/deletionPolicy", "") == "Delete" && !deleting(*bound)) {
            api_delete(m_api, k_snapshot_contents(), *bound);
        } else if (bound) {
            requeue(k_snapshot_contents(), "", content); // a content waiting on its snapshot
        }
    } else if (type.kind == "VolumeSnapshotContent") {
        // Contents without the sidecar's finalizer (seeded ones) delete their snapshot now.
        const std::string handle = at(object, "/status/snapshotHandle", "");
        if (!handle.empty() && at(object, "/spec/deletionPolicy", "") == "Delete" &&
            m_pending.insert("content-deleted/" + uid).second) {
            in_background([this, handle] { m_px.delete_volume(handle); });
        }
    } else if (type.kind == "PersistentVolume") {
        const std::string handle = volume_handle(object);
        const std::string key = "reclaimed/" + uid;
        if (!handle.empty() && at(object, "/spec/persistentVolumeReclaimPolicy", "") == "Delete" &&
            at(object, "/spec/csi/driver", k_portworx) == k_portworx &&
            m_pending.insert(key).second) {
            in_background([this, handle] { m_px.delete_volume(handle); });
        }
    }
}

// --- namespaces ---------------------------------------------------------------------------------

void Controllers::reconcile_namespace(const Json& ns) {
    if (!deleting(ns)) {
        return;
    }
    const std::string name = name_of(ns);
    if (!waited("ns-delete/" + uid_of(ns), m_latency.of("ns-delete"),
                [this, name] { requeue(k_namespaces(), "", name); })) {
        return;
    }
    std::vector<std::pair<const ResourceType*, Json>> contents;
    m_store.transact([&](Store::Txn& txn) {
        for (const ResourceType& type : resource_types()) {
            if (type.namespaced) {
                for (Json& item : txn.list(type, name)) {
                    contents.emplace_back(&type, std::move(item));
                }
            }
        }
    });
    if (contents.empty()) {
        // Empty: the namespace controller's own finalizer goes (PUT .../finalize); finalizers
        // of other systems, in spec or metadata, keep the namespace Terminating until those
        // systems remove them.
        const std::string now = format_time(m_api.options().now());
        mutate(m_store, k_namespaces(), "", name, [&](Json& updated) {
            Json& spec_finalizers = updated["spec"]["finalizers"];
            Json kept = Json::array();
            for (const Json& finalizer : at(updated, "/spec/finalizers", Json::array())) {
                if (finalizer != "kubernetes") {
                    kept.push_back(finalizer);
                }
            }
            spec_finalizers = kept;
            Json& status = updated["status"];
            set_condition(status,
                          {{"type", "NamespaceContentRemaining"},
                           {"status", "False"},
                           {"reason", "ContentRemoved"},
                           {"message", "All content successfully removed"}},
                          now);
            set_condition(status,
                          {{"type", "NamespaceFinalizersRemaining"},
                           {"status", "False"},
                           {"reason", "ContentHasNoFinalizers"},
                           {"message", "All content-preserving finalizers finished"}},
                          now);
            return true;
        });
        return;
    }
    std::map<std::string, int> remaining;
    for (const auto& [type, item] : contents) {
        ++remaining[type->qualified_plural()];
        if (!deleting(item)) {
            api_delete(m_api, *type, item);
        }
    }
    std::string summary;
    int total = 0;
    for (const auto& [plural, count] : remaining) {
        summary += (summary.empty() ? "" : ", ") + plural + ". has " + std::to_string(count) +
                   " resource instances";
        total += count;
    }
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_namespaces(), "", name, [&](Json& updated) {
        set_condition(updated["status"],
                      {{"type", "NamespaceContentRemaining"},
                       {"status", "True"},
                       {"reason", "SomeResourcesRemain"},
                       {"message", "Some resources are remaining: " + summary}},
                      now);
        return true;
    });
    (void)total;
    after(std::chrono::milliseconds(100), [this, name] { requeue(k_namespaces(), "", name); });
}

// --- volumes ------------------------------------------------------------------------------------

void Controllers::reconcile_pvc(const Json& pvc) {
    if (deleting(pvc) || at(pvc, "/status/phase", "") == "Bound") {
        if (at(pvc, "/status/phase", "") == "Bound") {
            // Bound claims release pods and snapshots waiting on them.
            m_store.transact([&](Store::Txn& txn) {
                txn.for_each(k_pods(), ns_of(pvc), [&](const Json& pod) {
                    if (at(pod, "/status/phase", "") == "Pending") {
                        requeue(k_pods(), ns_of(pod), name_of(pod));
                    }
                });
                txn.for_each(k_snapshots(), ns_of(pvc), [&](const Json& snapshot) {
                    if (!at(snapshot, "/status/readyToUse", false).get<bool>() ||
                        (deleting(snapshot) &&
                         at(pvc, "/spec/dataSource/name", "") == name_of(snapshot))) {
                        requeue(k_snapshots(), ns_of(snapshot), name_of(snapshot));
                    }
                });
            });
        }
        return;
    }
    const std::string ns = ns_of(pvc);
    const std::string name = name_of(pvc);
    const std::string uid = uid_of(pvc);
    const auto retry = [this, ns, name] {
        requeue(k_pvcs(), ns, name);
    };
    const std::string volume_name = at(pvc, "/spec/volumeName", "");
    if (!volume_name.empty()) {
        const auto pv =
            m_store.transact([&](Store::Txn& txn) { return txn.get(k_pvs(), "", volume_name); });
        if (!pv || deleting(*pv)) {
            return;
        }
        const Json claim_ref = at(*pv, "/spec/claimRef", Json::object());
        if (!claim_ref.empty() &&
            (claim_ref.value("namespace", "") != ns || claim_ref.value("name", "") != name ||
             (claim_ref.contains("uid") && claim_ref.value("uid", "") != uid))) {
            return; // the PV is meant for another claim
        }
        if (!waited("bind/" + uid, m_latency.of("pvc-bind"), retry)) {
            return;
        }
        mutate(m_store, k_pvs(), "", volume_name, [&](Json& updated) {
            if (!updated["spec"].contains("claimRef")) {
                updated["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = "yes";
            }
            updated["spec"]["claimRef"] = {{"apiVersion", "v1"},
                                           {"kind", "PersistentVolumeClaim"},
                                           {"name", name},
                                           {"namespace", ns},
                                           {"resourceVersion", pvc["metadata"]["resourceVersion"]},
                                           {"uid", uid}};
            updated["status"]["phase"] = "Bound";
            return true;
        });
        mutate(m_store, k_pvcs(), ns, name, [&](Json& updated) {
            updated["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = "yes";
            updated["status"] = {{"phase", "Bound"},
                                 {"accessModes", at(*pv, "/spec/accessModes", Json::array())},
                                 {"capacity", at(*pv, "/spec/capacity", Json::object())}};
            return true;
        });
        return;
    }
    // Dynamic provisioning by the Portworx CSI driver.
    const std::string class_name = at(pvc, "/spec/storageClassName", "");
    const auto storage_class = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(k_storageclasses(), "", class_name); });
    if (!class_name.empty() && !storage_class) {
        record_event(k_pvcs(), pvc, "Warning", "ProvisioningFailed",
                     "storageclass.storage.k8s.io \"" + class_name + "\" not found",
                     "persistentvolume-controller");
        return;
    }
    if (class_name.empty()) {
        return;
    }
    const std::string provisioner = storage_class->value("provisioner", "");
    if (provisioner != k_portworx && provisioner != "kubernetes.io/portworx-volume") {
        return;
    }
    if (storage_class->value("volumeBindingMode", "") == "WaitForFirstConsumer") {
        const bool consumed = m_store.transact([&](Store::Txn& txn) {
            for (const Json& pod : txn.list(k_pods(), ns)) {
                const auto claims = claims_of(pod);
                if (std::find(claims.begin(), claims.end(), name) != claims.end()) {
                    return true;
                }
            }
            return false;
        });
        if (!consumed) {
            return;
        }
    }
    std::string parent;
    std::int64_t size =
        parse_quantity(at(pvc, "/spec/resources/requests/storage", "0")).value_or(0);
    const Json data_source = at(pvc, "/spec/dataSource", Json());
    if (data_source.is_object() && data_source.value("kind", "") == "VolumeSnapshot") {
        const auto snapshot = m_store.transact([&](Store::Txn& txn) {
            return txn.get(k_snapshots(), ns, data_source.value("name", ""));
        });
        if (!snapshot || !at(*snapshot, "/status/readyToUse", false).get<bool>()) {
            return; // provisioned once the snapshot is ready (the snapshot requeues us)
        }
        const auto content = m_store.transact([&](Store::Txn& txn) {
            return txn.get(k_snapshot_contents(), "",
                           at(*snapshot, "/status/boundVolumeSnapshotContentName", ""));
        });
        if (!content) {
            return;
        }
        parent = at(*content, "/status/snapshotHandle", "");
        // The external-provisioner refuses a claim smaller than the snapshot.
        const std::int64_t restore_size =
            parse_quantity(at(*snapshot, "/status/restoreSize", "0").get<std::string>())
                .value_or(0);
        if (size < restore_size) {
            record_event(k_pvcs(), pvc, "Warning", "ProvisioningFailed",
                         "failed to provision volume with StorageClass \"" + class_name +
                             "\": error getting handle for DataSource Type VolumeSnapshot by "
                             "Name " +
                             name_of(*snapshot) + ": requested volume size " +
                             std::to_string(size) + " is less than the size " +
                             std::to_string(restore_size) + " for the source snapshot " +
                             name_of(*snapshot),
                         k_portworx + "_pxsim");
            return;
        }
    }
    if (!waited("bind/" + uid, m_latency.of("pvc-bind"), retry)) {
        return;
    }
    const std::string key = "provision/" + uid;
    if (!m_pending.insert(key).second) {
        return;
    }
    const std::string pv_name = "pvc-" + uid;
    const std::map<std::string, std::string> labels = {{"namespace", ns}, {"pvc", name}};
    in_background([this, parent, pv_name, size, labels, pvc, storage_class = *storage_class] {
        std::optional<std::string> volume_id;
        if (parent.empty()) {
            volume_id = m_px.create_volume(pv_name, size, labels);
        } else {
            volume_id = m_px.clone_volume(parent, pv_name, labels);
        }
        after(std::chrono::milliseconds(0), [this, volume_id, pv_name, pvc, storage_class] {
            if (!volume_id || volume_id->empty()) {
                record_event(k_pvcs(), pvc, "Warning", "ProvisioningFailed",
                             "failed to provision volume with StorageClass \"" +
                                 name_of(storage_class) +
                                 "\": rpc error: code = Internal desc = volume source not found",
                             k_portworx + "_pxsim");
                m_pending.erase("provision/" + uid_of(pvc));
                return;
            }
            const std::string claim_ns = ns_of(pvc);
            const std::string claim_name = name_of(pvc);
            Json attributes = storage_class.value("parameters", Json::object());
            attributes["storage.kubernetes.io/csiProvisionerIdentity"] = "pxsim-" + k_portworx;
            Json pv = {
                {"apiVersion", "v1"},
                {"kind", "PersistentVolume"},
                {"metadata",
                 {{"name", pv_name},
                  {"annotations", {{"pv.kubernetes.io/provisioned-by", k_portworx}}}}},
                {"spec",
                 {{"accessModes", at(pvc, "/spec/accessModes", Json::array())},
                  {"capacity", {{"storage", at(pvc, "/spec/resources/requests/storage", "0")}}},
                  {"claimRef",
                   {{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"name", claim_name},
                    {"namespace", claim_ns},
                    {"resourceVersion", pvc["metadata"]["resourceVersion"]},
                    {"uid", uid_of(pvc)}}},
                  {"csi",
                   {{"driver", k_portworx},
                    {"fsType", "ext4"},
                    {"volumeAttributes", attributes},
                    {"volumeHandle", *volume_id}}},
                  {"persistentVolumeReclaimPolicy", storage_class.value("reclaimPolicy", "Delete")},
                  {"storageClassName", name_of(storage_class)},
                  {"volumeMode", at(pvc, "/spec/volumeMode", "Filesystem")}}}};
            if (!api_create(m_api, k_pvs(), pv)) {
                return;
            }
            mutate(m_store, k_pvs(), "", pv_name, [](Json& updated) {
                updated["status"]["phase"] = "Bound";
                return true;
            });
            mutate(m_store, k_pvcs(), claim_ns, claim_name, [&](Json& updated) {
                Json& annotations = updated["metadata"]["annotations"];
                annotations["pv.kubernetes.io/bind-completed"] = "yes";
                annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
                annotations["volume.beta.kubernetes.io/storage-provisioner"] = k_portworx;
                annotations["volume.kubernetes.io/storage-provisioner"] = k_portworx;
                updated["spec"]["volumeName"] = pv_name;
                updated["status"] = {
                    {"phase", "Bound"},
                    {"accessModes", at(pvc, "/spec/accessModes", Json::array())},
                    {"capacity", {{"storage", at(pvc, "/spec/resources/requests/storage", "0")}}}};
                return true;
            });
        });
    });
}

void Controllers::reconcile_pv(const Json& pv) {
    if (deleting(pv)) {
        // The binder still syncs a deleted PV: once its claim is gone it turns Released, which
        // lets the pv-protection finalizer go (a PV deleted just before its PVC went stayed
        // Bound for ever otherwise).
        const Json ref = at(pv, "/spec/claimRef", Json());
        if (at(pv, "/status/phase", "") == "Bound" && ref.is_object()) {
            const auto claim = m_store.transact([&](Store::Txn& txn) {
                return txn.get(k_pvcs(), ref.value("namespace", ""), ref.value("name", ""));
            });
            if (!claim || (ref.contains("uid") && ref.value("uid", "") != uid_of(*claim))) {
                mutate(m_store, k_pvs(), "", name_of(pv), [](Json& updated) {
                    updated["status"]["phase"] = "Released";
                    return true;
                });
            }
        }
        return;
    }
    const std::string name = name_of(pv);
    const std::string phase = at(pv, "/status/phase", "");
    const Json claim_ref = at(pv, "/spec/claimRef", Json());
    if (!claim_ref.is_object()) {
        if (phase != "Available") {
            mutate(m_store, k_pvs(), "", name, [](Json& updated) {
                updated["status"]["phase"] = "Available";
                return true;
            });
        }
        return;
    }
    const auto claim = m_store.transact([&](Store::Txn& txn) {
        return txn.get(k_pvcs(), claim_ref.value("namespace", ""), claim_ref.value("name", ""));
    });
    const bool claim_matches =
        claim && (!claim_ref.contains("uid") || claim_ref.value("uid", "") == uid_of(*claim));
    if (claim_matches) {
        if (phase == "Pending") {
            mutate(m_store, k_pvs(), "", name, [](Json& updated) {
                updated["status"]["phase"] = "Available";
                return true;
            });
        }
        if (at(*claim, "/spec/volumeName", "") != name) {
            requeue(k_pvcs(), ns_of(*claim), name_of(*claim));
        }
        return;
    }
    if (phase != "Bound" && phase != "Released") {
        if (phase == "Pending") {
            mutate(m_store, k_pvs(), "", name, [](Json& updated) {
                updated["status"]["phase"] = "Available";
                return true;
            });
        }
        return; // waiting for its pre-bound claim
    }
    if (phase == "Bound") {
        mutate(m_store, k_pvs(), "", name, [](Json& updated) {
            updated["status"]["phase"] = "Released";
            return true;
        });
    }
    if (at(pv, "/spec/persistentVolumeReclaimPolicy", "") != "Delete") {
        return;
    }
    // A CSI PV is reclaimed by the external-provisioner that made it, and by nothing else: one
    // made by hand (no pv.kubernetes.io/provisioned-by, or another's) stays Released with its
    // volume, as kube-controller-manager leaves it to an external deleter that never comes.
    if (at(pv, "/spec/csi", Json()).is_object() &&
        at(pv, "/metadata/annotations/pv.kubernetes.io~1provisioned-by", "") != k_portworx) {
        return;
    }
    // Reclaim Delete: the provisioner removes the backing volume, then the PV.
    const std::string handle = volume_handle(pv);
    const std::string key = "reclaimed/" + uid_of(pv);
    if (!m_pending.insert(key).second) {
        return;
    }
    in_background([this, handle, name] {
        if (!handle.empty()) {
            m_px.delete_volume(handle);
        }
        after(std::chrono::milliseconds(0), [this, name] {
            m_store.transact([&](Store::Txn& txn) { txn.erase(k_pvs(), "", name); });
        });
    });
}

// --- workloads ----------------------------------------------------------------------------------

void Controllers::reconcile_pod(const Json& pod) {
    if (deleting(pod)) {
        return;
    }
    const std::string phase = at(pod, "/status/phase", "");
    if (phase != "Pending" && phase != "Running") {
        return;
    }
    const std::string ns = ns_of(pod);
    const std::string name = name_of(pod);
    const std::string uid = uid_of(pod);
    const auto retry = [this, ns, name] {
        requeue(k_pods(), ns, name);
    };
    std::string job_name;
    for (const Json& owner : at(pod, "/metadata/ownerReferences", Json::array())) {
        if (owner.value("kind", "") == "Job") {
            job_name = owner.value("name", "");
        }
    }
    if (phase == "Pending") {
        // Scheduled only once every claim it mounts is bound (claims waiting for a first consumer
        // are told about it).
        for (const std::string& claim_name : claims_of(pod)) {
            const auto claim = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_pvcs(), ns, claim_name); });
            if (!claim || at(*claim, "/status/phase", "") != "Bound") {
                if (claim) {
                    requeue(k_pvcs(), ns, claim_name);
                }
                return;
            }
        }
        const std::string delay_name = job_name.empty() ? "rollout" : "job-start";
        if (!waited("start/" + uid, m_latency.of(delay_name), retry)) {
            return;
        }
        const std::string now = format_time(m_api.options().now());
        mutate(m_store, k_pods(), ns, name, [&](Json& updated) {
            updated["spec"]["nodeName"] = k_node;
            Json statuses = Json::array();
            for (const Json& container : at(updated, "/spec/containers", Json::array())) {
                statuses.push_back({{"name", container.value("name", "")},
                                    {"image", container.value("image", "")},
                                    {"imageID", "docker.io/" + container.value("image", "")},
                                    {"containerID", "containerd://" + short_hash(uid + name, 24)},
                                    {"ready", true},
                                    {"started", true},
                                    {"restartCount", 0},
                                    {"state", {{"running", {{"startedAt", now}}}}}});
            }
            Json& status = updated["status"];
            status["phase"] = "Running";
            status["hostIP"] = "10.0.0.10";
            status["podIP"] = "10.244.0." + std::to_string(2 + std::hash<std::string>{}(uid) % 250);
            status["podIPs"] = Json::array({{{"ip", status["podIP"]}}});
            status["startTime"] = now;
            status["containerStatuses"] = statuses;
            for (const char* type : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
                set_condition(
                    status, {{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}}, now);
            }
            return true;
        });
        for (const Json& owner : at(pod, "/metadata/ownerReferences", Json::array())) {
            const std::string kind = owner.value("kind", "");
            requeue(kind == "ReplicaSet"    ? k_replicasets()
                    : kind == "StatefulSet" ? k_statefulsets()
                                            : k_jobs(),
                    ns, owner.value("name", ""));
        }
        if (!job_name.empty()) {
            retry();
        }
        return;
    }
    if (job_name.empty()) {
        return;
    }
    // A Job's pod runs for the `job` latency, then succeeds or (per faults) fails.
    if (!waited("finish/" + uid, m_latency.of("job"), retry)) {
        return;
    }
    const auto job =
        m_store.transact([&](Store::Txn& txn) { return txn.get(k_jobs(), ns, job_name); });
    const bool fail = job && (at(*job, "/metadata/annotations/pxsim.io~1fail", "") == "true" ||
                              m_faults.job_fails(ns + "/" + job_name));
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_pods(), ns, name, [&](Json& updated) {
        Json& status = updated["status"];
        status["phase"] = fail ? "Failed" : "Succeeded";
        for (Json& container : status["containerStatuses"]) {
            container["ready"] = false;
            container["started"] = false;
            container["state"] = {{"terminated",
                                   {{"exitCode", fail ? 1 : 0},
                                    {"reason", fail ? "Error" : "Completed"},
                                    {"startedAt", status.value("startTime", now)},
                                    {"finishedAt", now}}}};
        }
        set_condition(status, {{"type", "Ready"}, {"status", "False"}, {"reason", "PodCompleted"}},
                      now);
        set_condition(
            status, {{"type", "ContainersReady"}, {"status", "False"}, {"reason", "PodCompleted"}},
            now);
        return true;
    });
    requeue(k_jobs(), ns, job_name);
}

namespace {

Json pod_from_template(const Json& pod_template, const std::string& ns) {
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", at(pod_template, "/metadata", Json::object())},
                {"spec", at(pod_template, "/spec", Json::object())}};
    pod["metadata"].erase("creationTimestamp");
    pod["metadata"]["namespace"] = ns;
    return pod;
}

} // namespace

void Controllers::reconcile_replicaset(const Json& replicaset) {
    if (deleting(replicaset)) {
        return;
    }
    const std::string ns = ns_of(replicaset);
    const std::string uid = uid_of(replicaset);
    std::vector<Json> pods;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& pod : txn.list(k_pods(), ns)) {
            if (owned_by(pod, uid) && !deleting(pod)) {
                pods.push_back(std::move(pod));
            }
        }
    });
    const int want = at(replicaset, "/spec/replicas", 1).get<int>();
    for (int i = static_cast<int>(pods.size()); i < want; ++i) {
        Json pod = pod_from_template(at(replicaset, "/spec/template", Json::object()), ns);
        pod["metadata"]["generateName"] = name_of(replicaset) + "-";
        pod["metadata"]["ownerReferences"] =
            Json::array({owner_reference(k_replicasets(), replicaset)});
        if (auto created = api_create(m_api, k_pods(), pod)) {
            pods.push_back(*created);
        }
    }
    while (static_cast<int>(pods.size()) > want) {
        api_delete(m_api, k_pods(), pods.back());
        pods.pop_back();
    }
    int ready = 0;
    for (const Json& pod : pods) {
        ready += pod_ready(pod) ? 1 : 0;
    }
    const auto generation = at(replicaset, "/metadata/generation", 1);
    mutate(m_store, k_replicasets(), ns, name_of(replicaset), [&](Json& updated) {
        Json status = {{"replicas", static_cast<int>(pods.size())},
                       {"fullyLabeledReplicas", static_cast<int>(pods.size())},
                       {"readyReplicas", ready},
                       {"availableReplicas", ready},
                       {"observedGeneration", generation}};
        omit_zero(status, {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"});
        if (status["replicas"] == 0) {
            status["replicas"] = 0;
        }
        updated["status"] = status;
        return true;
    });
    for (const Json& owner : at(replicaset, "/metadata/ownerReferences", Json::array())) {
        if (owner.value("kind", "") == "Deployment") {
            requeue(k_deployments(), ns, owner.value("name", ""));
        }
    }
}

void Controllers::reconcile_deployment(const Json& deployment) {
    if (deleting(deployment)) {
        return;
    }
    const std::string ns = ns_of(deployment);
    const std::string name = name_of(deployment);
    const std::string uid = uid_of(deployment);
    const Json pod_template = at(deployment, "/spec/template", Json::object());
    const std::string hash = short_hash(pod_template.dump());
    const std::string rs_name = name + "-" + hash;
    const int replicas = at(deployment, "/spec/replicas", 1).get<int>();
    std::vector<Json> owned;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& rs : txn.list(k_replicasets(), ns)) {
            if (owned_by(rs, uid)) {
                owned.push_back(std::move(rs));
            }
        }
    });
    int revision = 0;
    bool have_current = false;
    for (const Json& rs : owned) {
        revision = std::max(
            revision,
            std::stoi(at(rs, "/metadata/annotations/deployment.kubernetes.io~1revision", "0")
                          .get<std::string>()));
        have_current = have_current || name_of(rs) == rs_name;
    }
    if (!have_current) {
        Json rs_template = pod_template;
        rs_template["metadata"]["labels"]["pod-template-hash"] = hash;
        Json selector = at(deployment, "/spec/selector", Json::object());
        selector["matchLabels"]["pod-template-hash"] = hash;
        Json rs = {
            {"apiVersion", "apps/v1"},
            {"kind", "ReplicaSet"},
            {"metadata",
             {{"name", rs_name},
              {"namespace", ns},
              {"labels", rs_template["metadata"]["labels"]},
              {"annotations",
               {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + 1)},
                {"deployment.kubernetes.io/revision", std::to_string(revision + 1)}}},
              {"ownerReferences", Json::array({owner_reference(k_deployments(), deployment)})}}},
            {"spec", {{"replicas", replicas}, {"selector", selector}, {"template", rs_template}}}};
        if (auto created = api_create(m_api, k_replicasets(), rs)) {
            owned.push_back(*created);
        }
        revision += 1;
        mutate(m_store, k_deployments(), ns, name, [&](Json& updated) {
            updated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                std::to_string(revision);
            return true;
        });
    }
    int total = 0;
    int updated_replicas = 0;
    int ready = 0;
    for (const Json& rs : owned) {
        const bool current = name_of(rs) == rs_name;
        const int want = current ? replicas : 0;
        if (at(rs, "/spec/replicas", 1).get<int>() != want) {
            mutate(m_store, k_replicasets(), ns, name_of(rs), [&](Json& changed) {
                changed["spec"]["replicas"] = want;
                changed["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                    std::to_string(replicas);
                return true;
            });
        }
        const int count = at(rs, "/status/replicas", 0).get<int>();
        total += count;
        ready += at(rs, "/status/readyReplicas", 0).get<int>();
        if (current) {
            updated_replicas = count;
        }
    }
    const std::string now = format_time(m_api.options().now());
    const int max_unavailable = replicas / 4;
    const bool available = ready >= replicas - max_unavailable;
    const bool complete = updated_replicas == replicas && total == replicas && ready == replicas;
    // No progress (no new ready pod) for progressDeadlineSeconds: ProgressDeadlineExceeded.
    const auto deadline =
        std::chrono::seconds(at(deployment, "/spec/progressDeadlineSeconds", 600).get<int>());
    const bool stalled =
        !complete && waited("progress/" + uid + "/" + hash + "/" + std::to_string(ready),
                            std::chrono::duration_cast<std::chrono::milliseconds>(deadline),
                            [this, ns, name] { requeue(k_deployments(), ns, name); });
    mutate(m_store, k_deployments(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        status["observedGeneration"] = at(changed, "/metadata/generation", 1);
        status["replicas"] = total;
        status["updatedReplicas"] = updated_replicas;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = ready;
        status["unavailableReplicas"] = std::max(0, total - ready);
        if (total < replicas) {
            status["unavailableReplicas"] = replicas - ready;
        }
        omit_zero(status, {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                           "unavailableReplicas"});
        set_condition(
            status,
            {{"type", "Available"},
             {"status", available ? "True" : "False"},
             {"reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"},
             {"message", available ? "Deployment has minimum availability."
                                   : "Deployment does not have minimum availability."},
             {"lastUpdateTime", now}},
            now);
        if (stalled) {
            set_condition(status,
                          {{"type", "Progressing"},
                           {"status", "False"},
                           {"reason", "ProgressDeadlineExceeded"},
                           {"message", "ReplicaSet \"" + rs_name + "\" has timed out progressing."},
                           {"lastUpdateTime", now}},
                          now);
        } else {
            set_condition(status,
                          {{"type", "Progressing"},
                           {"status", "True"},
                           {"reason", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"},
                           {"message",
                            complete ? "ReplicaSet \"" + rs_name + "\" has successfully progressed."
                                     : "ReplicaSet \"" + rs_name + "\" is progressing."},
                           {"lastUpdateTime", now}},
                          now);
        }
        changed["status"] = status;
        return true;
    });
}

void Controllers::reconcile_statefulset(const Json& statefulset) {
    if (deleting(statefulset)) {
        return;
    }
    const std::string ns = ns_of(statefulset);
    const std::string name = name_of(statefulset);
    const std::string uid = uid_of(statefulset);
    const Json pod_template = at(statefulset, "/spec/template", Json::object());
    const std::string revision = name + "-" + short_hash(pod_template.dump());
    const int replicas = at(statefulset, "/spec/replicas", 1).get<int>();
    const bool parallel = at(statefulset, "/spec/podManagementPolicy", "") == "Parallel";
    const Json claim_templates = at(statefulset, "/spec/volumeClaimTemplates", Json::array());
    // What this needs of each pod it owns, read in place: a StatefulSet of N pods is reconciled
    // about N times while it rolls out, and copying every pod of the namespace each time was
    // most of pxsim's CPU (and of a 200-replica rollout's time) at N=200.
    struct OwnedPod {
        Json ref; // metadata.namespace and .name, to delete it
        bool deleting = false;
        std::string revision;
        bool ready = false;
    };
    std::map<int, OwnedPod> pods;
    m_store.transact([&](Store::Txn& txn) {
        txn.for_each(k_pods(), ns, [&](const Json& pod) {
            const std::string pod_name = name_of(pod);
            if (pod_name.rfind(name + "-", 0) != 0 || !owned_by(pod, uid)) {
                return;
            }
            try {
                pods[std::stoi(pod_name.substr(name.size() + 1))] = OwnedPod{
                    {{"metadata", {{"namespace", ns}, {"name", pod_name}}}},
                    deleting(pod),
                    at(pod, "/metadata/labels/controller-revision-hash", "").get<std::string>(),
                    pod_ready(pod)};
            } catch (const std::exception&) {
            }
        });
    });
    // Scale down from the highest ordinal; replace pods of an old revision one at a time.
    for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
        if (it->first >= replicas && !it->second.deleting) {
            api_delete(m_api, k_pods(), it->second.ref);
        }
    }
    bool all_ready_below = true;
    for (int i = 0; i < replicas; ++i) {
        const std::string pod_name = name + "-" + std::to_string(i);
        const auto existing = pods.find(i);
        if (existing != pods.end()) {
            const OwnedPod& pod = existing->second;
            if (!pod.deleting && pod.revision != revision && all_ready_below) {
                api_delete(m_api, k_pods(), pod.ref);
                all_ready_below = false;
                continue;
            }
            all_ready_below = all_ready_below && pod.ready;
            continue;
        }
        if (!parallel && !all_ready_below) {
            break;
        }
        for (const Json& claim_template : claim_templates) {
            const std::string claim_name =
                at(claim_template, "/metadata/name", "").get<std::string>() + "-" + pod_name;
            Json claim = {
                {"apiVersion", "v1"},
                {"kind", "PersistentVolumeClaim"},
                {"metadata",
                 {{"name", claim_name},
                  {"namespace", ns},
                  {"labels", at(statefulset, "/spec/selector/matchLabels", Json::object())}}},
                {"spec", at(claim_template, "/spec", Json::object())}};
            const bool exists = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_pvcs(), ns, claim_name).has_value(); });
            if (!exists) {
                api_create(m_api, k_pvcs(), claim);
            }
        }
        Json pod = pod_from_template(pod_template, ns);
        pod["metadata"]["name"] = pod_name;
        pod["metadata"]["labels"]["controller-revision-hash"] = revision;
        pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = pod_name;
        pod["metadata"]["ownerReferences"] =
            Json::array({owner_reference(k_statefulsets(), statefulset)});
        pod["spec"]["hostname"] = pod_name;
        pod["spec"]["subdomain"] = at(statefulset, "/spec/serviceName", "");
        Json& volumes = pod["spec"]["volumes"];
        if (!volumes.is_array()) {
            volumes = Json::array();
        }
        for (const Json& claim_template : claim_templates) {
            const std::string claim_name = at(claim_template, "/metadata/name", "");
            volumes.push_back(
                {{"name", claim_name},
                 {"persistentVolumeClaim", {{"claimName", claim_name + "-" + pod_name}}}});
        }
        api_create(m_api, k_pods(), pod);
        all_ready_below = false;
    }
    int count = 0;
    int ready = 0;
    int updated_count = 0;
    m_store.transact([&](Store::Txn& txn) {
        txn.for_each(k_pods(), ns, [&](const Json& pod) {
            if (!owned_by(pod, uid) || deleting(pod)) {
                return;
            }
            ++count;
            ready += pod_ready(pod) ? 1 : 0;
            updated_count +=
                at(pod, "/metadata/labels/controller-revision-hash", "") == revision ? 1 : 0;
        });
    });
    mutate(m_store, k_statefulsets(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        const bool rolled = updated_count == replicas && ready == replicas && count == replicas;
        status["observedGeneration"] = at(changed, "/metadata/generation", 1);
        status["replicas"] = count;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = ready;
        status["currentReplicas"] = rolled ? count : count - updated_count;
        status["updatedReplicas"] = updated_count;
        status["updateRevision"] = revision;
        if (rolled || !status.contains("currentRevision")) {
            status["currentRevision"] =
                rolled ? revision : status.value("currentRevision", revision);
        }
        status["collisionCount"] = 0;
        omit_zero(status,
                  {"readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"});
        changed["status"] = status;
        return true;
    });
}

void Controllers::reconcile_job(const Json& job) {
    if (deleting(job)) {
        return;
    }
    for (const Json& condition : at(job, "/status/conditions", Json::array())) {
        const std::string type = condition.value("type", "");
        if ((type == "Complete" || type == "Failed") && condition.value("status", "") == "True") {
            return;
        }
    }
    const std::string ns = ns_of(job);
    const std::string name = name_of(job);
    const std::string uid = uid_of(job);
    std::vector<Json> pods;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& pod : txn.list(k_pods(), ns)) {
            if (owned_by(pod, uid)) {
                pods.push_back(std::move(pod));
            }
        }
    });
    if (at(job, "/spec/suspend", false).get<bool>()) {
        return;
    }
    if (pods.empty()) {
        Json pod = pod_from_template(at(job, "/spec/template", Json::object()), ns);
        pod["metadata"]["generateName"] = name + "-";
        pod["metadata"]["ownerReferences"] = Json::array({owner_reference(k_jobs(), job)});
        if (auto created = api_create(m_api, k_pods(), pod)) {
            pods.push_back(*created);
        }
    }
    int active = 0;
    int ready = 0;
    int succeeded = 0;
    int failed = 0;
    for (const Json& pod : pods) {
        const std::string phase = at(pod, "/status/phase", "");
        succeeded += phase == "Succeeded" ? 1 : 0;
        failed += phase == "Failed" ? 1 : 0;
        active += phase == "Pending" || phase == "Running" ? 1 : 0;
        ready += pod_ready(pod) ? 1 : 0;
    }
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_jobs(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        if (!status.contains("startTime")) {
            status["startTime"] = now;
        }
        status["active"] = active;
        status["ready"] = ready;
        status["succeeded"] = succeeded;
        status["failed"] = failed;
        status["uncountedTerminatedPods"] = Json::object();
        omit_zero(status, {"active", "succeeded", "failed"});
        if (succeeded > 0) {
            status["completionTime"] = now;
            set_condition(status,
                          {{"type", "Complete"}, {"status", "True"}, {"lastProbeTime", now}}, now);
        } else if (failed > 0) {
            set_condition(status,
                          {{"type", "Failed"},
                           {"status", "True"},
                           {"reason", "BackoffLimitExceeded"},
                           {"message", "Job has reached the specified backoff limit"},
                           {"lastProbeTime", now}},
                          now);
        }
        changed["status"] = status;
        return true;
    });
}

// --- CSI snapshots ------------------------------------------------------------------------------

void Controllers::reconcile_snapshot(const Json& snapshot) {
    if (deleting(snapshot) || at(snapshot, "/status/readyToUse", false).get<bool>()) {
        return;
    }
    const std::string ns = ns_of(snapshot);
    const std::string name = name_of(snapshot);
    const std::string uid = uid_of(snapshot);
    const std::string now = format_time(m_api.options().now());
    const auto set_status = [&](const Json& status) {
        mutate(m_store, k_snapshots(), ns, name, [&](Json& updated) {
            updated["status"] = status;
            return true;
        });
    };
    const auto fail = [&](const std::string& message) {
        set_status({{"readyToUse", false}, {"error", {{"message", message}, {"time", now}}}});
    };
    const std::string claim_name = at(snapshot, "/spec/source/persistentVolumeClaimName", "");
    if (claim_name.empty()) {
        bind_to_content(snapshot);
        return;
    }
    const auto claim =
        m_store.transact([&](Store::Txn& txn) { return txn.get(k_pvcs(), ns, claim_name); });
    if (!claim) {
        fail("Failed to create snapshot content with error snapshot controller failed to update " +
             name + " on API server: cannot get claim from snapshot");
        return;
    }
    if (at(*claim, "/status/phase", "") != "Bound") {
        if (!snapshot.contains("status")) {
            set_status({{"readyToUse", false}});
        }
        return;
    }
    const auto pv = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(k_pvs(), "", at(*claim, "/spec/volumeName", "")); });
    if (!pv) {
        return;
    }
    std::string class_name = at(snapshot, "/spec/volumeSnapshotClassName", "");
    const auto snapshot_class = m_store.transact([&](Store::Txn& txn) -> std::optional<Json> {
        if (!class_name.empty()) {
            return txn.get(k_snapshot_classes(), "", class_name);
        }
        for (Json& candidate : txn.list(k_snapshot_classes(), "")) {
            if (at(candidate,
                   "/metadata/annotations/snapshot.storage.kubernetes.io~1is-default-class",
                   "") == "true" &&
                candidate.value("driver", "") == at(*pv, "/spec/csi/driver", "")) {
                return candidate;
            }
        }
        return std::nullopt;
    });
    if (!snapshot_class) {
        fail(class_name.empty()
                 ? "Failed to set default snapshot class with error cannot find default snapshot "
                   "class"
                 : "Failed to get snapshot class with error volumesnapshotclass.snapshot.storage."
                   "k8s.io \"" +
                       class_name + "\" not found");
        return;
    }
    const std::string handle = volume_handle(*pv);
    const std::string key = "snapshot/" + uid;
    if (!m_pending.insert(key).second) {
        return;
    }
    if (!snapshot.contains("status")) {
        set_status({{"readyToUse", false}});
    }
    mutate(m_store, k_snapshots(), ns, name, [](Json& updated) {
        Json& finalizers = updated["metadata"]["finalizers"];
        finalizers =
            Json::array({"snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection",
                         "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"});
        return true;
    });
    const std::string content_name = "snapcontent-" + uid;
    const std::int64_t size = parse_quantity(at(*claim, "/status/capacity/storage",
                                                at(*claim, "/spec/resources/requests/storage", "0"))
                                                 .get<std::string>())
                                  .value_or(0);
    in_background([this, handle, content_name, snapshot, size, snapshot_class = *snapshot_class,
                   key] {
        const std::map<std::string, std::string> labels;
        const auto snapshot_id = m_px.create_snapshot(handle, content_name, labels);
        // The snapshot is ready `snapshot` after it was cut, as one taken through the SDK is.
        after(m_latency.of("snapshot"), [this, snapshot_id, content_name, snapshot, size,
                                         snapshot_class, handle, key] {
            const std::string snap_ns = ns_of(snapshot);
            const std::string snap_name = name_of(snapshot);
            const auto created_at = m_api.options().now();
            const std::string done_at = format_time(created_at);
            if (!snapshot_id) {
                mutate(m_store, k_snapshots(), snap_ns, snap_name, [&](Json& updated) {
                    updated["status"] = {{"readyToUse", false},
                                         {"error",
                                          {{"message", "Failed to check and update snapshot "
                                                       "content: failed to take snapshot of the "
                                                       "volume " +
                                                           handle},
                                           {"time", done_at}}}};
                    return true;
                });
                m_pending.erase(key);
                return;
            }
            Json content = {{"apiVersion", "snapshot.storage.k8s.io/v1"},
                            {"kind", "VolumeSnapshotContent"},
                            {"metadata", {{"name", content_name}}},
                            {"spec",
                             {{"deletionPolicy", snapshot_class.value("deletionPolicy", "Delete")},
                              {"driver", snapshot_class.value("driver", k_portworx)},
                              {"source", {{"volumeHandle", handle}}},
                              {"volumeSnapshotClassName", name_of(snapshot_class)},
                              {"volumeSnapshotRef",
                               {{"apiVersion", "snapshot.storage.k8s.io/v1"},
                                {"kind", "VolumeSnapshot"},
                                {"name", snap_name},
                                {"namespace", snap_ns},
                                {"resourceVersion", snapshot["metadata"]["resourceVersion"]},
                                {"uid", uid_of(snapshot)}}}}}};
            api_create(m_api, k_snapshot_contents(), content);
            const auto nanos =
                std::chrono::duration_cast<std::chrono::nanoseconds>(created_at.time_since_epoch())
                    .count();
            mutate(m_store, k_snapshot_contents(), "", content_name, [&](Json& updated) {
                updated["status"] = {{"creationTime", nanos},
                                     {"readyToUse", true},
                                     {"restoreSize", size},
                                     {"snapshotHandle", *snapshot_id}};
                return true;
            });
            mutate(m_store, k_snapshots(), snap_ns, snap_name, [&](Json& updated) {
                updated["status"] = {{"boundVolumeSnapshotContentName", content_name},
                                     {"creationTime", done_at},
                                     {"readyToUse", true},
                                     {"restoreSize", format_quantity(size)}};
                return true;
            });
            // Claims restoring from this snapshot can be provisioned done_at.
            m_store.transact([&](Store::Txn& txn) {
                for (const Json& pvc : txn.list(k_pvcs(), snap_ns)) {
                    if (at(pvc, "/spec/dataSource/name", "") == snap_name &&
                        at(pvc, "/status/phase", "") != "Bound") {
                        requeue(k_pvcs(), snap_ns, name_of(pvc));
                    }
                }
            });
        });
    });
}

// The snapshot controller's side of a VolumeSnapshot with spec.source.volumeSnapshotContentName:
// the content must name it in volumeSnapshotRef; binding fills in the ref's uid; the snapshot's
// status follows the content's (which the sidecar fills in, reconcile_snapshot_content).
void Controllers::bind_to_content(const Json& snapshot) {
    const std::string ns = ns_of(snapshot);
    const std::string name = name_of(snapshot);
    const std::string uid = uid_of(snapshot);
    const std::string content_name = at(snapshot, "/spec/source/volumeSnapshotContentName", "");
    const std::string now = format_time(m_api.options().now());
    const auto set_error = [&](const std::string& message) {
        mutate(m_store, k_snapshots(), ns, name, [&](Json& updated) {
            Json status = updated.value("status", Json::object());
            if (status.value("error", Json::object()).value("message", "") == message &&
                status.contains("readyToUse")) {
                return false;
            }
            status["readyToUse"] = false;
            status["error"] = {{"message", message}, {"time", now}};
            updated["status"] = status;
            return true;
        });
    };
    const auto content = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(k_snapshot_contents(), "", content_name); });
    if (!content || deleting(*content)) {
        set_error("VolumeSnapshotContent is missing");
        return;
    }
    const Json ref = at(*content, "/spec/volumeSnapshotRef", Json::object());
    const std::string ref_uid = ref.value("uid", "");
    if (ref.value("namespace", "") != ns || ref.value("name", "") != name ||
        (!ref_uid.empty() && ref_uid != uid)) {
        set_error("VolumeSnapshotContent is not bound to the VolumeSnapshot correctly");
        return;
    }
    if (ref_uid.empty()) {
        mutate(m_store, k_snapshot_contents(), "", content_name, [&](Json& updated) {
            Json& bound_ref = updated["spec"]["volumeSnapshotRef"];
            bound_ref["apiVersion"] = "snapshot.storage.k8s.io/v1";
            bound_ref["kind"] = "VolumeSnapshot";
            bound_ref["resourceVersion"] = snapshot["metadata"]["resourceVersion"];
            bound_ref["uid"] = uid;
            const std::string class_name = at(snapshot, "/spec/volumeSnapshotClassName", "");
            if (!class_name.empty() && !updated["spec"].contains("volumeSnapshotClassName")) {
                updated["spec"]["volumeSnapshotClassName"] = class_name;
            }
            return true;
        });
    }
    const bool delete_policy = at(*content, "/spec/deletionPolicy", "") == "Delete";
    mutate(m_store, k_snapshots(), ns, name, [&](Json& updated) {
        Json& finalizers = updated["metadata"]["finalizers"];
        if (!finalizers.is_array()) {
            finalizers = Json::array();
        }
        std::vector<std::string> wanted = {k_as_source_finalizer};
        if (delete_policy) {
            wanted.push_back(k_bound_finalizer);
        }
        for (const std::string& finalizer : wanted) {
            if (std::find(finalizers.begin(), finalizers.end(), Json(finalizer)) ==
                finalizers.end()) {
                finalizers.push_back(finalizer);
            }
        }
        return true;
    });
    const Json content_status = at(*content, "/status", Json::object());
    const bool ready = content_status.value("readyToUse", false);
    Json status = {{"boundVolumeSnapshotContentName", content_name}, {"readyToUse", ready}};
    if (content_status.contains("creationTime") && content_status["creationTime"].is_number()) {
        const std::chrono::nanoseconds nanos(content_status["creationTime"].get<std::int64_t>());
        status["creationTime"] = format_time(std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(nanos)));
    }
    if (content_status.contains("restoreSize") && content_status["restoreSize"].is_number()) {
        status["restoreSize"] = format_quantity(content_status["restoreSize"].get<std::int64_t>());
    }
    if (content_status.contains("error")) {
        status["error"] = content_status["error"];
    }
    mutate(m_store, k_snapshots(), ns, name, [&](Json& updated) {
        updated["status"] = status;
        return true;
    });
    if (ready) {
        requeue_restores(ns, name);
    }
}

void Controllers::requeue_restores(const std::string& ns, const std::string& snapshot_name) {
    m_store.transact([&](Store::Txn& txn) {
        for (const Json& pvc : txn.list(k_pvcs(), ns)) {
            if (at(pvc, "/spec/dataSource/kind", "") == "VolumeSnapshot" &&
                at(pvc, "/spec/dataSource/name", "") == snapshot_name &&
                at(pvc, "/status/phase", "") != "Bound") {
                requeue(k_pvcs(), ns, name_of(pvc));
            }
        }
    });
}

// The CSI snapshotter sidecar (for pxd.portworx.com) and the snapshot controller's content side.
void Controllers::reconcile_snapshot_content(const Json& content) {
    if (deleting(content)) {
        return; // reconcile_finalizers
    }
    const std::string name = name_of(content);
    const std::string uid = uid_of(content);
    const Json ref = at(content, "/spec/volumeSnapshotRef", Json::object());
    const bool portworx = at(content, "/spec/driver", "") == k_portworx;
    const bool delete_policy = at(content, "/spec/deletionPolicy", "") == "Delete";
    // The sidecar keeps a Delete-policy content until it has deleted the snapshot behind it.
    if (portworx && delete_policy && !has_finalizer(content, k_content_finalizer)) {
        mutate(m_store, k_snapshot_contents(), "", name, [](Json& updated) {
            Json& finalizers = updated["metadata"]["finalizers"];
            if (!finalizers.is_array()) {
                finalizers = Json::array();
            }
            finalizers.push_back(k_content_finalizer);
            return true;
        });
    }
    // Pre-provisioned: the sidecar asks the driver for the snapshot (ListSnapshots by id) and
    // fills in the status.
    const std::string handle = at(content, "/spec/source/snapshotHandle", "");
    if (portworx && !handle.empty() && !content.contains("status")) {
        const std::string key = "content/" + uid;
        if (!m_pending.insert(key).second) {
            return;
        }
        in_background([this, handle, name, ref, key] {
            const auto found = m_px.inspect(handle);
            after(std::chrono::milliseconds(0), [this, handle, name, ref, key, found] {
                const std::string now = format_time(m_api.options().now());
                mutate(m_store, k_snapshot_contents(), "", name, [&](Json& updated) {
                    if (!found) {
                        updated["status"] = {
                            {"error",
                             {{"message",
                               "Failed to check and update snapshot content: failed to list "
                               "snapshot for content " +
                                   name + ": \"rpc error: code = NotFound desc = Snapshot id " +
                                   handle + " not found\""},
                              {"time", now}}},
                            {"readyToUse", false}};
                        return true;
                    }
                    Json status = {{"readyToUse", true}, {"snapshotHandle", handle}};
                    const auto created =
                        unix_nanos(at(*found, "/volume/ctime", "").get<std::string>());
                    if (created) {
                        status["creationTime"] = *created;
                    }
                    const auto size =
                        parse_quantity(at(*found, "/volume/spec/size", "0").get<std::string>());
                    status["restoreSize"] = size.value_or(0);
                    updated["status"] = status;
                    return true;
                });
                m_pending.erase(key);
                requeue(k_snapshots(), ref.value("namespace", ""), ref.value("name", ""));
            });
        });
        return;
    }
    const auto snapshot = m_store.transact([&](Store::Txn& txn) {
        return txn.get(k_snapshots(), ref.value("namespace", ""), ref.value("name", ""));
    });
    // A snapshot waiting on this content sees its status.
    if (snapshot && !deleting(*snapshot) &&
        at(*snapshot, "/spec/source/volumeSnapshotContentName", "") == name &&
        at(*snapshot, "/status/readyToUse", false) != at(content, "/status/readyToUse", false)) {
        requeue(k_snapshots(), ns_of(*snapshot), name_of(*snapshot));
    }
    // A bound content whose snapshot is gone goes too when its policy is Delete.
    const std::string ref_uid = ref.value("uid", "");
    const bool snapshot_gone = !snapshot || (!ref_uid.empty() && uid_of(*snapshot) != ref_uid);
    if (snapshot_gone && !ref_uid.empty() && delete_policy &&
        at(content, "/status/readyToUse", false).get<bool>()) {
        api_delete(m_api, k_snapshot_contents(), content);
    }
}

// A deleted Delete-policy content: once no VolumeSnapshot is bound to it any more, the sidecar
// deletes the Portworx snapshot, then lets the content go. (Retain contents carry no finalizer:
// they go at once and the Portworx snapshot stays.)
void Controllers::finalize_content(const Json& content) {
    const std::string name = name_of(content);
    const Json ref = at(content, "/spec/volumeSnapshotRef", Json::object());
    const std::string ref_uid = ref.value("uid", "");
    const auto snapshot = m_store.transact([&](Store::Txn& txn) {
        return txn.get(k_snapshots(), ref.value("namespace", ""), ref.value("name", ""));
    });
    if (snapshot && !deleting(*snapshot) && !ref_uid.empty() && uid_of(*snapshot) == ref_uid) {
        return; // requeued when the snapshot is deleted
    }
    const std::string handle = at(content, "/status/snapshotHandle", "");
    const std::string key = "content-deleted/" + uid_of(content);
    if (!m_pending.insert(key).second) {
        return;
    }
    in_background([this, handle, content] {
        if (!handle.empty() && at(content, "/spec/deletionPolicy", "") == "Delete") {
            m_px.delete_volume(handle);
        }
        after(std::chrono::milliseconds(0), [this, content] {
            remove_finalizer(m_store, k_snapshot_contents(), content, k_content_finalizer);
        });
    });
}

} // namespace pxsim
