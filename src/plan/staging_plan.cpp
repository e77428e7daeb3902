#include "pxclone/plan/staging_plan.hpp"

#include "pxclone/k8s/readiness.hpp"
#include "pxclone/plan/permissions.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/plan/source_volumes.hpp"
#include "pxclone/util/base64.hpp"
#include "pxclone/util/quantity.hpp"
#include "pxclone/util/text.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <set>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

using nlohmann::json;

constexpr std::string_view k_mask_suffix = "mask";
constexpr std::string_view k_mask_mount = "/masking";
constexpr std::string_view k_data_mount = "/data";
// A ConfigMap is stored in etcd whole; the API server refuses objects over about 1 MiB.
constexpr std::size_t k_max_config_map_bytes = 1000 * 1000;

// Namespaced kinds pxclone applies from manifests beyond k8s::known_resources(): enough for an
// application's usual objects. The version is taken from each object's apiVersion.
const std::vector<k8s::Resource>& manifest_resources() {
    static const std::vector<k8s::Resource> k_resources = [] {
        std::vector<k8s::Resource> resources;
        for (const auto& resource : k8s::known_resources()) {
            if (resource.namespaced && resource.kind != "Event") {
                resources.push_back(resource);
            }
        }
        const std::vector<k8s::Resource> extra{
            {"", "v1", "serviceaccounts", "ServiceAccount", true},
            {"", "v1", "limitranges", "LimitRange", true},
            {"", "v1", "resourcequotas", "ResourceQuota", true},
            {"apps", "v1", "daemonsets", "DaemonSet", true},
            {"apps", "v1", "replicasets", "ReplicaSet", true},
            {"batch", "v1", "cronjobs", "CronJob", true},
            {"rbac.authorization.k8s.io", "v1", "roles", "Role", true},
            {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true},
            {"networking.k8s.io", "v1", "ingresses", "Ingress", true},
            {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true},
            {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true},
        };
        resources.insert(resources.end(), extra.begin(), extra.end());
        return resources;
    }();
    return k_resources;
}

// Kinds known to be cluster-scoped, for a precise refusal.
constexpr std::array<std::string_view, 18> k_cluster_scoped_kinds{
    "Namespace",
    "PersistentVolume",
    "StorageClass",
    "VolumeSnapshotClass",
    "VolumeSnapshotContent",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "Node",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "APIService",
    "CSIDriver",
    "RuntimeClass",
    "PodSecurityPolicy",
};

constexpr std::array<std::string_view, 7> k_workload_kinds{
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"};

// Tolerant readers: manifests are user input, and a field of an unexpected type must lead to a
// problem message or be ignored, never to a JSON type_error.
const json& member(const json& object, const char* key) {
    static const json k_null;
    if (!object.is_object()) {
        return k_null;
    }
    const auto it = object.find(key);
    return it == object.end() ? k_null : *it;
}

std::string text_of(const json& object, const char* key, std::string fallback = {}) {
    const auto& value = member(object, key);
    return value.is_string() ? value.get<std::string>() : fallback;
}

bool is_workload(std::string_view kind) {
    return std::find(k_workload_kinds.begin(), k_workload_kinds.end(), kind) !=
           k_workload_kinds.end();
}

// Where a workload keeps its pod spec.
std::optional<json::json_pointer> pod_spec_pointer(std::string_view kind) {
    if (kind == "Pod") {
        return json::json_pointer("/spec");
    }
    if (kind == "CronJob") {
        return json::json_pointer("/spec/jobTemplate/spec/template/spec");
    }
    if (is_workload(kind)) {
        return json::json_pointer("/spec/template/spec");
    }
    return std::nullopt;
}

std::optional<Predicate> workload_predicate(std::string_view kind) {
    if (kind == "Deployment" || kind == "StatefulSet") {
        return Predicate::rolled_out;
    }
    if (kind == "Job") {
        return Predicate::complete;
    }
    return std::nullopt;
}

std::pair<std::string, std::string> split_api_version(const std::string& api_version) {
    const auto slash = api_version.find('/');
    if (slash == std::string::npos) {
        return {"", api_version};
    }
    return {api_version.substr(0, slash), api_version.substr(slash + 1)};
}

json to_json_map(const Labels& labels) {
    auto out = json::object();
    for (const auto& [key, value] : labels) {
        out[key] = value;
    }
    return out;
}

// Adds pxclone's labels and annotations to an object's metadata (its own are kept; pxclone's
// win on a clash, since they are what teardown relies on).
void add_lineage(json& object, const Lineage& lineage) {
    auto& metadata = object["metadata"];
    for (const auto& [key, value] : kubernetes_labels(lineage)) {
        metadata["labels"][key] = value;
    }
    for (const auto& [key, value] : kubernetes_annotations(lineage)) {
        metadata["annotations"][key] = value;
    }
}

PlannedObject planned(std::string_view kind, json object) {
    const auto& resource = k8s::resource_of(kind);
    object["apiVersion"] = resource.api_version();
    object["kind"] = resource.kind;
    return {resource, std::move(object)};
}

json metadata(const std::string& name, const std::string& namespace_name, const Lineage& lineage) {
    json out{{"name", name},
             {"labels", to_json_map(kubernetes_labels(lineage))},
             {"annotations", to_json_map(kubernetes_annotations(lineage))}};
    if (!namespace_name.empty()) {
        out["namespace"] = namespace_name;
    }
    return out;
}

std::string storage_class_for(const profile::Profile& profile, const SnapshotSetVolume& volume) {
    return profile.staging.storage_class.empty() ? volume.storage_class
                                                 : profile.staging.storage_class;
}

json access_modes_of(const SnapshotSetVolume& volume) {
    return volume.access_modes.empty() ? json::array({"ReadWriteOnce"}) : json(volume.access_modes);
}

json pvc_object(const std::string& name, const std::string& namespace_name, const Lineage& lineage,
                const std::string& storage_class, const SnapshotSetVolume& volume) {
    json spec{
        {"accessModes", access_modes_of(volume)},
        {"resources", {{"requests", {{"storage", util::format_quantity(volume.size_bytes)}}}}}};
    // An empty class means the PV has none; "" must be sent, or the default class would be used.
    spec["storageClassName"] = storage_class;
    return json{{"metadata", metadata(name, namespace_name, lineage)}, {"spec", std::move(spec)}};
}

StagingVolume portworx_volume(const profile::Profile& profile, const Lineage& lineage,
                              const std::string& staging_namespace, StagingVolume volume,
                              const SnapshotSetVolume& source) {
    const auto pv_name = object_name(lineage.profile, lineage.run, volume.staging_pvc);
    const auto storage_class = storage_class_for(profile, source);
    // The clone is a Portworx volume beside the snapshot; its name must differ from the
    // snapshot's (object_name(profile, set, source pvc)), which it would not for `--fresh`
    // with identical PVC names, hence the "clone-" prefix.
    volume.clone = px::CloneRequest{
        .name = object_name(lineage.profile, lineage.run, "clone-" + volume.staging_pvc),
        .parent_id = source.snapshot_id,
        .additional_labels = portworx_labels(lineage),
    };
    json csi{{"driver", k_portworx_csi_driver}, {"volumeHandle", k_clone_id_placeholder}};
    if (!source.fs_type.empty()) {
        csi["fsType"] = source.fs_type;
    }
    json pv{{"metadata", metadata(pv_name, "", lineage)},
            {"spec",
             {{"capacity", {{"storage", util::format_quantity(source.size_bytes)}}},
              {"accessModes", access_modes_of(source)},
              {"persistentVolumeReclaimPolicy", "Delete"},
              {"storageClassName", storage_class},
              {"csi", std::move(csi)},
              {"claimRef",
               {{"apiVersion", "v1"},
                {"kind", "PersistentVolumeClaim"},
                {"namespace", staging_namespace},
                {"name", volume.staging_pvc}}}}}};
    auto pvc = pvc_object(volume.staging_pvc, staging_namespace, lineage, storage_class, source);
    pvc["spec"]["volumeName"] = pv_name;
    volume.objects.push_back(planned("PersistentVolume", std::move(pv)));
    volume.objects.push_back(planned("PersistentVolumeClaim", std::move(pvc)));
    return volume;
}

StagingVolume csi_volume(const profile::Profile& profile, const Lineage& lineage,
                         const std::string& staging_namespace, StagingVolume volume,
                         const SnapshotSetVolume& source) {
    const auto content_name = object_name(lineage.profile, lineage.run, volume.staging_pvc);
    // The VolumeSnapshot in the staging namespace is named like the PVC it feeds: the namespace
    // is private to the run, so the name cannot collide.
    const auto& snapshot_name = volume.staging_pvc;
    json content_spec{
        {"driver", k_portworx_csi_driver},
        // Retain: deleting the staging copy must never delete the production snapshot behind it.
        {"deletionPolicy", "Retain"},
        {"source", {{"snapshotHandle", source.snapshot_id}}},
        {"volumeSnapshotRef", {{"namespace", staging_namespace}, {"name", snapshot_name}}}};
    if (!profile.snapshot.snapshot_class.empty()) {
        content_spec["volumeSnapshotClassName"] = profile.snapshot.snapshot_class;
    }
    json content{{"metadata", metadata(content_name, "", lineage)},
                 {"spec", std::move(content_spec)}};
    json snapshot_spec{{"source", {{"volumeSnapshotContentName", content_name}}}};
    if (!profile.snapshot.snapshot_class.empty()) {
        snapshot_spec["volumeSnapshotClassName"] = profile.snapshot.snapshot_class;
    }
    json snapshot{{"metadata", metadata(snapshot_name, staging_namespace, lineage)},
                  {"spec", std::move(snapshot_spec)}};
    // The request equals the snapshot's size, which is at least its restoreSize.
    auto pvc = pvc_object(volume.staging_pvc, staging_namespace, lineage,
                          storage_class_for(profile, source), source);
    pvc["spec"]["dataSource"] = {{"apiGroup", "snapshot.storage.k8s.io"},
                                 {"kind", "VolumeSnapshot"},
                                 {"name", snapshot_name}};
    volume.clone_id = snapshot_name;
    volume.bound_pv_labels = kubernetes_labels(lineage);
    volume.bound_volume_labels = portworx_labels(lineage);
    volume.objects.push_back(planned("VolumeSnapshotContent", std::move(content)));
    volume.objects.push_back(planned("VolumeSnapshot", std::move(snapshot)));
    volume.objects.push_back(planned("PersistentVolumeClaim", std::move(pvc)));
    return volume;
}

// Collects problems with their place.
class Problems {
public:
    explicit Problems(std::string profile_file) : m_profile_file(std::move(profile_file)) {}

    void profile(std::string path, std::string message) {
        m_list.push_back({m_profile_file, 0, 0, std::move(path), std::move(message)});
    }
    void manifest(const std::string& file, const profile::ManifestObject& object, std::string path,
                  std::string message) {
        m_list.push_back({file, object.line, object.column, std::move(path), std::move(message)});
    }
    std::vector<profile::Diagnostic>& list() { return m_list; }

private:
    std::string m_profile_file;
    std::vector<profile::Diagnostic> m_list;
};

struct ManifestContext {
    std::string staging_namespace;
    std::set<std::string> staging_pvcs;
    std::set<std::string> manifest_pvcs;  // PVCs the manifests define themselves
    std::set<std::string> reserved_names; // "Kind/name" of objects pxclone generates
    std::set<std::string> used_images;    // container names whose image was overridden
};

std::string describe_claims(const std::set<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : ", ") + name;
    }
    return out.empty() ? "none" : out;
}

// Resolves kind and apiVersion to a resource the manifest may use; reports otherwise.
std::optional<k8s::Resource> manifest_resource(const std::string& file,
                                               const profile::ManifestObject& entry,
                                               Problems& problems) {
    const auto kind = text_of(entry.object, "kind");
    const auto [group, version] = split_api_version(text_of(entry.object, "apiVersion"));
    if (std::find(k_cluster_scoped_kinds.begin(), k_cluster_scoped_kinds.end(), kind) !=
        k_cluster_scoped_kinds.end()) {
        problems.manifest(file, entry, "kind",
                          fmt::format("{} is cluster-scoped; staging manifests may only hold "
                                      "namespaced objects, which pxclone confines to the staging "
                                      "namespace and removes with it",
                                      kind));
        return std::nullopt;
    }
    const auto& resources = manifest_resources();
    const auto found = std::find_if(resources.begin(), resources.end(),
                                    [&](const k8s::Resource& r) { return r.kind == kind; });
    if (found == resources.end()) {
        std::string known;
        for (const auto& resource : resources) {
            known += (known.empty() ? "" : ", ") + resource.kind;
        }
        problems.manifest(file, entry, "kind",
                          fmt::format("pxclone does not know kind {} and cannot tell whether it is "
                                      "namespaced, so it does not apply it (known kinds: {})",
                                      kind, known));
        return std::nullopt;
    }
    if (group != found->group) {
        problems.manifest(file, entry, "apiVersion",
                          fmt::format("{} is served by {}/..., not by {}", kind,
                                      found->group.empty() ? "v1 (core)" : found->group,
                                      text_of(entry.object, "apiVersion")));
        return std::nullopt;
    }
    auto resource = *found;
    resource.version = version;
    return resource;
}

// Image overrides and claim checks over one pod spec.
void process_pod_spec(json& pod_spec, const std::string& file, const profile::ManifestObject& entry,
                      const std::string& where, const profile::Profile& profile,
                      ManifestContext& context, Problems& problems) {
    for (const char* list : {"initContainers", "containers"}) {
        if (!pod_spec.contains(list) || !pod_spec[list].is_array()) {
            continue;
        }
        for (auto& container : pod_spec[list]) {
            if (!container.is_object()) {
                continue;
            }
            const auto name = text_of(container, "name");
            if (const auto image = profile.staging.images.find(name);
                image != profile.staging.images.end()) {
                container["image"] = image->second;
                context.used_images.insert(name);
            }
        }
    }
    if (!pod_spec.contains("volumes") || !pod_spec["volumes"].is_array()) {
        return;
    }
    for (std::size_t i = 0; i < pod_spec["volumes"].size(); ++i) {
        const auto& volume = pod_spec["volumes"][i];
        if (!volume.contains("persistentVolumeClaim")) {
            continue;
        }
        const auto claim = text_of(member(volume, "persistentVolumeClaim"), "claimName");
        if (!context.staging_pvcs.contains(claim) && !context.manifest_pvcs.contains(claim)) {
            problems.manifest(
                file, entry,
                fmt::format("{}.volumes[{}].persistentVolumeClaim.claimName", where, i),
                fmt::format("claim '{}' is not a staging PVC (staging PVCs: {}); map its source "
                            "PVC to it in staging.volumes",
                            claim, describe_claims(context.staging_pvcs)));
        }
    }
}

// A StatefulSet's claim templates are acceptable only when every claim they stand for already
// exists as a staging PVC (the StatefulSet then adopts it instead of provisioning an empty one).
void check_claim_templates(const json& object, const std::string& file,
                           const profile::ManifestObject& entry, const ManifestContext& context,
                           Problems& problems) {
    const auto& spec = member(object, "spec");
    if (!spec.contains("volumeClaimTemplates") || !spec["volumeClaimTemplates"].is_array()) {
        return;
    }
    const auto& replicas_member = member(spec, "replicas");
    const auto& start_member = member(member(spec, "ordinals"), "start");
    const auto replicas_value = replicas_member.is_null() ? json(1) : replicas_member;
    const auto start_value = start_member.is_null() ? json(0) : start_member;
    if (!replicas_value.is_number_integer() || !start_value.is_number_integer()) {
        problems.manifest(file, entry, "spec.replicas",
                          "replicas and ordinals.start must be whole numbers");
        return;
    }
    const auto replicas = replicas_value.get<std::int64_t>();
    const auto start = start_value.get<std::int64_t>();
    const auto set_name = text_of(member(object, "metadata"), "name");
    const auto& templates = spec["volumeClaimTemplates"];
    for (std::size_t i = 0; i < templates.size(); ++i) {
        const auto template_name = text_of(member(templates[i], "metadata"), "name");
        std::vector<std::string> missing;
        for (std::int64_t ordinal = start; ordinal < start + replicas && missing.size() < 5;
             ++ordinal) {
            const auto claim = fmt::format("{}-{}-{}", template_name, set_name, ordinal);
            if (!context.staging_pvcs.contains(claim)) {
                missing.push_back(claim);
            }
        }
        if (!missing.empty()) {
            std::string names;
            for (const auto& name : missing) {
                names += (names.empty() ? "" : ", ") + name;
            }
            problems.manifest(
                file, entry, fmt::format("spec.volumeClaimTemplates[{}]", i),
                fmt::format("the StatefulSet would provision empty volumes for {} (not staging "
                            "PVCs); map production PVCs to these names in staging.volumes, or "
                            "mount existing claims with volumes[].persistentVolumeClaim",
                            names));
        }
    }
}

// What every object of a manifest must be wherever manifests are read (validate, deploy-staging,
// restore): `resource` is nullopt when nothing more can be said about it; `ok` is false when a
// problem was added.
struct ObjectCheck {
    std::optional<k8s::Resource> resource;
    std::string name;
    bool ok = true;
};

ObjectCheck check_object(const std::string& file, const profile::ManifestObject& entry,
                         const std::string& staging_namespace, Problems& problems) {
    ObjectCheck check;
    const auto& object = entry.object;
    if (!member(object, "metadata").is_object()) {
        problems.manifest(file, entry, "metadata", "metadata must be a mapping with a name");
        check.ok = false;
        return check;
    }
    const auto& meta = object["metadata"];
    for (const char* key : {"labels", "annotations"}) {
        const auto& value = member(meta, key);
        const bool strings =
            value.is_null() ||
            (value.is_object() &&
             std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); }));
        if (!strings) {
            problems.manifest(file, entry, fmt::format("metadata.{}", key),
                              fmt::format("{} must map keys to strings (quote numbers and "
                                          "booleans)",
                                          key));
            check.ok = false;
        }
    }
    check.name =
        meta.contains("name") && meta["name"].is_string() ? meta["name"].get<std::string>() : "";
    if (check.name.empty()) {
        problems.manifest(file, entry, "metadata.name",
                          "the object has no name (generateName is not supported: a re-run "
                          "could not find the object again)");
        check.ok = false;
    }
    if (meta.contains("namespace")) {
        const auto& value = meta["namespace"];
        if (!value.is_string() || value.get<std::string>() != staging_namespace) {
            problems.manifest(
                file, entry, "metadata.namespace",
                fmt::format("names namespace {}; staging manifests go into the staging namespace "
                            "'{}' (leave metadata.namespace out)",
                            value.dump(), staging_namespace));
            check.ok = false;
        }
    }
    check.resource = manifest_resource(file, entry, problems);
    check.ok = check.ok && check.resource.has_value();
    return check;
}

std::optional<PlannedObject> process_manifest_object(const std::string& file,
                                                     const profile::ManifestObject& entry,
                                                     const profile::Profile& profile,
                                                     const Lineage& lineage,
                                                     ManifestContext& context, Problems& problems) {
    const auto check = check_object(file, entry, context.staging_namespace, problems);
    if (!check.resource) {
        return std::nullopt;
    }
    bool ok = check.ok;
    auto object = entry.object;
    auto& meta = object["metadata"];
    const auto& name = check.name;
    const auto& resource = check.resource;
    const auto key = resource->kind + "/" + name;
    if (!name.empty() && context.reserved_names.contains(key)) {
        problems.manifest(
            file, entry, "metadata.name",
            fmt::format("{} '{}' is one pxclone creates itself; rename it", resource->kind, name));
        ok = false;
    }
    if (const auto pointer = pod_spec_pointer(resource->kind);
        pointer && object.contains(*pointer) && object[*pointer].is_object()) {
        auto where = pointer->to_string().substr(1);
        std::replace(where.begin(), where.end(), '/', '.');
        process_pod_spec(object[*pointer], file, entry, where, profile, context, problems);
    }
    if (resource->kind == "StatefulSet") {
        check_claim_templates(object, file, entry, context, problems);
    }
    if (!ok) {
        return std::nullopt;
    }
    meta["namespace"] = context.staging_namespace;
    add_lineage(object, lineage);
    return PlannedObject{*resource, std::move(object)};
}

bool is_config_map_key(std::string_view key) {
    return !key.empty() && key.size() <= 253 && key != "." && key != ".." &&
           std::all_of(key.begin(), key.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                      c == '.';
           });
}

std::optional<MaskPlan> plan_mask(const profile::Profile& profile, const Lineage& lineage,
                                  const std::string& staging_namespace,
                                  const std::vector<StagingVolume>& volumes,
                                  const std::vector<profile::ManifestFile>& manifests,
                                  const std::map<std::string, std::string>& mask_files,
                                  Problems& problems) {
    const auto& mask = *profile.staging.mask;
    MaskPlan plan;
    plan.after = mask.after;
    plan.timeout = mask.timeout;
    if (!mask.after.empty()) {
        const auto found = std::find_if(manifests.begin(), manifests.end(),
                                        [&](const auto& m) { return m.file == mask.after; });
        if (found == manifests.end()) {
            problems.profile("staging.mask.after",
                             fmt::format("'{}' is not one of staging.manifests", mask.after));
            return std::nullopt;
        }
        plan.before_stage = static_cast<std::size_t>(found - manifests.begin()) + 1;
    }
    const auto name = object_name(lineage.profile, lineage.run, k_mask_suffix);

    json pod_spec{{"restartPolicy", "Never"}};
    json container{{"name", "mask"}, {"image", mask.image}, {"command", mask.command}};
    auto env = json::array();
    for (const auto& [key, value] : mask.env) {
        env.push_back({{"name", key}, {"value", value}});
    }
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"PXCLONE_NAMESPACE", staging_namespace},
             {"PXCLONE_RUN", lineage.run},
             {"PXCLONE_SNAPSHOT_SET", lineage.snapshot_set}}) {
        if (!mask.env.contains(key)) {
            env.push_back({{"name", key}, {"value", value}});
        }
    }
    container["env"] = std::move(env);
    auto mounts = json::array();
    auto pod_volumes = json::array();

    bool ok = true;
    if (!mask.files.empty()) {
        json data = json::object();
        json binary = json::object();
        std::size_t total = 0;
        for (std::size_t i = 0; i < mask.files.size(); ++i) {
            const auto& path = mask.files[i];
            const auto key = std::filesystem::path(path).filename().string();
            const auto where = fmt::format("staging.mask.files[{}]", i);
            const auto content = mask_files.find(path);
            if (content == mask_files.end()) {
                problems.profile(where, fmt::format("the content of '{}' was not read", path));
                ok = false;
                continue;
            }
            if (!is_config_map_key(key)) {
                problems.profile(where, fmt::format("file name '{}' cannot be a ConfigMap key "
                                                    "(letters, digits, '-', '_' and '.')",
                                                    key));
                ok = false;
                continue;
            }
            if (data.contains(key) || binary.contains(key)) {
                problems.profile(where, fmt::format("another mask file is also called '{}'", key));
                ok = false;
                continue;
            }
            total += content->second.size();
            // ConfigMap data is UTF-8 text; NUL would not survive a round trip through it.
            if (util::is_valid_utf8(content->second) &&
                content->second.find('\0') == std::string::npos) {
                data[key] = content->second;
            } else {
                binary[key] = util::base64_encode(content->second);
            }
        }
        if (total > k_max_config_map_bytes) {
            problems.profile("staging.mask.files",
                             fmt::format("the mask files hold {} bytes; a ConfigMap holds at most "
                                         "{} (put large data in the image)",
                                         total, k_max_config_map_bytes));
            ok = false;
        }
        json config_map{{"metadata", metadata(name, staging_namespace, lineage)}};
        if (!data.empty()) {
            config_map["data"] = std::move(data);
        }
        if (!binary.empty()) {
            config_map["binaryData"] = std::move(binary);
        }
        plan.objects.push_back(planned("ConfigMap", std::move(config_map)));
        pod_volumes.push_back({{"name", "masking"}, {"configMap", {{"name", name}}}});
        mounts.push_back({{"name", "masking"}, {"mountPath", k_mask_mount}, {"readOnly", true}});
    }
    if (mask.after.empty()) {
        // Before any manifest: the job opens the data files itself.
        for (std::size_t i = 0; i < volumes.size(); ++i) {
            const auto volume_name = fmt::format("data-{}", i);
            pod_volumes.push_back(
                {{"name", volume_name},
                 {"persistentVolumeClaim", {{"claimName", volumes[i].staging_pvc}}}});
            mounts.push_back(
                {{"name", volume_name},
                 {"mountPath", fmt::format("{}/{}", k_data_mount, volumes[i].staging_pvc)}});
        }
    }
    if (!mounts.empty()) {
        container["volumeMounts"] = std::move(mounts);
        pod_spec["volumes"] = std::move(pod_volumes);
    }
    pod_spec["containers"] = json::array({std::move(container)});

    const auto deadline = std::chrono::ceil<std::chrono::seconds>(mask.timeout).count();
    json job{{"metadata", metadata(name, staging_namespace, lineage)},
             {"spec",
              {{"backoffLimit", 0},
               {"activeDeadlineSeconds", std::max<std::int64_t>(1, deadline)},
               {"template",
                {{"metadata", {{"labels", to_json_map(kubernetes_labels(lineage))}}},
                 {"spec", std::move(pod_spec)}}}}}};
    plan.objects.push_back(planned("Job", std::move(job)));
    plan.wait = WaitFor{k8s::resource_of("Job"), staging_namespace, name, Predicate::complete};
    if (!ok) {
        return std::nullopt;
    }
    return plan;
}

void add_services(const ManifestStage& stage, StagingReport& report) {
    for (const auto& object : stage.config) {
        if (object.resource.kind != "Service") {
            continue;
        }
        ServiceReport service{.name = object.name(), .ports = {}, .load_balancer_hostname = {}};
        const auto& ports = member(member(object.object, "spec"), "ports");
        if (!ports.is_array()) {
            continue;
        }
        for (const auto& port : ports) {
            const auto& number = member(port, "port");
            service.ports.push_back({text_of(port, "name"),
                                     number.is_number_integer() ? number.get<std::int64_t>() : 0,
                                     text_of(port, "protocol", "TCP")});
        }
        report.services.push_back(std::move(service));
    }
}

} // namespace

// ---- PlannedObject and friends -----------------------------------------------------------------

const std::string& PlannedObject::name() const {
    return object.at("metadata").at("name").get_ref<const std::string&>();
}

std::string PlannedObject::object_namespace() const {
    return text_of(member(object, "metadata"), "namespace");
}

std::string PlannedObject::label() const {
    return k8s::object_label(resource, name());
}

nlohmann::json printable(const PlannedObject& object) {
    auto out = object.object;
    if (object.resource.kind != "Secret") {
        return out;
    }
    for (const char* key : {"data", "stringData"}) {
        if (out.contains(key) && out[key].is_object()) {
            for (auto& [name, value] : out[key].items()) {
                value = "<redacted>";
            }
        }
    }
    return out;
}

std::string_view predicate_name(Predicate predicate) {
    switch (predicate) {
    case Predicate::bound:
        return "Bound";
    case Predicate::rolled_out:
        return "RolledOut";
    case Predicate::complete:
        return "Complete";
    case Predicate::ready_to_use:
        return "ReadyToUse";
    }
    return "";
}

std::string_view step_name(StepKind kind) {
    switch (kind) {
    case StepKind::create_namespace:
        return "create-namespace";
    case StepKind::make_volumes:
        return "make-volumes";
    case StepKind::wait_volumes:
        return "wait-volumes";
    case StepKind::run_mask:
        return "run-mask";
    case StepKind::apply_config:
        return "apply-config";
    case StepKind::apply_workloads:
        return "apply-workloads";
    case StepKind::wait_workloads:
        return "wait-workloads";
    case StepKind::mark_ready:
        return "mark-ready";
    }
    return "";
}

nlohmann::json ready_patch(std::string_view at) {
    return {{"metadata", {{"annotations", {{std::string(k_ready_at_key), std::string(at)}}}}}};
}

StagingVolume portworx_staging_volume(const profile::Profile& profile, const Lineage& lineage,
                                      const std::string& staging_namespace, StagingVolume volume,
                                      const SnapshotSetVolume& source) {
    return portworx_volume(profile, lineage, staging_namespace, std::move(volume), source);
}

StagingVolume csi_staging_volume(const profile::Profile& profile, const Lineage& lineage,
                                 const std::string& staging_namespace, StagingVolume volume,
                                 const SnapshotSetVolume& source) {
    return csi_volume(profile, lineage, staging_namespace, std::move(volume), source);
}

StagingVolume with_clone_id(StagingVolume volume, const std::string& clone_id) {
    volume.clone_id = clone_id;
    for (auto& object : volume.objects) {
        if (object.resource.kind == "PersistentVolume") {
            object.object["spec"]["csi"]["volumeHandle"] = clone_id;
        }
    }
    return volume;
}

std::vector<PlannedObject> StagingPlan::all_objects() const {
    std::vector<PlannedObject> out{namespace_object};
    if (role_binding) {
        out.push_back(*role_binding);
    }
    for (const auto& volume : volumes) {
        out.insert(out.end(), volume.objects.begin(), volume.objects.end());
    }
    for (const auto& step : steps) {
        if (step.kind == StepKind::run_mask && mask) {
            out.insert(out.end(), mask->objects.begin(), mask->objects.end());
        } else if (step.kind == StepKind::apply_config) {
            const auto& config = stages[step.stage].config;
            out.insert(out.end(), config.begin(), config.end());
        } else if (step.kind == StepKind::apply_workloads) {
            const auto& workloads = stages[step.stage].workloads;
            out.insert(out.end(), workloads.begin(), workloads.end());
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> env_variables(const StagingReport& report) {
    std::vector<std::pair<std::string, std::string>> out{
        {"PXCLONE_NAMESPACE", report.staging_namespace},
        {"PXCLONE_RUN", report.run},
        {"PXCLONE_SNAPSHOT_SET", report.snapshot_set},
    };
    for (const auto& service : report.services) {
        if (service.ports.empty()) {
            continue;
        }
        std::string name = "PXCLONE_SERVICE_";
        for (const char c : service.name) {
            name += std::isalnum(static_cast<unsigned char>(c)) != 0
                        ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : '_';
        }
        const auto host = service.load_balancer_hostname.empty()
                              ? fmt::format("{}.{}.svc", service.name, report.staging_namespace)
                              : service.load_balancer_hostname;
        out.emplace_back(name, fmt::format("{}:{}", host, service.ports.front().port));
    }
    return out;
}

// ---- plan_staging -------------------------------------------------------------------------------

ManifestCheck check_manifests(const profile::Profile& profile,
                              const std::vector<profile::ManifestFile>& manifests) {
    Problems problems(profile.file);
    ManifestCheck result;
    for (const auto& manifest : manifests) {
        for (const auto& entry : manifest.objects) {
            const auto check =
                check_object(manifest.file, entry, profile.staging.staging_namespace, problems);
            if (check.resource && std::none_of(result.resources.begin(), result.resources.end(),
                                               [&check](const k8s::Resource& seen) {
                                                   return seen.kind == check.resource->kind;
                                               })) {
                result.resources.push_back(*check.resource);
            }
        }
    }
    result.problems = std::move(problems.list());
    return result;
}

StagingPlanResult plan_staging(const MethodRules& method, const profile::Profile& profile,
                               Lineage lineage, const SnapshotSet& snapshot_set,
                               const std::vector<profile::ManifestFile>& manifests,
                               const std::map<std::string, std::string>& mask_files,
                               std::chrono::system_clock::time_point now) {
    Problems problems(profile.file);
    StagingPlan plan;
    plan.staging_namespace = profile.staging.staging_namespace;
    plan.expires_at = util::format_rfc3339(
        now + std::chrono::duration_cast<std::chrono::system_clock::duration>(profile.staging.ttl));
    lineage.role = Role::staging;
    lineage.snapshot_set = snapshot_set.id;
    lineage.expires_at = plan.expires_at;
    lineage.source.clear();
    plan.lineage = lineage;

    if (plan.staging_namespace == profile.source.source_namespace) {
        problems.profile("staging.namespace",
                         fmt::format("'{}' is the source namespace; staging must be another "
                                     "namespace so that production is never touched",
                                     plan.staging_namespace));
    }
    plan.namespace_object =
        planned("Namespace", json{{"metadata", metadata(plan.staging_namespace, "", lineage)}});
    plan.pooled = !profile.staging.pool.empty();
    if (const auto& account = profile.staging.role_binding) {
        // The namespace-provisioner pattern: what pxclone does in the namespace is granted there
        // only (staging_role_name), not in every namespace by a ClusterRoleBinding.
        const auto role = staging_role_name(profile);
        plan.role_binding = planned(
            "RoleBinding", json{{"metadata", metadata(role, plan.staging_namespace, lineage)},
                                {"roleRef",
                                 {{"apiGroup", "rbac.authorization.k8s.io"},
                                  {"kind", "ClusterRole"},
                                  {"name", role}}},
                                {"subjects", json::array({{{"kind", "ServiceAccount"},
                                                           {"name", account->name},
                                                           {"namespace", account->ns}}})}});
    }

    // Volumes.
    ManifestContext context;
    context.staging_namespace = plan.staging_namespace;
    std::map<std::string, std::string> staging_to_source;
    for (const auto& source : snapshot_set.volumes) {
        StagingVolume volume;
        volume.source_pvc = source.source_pvc;
        volume.source = fmt::format("{}/{}", profile.source.source_namespace, source.source_pvc);
        volume.staging_pvc = profile::staging_pvc_name(profile, source.source_pvc);
        volume.snapshot_id = source.snapshot_id;
        volume.method = method.kind();
        if (const auto [it, inserted] =
                staging_to_source.emplace(volume.staging_pvc, source.source_pvc);
            !inserted) {
            problems.profile("staging.volumes",
                             fmt::format("'{}' and '{}' both become staging PVC '{}'", it->second,
                                         source.source_pvc, volume.staging_pvc));
            continue;
        }
        auto volume_lineage = lineage;
        volume_lineage.source = volume.source;
        volume = method.staging_volume(profile, volume_lineage, plan.staging_namespace,
                                       std::move(volume), source);
        context.staging_pvcs.insert(volume.staging_pvc);
        context.reserved_names.insert("PersistentVolumeClaim/" + volume.staging_pvc);
        for (auto& name : method.reserved_names(volume)) {
            context.reserved_names.insert(std::move(name));
        }
        plan.volume_waits.push_back({k8s::resource_of("PersistentVolumeClaim"),
                                     plan.staging_namespace, volume.staging_pvc, Predicate::bound});
        plan.report.volumes.push_back({volume.source, volume.staging_pvc, volume.clone_id});
        plan.volumes.push_back(std::move(volume));
    }

    // Mask.
    if (profile.staging.mask) {
        const auto mask_name = object_name(lineage.profile, lineage.run, k_mask_suffix);
        context.reserved_names.insert("Job/" + mask_name);
        context.reserved_names.insert("ConfigMap/" + mask_name);
        plan.mask = plan_mask(profile, lineage, plan.staging_namespace, plan.volumes, manifests,
                              mask_files, problems);
    }

    // Manifests: PVCs they define may be claimed by their workloads.
    for (const auto& manifest : manifests) {
        for (const auto& entry : manifest.objects) {
            if (text_of(entry.object, "kind") == "PersistentVolumeClaim") {
                const auto name = text_of(member(entry.object, "metadata"), "name");
                if (!context.staging_pvcs.contains(name)) {
                    context.manifest_pvcs.insert(name);
                }
            }
        }
    }
    std::map<std::string, std::string> seen; // "Kind/name" -> file
    for (const auto& manifest : manifests) {
        ManifestStage stage;
        stage.file = manifest.file;
        for (const auto& entry : manifest.objects) {
            auto object =
                process_manifest_object(manifest.file, entry, profile, lineage, context, problems);
            if (!object) {
                continue;
            }
            const auto key = object->resource.kind + "/" + object->name();
            if (const auto [it, inserted] = seen.emplace(key, manifest.file); !inserted) {
                problems.manifest(manifest.file, entry, "metadata.name",
                                  fmt::format("{} '{}' is also defined in {}",
                                              object->resource.kind, object->name(), it->second));
                continue;
            }
            if (is_workload(object->resource.kind)) {
                if (const auto predicate = workload_predicate(object->resource.kind)) {
                    stage.waits.push_back(
                        {object->resource, plan.staging_namespace, object->name(), *predicate});
                }
                stage.workloads.push_back(std::move(*object));
            } else {
                stage.config.push_back(std::move(*object));
            }
        }
        add_services(stage, plan.report);
        plan.stages.push_back(std::move(stage));
    }
    for (const auto& [container, image] : profile.staging.images) {
        if (!context.used_images.contains(container)) {
            problems.profile(
                fmt::format("staging.images.{}", container),
                fmt::format("no container named '{}' in the staging manifests", container));
        }
    }

    // Steps.
    plan.steps.push_back({StepKind::create_namespace, 0});
    plan.steps.push_back({StepKind::make_volumes, 0});
    plan.steps.push_back({StepKind::wait_volumes, 0});
    for (std::size_t i = 0; i <= plan.stages.size(); ++i) {
        if (plan.mask && plan.mask->before_stage == i) {
            if (i > 0) {
                plan.steps.push_back({StepKind::wait_workloads, i - 1});
            }
            plan.steps.push_back({StepKind::run_mask, i});
        }
        if (i < plan.stages.size()) {
            plan.steps.push_back({StepKind::apply_config, i});
            plan.steps.push_back({StepKind::apply_workloads, i});
        }
    }
    for (std::size_t i = 0; i < plan.stages.size(); ++i) {
        const bool waited_for_mask = plan.mask && plan.mask->before_stage == i + 1;
        if (!waited_for_mask) {
            plan.steps.push_back({StepKind::wait_workloads, i});
        }
    }
    plan.steps.push_back({StepKind::mark_ready, 0});

    plan.report.staging_namespace = plan.staging_namespace;
    plan.report.run = lineage.run;
    plan.report.snapshot_set = snapshot_set.id;
    plan.report.expires_at = plan.expires_at;

    StagingPlanResult result;
    result.problems = std::move(problems.list());
    if (result.problems.empty()) {
        result.plan = std::move(plan);
    }
    return result;
}

} // namespace pxclone::plan
