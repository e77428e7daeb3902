// The CSI snapshotter sidecar (for pxd.portworx.com) and the snapshot controller's
// VolumeSnapshotContent side: pre-provisioned contents get their status from Portworx; a
// Delete-policy content keeps its finalizer until the Portworx snapshot behind it is deleted.
#include <optional>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class SnapshotContentController final : public Controller {
public:
    explicit SnapshotContentController(Controllers& core)
        : Controller(core, {"VolumeSnapshotContent"}) {}
    void reconcile(const ResourceType& type, const Json& content) override;

    bool finalize(const ResourceType& /*type*/, const Json& object,
                  const std::string& finalizer) override {
        if (finalizer != k_content_finalizer) {
            return false;
        }
        finalize_content(object);
        return true;
    }

    void deleted(const ResourceType& /*type*/, const Json& object) override {
        const std::string uid = uid_of(object);
        // Contents without the sidecar's finalizer (seeded ones) delete their snapshot now.
        const std::string handle = at(object, "/status/snapshotHandle", "");
        if (!handle.empty() && at(object, "/spec/deletionPolicy", "") == "Delete" &&
            m_pending.insert("content-deleted/" + uid).second) {
            in_background([this, handle] { m_px.delete_volume(handle); });
        }
    }

private:
    // A deleted content's sidecar finalizer: the Portworx snapshot goes first (policy Delete).
    void finalize_content(const Json& content);
};

// The CSI snapshotter sidecar (for pxd.portworx.com) and the snapshot controller's content side.
void SnapshotContentController::reconcile(const ResourceType& /*type*/, const Json& content) {
    if (deleting(content)) {
        return; // finalize()
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
void SnapshotContentController::finalize_content(const Json& content) {
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

} // namespace

std::unique_ptr<Controller> make_snapshot_content_controller(Controllers& core) {
    return std::make_unique<SnapshotContentController>(core);
}

} // namespace pxsim
