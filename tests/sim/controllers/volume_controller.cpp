// kube-controller-manager's PersistentVolume binder and the Portworx CSI external-provisioner:
// claims bind to their volumes or get one provisioned (empty, or cloned from a VolumeSnapshot's
// Portworx snapshot); released volumes of policy Delete are reclaimed; the pvc- and
// pv-protection finalizers.
#include <algorithm>
#include <map>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class VolumeController final : public Controller {
public:
    explicit VolumeController(Controllers& core)
        : Controller(core, {"PersistentVolumeClaim", "PersistentVolume"}) {}

    void reconcile(const ResourceType& type, const Json& object) override {
        if (type.kind == "PersistentVolumeClaim") {
            reconcile_pvc(object);
        } else if (type.kind == "PersistentVolume") {
            reconcile_pv(object);
        }
    }

    bool finalize(const ResourceType& type, const Json& object,
                  const std::string& finalizer) override {
        if (finalizer == "kubernetes.io/pvc-protection") {
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
            return true;
        }
        if (finalizer == "kubernetes.io/pv-protection") {
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
            return true;
        }
        return false;
    }

    void deleted(const ResourceType& type, const Json& object) override {
        if (type.kind == "PersistentVolumeClaim") {
            const std::string pv = at(object, "/spec/volumeName", "");
            if (!pv.empty()) {
                requeue(k_pvs(), "", pv);
            }
            if (at(object, "/spec/dataSource/kind", "") == "VolumeSnapshot") {
                requeue(k_snapshots(), ns_of(object), at(object, "/spec/dataSource/name", ""));
            }
        } else if (type.kind == "PersistentVolume") {
            const std::string uid = uid_of(object);
            const std::string handle = volume_handle(object);
            const std::string key = "reclaimed/" + uid;
            if (!handle.empty() &&
                at(object, "/spec/persistentVolumeReclaimPolicy", "") == "Delete" &&
                at(object, "/spec/csi/driver", k_portworx) == k_portworx &&
                m_pending.insert(key).second) {
                in_background([this, handle] { m_px.delete_volume(handle); });
            }
        }
    }

private:
    void reconcile_pvc(const Json& pvc);
    void reconcile_pv(const Json& pv);
};

void VolumeController::reconcile_pvc(const Json& pvc) {
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

void VolumeController::reconcile_pv(const Json& pv) {
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

} // namespace

std::unique_ptr<Controller> make_volume_controller(Controllers& core) {
    return std::make_unique<VolumeController>(core);
}

} // namespace pxsim
