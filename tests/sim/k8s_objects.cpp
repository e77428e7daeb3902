#include "k8s_objects.hpp"

#include <algorithm>

#include "k8s_util.hpp"

namespace pxsim {

namespace {

void set_default(Json& object, const std::string& key, const Json& value) {
    if (!object.contains(key) || object[key].is_null()) {
        object[key] = value;
    }
}

void default_pod_spec(Json& spec, bool job) {
    if (!spec.is_object()) {
        return;
    }
    for (const char* list : {"containers", "initContainers"}) {
        if (!spec.contains(list) || !spec[list].is_array()) {
            continue;
        }
        for (Json& container : spec[list]) {
            const std::string image = container.value("image", "");
            const bool latest = image.find(':') == std::string::npos ||
                                (image.size() >= 7 && image.substr(image.size() - 7) == ":latest");
            set_default(container, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
            set_default(container, "resources", Json::object());
            set_default(container, "terminationMessagePath", "/dev/termination-log");
            set_default(container, "terminationMessagePolicy", "File");
            if (container.contains("ports") && container["ports"].is_array()) {
                for (Json& port : container["ports"]) {
                    set_default(port, "protocol", "TCP");
                }
            }
        }
    }
    set_default(spec, "dnsPolicy", "ClusterFirst");
    if (!job) {
        set_default(spec, "restartPolicy", "Always");
    }
    set_default(spec, "schedulerName", "default-scheduler");
    set_default(spec, "securityContext", Json::object());
    set_default(spec, "terminationGracePeriodSeconds", 30);
}

void default_template(Json& spec, bool job) {
    if (!spec.contains("template") || !spec["template"].is_object()) {
        return;
    }
    Json& pod_template = spec["template"];
    set_default(pod_template, "metadata", Json::object());
    if (!pod_template["metadata"].contains("creationTimestamp")) {
        pod_template["metadata"]["creationTimestamp"] = nullptr;
    }
    if (pod_template.contains("spec")) {
        default_pod_spec(pod_template["spec"], job);
    }
}

void add_finalizer(Json& object, const std::string& finalizer) {
    Json& finalizers = object["metadata"]["finalizers"];
    if (!finalizers.is_array()) {
        finalizers = Json::array();
    }
    for (const Json& existing : finalizers) {
        if (existing == finalizer) {
            return;
        }
    }
    finalizers.push_back(finalizer);
}

const Json* find(const Json& object, const std::string& pointer) {
    const Json::json_pointer path(pointer);
    if (!object.contains(path)) {
        return nullptr;
    }
    const Json& value = object[path];
    return value.is_null() ? nullptr : &value;
}

bool empty_value(const Json* value) {
    return value == nullptr || (value->is_array() && value->empty()) ||
           (value->is_object() && value->empty()) ||
           (value->is_string() && value->get<std::string>().empty());
}

void require(std::vector<FieldCause>& causes, const Json& object, const std::string& pointer,
             const std::string& field) {
    if (empty_value(find(object, pointer))) {
        causes.push_back({"FieldValueRequired", field, "Required value"});
    }
}

void validate_workload(std::vector<FieldCause>& causes, const Json& object, bool job) {
    if (!job) {
        require(causes, object, "/spec/selector", "spec.selector");
    }
    const Json* selector = find(object, "/spec/selector");
    const Json* labels = find(object, "/spec/template/metadata/labels");
    if (selector != nullptr && !empty_value(selector)) {
        if (!labels_match(selector_from_json(*selector), labels ? *labels : Json::object())) {
            causes.push_back({"FieldValueInvalid", "spec.template.metadata.labels",
                              "Invalid value: " + (labels ? labels->dump() : "null") +
                                  ": `selector` does not match template `labels`"});
        }
    } else if (!job) {
        causes.push_back({"FieldValueInvalid", "spec.template.metadata.labels",
                          "Invalid value: " + (labels ? labels->dump() : "null") +
                              ": `selector` does not match template `labels`"});
    }
    const Json* containers = find(object, "/spec/template/spec/containers");
    if (empty_value(containers)) {
        causes.push_back({"FieldValueRequired", "spec.template.spec.containers", "Required value"});
    } else {
        for (std::size_t i = 0; i < containers->size(); ++i) {
            const std::string field = "spec.template.spec.containers[" + std::to_string(i) + "]";
            if ((*containers)[i].value("name", "").empty()) {
                causes.push_back({"FieldValueRequired", field + ".name", "Required value"});
            }
            if ((*containers)[i].value("image", "").empty()) {
                causes.push_back({"FieldValueRequired", field + ".image", "Required value"});
            }
        }
    }
    if (job) {
        const Json* policy = find(object, "/spec/template/spec/restartPolicy");
        if (policy == nullptr || (*policy != "OnFailure" && *policy != "Never")) {
            causes.push_back({"FieldValueRequired", "spec.template.spec.restartPolicy",
                              "Required value: valid values: \"OnFailure\", \"Never\""});
        }
    }
}

} // namespace

void apply_spec_defaults(const ResourceType& type, Json& object) {
    if (!object.contains("spec") || !object["spec"].is_object()) {
        if (type.kind == "Deployment" || type.kind == "StatefulSet" || type.kind == "Job" ||
            type.kind == "Pod" || type.kind == "ReplicaSet") {
            object["spec"] = Json::object();
        } else {
            return;
        }
    }
    Json& spec = object["spec"];
    if (type.kind == "Deployment") {
        set_default(spec, "replicas", 1);
        set_default(spec, "progressDeadlineSeconds", 600);
        set_default(spec, "revisionHistoryLimit", 10);
        set_default(spec, "strategy", Json{{"type", "RollingUpdate"}});
        if (spec["strategy"].value("type", "") == "RollingUpdate") {
            set_default(spec["strategy"], "rollingUpdate",
                        Json{{"maxSurge", "25%"}, {"maxUnavailable", "25%"}});
        }
        default_template(spec, false);
    } else if (type.kind == "ReplicaSet") {
        set_default(spec, "replicas", 1);
        default_template(spec, false);
    } else if (type.kind == "StatefulSet") {
        set_default(spec, "replicas", 1);
        set_default(spec, "podManagementPolicy", "OrderedReady");
        set_default(spec, "revisionHistoryLimit", 10);
        set_default(spec, "updateStrategy",
                    Json{{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}});
        set_default(spec, "persistentVolumeClaimRetentionPolicy",
                    Json{{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}});
        if (spec.contains("volumeClaimTemplates") && spec["volumeClaimTemplates"].is_array()) {
            for (Json& claim : spec["volumeClaimTemplates"]) {
                set_default(claim, "apiVersion", "v1");
                set_default(claim, "kind", "PersistentVolumeClaim");
                set_default(claim, "metadata", Json::object());
                if (!claim["metadata"].contains("creationTimestamp")) {
                    claim["metadata"]["creationTimestamp"] = nullptr;
                }
                set_default(claim, "spec", Json::object());
                set_default(claim["spec"], "volumeMode", "Filesystem");
                set_default(claim, "status", Json{{"phase", "Pending"}});
            }
        }
        default_template(spec, false);
    } else if (type.kind == "Job") {
        set_default(spec, "backoffLimit", 6);
        set_default(spec, "completionMode", "NonIndexed");
        set_default(spec, "completions", 1);
        set_default(spec, "parallelism", 1);
        set_default(spec, "suspend", false);
        default_template(spec, true);
    } else if (type.kind == "Pod") {
        default_pod_spec(spec, false);
    } else if (type.kind == "PersistentVolumeClaim") {
        set_default(spec, "volumeMode", "Filesystem");
    } else if (type.kind == "PersistentVolume") {
        set_default(spec, "volumeMode", "Filesystem");
        set_default(spec, "persistentVolumeReclaimPolicy", "Retain");
    }
}

void apply_create_defaults(const ResourceType& type, Json& object,
                           const std::function<std::string()>& cluster_ip) {
    Json& metadata = object["metadata"];
    apply_spec_defaults(type, object);
    if (type.has_status && type.kind != "VolumeSnapshot" && type.kind != "VolumeSnapshotContent") {
        object["status"] = Json::object(); // status is the controllers' to write
    }
    if (type.kind == "Namespace") {
        metadata["labels"]["kubernetes.io/metadata.name"] = metadata["name"];
        // Finalizers the client asked for are kept; "kubernetes" is always there (the
        // namespace controller removes it once the namespace is empty).
        Json& finalizers = object["spec"]["finalizers"];
        if (!finalizers.is_array()) {
            finalizers = Json::array();
        }
        if (std::find(finalizers.begin(), finalizers.end(), Json("kubernetes")) ==
            finalizers.end()) {
            finalizers.push_back("kubernetes");
        }
        object["status"] = {{"phase", "Active"}};
    } else if (type.kind == "PersistentVolumeClaim") {
        add_finalizer(object, "kubernetes.io/pvc-protection");
        object["status"] = {{"phase", "Pending"}};
    } else if (type.kind == "PersistentVolume") {
        add_finalizer(object, "kubernetes.io/pv-protection");
        object["status"] = {{"phase", "Pending"}};
    } else if (type.kind == "Pod") {
        object["status"] = {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
    } else if (type.kind == "Service") {
        Json& spec = object["spec"];
        set_default(spec, "type", "ClusterIP");
        set_default(spec, "sessionAffinity", "None");
        if (spec.value("clusterIP", "") != "None") {
            spec["clusterIP"] = cluster_ip();
        }
        spec["clusterIPs"] = Json::array({spec["clusterIP"]});
        set_default(spec, "internalTrafficPolicy", "Cluster");
        set_default(spec, "ipFamilies", Json::array({"IPv4"}));
        set_default(spec, "ipFamilyPolicy", "SingleStack");
        if (spec.contains("ports") && spec["ports"].is_array()) {
            for (Json& port : spec["ports"]) {
                set_default(port, "protocol", "TCP");
                set_default(port, "targetPort", port.value("port", 0));
            }
        }
        object["status"] = {{"loadBalancer", Json::object()}};
    } else if (type.kind == "Job") {
        // The job controller's selector and labels, as 1.26 sets them.
        const std::string uid = metadata.value("uid", "");
        Json& spec = object["spec"];
        if (!spec.contains("selector")) {
            spec["selector"] = {{"matchLabels", {{"controller-uid", uid}}}};
            spec["template"]["metadata"]["labels"]["controller-uid"] = uid;
            spec["template"]["metadata"]["labels"]["job-name"] = metadata["name"];
        }
    } else if (type.kind == "StorageClass") {
        set_default(object, "reclaimPolicy", "Delete");
        set_default(object, "volumeBindingMode", "Immediate");
    } else if (type.kind == "Secret") {
        set_default(object, "type", "Opaque");
        if (object.contains("stringData") && object["stringData"].is_object()) {
            for (const auto& [key, value] : object["stringData"].items()) {
                object["data"][key] = base64_encode(value.get<std::string>());
            }
            object.erase("stringData");
        }
    } else if (type.kind == "VolumeSnapshot") {
        object.erase("status");
    }
}

std::vector<FieldCause> validate_object(const ResourceType& type, const Json& object) {
    std::vector<FieldCause> causes;
    const std::string name = object["metadata"].value("name", "");
    const bool label_names = type.kind == "Namespace" || type.kind == "Service";
    if (name.empty()) {
        causes.push_back({"FieldValueRequired", "metadata.name",
                          "Required value: name or generateName is required"});
    } else if (const auto problem =
                   label_names ? validate_dns_label(name) : validate_dns_subdomain(name)) {
        causes.push_back(
            {"FieldValueInvalid", "metadata.name", "Invalid value: \"" + name + "\": " + *problem});
    }
    if (type.kind == "PersistentVolumeClaim") {
        require(causes, object, "/spec/accessModes", "spec.accessModes");
        if (find(object, "/spec/resources/requests/storage") == nullptr) {
            causes.push_back({"FieldValueRequired", "spec.resources[storage]", "Required value"});
        }
    } else if (type.kind == "PersistentVolume") {
        require(causes, object, "/spec/accessModes", "spec.accessModes");
        if (find(object, "/spec/capacity/storage") == nullptr) {
            causes.push_back({"FieldValueRequired", "spec.capacity", "Required value"});
        }
        bool has_source = false;
        for (const char* source : {"csi", "portworxVolume", "hostPath", "local", "nfs"}) {
            has_source = has_source || find(object, std::string("/spec/") + source) != nullptr;
        }
        if (!has_source) {
            causes.push_back(
                {"FieldValueRequired", "spec", "Required value: must specify a volume type"});
        }
    } else if (type.kind == "Deployment" || type.kind == "StatefulSet" ||
               type.kind == "ReplicaSet") {
        validate_workload(causes, object, false);
    } else if (type.kind == "Job") {
        validate_workload(causes, object, true);
    } else if (type.kind == "Pod") {
        require(causes, object, "/spec/containers", "spec.containers");
    } else if (type.kind == "Service") {
        if (find(object, "/spec/clusterIP") == nullptr || object["spec"]["clusterIP"] != "None") {
            require(causes, object, "/spec/ports", "spec.ports");
        }
    } else if (type.kind == "StorageClass") {
        require(causes, object, "/provisioner", "provisioner");
    } else if (type.kind == "VolumeSnapshotClass") {
        require(causes, object, "/driver", "driver");
        require(causes, object, "/deletionPolicy", "deletionPolicy");
    } else if (type.kind == "VolumeSnapshot") {
        require(causes, object, "/spec/source", "spec.source");
        const Json* source = find(object, "/spec/source");
        if (source != nullptr && source->is_object() &&
            source->contains("persistentVolumeClaimName") ==
                source->contains("volumeSnapshotContentName")) {
            causes.push_back({"FieldValueInvalid", "spec.source",
                              "Invalid value: \"object\": Exactly one of "
                              "persistentVolumeClaimName and volumeSnapshotContentName should "
                              "be specified"});
        }
    } else if (type.kind == "VolumeSnapshotContent") {
        require(causes, object, "/spec/driver", "spec.driver");
        require(causes, object, "/spec/source", "spec.source");
        require(causes, object, "/spec/volumeSnapshotRef", "spec.volumeSnapshotRef");
    }
    return causes;
}

std::vector<FieldCause> validate_update(const ResourceType& type, const Json& before,
                                        const Json& after) {
    std::vector<FieldCause> causes;
    const auto immutable = [&](const std::string& pointer, const std::string& field,
                               const std::string& message) {
        const Json* old_value = find(before, pointer);
        const Json* new_value = find(after, pointer);
        const Json none;
        if ((old_value ? *old_value : none) != (new_value ? *new_value : none)) {
            causes.push_back({"FieldValueForbidden", field, message});
        }
    };
    if (type.kind == "PersistentVolumeClaim") {
        Json old_spec = before.value("spec", Json::object());
        Json new_spec = after.value("spec", Json::object());
        old_spec.erase("resources");
        new_spec.erase("resources");
        if (old_spec.value("volumeName", "").empty()) {
            old_spec.erase("volumeName");
            new_spec.erase("volumeName");
        }
        if (old_spec != new_spec) {
            causes.push_back({"FieldValueForbidden", "spec",
                              "Forbidden: spec is immutable after creation except "
                              "resources.requests for bound claims"});
        }
    } else if (type.kind == "Deployment" || type.kind == "StatefulSet" ||
               type.kind == "ReplicaSet") {
        immutable("/spec/selector", "spec.selector", "Invalid value: field is immutable");
    } else if (type.kind == "Job") {
        immutable("/spec/selector", "spec.selector", "Invalid value: field is immutable");
        immutable("/spec/template", "spec.template", "Invalid value: field is immutable");
    } else if (type.kind == "VolumeSnapshot") {
        immutable("/spec/source", "spec.source",
                  "Invalid value: \"object\": spec.source is immutable");
    } else if (type.kind == "StorageClass") {
        immutable("/provisioner", "provisioner",
                  "Forbidden: updates to provisioner are forbidden.");
        immutable("/parameters", "parameters", "Forbidden: updates to parameters are forbidden.");
    } else if (type.kind == "PersistentVolume") {
        immutable("/spec/csi", "spec.persistentvolumesource",
                  "Forbidden: spec.persistentvolumesource is immutable after creation");
    }
    return causes;
}

} // namespace pxsim
