#include "controllers/controller_util.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace pxsim {

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

Json at(const Json& object, const std::string& pointer, const Json& fallback) {
    const Json::json_pointer path(pointer);
    return object.contains(path) && !object[path].is_null() ? object[path] : fallback;
}

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

void omit_zero(Json& status, const std::vector<std::string>& fields) {
    for (const std::string& field : fields) {
        if (status.contains(field) && status[field] == 0) {
            status.erase(field);
        }
    }
}

Json pod_from_template(const Json& pod_template, const std::string& ns) {
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", at(pod_template, "/metadata", Json::object())},
                {"spec", at(pod_template, "/spec", Json::object())}};
    pod["metadata"].erase("creationTimestamp");
    pod["metadata"]["namespace"] = ns;
    return pod;
}

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

bool mutate(Store& store, const ResourceType& type, const std::string& ns, const std::string& name,
            const std::function<bool(Json&)>& change) {
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

void remove_finalizer(Store& store, const ResourceType& type, const Json& object,
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

void api_delete(K8sApi& api, const ResourceType& type, const Json& object,
                const std::string& policy) {
    api.handle(
        api_request(
            "DELETE", type.collection_path(ns_of(object)) + "/" + name_of(object),
            {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", policy}}),
        true);
}

std::optional<Json> api_create(K8sApi& api, const ResourceType& type, const Json& object) {
    const auto outcome =
        api.handle(api_request("POST", type.collection_path(ns_of(object)), object), true);
    if (outcome.reply.status != 201) {
        return std::nullopt;
    }
    return Json::parse(outcome.reply.body);
}

} // namespace pxsim
