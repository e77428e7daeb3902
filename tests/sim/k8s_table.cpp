#include "k8s_table.hpp"

#include <ctime>

namespace pxsim {

using Json = nlohmann::json;

namespace {

struct Column {
    Column(std::string column_name, std::string column_type, int column_priority = 0,
           std::string column_format = "")
        : name(std::move(column_name)), type(std::move(column_type)), priority(column_priority),
          format(std::move(column_format)) {}
    std::string name;
    std::string type; // string, integer, boolean, date
    int priority = 0;
    std::string format;
};

Json at(const Json& object, const std::string& pointer, const Json& fallback = "") {
    const Json::json_pointer path(pointer);
    return object.contains(path) && !object[path].is_null() ? object[path] : fallback;
}

std::string text(const Json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_null()) {
        return "";
    }
    return value.dump();
}

std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& value) {
    std::tm parts{};
    if (value.size() < 20 ||
        std::sscanf(value.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6) {
        return std::nullopt;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::string age(const Json& object, std::chrono::system_clock::time_point now) {
    const auto created =
        parse_time(at(object, "/metadata/creationTimestamp", "").get<std::string>());
    if (!created) {
        return "<unknown>";
    }
    return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

std::string access_modes(const Json& modes) {
    std::string result;
    for (const Json& mode : modes) {
        const std::string name = text(mode);
        const std::string short_name = name == "ReadWriteOnce"      ? "RWO"
                                       : name == "ReadOnlyMany"     ? "ROX"
                                       : name == "ReadWriteMany"    ? "RWX"
                                       : name == "ReadWriteOncePod" ? "RWOP"
                                                                    : name;
        result += (result.empty() ? "" : ",") + short_name;
    }
    return result;
}

std::string selector_text(const Json& selector) {
    std::string result;
    for (const auto& [key, value] : selector.items()) {
        result += (result.empty() ? "" : ",") + key + "=" + text(value);
    }
    return result.empty() ? "<none>" : result;
}

std::string containers(const Json& object, const std::string& field) {
    std::string result;
    for (const Json& container : at(object, "/spec/template/spec/containers", Json::array())) {
        result += (result.empty() ? "" : ",") + text(container.value(field, Json("")));
    }
    return result;
}

std::vector<Column> columns_for(const std::string& kind) {
    if (kind == "Namespace") {
        return {{"Name", "string", 0, "name"}, {"Status", "string"}, {"Age", "string"}};
    }
    if (kind == "PersistentVolumeClaim") {
        return {{"Name", "string", 0, "name"},
                {"Status", "string"},
                {"Volume", "string"},
                {"Capacity", "string"},
                {"Access Modes", "string"},
                {"StorageClass", "string"},
                {"Age", "string"},
                {"VolumeMode", "string", 1}};
    }
    if (kind == "PersistentVolume") {
        return {{"Name", "string", 0, "name"}, {"Capacity", "string"}, {"Access Modes", "string"},
                {"Reclaim Policy", "string"},  {"Status", "string"},   {"Claim", "string"},
                {"StorageClass", "string"},    {"Reason", "string"},   {"Age", "string"},
                {"VolumeMode", "string", 1}};
    }
    if (kind == "Pod") {
        return {{"Name", "string", 0, "name"}, {"Ready", "string"}, {"Status", "string"},
                {"Restarts", "string"},        {"Age", "string"},   {"IP", "string", 1},
                {"Node", "string", 1}};
    }
    if (kind == "Deployment") {
        return {
            {"Name", "string", 0, "name"}, {"Ready", "string"},      {"Up-to-date", "integer"},
            {"Available", "integer"},      {"Age", "string"},        {"Containers", "string", 1},
            {"Images", "string", 1},       {"Selector", "string", 1}};
    }
    if (kind == "ReplicaSet") {
        return {
            {"Name", "string", 0, "name"}, {"Desired", "integer"},   {"Current", "integer"},
            {"Ready", "integer"},          {"Age", "string"},        {"Containers", "string", 1},
            {"Images", "string", 1},       {"Selector", "string", 1}};
    }
    if (kind == "StatefulSet") {
        return {{"Name", "string", 0, "name"},
                {"Ready", "string"},
                {"Age", "string"},
                {"Containers", "string", 1},
                {"Images", "string", 1}};
    }
    if (kind == "Job") {
        return {{"Name", "string", 0, "name"}, {"Completions", "string"},
                {"Duration", "string"},        {"Age", "string"},
                {"Containers", "string", 1},   {"Images", "string", 1},
                {"Selector", "string", 1}};
    }
    if (kind == "Service") {
        return {{"Name", "string", 0, "name"}, {"Type", "string"},    {"Cluster-IP", "string"},
                {"External-IP", "string"},     {"Port(s)", "string"}, {"Age", "string"},
                {"Selector", "string", 1}};
    }
    if (kind == "ConfigMap") {
        return {{"Name", "string", 0, "name"}, {"Data", "integer"}, {"Age", "string"}};
    }
    if (kind == "Secret") {
        return {{"Name", "string", 0, "name"},
                {"Type", "string"},
                {"Data", "integer"},
                {"Age", "string"}};
    }
    if (kind == "StorageClass") {
        return {{"Name", "string", 0, "name"},      {"Provisioner", "string"},
                {"ReclaimPolicy", "string"},        {"VolumeBindingMode", "string"},
                {"AllowVolumeExpansion", "string"}, {"Age", "string"}};
    }
    if (kind == "VolumeSnapshot") {
        return {{"Name", "string", 0, "name"},
                {"ReadyToUse", "boolean"},
                {"SourcePVC", "string"},
                {"SourceSnapshotContent", "string"},
                {"RestoreSize", "string"},
                {"SnapshotClass", "string"},
                {"SnapshotContent", "string"},
                {"CreationTime", "date"},
                {"Age", "date"}};
    }
    if (kind == "VolumeSnapshotClass") {
        return {{"Name", "string", 0, "name"},
                {"Driver", "string"},
                {"DeletionPolicy", "string"},
                {"Age", "date"}};
    }
    if (kind == "VolumeSnapshotContent") {
        return {{"Name", "string", 0, "name"},
                {"ReadyToUse", "boolean"},
                {"RestoreSize", "integer"},
                {"DeletionPolicy", "string"},
                {"Driver", "string"},
                {"VolumeSnapshotClass", "string"},
                {"VolumeSnapshot", "string"},
                {"VolumeSnapshotNamespace", "string"},
                {"Age", "date"}};
    }
    return {{"Name", "string", 0, "name"}, {"Age", "string"}};
}

Json cells_for(const std::string& kind, const Json& o, std::chrono::system_clock::time_point now) {
    const std::string name = at(o, "/metadata/name").get<std::string>();
    const std::string created = age(o, now);
    if (kind == "Namespace") {
        return {name, at(o, "/status/phase"), created};
    }
    if (kind == "PersistentVolumeClaim") {
        const std::string phase = o["metadata"].contains("deletionTimestamp")
                                      ? "Terminating"
                                      : text(at(o, "/status/phase"));
        return {name,
                phase,
                at(o, "/spec/volumeName"),
                at(o, "/status/capacity/storage"),
                access_modes(at(o, "/status/accessModes", Json::array())),
                at(o, "/spec/storageClassName"),
                created,
                at(o, "/spec/volumeMode")};
    }
    if (kind == "PersistentVolume") {
        const Json claim = at(o, "/spec/claimRef", Json());
        const std::string claim_text = claim.is_object()
                                           ? text(claim.value("namespace", Json(""))) + "/" +
                                                 text(claim.value("name", Json("")))
                                           : "";
        return {name,
                at(o, "/spec/capacity/storage"),
                access_modes(at(o, "/spec/accessModes", Json::array())),
                at(o, "/spec/persistentVolumeReclaimPolicy"),
                o["metadata"].contains("deletionTimestamp") ? Json("Terminating")
                                                            : at(o, "/status/phase"),
                claim_text,
                at(o, "/spec/storageClassName"),
                at(o, "/status/reason"),
                created,
                at(o, "/spec/volumeMode")};
    }
    if (kind == "Pod") {
        int ready = 0;
        int restarts = 0;
        const Json statuses = at(o, "/status/containerStatuses", Json::array());
        for (const Json& status : statuses) {
            ready += status.value("ready", false) ? 1 : 0;
            restarts += status.value("restartCount", 0);
        }
        const std::size_t total = at(o, "/spec/containers", Json::array()).size();
        const std::string phase = o["metadata"].contains("deletionTimestamp")
                                      ? "Terminating"
                                      : text(at(o, "/status/phase"));
        std::string status = phase;
        if (phase == "Succeeded") {
            status = "Completed";
        } else if (phase == "Failed") {
            status = "Error";
        }
        return {name,
                std::to_string(ready) + "/" + std::to_string(total),
                status,
                std::to_string(restarts),
                created,
                text(at(o, "/status/podIP", "<none>")),
                text(at(o, "/spec/nodeName", "<none>"))};
    }
    if (kind == "Deployment") {
        return {name,
                text(at(o, "/status/readyReplicas", 0)) + "/" + text(at(o, "/spec/replicas", 1)),
                at(o, "/status/updatedReplicas", 0),
                at(o, "/status/availableReplicas", 0),
                created,
                containers(o, "name"),
                containers(o, "image"),
                selector_text(at(o, "/spec/selector/matchLabels", Json::object()))};
    }
    if (kind == "ReplicaSet") {
        return {name,
                at(o, "/spec/replicas", 1),
                at(o, "/status/replicas", 0),
                at(o, "/status/readyReplicas", 0),
                created,
                containers(o, "name"),
                containers(o, "image"),
                selector_text(at(o, "/spec/selector/matchLabels", Json::object()))};
    }
    if (kind == "StatefulSet") {
        return {name,
                text(at(o, "/status/readyReplicas", 0)) + "/" + text(at(o, "/spec/replicas", 1)),
                created, containers(o, "name"), containers(o, "image")};
    }
    if (kind == "Job") {
        std::string duration;
        const auto start = parse_time(text(at(o, "/status/startTime")));
        if (start) {
            const auto end = parse_time(text(at(o, "/status/completionTime"))).value_or(now);
            duration =
                human_duration(std::chrono::duration_cast<std::chrono::seconds>(end - *start));
        }
        return {name,
                text(at(o, "/status/succeeded", 0)) + "/" + text(at(o, "/spec/completions", 1)),
                duration,
                created,
                containers(o, "name"),
                containers(o, "image"),
                selector_text(at(o, "/spec/selector/matchLabels", Json::object()))};
    }
    if (kind == "Service") {
        std::string ports;
        for (const Json& port : at(o, "/spec/ports", Json::array())) {
            ports += (ports.empty() ? "" : ",") + text(port.value("port", Json(0))) + "/" +
                     text(port.value("protocol", Json("TCP")));
        }
        return {name,
                at(o, "/spec/type"),
                at(o, "/spec/clusterIP"),
                "<none>",
                ports.empty() ? "<none>" : ports,
                created,
                selector_text(at(o, "/spec/selector", Json::object()))};
    }
    if (kind == "ConfigMap") {
        return {name, at(o, "/data", Json::object()).size(), created};
    }
    if (kind == "Secret") {
        return {name, at(o, "/type"), at(o, "/data", Json::object()).size(), created};
    }
    if (kind == "StorageClass") {
        std::string display = name;
        if (at(o, "/metadata/annotations/storageclass.kubernetes.io~1is-default-class") == "true") {
            display += " (default)";
        }
        return {display,
                at(o, "/provisioner"),
                at(o, "/reclaimPolicy"),
                at(o, "/volumeBindingMode"),
                text(at(o, "/allowVolumeExpansion", false)),
                created};
    }
    if (kind == "VolumeSnapshot") {
        return {name,
                at(o, "/status/readyToUse", Json()),
                at(o, "/spec/source/persistentVolumeClaimName", Json()),
                at(o, "/spec/source/volumeSnapshotContentName", Json()),
                at(o, "/status/restoreSize", Json()),
                at(o, "/spec/volumeSnapshotClassName", Json()),
                at(o, "/status/boundVolumeSnapshotContentName", Json()),
                at(o, "/status/creationTime", Json()).is_null() ? Json() : Json(created),
                created};
    }
    if (kind == "VolumeSnapshotClass") {
        return {name, at(o, "/driver"), at(o, "/deletionPolicy"), created};
    }
    if (kind == "VolumeSnapshotContent") {
        return {name,
                at(o, "/status/readyToUse", Json()),
                at(o, "/status/restoreSize", Json()),
                at(o, "/spec/deletionPolicy"),
                at(o, "/spec/driver"),
                at(o, "/spec/volumeSnapshotClassName"),
                at(o, "/spec/volumeSnapshotRef/name"),
                at(o, "/spec/volumeSnapshotRef/namespace"),
                created};
    }
    return {name, created};
}

} // namespace

bool wants_table(const std::string& accept) {
    return accept.find("as=Table") != std::string::npos;
}

std::string human_duration(std::chrono::seconds duration) {
    const long long seconds = duration.count();
    if (seconds < -1) {
        return "<invalid>";
    }
    if (seconds < 0) {
        return "0s";
    }
    const long long minutes = seconds / 60;
    const long long hours = seconds / 3600;
    const auto with = [](long long major, const char* major_unit, long long minor,
                         const char* minor_unit) {
        return std::to_string(major) + major_unit +
               (minor == 0 ? std::string() : std::to_string(minor) + minor_unit);
    };
    if (seconds < 120) {
        return std::to_string(seconds) + "s";
    }
    if (minutes < 10) {
        return with(minutes, "m", seconds % 60, "s");
    }
    if (minutes < 180) {
        return std::to_string(minutes) + "m";
    }
    if (hours < 8) {
        return with(hours, "h", minutes % 60, "m");
    }
    if (hours < 48) {
        return std::to_string(hours) + "h";
    }
    if (hours < 24 * 8) {
        return with(hours / 24, "d", hours % 24, "h");
    }
    if (hours < 24 * 365 * 2) {
        return std::to_string(hours / 24) + "d";
    }
    if (hours < 24 * 365 * 8) {
        return with(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    return std::to_string(hours / 24 / 365) + "y";
}

Json to_table(const ResourceType& type, const std::vector<Json>& objects,
              const std::string& include_object, const Json& list_metadata,
              std::chrono::system_clock::time_point now) {
    Json definitions = Json::array();
    for (const Column& column : columns_for(type.kind)) {
        definitions.push_back({{"name", column.name},
                               {"type", column.type},
                               {"format", column.format},
                               {"description", column.name},
                               {"priority", column.priority}});
    }
    Json rows = Json::array();
    for (const Json& object : objects) {
        Json row = {{"cells", cells_for(type.kind, object, now)}};
        if (include_object == "Object") {
            Json full = object;
            full["apiVersion"] = type.api_version();
            full["kind"] = type.kind;
            row["object"] = full;
        } else if (include_object != "None") {
            row["object"] = {{"kind", "PartialObjectMetadata"},
                             {"apiVersion", "meta.k8s.io/v1"},
                             {"metadata", object["metadata"]}};
        }
        rows.push_back(row);
    }
    return {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", list_metadata},
            {"columnDefinitions", definitions},
            {"rows", rows}};
}

} // namespace pxsim
