// Sources: the recorded replies (shared/reference/osd-cloudbackup.txt) for paths, shapes,
// validation order, messages and codes; libopenstorage's api/server/sdk/credentials.go and
// cloud_backup.go for the checks the recording cannot show (task ids, access checks with
// authentication on, the bucket query parameter of delete).
#include "px_cloud.hpp"

#include <algorithm>
#include <utility>

#include "object_store.hpp"
#include "px_volumes.hpp"

namespace pxsim::px {

namespace {

using Clock = std::chrono::system_clock;

const char* const k_done = "SdkCloudBackupStatusTypeDone";
const char* const k_active = "SdkCloudBackupStatusTypeActive";
const char* const k_failed = "SdkCloudBackupStatusTypeFailed";

// SdkCloudBackupStatusType by number (a request may send the number).
const std::vector<std::string>& status_names() {
    static const std::vector<std::string> k_names = {"SdkCloudBackupStatusTypeUnknown",
                                                     "SdkCloudBackupStatusTypeNotStarted",
                                                     k_done,
                                                     "SdkCloudBackupStatusTypeAborted",
                                                     "SdkCloudBackupStatusTypePaused",
                                                     "SdkCloudBackupStatusTypeStopped",
                                                     k_active,
                                                     k_failed,
                                                     "SdkCloudBackupStatusTypeQueued",
                                                     "SdkCloudBackupStatusTypeInvalid"};
    return k_names;
}

std::string new_cloud_id(CloudCall& call) {
    // Apart from the volume ids' sequence (which starts at 1), and per cluster.
    return uuid_from_counter(((1ULL << 40) + ++call.cloud.id_counter) ^
                             id_salt(call.options.cluster_id));
}

RpcError not_found_credential(const std::string& id) {
    return RpcError{k_not_found, "Credential id " + id + " not found"};
}

// The SDK layer's Inspect: a uuid, or else the first credential of that name.
const Credential* find_credential(const CloudState& cloud, const std::string& id_or_name) {
    for (const Credential& credential : cloud.credentials) {
        if (credential.id == id_or_name) {
            return &credential;
        }
    }
    for (const Credential& credential : cloud.credentials) {
        if (credential.name == id_or_name) {
            return &credential;
        }
    }
    return nullptr;
}

// The credential a cloud backup call works with. Left out: the only one (defaultCloudBackupCreds);
// given: a uuid only (the driver does not take names), else Internal with the call's prefix.
const Credential& resolve_credential(CloudCall& call, const std::string& given,
                                     const std::string& failed_to) {
    if (given.empty()) {
        if (call.cloud.credentials.size() > 1) {
            throw RpcError{k_invalid_argument, "More than one credential configured,please "
                                               "specify a credential name or uuid to use"};
        }
        if (call.cloud.credentials.empty()) {
            throw RpcError{k_invalid_argument,
                           "No configured credentials found,please create a credential"};
        }
        return call.cloud.credentials.front();
    }
    for (const Credential& credential : call.cloud.credentials) {
        if (credential.id == given) {
            return credential;
        }
    }
    throw RpcError{k_internal, failed_to + "Credential id " + given + " not found"};
}

// --- credentials --------------------------------------------------------------------------------

// The credential type a create request carries: of several, the last in the JSON, as protobuf's
// JSON decoding keeps the last member of a oneof.
std::string credential_type(const std::string& body) {
    static const std::map<std::string, std::string> k_types = {
        {"aws_credential", "aws_credential"},       {"awsCredential", "aws_credential"},
        {"azure_credential", "azure_credential"},   {"azureCredential", "azure_credential"},
        {"google_credential", "google_credential"}, {"googleCredential", "google_credential"},
        {"nfs_credential", "nfs_credential"},       {"nfsCredential", "nfs_credential"}};
    std::string type;
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return type;
    }
    const auto ordered = nlohmann::ordered_json::parse(body);
    for (const auto& [key, value] : ordered.items()) {
        const auto found = k_types.find(key);
        if (found != k_types.end() && !value.is_null()) {
            type = found->second;
        }
    }
    return type;
}

void require(const Json& message, const std::string& field_name, const std::string& error) {
    if (string_field(message, field_name).empty()) {
        throw RpcError{k_invalid_argument, error};
    }
}

// Copies the listed string fields that are set, by their proto names.
void copy_strings(const Json& from, Json& to, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        const std::string value = string_field(from, name);
        if (!value.empty()) {
            to[name] = value;
        }
    }
}

bool bool_field(const Json& message, const std::string& name) {
    const Json* value = field(message, name);
    return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The inspect form of a validated create request's credential (no secrets).
Json credential_detail(const std::string& type, const Json& request, const Json& body) {
    Json detail = Json::object();
    if (type == "aws_credential") {
        require(request, "access_key", "Must supply Access Key");
        require(request, "secret_key", "Must supply Secret Key");
        require(request, "region", "Must supply Region Key");
        require(request, "endpoint", "Must supply Endpoint Key");
        copy_strings(request, detail, {"access_key", "endpoint", "region"});
        for (const char* flag : {"disable_ssl", "disable_path_style"}) {
            if (bool_field(request, flag)) {
                detail[flag] = true;
            }
        }
    } else if (type == "azure_credential") {
        require(request, "account_key", "Must supply Account Key");
        require(request, "account_name", "Must supply Account name");
        copy_strings(request, detail, {"account_name"});
    } else if (type == "google_credential") {
        require(request, "json_key", "Must supply JSON Key");
        require(request, "project_id", "Must supply Project ID");
        copy_strings(request, detail, {"project_id"});
    } else {
        require(request, "server", "Must supply NFS server address");
        if (bool_field(body, "use_proxy")) {
            throw RpcError{k_invalid_argument, "Proxy not supported for NFS credentials"};
        }
        copy_strings(request, detail, {"server", "sub_path", "mount_opts"});
        if (const Json* timeout = field(request, "timeout_seconds");
            timeout != nullptr && timeout->is_number_integer() && *timeout != 0) {
            detail["timeout_seconds"] = *timeout;
        }
    }
    return detail;
}

// --- backups in the object store -----------------------------------------------------------------

// A backup object as the store keeps it: what enumerate lists and restore needs.
struct Backup {
    Json object;

    std::string id() const { return object.value("id", ""); }
    std::string status_at(Clock::time_point now) const {
        const auto done_at = parse_timestamp(object.value("done_at", ""));
        return done_at && now >= *done_at ? object.value("status", k_done) : k_active;
    }
    std::optional<Clock::time_point> timestamp() const {
        return parse_timestamp(object.value("timestamp", ""));
    }
};

std::optional<Backup> read_backup(const ObjectStore& objects, const std::string& id) {
    const auto text = objects.get(id);
    if (!text) {
        return std::nullopt;
    }
    try {
        return Backup{Json::parse(*text)};
    } catch (const Json::exception&) {
        return std::nullopt; // not a backup pxsim wrote: absent, as an unreadable object is
    }
}

std::vector<Backup> read_backups(const ObjectStore& objects) {
    std::vector<Backup> backups;
    for (const auto& [key, text] : objects.list()) {
        (void)key;
        try {
            backups.push_back(Backup{Json::parse(text)});
        } catch (const Json::exception&) {
        }
    }
    std::sort(backups.begin(), backups.end(), [](const Backup& a, const Backup& b) {
        return std::make_pair(a.object.value("timestamp", ""), a.id()) <
               std::make_pair(b.object.value("timestamp", ""), b.id());
    });
    return backups;
}

std::string status_filter_name(const Json& body) {
    const Json* value = field(body, "status_filter");
    if (value == nullptr) {
        return {};
    }
    if (value->is_number_integer()) {
        const auto number = value->get<std::int64_t>();
        if (number < 0 || number >= static_cast<std::int64_t>(status_names().size())) {
            return std::to_string(number);
        }
        return number == 0 ? std::string() : status_names()[static_cast<std::size_t>(number)];
    }
    if (!value->is_string() || std::find(status_names().begin(), status_names().end(),
                                         value->get<std::string>()) == status_names().end()) {
        throw RpcError{k_invalid_argument, "invalid value for enum type: " + value->dump()};
    }
    const std::string name = value->get<std::string>();
    return name == status_names().front() ? std::string() : name;
}

std::uint64_t uint64_field(const Json& body, const std::string& name) {
    const Json* value = field(body, name);
    if (value == nullptr) {
        return 0;
    }
    if (value->is_number_unsigned() || value->is_number_integer()) {
        return value->get<std::uint64_t>();
    }
    if (value->is_string()) {
        try {
            return std::stoull(value->get<std::string>());
        } catch (const std::exception&) {
        }
    }
    throw RpcError{k_invalid_argument,
                   "strconv.ParseUint: parsing " + value->dump() + ": invalid syntax"};
}

// --- tasks
// ------------------------------------------------------------------------------------------

// When an operation started now ends, given its fault: nullopt for one that never ends.
std::optional<Clock::time_point> end_of(const CloudCall& call, Clock::time_point start,
                                        std::chrono::milliseconds duration) {
    if (call.request.op_fault == "backup-stuck") {
        return std::nullopt;
    }
    if (call.request.op_fault == "backup-slow") {
        duration += call.options.slow_delay;
    }
    return start + duration;
}

// The status record of a task at `now`.
Json task_status(const CloudTask& task, Clock::time_point now) {
    const bool finished = task.done_at && now >= *task.done_at;
    const char* status = !finished ? k_active : task.failed ? k_failed : k_done;
    std::int64_t bytes_done = 0;
    if (finished) {
        bytes_done = task.failed ? 0 : task.size;
    } else if (task.done_at && *task.done_at > task.start) {
        // Progress in proportion to the time spent.
        bytes_done = static_cast<std::int64_t>(
            static_cast<double>(task.size) * static_cast<double>((now - task.start).count()) /
            static_cast<double>((*task.done_at - task.start).count()));
    }
    Json entry = {
        {"backup_id", task.backup_id},
        {"optype", task.restore ? "SdkCloudBackupOpTypeRestoreOp" : "SdkCloudBackupOpTypeBackupOp"},
        {"status", status},
        {"start_time", format_timestamp(task.start)},
        {"node_id", k_node_id},
        {"src_volume_id", task.volume_id},
        {"credential_id", task.credential_id}};
    if (bytes_done > 0) {
        entry["bytes_done"] = std::to_string(bytes_done);
    }
    if (finished) {
        entry["completed_time"] = format_timestamp(*task.done_at);
    }
    if (finished && task.failed) {
        entry["info"] = Json::array({std::string("pxsim: injected fault: the cloud ") +
                                     (task.restore ? "restore" : "backup") + " failed"});
    }
    return entry;
}

void claim_task_id(CloudCall& call, const std::string& task_id, bool restore) {
    if (!task_id.empty() && call.cloud.tasks.count(task_id) != 0) {
        // The SDK layer's answer to the driver's volume.ErrExist ("Already exists").
        throw RpcError{k_already_exists, std::string(restore ? "Restore task" : "backup") +
                                             " with this name already exists: Already exists"};
    }
}

} // namespace

std::uint64_t id_salt(const std::string& cluster_id) {
    if (cluster_id == PxOptions{}.cluster_id) {
        return 0;
    }
    std::uint64_t hash = 14695981039346656037ULL; // FNV-1a
    for (unsigned char c : cluster_id) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash | (1ULL << 63);
}

Json dump_cloud(const CloudState& cloud, const ObjectStore& objects, const std::string& cluster_id,
                Clock::time_point now) {
    Json credentials = Json::array();
    for (const Credential& credential : cloud.credentials) {
        Json item = credential.inspect;
        item["credential_id"] = credential.id;
        credentials.push_back(std::move(item));
    }
    Json tasks = Json::object();
    for (const auto& [id, task] : cloud.tasks) {
        tasks[id] = task_status(task, now);
    }
    Json backups = Json::array();
    for (const Backup& backup : read_backups(objects)) {
        backups.push_back({{"id", backup.id()},
                           {"cluster_id", backup.object.value("cluster_id", "")},
                           {"src_volume_id", backup.object.value("src_volume_id", "")},
                           {"src_volume_name", backup.object.value("src_volume_name", "")},
                           {"timestamp", backup.object.value("timestamp", "")},
                           {"metadata", backup.object.value("metadata", Json::object())},
                           {"status", backup.status_at(now)}});
    }
    return {{"cluster_id", cluster_id},
            {"credentials", credentials},
            {"tasks", tasks},
            {"backups", backups}};
}

// --- credentials --------------------------------------------------------------------------------

Json credential_create(CloudCall& call) {
    const std::string name = string_field(call.body, "name");
    if (name.empty()) {
        throw RpcError{k_invalid_argument, "Must supply a name"};
    }
    const std::string type = credential_type(call.request.body);
    if (type.empty()) {
        throw RpcError{k_invalid_argument, "Unknown credential type"};
    }
    const Json* request = field(call.body, type);
    if (!request->is_object()) {
        throw RpcError{k_invalid_argument, "json: cannot unmarshal " + request->dump() +
                                               " into Go value of type api.SdkCredentialRequest"};
    }
    Json inspect = {{"name", name}, {type, credential_detail(type, *request, call.body)}};
    const std::string bucket = string_field(call.body, "bucket");
    if (!bucket.empty()) {
        inspect["bucket"] = bucket;
    }
    if (bool_field(call.body, "use_proxy")) {
        inspect["use_proxy"] = true;
    }
    std::lock_guard lock(call.mutex);
    // Names are not unique: a taken name makes another credential.
    Credential credential{new_cloud_id(call), name, bucket, inspect};
    call.cloud.credentials.push_back(credential);
    return {{"credential_id", credential.id}};
}

Json credential_enumerate(CloudCall& call) {
    std::lock_guard lock(call.mutex);
    if (call.cloud.credentials.empty()) {
        return Json::object();
    }
    Json ids = Json::array();
    for (const Credential& credential : call.cloud.credentials) {
        ids.push_back(credential.id);
    }
    return {{"credential_ids", ids}};
}

Json credential_inspect(CloudCall& call) {
    const std::string& id = call.params.at("credential_id");
    if (id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide a credential id"};
    }
    std::lock_guard lock(call.mutex);
    const Credential* credential = find_credential(call.cloud, id);
    if (credential == nullptr) {
        throw not_found_credential(id);
    }
    Json reply = credential->inspect;
    reply["credential_id"] = id; // a name asked for is echoed as the id, as the SDK server does
    return reply;
}

Json credential_validate(CloudCall& call) {
    const std::string& id = call.params.at("credential_id");
    if (id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide credentials uuid"};
    }
    std::lock_guard lock(call.mutex);
    const Credential* credential = find_credential(call.cloud, id);
    if (credential == nullptr) {
        throw not_found_credential(id);
    }
    if (credential->id != id) {
        // Found by name by the SDK layer; the driver takes uuids only.
        throw RpcError{k_internal,
                       "failed to validate credentials: Credential id " + id + " not found"};
    }
    return Json::object();
}

Json credential_delete(CloudCall& call) {
    const std::string& id = call.params.at("credential_id");
    if (id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide credentials uuid"};
    }
    std::lock_guard lock(call.mutex);
    if (find_credential(call.cloud, id) == nullptr) {
        throw not_found_credential(id); // not idempotent: a second delete is 404
    }
    // By name: found, answered 200, and nothing deleted (the driver deletes by uuid only).
    auto& list = call.cloud.credentials;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Credential& credential) { return credential.id == id; }),
               list.end());
    return Json::object();
}

// --- backups
// --------------------------------------------------------------------------------------

Json backup_create(CloudCall& call) {
    const std::string volume_id = string_field(call.body, "volume_id");
    const std::string credential_id = string_field(call.body, "credential_id");
    const std::string task_id = string_field(call.body, "task_id");
    const Labels labels = labels_field(call.body, "labels");
    if (volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply a volume id"};
    }
    const auto now = call.hooks.now(); // hooks run without the mutex
    const auto duration = call.hooks.duration("backup");
    std::lock_guard lock(call.mutex);
    const std::string failed_to = "Failed to create backup: ";
    if (credential_id.empty()) {
        resolve_credential(call, credential_id, failed_to);
    }
    const Volume* volume = call.store.find_by_name(volume_id);
    if (volume == nullptr) {
        if (call.options.authenticated) {
            throw RpcError{k_not_found, "No volumes found for locator"};
        }
        throw RpcError{k_internal, failed_to + "Volume id not found"};
    }
    const Credential& credential = resolve_credential(call, credential_id, failed_to);
    claim_task_id(call, task_id, false);

    CloudTask task;
    task.id = task_id.empty() ? new_cloud_id(call) : task_id;
    task.volume_id = volume->id; // a name given is recorded as the volume's id
    task.credential_id = credential.id;
    task.size = spec_int(volume->spec, "size");
    task.start = now;
    task.done_at = end_of(call, now, duration);
    task.failed = call.request.op_fault == "backup-fail";
    // The id's form is the proto's "<bucket or cluster uuid>/<volume id>-<snapshot id>".
    const std::string prefix =
        credential.bucket.empty() ? call.options.cluster_id : credential.bucket;
    Json object = {{"src_volume_id", volume->id},
                   {"src_volume_name", volume->name},
                   {"cluster_id", call.options.cluster_id},
                   {"credential_id", credential.id},
                   {"timestamp", format_timestamp(now)},
                   {"metadata", labels},
                   {"status", task.failed ? k_failed : k_done},
                   {"size", task.size},
                   {"spec", volume->spec},
                   {"format", volume->format},
                   {"sim_data", volume->data}};
    if (task.done_at) {
        object["done_at"] = format_timestamp(*task.done_at);
    }
    // Another process (or this one after a reset) may hold an id: draw until one is free.
    do {
        task.backup_id = prefix + "/" + volume->id + "-" + new_cloud_id(call);
        object["id"] = task.backup_id;
    } while (!call.objects.put_new(task.backup_id, object.dump()));
    call.cloud.tasks[task.id] = task;
    return {{"task_id", task.id}};
}

Json backup_status(CloudCall& call) {
    const std::string task_id = string_field(call.body, "task_id");
    const std::string volume_id = string_field(call.body, "volume_id");
    const auto now = call.hooks.now();
    std::lock_guard lock(call.mutex);
    if (!volume_id.empty() && call.options.authenticated && call.store.find(volume_id) == nullptr) {
        throw RpcError{k_not_found, "No volumes found for locator"};
    }
    Json statuses = Json::object();
    for (const auto& [id, task] : call.cloud.tasks) {
        if ((!task_id.empty() && id != task_id) ||
            (!volume_id.empty() && task.volume_id != volume_id)) {
            continue;
        }
        // A deleted backup takes its task record with it (also when another cluster deleted it).
        if (!task.restore && !call.objects.get(task.backup_id)) {
            continue;
        }
        Json entry = task_status(task, now);
        // With authentication the SDK server drops what the caller cannot read, a gone source
        // volume included; failed restores stay visible to all.
        const bool failed_restore = task.restore && entry["status"] == k_failed;
        if (call.options.authenticated && !failed_restore &&
            call.store.find(task.volume_id) == nullptr) {
            continue;
        }
        statuses[id] = std::move(entry);
    }
    if (statuses.empty()) {
        return Json::object();
    }
    return {{"statuses", statuses}};
}

Json backup_enumerate(CloudCall& call) {
    const std::string credential_id = string_field(call.body, "credential_id");
    const std::string src_volume_id = string_field(call.body, "src_volume_id");
    const std::string cluster_id = string_field(call.body, "cluster_id");
    const std::string cloud_backup_id = string_field(call.body, "cloud_backup_id");
    const std::string token = string_field(call.body, "continuation_token");
    const Labels metadata_filter = labels_field(call.body, "metadata_filter");
    const bool all = bool_field(call.body, "all");
    const bool missing_sources = bool_field(call.body, "missing_src_volumes");
    const std::string status_filter = status_filter_name(call.body);
    const std::uint64_t max_backups = uint64_field(call.body, "max_backups");
    const auto now = call.hooks.now();
    std::lock_guard lock(call.mutex);
    resolve_credential(call, credential_id, "Failed to enumerate backups: ");
    // Without `all` or a cluster_id, only this cluster's backups (api.proto).
    const std::string cluster = !cluster_id.empty() ? cluster_id
                                : all               ? std::string()
                                                    : call.options.cluster_id;
    Json list = Json::array();
    bool after_token = token.empty();
    std::string next_token;
    for (const Backup& backup : read_backups(call.objects)) {
        const Json& object = backup.object;
        const std::string status = backup.status_at(now);
        const Labels metadata = labels_field(object, "metadata");
        const std::string source = object.value("src_volume_id", "");
        if ((!cluster.empty() && object.value("cluster_id", "") != cluster) ||
            (!src_volume_id.empty() && source != src_volume_id) ||
            (!cloud_backup_id.empty() && backup.id() != cloud_backup_id) ||
            (!status_filter.empty() && status != status_filter) ||
            !labels_match(metadata, metadata_filter) ||
            (missing_sources && call.store.find(source) != nullptr)) {
            continue;
        }
        if (!after_token) {
            after_token = backup.id() == token;
            continue;
        }
        if (max_backups != 0 && list.size() == max_backups) {
            next_token = list.back().at("id").get<std::string>();
            break;
        }
        Json item = {{"id", backup.id()},
                     {"src_volume_id", source},
                     {"src_volume_name", object.value("src_volume_name", "")},
                     {"timestamp", object.value("timestamp", "")},
                     {"status", status}};
        if (!metadata.empty()) {
            item["metadata"] = metadata;
        }
        list.push_back(std::move(item));
    }
    Json reply = Json::object();
    if (!list.empty()) {
        reply["backups"] = list;
    }
    if (!next_token.empty()) {
        reply["continuation_token"] = next_token;
    }
    return reply;
}

Json backup_restore(CloudCall& call) {
    const std::string backup_id = string_field(call.body, "backup_id");
    const std::string credential_id = string_field(call.body, "credential_id");
    const std::string task_id = string_field(call.body, "task_id");
    std::string name = string_field(call.body, "restore_volume_name");
    const Json* locator = field(call.body, "locator");
    const Json empty = Json::object();
    const Labels labels = labels_field(locator != nullptr ? *locator : empty, "volume_labels");
    if (name.empty() && locator != nullptr) {
        name = string_field(*locator, "name");
    }
    if (backup_id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide backup id"};
    }
    const auto now = call.hooks.now();
    const auto duration = call.hooks.duration("cloud-restore");
    std::lock_guard lock(call.mutex);
    const std::string failed_to = "Failed to restore backup: ";
    const Credential& credential = resolve_credential(call, credential_id, failed_to);
    const auto backup = read_backup(call.objects, backup_id);
    if (!backup) {
        throw RpcError{k_internal, failed_to + "Failed to find backup"};
    }
    if (const std::string status = backup->status_at(now); status != k_done) {
        throw RpcError{k_internal,
                       failed_to + "backup " + backup_id + " is not complete (" + status + ")"};
    }
    claim_task_id(call, task_id, true);

    // The restore volume name is not checked (API.md §1b): a taken one makes a second volume.
    Volume volume;
    volume.id = call.store.new_id();
    volume.name = name;
    volume.labels = labels;
    volume.spec = backup->object.value("spec", Json::object());
    volume.spec["ha_level"] = "1"; // proto: a restored volume has HA level 1
    volume.format = backup->object.value("format", volume.format);
    volume.ctime = now;
    CloudTask task;
    task.id = task_id.empty() ? new_cloud_id(call) : task_id;
    task.restore = true;
    task.backup_id = backup_id;
    task.volume_id = volume.id;
    task.credential_id = credential.id;
    task.size = backup->object.value("size", std::int64_t{0});
    task.start = now;
    task.done_at = end_of(call, now, duration);
    task.failed = call.request.op_fault == "backup-fail";
    if (!task.failed) {
        volume.data = backup->object.value("sim_data", "");
    }
    call.store.insert(std::move(volume));
    call.cloud.tasks[task.id] = task;
    // No task_id in the reply: the recorded server sends none; poll by restore_volume_id.
    return {{"restore_volume_id", task.volume_id}};
}

Json backup_delete(CloudCall& call) {
    std::string backup_id = call.params.at("backup_id");
    const std::string bucket = query_param(call.request, "bucket");
    const std::string credential_id = query_param(call.request, "credential_id");
    if (backup_id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide backup id"};
    }
    // A real backup id has a slash, which the path cannot carry: the part before it comes as
    // ?bucket= and the server joins them.
    if (!bucket.empty()) {
        backup_id = bucket + "/" + backup_id;
    }
    std::lock_guard lock(call.mutex);
    const std::string failed_to = "Failed to delete backup: ";
    resolve_credential(call, credential_id, failed_to);
    if (!call.objects.remove(backup_id)) {
        throw RpcError{k_internal, failed_to + "Failed to find backup"}; // not idempotent
    }
    return Json::object();
}

Json backup_delete_all(CloudCall& call) {
    const std::string src_volume_id = string_field(call.body, "src_volume_id");
    const std::string credential_id = string_field(call.body, "credential_id");
    if (src_volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must provide source volume id"};
    }
    std::lock_guard lock(call.mutex);
    resolve_credential(call, credential_id, "Failed to delete backup: ");
    for (const Backup& backup : read_backups(call.objects)) {
        if (backup.object.value("src_volume_id", "") == src_volume_id) {
            call.objects.remove(backup.id());
        }
    }
    return Json::object();
}

} // namespace pxsim::px
