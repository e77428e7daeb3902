// The CSI snapshot controller's VolumeSnapshot side: a snapshot of a claim is cut through the
// Portworx driver (its content made, both ready after the snapshot latency); a snapshot of a
// pre-provisioned content binds to it; claims restoring from a ready snapshot are requeued; the
// snapshot finalizers.
#include <algorithm>
#include <map>
#include <optional>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class SnapshotController final : public Controller {
public:
    explicit SnapshotController(Controllers& core) : Controller(core, {"VolumeSnapshot"}) {}
    void reconcile(const ResourceType& type, const Json& snapshot) override;

    bool finalize(const ResourceType& type, const Json& object,
                  const std::string& finalizer) override {
        if (finalizer == k_as_source_finalizer) {
            // Kept while a claim is still being provisioned from the snapshot (the claim's
            // binding or deletion requeues us).
            if (!restoring_from(m_store, ns_of(object), name_of(object))) {
                remove_finalizer(m_store, type, object, finalizer);
            }
            return true;
        }
        // The content's own finalizer is the sidecar's (snapshot_content_controller.cpp).
        if (finalizer == k_content_finalizer ||
            finalizer.rfind("snapshot.storage.kubernetes.io/", 0) != 0) {
            return false;
        }
        if (type.kind == "VolumeSnapshot") {
            const std::string content = at(object, "/status/boundVolumeSnapshotContentName", "");
            const auto bound = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_snapshot_contents(), "", content); });
            if (bound && at(*bound, "/spec/deletionPolicy", "") == "Delete" && !deleting(*bound)) {
                api_delete(m_api, k_snapshot_contents(), *bound);
            }
        }
        remove_finalizer(m_store, type, object, finalizer);
        return true;
    }

    void deleted(const ResourceType& /*type*/, const Json& object) override {
        const std::string content = at(object, "/status/boundVolumeSnapshotContentName", "");
        const auto bound = m_store.transact(
            [&](Store::Txn& txn) { return txn.get(k_snapshot_contents(), "", content); });
        if (bound && at(*bound, "/spec/deletionPolicy", "") == "Delete" && !deleting(*bound)) {
            api_delete(m_api, k_snapshot_contents(), *bound);
        } else if (bound) {
            requeue(k_snapshot_contents(), "", content); // a content waiting on its snapshot
        }
    }

private:
    // A VolumeSnapshot of a pre-provisioned content (spec.source.volumeSnapshotContentName).
    void bind_to_content(const Json& snapshot);
    // Claims waiting to be provisioned from a snapshot that just became ready.
    void requeue_restores(const std::string& ns, const std::string& snapshot_name);
};

void SnapshotController::reconcile(const ResourceType& /*type*/, const Json& snapshot) {
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
void SnapshotController::bind_to_content(const Json& snapshot) {
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

void SnapshotController::requeue_restores(const std::string& ns, const std::string& snapshot_name) {
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

} // namespace

std::unique_ptr<Controller> make_snapshot_controller(Controllers& core) {
    return std::make_unique<SnapshotController>(core);
}

} // namespace pxsim
