// pxsim's OpenStorage SDK REST gateway. Behaviour follows the recorded replies of the real gateway
// (shared/reference/osd-rest.txt, SDK 0.186) and the SDK server sources
// (api/server/sdk/volume_ops.go, volume_snapshot.go): the same validation order, messages, codes
// and JSON shapes.
#include "px_api.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

#include "object_store.hpp"
#include "px_volumes.hpp"

namespace pxsim {

using namespace px;

namespace {

// --- routing ------------------------------------------------------------------------------------

enum class Call {
    version,
    capabilities,
    cluster_inspect_current,
    node_enumerate,
    node_inspect,
    node_inspect_current,
    create,
    enumerate,
    clone,
    enumerate_with_filters,
    inspect,
    inspect_with_filters,
    snapshot_schedule_update,
    snapshot_enumerate,
    snapshot_create,
    snapshot_restore,
    snapshot_enumerate_with_filters,
    stats,
    capacity_usage,
    remove,
    update,
    // Credentials and cloud backups: px_cloud.hpp.
    credential_create,
    credential_enumerate,
    credential_inspect,
    credential_validate,
    credential_delete,
    credential_update,
    credential_delete_references,
    backup_create,
    backup_group_create,
    backup_restore,
    backup_delete,
    backup_delete_all,
    backup_enumerate,
    backup_status,
    backup_catalog,
    backup_history,
    backup_state_change,
    backup_schedules,
    backup_size,
};

struct Route {
    const char* method;
    const char* pattern; // "{x}" is one path segment
    Call call;
};

// The gateway's routes under /v1 that concern volumes, snapshots, identity, cluster and nodes
// (api.proto's google.api.http options). A path matching a route of another method is 405.
const std::vector<Route>& routes() {
    static const std::vector<Route> k_routes = {
        {"GET", "/v1/identities/version", Call::version},
        {"GET", "/v1/identities/capabilities", Call::capabilities},
        {"GET", "/v1/clusters/inspectcurrent", Call::cluster_inspect_current},
        {"GET", "/v1/nodes", Call::node_enumerate},
        {"GET", "/v1/nodes/inspect/{node_id}", Call::node_inspect},
        {"GET", "/v1/nodes/inspectcurrent", Call::node_inspect_current},
        {"POST", "/v1/volumes", Call::create},
        {"GET", "/v1/volumes", Call::enumerate},
        {"POST", "/v1/volumes/clone", Call::clone},
        {"POST", "/v1/volumes/filters", Call::enumerate_with_filters},
        {"GET", "/v1/volumes/inspect/{volume_id}", Call::inspect},
        {"POST", "/v1/volumes/inspectwithfilters", Call::inspect_with_filters},
        {"POST", "/v1/volumes/snapshot/schedules/{volume_id}", Call::snapshot_schedule_update},
        {"GET", "/v1/volumes/snapshots", Call::snapshot_enumerate},
        {"POST", "/v1/volumes/snapshots", Call::snapshot_create},
        {"POST", "/v1/volumes/snapshots/restore", Call::snapshot_restore},
        {"POST", "/v1/volumes/snapshots/filters/{volume_id}",
         Call::snapshot_enumerate_with_filters},
        {"GET", "/v1/volumes/stats/{volume_id}", Call::stats},
        {"GET", "/v1/volumes/usage/{volume_id}", Call::capacity_usage},
        {"DELETE", "/v1/volumes/{volume_id}", Call::remove},
        {"PUT", "/v1/volumes/{volume_id}", Call::update},
        {"POST", "/v1/credentials", Call::credential_create},
        {"GET", "/v1/credentials", Call::credential_enumerate},
        {"GET", "/v1/credentials/inspect/{credential_id}", Call::credential_inspect},
        {"GET", "/v1/credentials/validate/{credential_id}", Call::credential_validate},
        {"DELETE", "/v1/credentials/{credential_id}", Call::credential_delete},
        {"PUT", "/v1/credentials/{credential_id}", Call::credential_update},
        {"DELETE", "/v1/credentials/references/{credential_id}",
         Call::credential_delete_references},
        {"POST", "/v1/cloudbackups", Call::backup_create},
        {"POST", "/v1/cloudbackups/group", Call::backup_group_create},
        {"POST", "/v1/cloudbackups/restore", Call::backup_restore},
        // One path segment: a backup id's slash cannot be in it (plain-text 404), the part
        // before it comes as ?bucket=.
        {"DELETE", "/v1/cloudbackups/backup/{backup_id}", Call::backup_delete},
        {"POST", "/v1/cloudbackups/deleteall", Call::backup_delete_all},
        {"POST", "/v1/cloudbackups/enumerate/filters", Call::backup_enumerate},
        {"POST", "/v1/cloudbackups/status", Call::backup_status},
        {"POST", "/v1/cloudbackups/catalog", Call::backup_catalog},
        {"GET", "/v1/cloudbackups/history/{src_volume_id}", Call::backup_history},
        {"POST", "/v1/cloudbackups/statechange", Call::backup_state_change},
        {"GET", "/v1/cloudbackups/schedules", Call::backup_schedules},
        {"GET", "/v1/cloudbackups/size", Call::backup_size},
    };
    return k_routes;
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> segments;
    std::size_t start = path.empty() || path[0] != '/' ? 0 : 1;
    while (true) {
        const auto slash = path.find('/', start);
        segments.push_back(path.substr(start, slash == std::string::npos ? slash : slash - start));
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return segments;
}

std::optional<std::map<std::string, std::string>>
match_route(const Route& route, const std::vector<std::string>& path) {
    const auto pattern = split_path(route.pattern);
    if (pattern.size() != path.size()) {
        return std::nullopt;
    }
    std::map<std::string, std::string> params;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i].size() > 2 && pattern[i].front() == '{') {
            params[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
        } else if (pattern[i] != path[i]) {
            return std::nullopt;
        }
    }
    return params;
}

} // namespace

PxApi::PxApi(PxHooks hooks, PxOptions options)
    : m_hooks(std::move(hooks)), m_options(std::move(options)), m_state(std::make_shared<State>()) {
    m_state->store.id_salt = px::id_salt(m_options.cluster_id);
    m_state->objects =
        m_options.object_store ? m_options.object_store : std::make_shared<MemoryObjectStore>();
}

// --- the calls
// --------------------------------------------------------------------------------------

namespace {

// Everything a handler needs; the handlers are free functions over PxApi's parts so the mutex
// discipline (never held while a hook runs) is visible in each.
struct Context {
    const SimRequest& request;
    const std::map<std::string, std::string>& params;
    PxHooks& hooks;
    std::mutex& mutex;
    Store& state;
};

void mark_attached(Json& reply) {
    reply["volume"]["state"] = "VOLUME_STATE_ATTACHED";
    reply["volume"]["attached_on"] = k_node_id;
}

Json finish_inspect(Context& ctx, Json reply) {
    // Attachment comes from the Kubernetes side: asked without our mutex held.
    if (ctx.hooks.is_attached(reply["volume"]["id"].get<std::string>())) {
        mark_attached(reply);
    }
    return reply;
}

// finish_inspect for many volumes, asking the Kubernetes side once (not once per volume: with
// hundreds of volumes and PVs that dominated the reply time).
std::vector<Json> finish_inspect_all(Context& ctx, std::vector<Json> replies) {
    if (!ctx.hooks.attached_among) {
        for (auto& reply : replies) {
            reply = finish_inspect(ctx, std::move(reply));
        }
        return replies;
    }
    std::vector<std::string> ids;
    ids.reserve(replies.size());
    for (const auto& reply : replies) {
        ids.push_back(reply["volume"]["id"].get<std::string>());
    }
    const auto attached = ctx.hooks.attached_among(ids);
    for (std::size_t i = 0; i < replies.size(); ++i) {
        if (attached.count(ids[i]) != 0) {
            mark_attached(replies[i]);
        }
    }
    return replies;
}

Json call_version() {
    return {{"sdk_version", {{"minor", 186}, {"version", "0.186.0"}}},
            {"version", {{"driver", "pxd"}, {"version", "3.1.0-pxsim"}}}};
}

Json call_capabilities() {
    Json list = Json::array();
    for (const char* type : {"CLUSTER", "CLOUD_BACKUP", "CREDENTIALS", "NODE", "OBJECT_STORAGE",
                             "SCHEDULE_POLICY", "VOLUME", "ALERTS", "MOUNT_ATTACH", "ROLE",
                             "CLUSTER_PAIR", "MIGRATE", "STORAGE_POLICY"}) {
        list.push_back({{"service", {{"type", type}}}});
    }
    return {{"capabilities", list}};
}

Json call_cluster_inspect_current(const std::string& cluster_id) {
    return {{"cluster", {{"id", cluster_id}, {"name", cluster_id}, {"status", "STATUS_OK"}}}};
}

Json id_list(const std::string& key, const std::vector<std::string>& ids) {
    Json reply = Json::object();
    if (!ids.empty()) {
        reply[key] = ids;
    }
    return reply;
}

// SDK Create's checks against an existing volume of that name (volume_ops.go create()).
std::string existing_or_conflict(const Volume& existing, std::int64_t size,
                                 const std::string& parent) {
    const std::int64_t have = spec_int(existing.spec, "size");
    if (have != size) {
        throw RpcError{k_already_exists, "Existing volume has a size of " + std::to_string(have) +
                                             " which differs from requested size of " +
                                             std::to_string(size)};
    }
    if (existing.parent != parent) {
        throw RpcError{k_already_exists, "Existing volume has conflicting parent value"};
    }
    return existing.id;
}

Json call_create(Context& ctx, const Json& body) {
    const std::string name = string_field(body, "name");
    if (name.empty()) {
        throw RpcError{k_invalid_argument, "Must supply a unique name"};
    }
    const Json* raw_spec = field(body, "spec");
    if (raw_spec == nullptr) {
        throw RpcError{k_invalid_argument, "Must supply spec object"};
    }
    const Json spec = normalize_spec(*raw_spec);
    Labels labels = labels_field(*raw_spec, "volume_labels");
    for (const auto& [key, value] : labels_field(body, "labels")) {
        labels[key] = value;
    }
    Json stored_spec = spec;
    stored_spec.erase("volume_labels");
    const std::int64_t size = spec_int(spec, "size");
    // The driver's own validation of a new volume, wrapped by the SDK as Internal.
    auto validate_new = [&] {
        if (spec_int(spec, "ha_level") == 0) {
            throw RpcError{k_internal, "Failed to create volume: HA level cannot be zero"};
        }
        if (size == 0) {
            throw RpcError{k_internal, "Failed to create volume: Volume size cannot be zero"};
        }
    };
    {
        std::lock_guard lock(ctx.mutex);
        if (ctx.state.find_by_name(name) == nullptr) {
            validate_new();
        }
    }
    // Creating costs time; so does re-issuing Create for an existing name: the real server waits
    // for the existing volume to be ready before comparing it with the request.
    ctx.hooks.wait("create");
    const auto now = ctx.hooks.now(); // hooks run without our mutex
    std::lock_guard lock(ctx.mutex);
    if (const Volume* existing = ctx.state.find_by_name(name)) {
        return {{"volume_id", existing_or_conflict(*existing, size, "")}};
    }
    validate_new();
    Volume volume;
    volume.id = ctx.state.new_id();
    volume.name = name;
    volume.labels = labels;
    volume.spec = stored_spec;
    volume.ctime = now;
    return {{"volume_id", ctx.state.insert(std::move(volume)).id}};
}

Json call_clone(Context& ctx, const Json& body) {
    const std::string name = string_field(body, "name");
    const std::string parent_id = string_field(body, "parent_id");
    const Labels labels = labels_field(body, "additional_labels");
    if (name.empty()) {
        throw RpcError{k_invalid_argument, "Must supply a uniqe name"}; // sic, as the SDK says
    }
    if (parent_id.empty()) {
        throw RpcError{k_invalid_argument, "Must parent volume id"}; // sic
    }
    auto find_parent = [&]() -> const Volume& {
        const Volume* parent = ctx.state.find(parent_id);
        if (parent == nullptr) {
            throw RpcError{k_not_found, not_found_message(parent_id)};
        }
        return *parent;
    };
    {
        std::lock_guard lock(ctx.mutex);
        find_parent();
    }
    // Cloning costs time; so does re-issuing Clone for an existing name (the real server waits for
    // the existing volume to be ready before comparing it with the request).
    ctx.hooks.wait("clone");
    const auto now = ctx.hooks.now(); // hooks run without our mutex
    std::lock_guard lock(ctx.mutex);
    const Volume& parent = find_parent();
    if (const Volume* existing = ctx.state.find_by_name(name)) {
        return {{"volume_id",
                 existing_or_conflict(*existing, spec_int(parent.spec, "size"), parent_id)}};
    }
    return {{"volume_id", ctx.state.insert_child(parent, name, labels, false, now).id}};
}

Json call_snapshot_create(Context& ctx, const Json& body) {
    const std::string volume_id = string_field(body, "volume_id");
    const std::string name = string_field(body, "name");
    const Labels labels = labels_field(body, "labels");
    if (volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply volume id"};
    }
    if (name.empty()) {
        throw RpcError{k_invalid_argument, "Must supply a name"};
    }
    {
        std::lock_guard lock(ctx.mutex);
        if (ctx.state.find(volume_id) == nullptr) {
            throw RpcError{k_not_found, not_found_message(volume_id)};
        }
    }
    ctx.hooks.wait("snapshot");
    const auto now = ctx.hooks.now(); // hooks run without our mutex
    std::lock_guard lock(ctx.mutex);
    const Volume* parent = ctx.state.find(volume_id);
    if (parent == nullptr) {
        throw RpcError{k_not_found, not_found_message(volume_id)};
    }
    // Snapshot names are not unique: every call makes a new snapshot.
    return {{"snapshot_id", ctx.state.insert_child(*parent, name, labels, true, now).id}};
}

std::vector<std::string> list_snapshots(Store& state, const std::string& volume_id,
                                        const Labels& labels) {
    std::vector<std::string> ids;
    for (const auto& id : state.order) {
        const Volume& volume = state.volumes.at(id);
        if (volume.snapshot && (volume_id.empty() || volume.parent == volume_id) &&
            labels_match(volume.labels, labels)) {
            ids.push_back(id);
        }
    }
    return ids;
}

// Volumes (snapshots included) matching EnumerateWithFilters' top-level name and labels.
std::vector<Volume> filter_volumes(Store& state, const Json& body) {
    const std::string name = string_field(body, "name");
    const Labels labels = labels_field(body, "labels");
    std::vector<Volume> out;
    for (const auto& id : state.order) {
        const Volume& volume = state.volumes.at(id);
        if ((name.empty() || volume.name == name) && labels_match(volume.labels, labels)) {
            out.push_back(volume);
        }
    }
    return out;
}

void guard_write(Context& ctx, const std::string& volume_id, const std::string& what) {
    if (!volume_id.empty() && ctx.hooks.is_source(volume_id)) {
        ctx.hooks.violation(ctx.request.method + " " + ctx.request.path + ": " + what +
                            " of source volume " + volume_id);
    }
}

Json call_update(Context& ctx, const Json& body) {
    const std::string volume_id = ctx.params.at("volume_id");
    if (volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply volume id"};
    }
    const Labels labels = labels_field(body, "labels");
    const Json* spec_update = field(body, "spec");
    const Json spec = spec_update == nullptr ? Json::object() : normalize_spec(*spec_update);
    guard_write(ctx, volume_id, "update");
    std::lock_guard lock(ctx.mutex);
    Volume* volume = ctx.state.find(volume_id);
    if (volume == nullptr) {
        throw RpcError{k_not_found, not_found_message(volume_id)};
    }
    for (const auto& [key, value] : labels) {
        // A label set to "" is removed (the driver's Set merges labels that way).
        if (value.empty()) {
            volume->labels.erase(key);
        } else {
            volume->labels[key] = value;
        }
    }
    for (const auto& [key, value] : spec.items()) {
        if (key != "volume_labels") {
            volume->spec[key] = value;
        }
    }
    return Json::object();
}

Json call_delete(Context& ctx) {
    const std::string volume_id = ctx.params.at("volume_id");
    if (volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply volume id"};
    }
    guard_write(ctx, volume_id, "delete");
    const bool attached = ctx.hooks.is_attached(volume_id);
    std::lock_guard lock(ctx.mutex);
    if (ctx.state.find(volume_id) == nullptr) {
        return Json::object(); // idempotent
    }
    if (attached) {
        throw RpcError{k_internal, "Failed to delete volume " + volume_id + ": volume " +
                                       volume_id + " is attached on node " + k_node_id};
    }
    // Snapshots of the volume stay (their source.parent still names it).
    ctx.state.erase(volume_id);
    return Json::object();
}

Json call_restore(Context& ctx, const Json& body) {
    const std::string volume_id = string_field(body, "volume_id");
    const std::string snapshot_id = string_field(body, "snapshot_id");
    if (volume_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply volume id"};
    }
    if (snapshot_id.empty()) {
        throw RpcError{k_invalid_argument, "Must supply snapshot id"};
    }
    guard_write(ctx, volume_id, "restore");
    const std::string failed =
        "Failed to restore volume " + volume_id + " to snapshot " + snapshot_id + ": ";
    {
        std::lock_guard lock(ctx.mutex);
        if (ctx.state.find(volume_id) == nullptr) {
            throw RpcError{k_not_found, not_found_message(volume_id)};
        }
        const Volume* snapshot = ctx.state.find(snapshot_id);
        if (snapshot == nullptr) {
            throw RpcError{k_not_found, "Id " + volume_id + " or " + snapshot_id + " not found"};
        }
        if (snapshot->parent != volume_id || !snapshot->snapshot) {
            throw RpcError{k_internal,
                           failed + snapshot_id + " is not a snapshot of volume " + volume_id};
        }
    }
    if (ctx.hooks.is_attached(volume_id)) {
        throw RpcError{k_failed_precondition,
                       failed + "volume is attached on node " + k_node_id +
                           "; stop the applications using it before restoring"};
    }
    ctx.hooks.wait("restore");
    std::lock_guard lock(ctx.mutex);
    Volume* volume = ctx.state.find(volume_id);
    const Volume* snapshot = ctx.state.find(snapshot_id);
    if (volume != nullptr && snapshot != nullptr) {
        volume->data = snapshot->data;
    }
    return Json::object();
}

} // namespace

Json PxApi::cloud_call(int which, const SimRequest& request,
                       const std::map<std::string, std::string>& params, const Json& body) {
    CloudCall call{request, params,         body,           m_hooks,          m_options,
                   m_mutex, m_state->store, m_state->cloud, *m_state->objects};
    switch (static_cast<Call>(which)) {
    case Call::credential_create:
        return credential_create(call);
    case Call::credential_enumerate:
        return credential_enumerate(call);
    case Call::credential_inspect:
        return credential_inspect(call);
    case Call::credential_validate:
        return credential_validate(call);
    case Call::credential_delete:
        return credential_delete(call);
    case Call::backup_create:
        return backup_create(call);
    case Call::backup_status:
        return backup_status(call);
    case Call::backup_enumerate:
        return backup_enumerate(call);
    case Call::backup_restore:
        return backup_restore(call);
    case Call::backup_delete:
        return backup_delete(call);
    case Call::backup_delete_all:
        return backup_delete_all(call);
    default:
        throw RpcError{k_unimplemented,
                       "pxsim does not implement " + request.method + " " + request.path};
    }
}

SimReply PxApi::handle(const SimRequest& request) {
    const auto path = split_path(request.path);
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool other_method = false;
    for (const auto& candidate : routes()) {
        auto matched = match_route(candidate, path);
        if (!matched) {
            continue;
        }
        if (request.method == candidate.method) {
            route = &candidate;
            params = std::move(*matched);
            break;
        }
        other_method = true;
    }
    if (route == nullptr) {
        return other_method ? plain_reply(405, "Method Not Allowed")
                            : plain_reply(404, "Not Found");
    }

    Store& store = m_state->store;
    Context ctx{request, params, m_hooks, m_mutex, store};
    try {
        const bool has_body =
            std::string(route->method) != "GET" && std::string(route->method) != "DELETE";
        const Json body = has_body ? parse_body(request.body) : Json::object();
        switch (route->call) {
        case Call::version:
            return json_reply(call_version());
        case Call::capabilities:
            return json_reply(call_capabilities());
        case Call::cluster_inspect_current:
            return json_reply(call_cluster_inspect_current(m_options.cluster_id));
        case Call::node_enumerate:
            return json_reply({{"node_ids", {k_node_id}}});
        case Call::create:
            return json_reply(call_create(ctx, body));
        case Call::clone:
            return json_reply(call_clone(ctx, body));
        case Call::snapshot_create:
            return json_reply(call_snapshot_create(ctx, body));
        case Call::enumerate: {
            std::lock_guard lock(m_mutex);
            return json_reply(id_list("volume_ids", store.order));
        }
        case Call::enumerate_with_filters: {
            std::vector<std::string> ids;
            std::lock_guard lock(m_mutex);
            for (const auto& volume : filter_volumes(store, body)) {
                ids.push_back(volume.id);
            }
            return json_reply(id_list("volume_ids", ids));
        }
        case Call::inspect: {
            const std::string& id = params.at("volume_id");
            if (id.empty()) {
                throw RpcError{k_invalid_argument, "Must supply volume id"};
            }
            Json reply;
            {
                std::lock_guard lock(m_mutex);
                const Volume* volume = store.find(id);
                if (volume == nullptr) {
                    throw RpcError{k_not_found, not_found_message(id)};
                }
                reply = to_json(*volume, false);
            }
            return json_reply(finish_inspect(ctx, std::move(reply)));
        }
        case Call::inspect_with_filters: {
            std::vector<Json> found;
            {
                std::lock_guard lock(m_mutex);
                for (const auto& volume : filter_volumes(store, body)) {
                    found.push_back(to_json(volume, false));
                }
            }
            Json list = Json::array();
            for (auto& item : finish_inspect_all(ctx, std::move(found))) {
                list.push_back(std::move(item));
            }
            Json reply = Json::object();
            if (!list.empty()) {
                reply["volumes"] = list;
            }
            return json_reply(reply);
        }
        case Call::snapshot_enumerate: {
            std::lock_guard lock(m_mutex);
            return json_reply(
                id_list("volume_snapshot_ids",
                        list_snapshots(store, query_param(request, "volume_id"), {})));
        }
        case Call::snapshot_enumerate_with_filters: {
            const Labels labels = labels_field(body, "labels");
            std::lock_guard lock(m_mutex);
            return json_reply(id_list("volume_snapshot_ids",
                                      list_snapshots(store, params.at("volume_id"), labels)));
        }
        case Call::snapshot_restore:
            return json_reply(call_restore(ctx, body));
        case Call::update:
            return json_reply(call_update(ctx, body));
        case Call::remove:
            return json_reply(call_delete(ctx));
        case Call::stats:
        case Call::capacity_usage: {
            const std::string& id = params.at("volume_id");
            std::lock_guard lock(m_mutex);
            const Volume* volume = store.find(id);
            if (volume == nullptr) {
                throw RpcError{k_not_found, not_found_message(id)};
            }
            // pxsim stores no data: nothing is used, and zero counters are omitted.
            return json_reply(route->call == Call::stats
                                  ? Json{{"stats", Json::object()}}
                                  : Json{{"capacity_usage_info", Json::object()}});
        }
        case Call::backup_schedules:
            return json_reply(Json::object());
        case Call::node_inspect:
        case Call::node_inspect_current:
        case Call::snapshot_schedule_update:
        // On the recorded server these crash osd (group, size, credential update, references)
        // or are not what pxclone calls.
        case Call::credential_update:
        case Call::credential_delete_references:
        case Call::backup_group_create:
        case Call::backup_catalog:
        case Call::backup_history:
        case Call::backup_state_change:
        case Call::backup_size:
            break;
        default:
            return json_reply(cloud_call(static_cast<int>(route->call), request, params, body));
        }
        throw RpcError{k_unimplemented, "pxsim does not implement " + request.method + " " +
                                            std::string(route->pattern)};
    } catch (const RpcError& error) {
        return error_reply(error);
    } catch (const std::exception& error) {
        // A bug in pxsim must not take the server down: answer as the gateway answers a panic.
        return error_reply(RpcError{k_internal, std::string("pxsim: ") + error.what()});
    }
}

} // namespace pxsim
