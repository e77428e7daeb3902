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

namespace pxsim {

namespace {

using Json = nlohmann::json;
using Labels = std::map<std::string, std::string>;

// gRPC status codes the gateway maps to HTTP statuses.
enum GrpcCode : int {
    k_invalid_argument = 3,
    k_not_found = 5,
    k_already_exists = 6,
    k_failed_precondition = 9,
    k_unimplemented = 12,
    k_internal = 13,
};

// A failed call: the gRPC status the SDK server would return.
struct RpcError {
    int code;
    std::string message;
};

int http_status_of(int code) {
    // grpc-gateway's HTTPStatusFromCode.
    switch (code) {
    case 0:
        return 200;
    case 1:
        return 408;
    case 3:
    case 9:
    case 11:
        return 400;
    case 4:
        return 504;
    case 5:
        return 404;
    case 6:
    case 10:
        return 409;
    case 7:
        return 403;
    case 8:
        return 429;
    case 12:
        return 501;
    case 14:
        return 503;
    case 16:
        return 401;
    default:
        return 500;
    }
}

SimReply json_reply(const Json& body) {
    SimReply reply;
    reply.status = 200;
    reply.content_type = "application/json";
    reply.body = body.dump();
    return reply;
}

// The gateway's error body. The recorded real replies carry exactly error, code and message: no
// "details" key (grpc-gateway omits an empty details list).
SimReply error_reply(const RpcError& error) {
    SimReply reply;
    reply.status = http_status_of(error.code);
    reply.content_type = "application/json";
    reply.body =
        Json{{"error", error.message}, {"code", error.code}, {"message", error.message}}.dump();
    return reply;
}

// Unknown routes and methods get net/http's plain-text errors from the gateway's mux, not JSON.
SimReply plain_reply(int status, const std::string& text) {
    SimReply reply;
    reply.status = status;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = text + "\n";
    return reply;
}

// --- time -------------------------------------------------------------------------------------

// RFC 3339 as protobuf's JSON mapping writes a Timestamp: UTC, "Z", 0, 3, 6 or 9 fraction digits.
std::string format_timestamp(std::chrono::system_clock::time_point time) {
    const auto since_epoch =
        std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    std::int64_t seconds = since_epoch / 1'000'000'000;
    std::int64_t nanos = since_epoch % 1'000'000'000;
    if (nanos < 0) {
        nanos += 1'000'000'000;
        seconds -= 1;
    }
    const auto as_time_t = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&as_time_t, &parts);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
    std::string text = buffer;
    if (nanos != 0) {
        char fraction[16];
        if (nanos % 1'000'000 == 0) {
            std::snprintf(fraction, sizeof fraction, ".%03lld",
                          static_cast<long long>(nanos / 1'000'000));
        } else if (nanos % 1'000 == 0) {
            std::snprintf(fraction, sizeof fraction, ".%06lld",
                          static_cast<long long>(nanos / 1'000));
        } else {
            std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
        }
        text += fraction;
    }
    return text + "Z";
}

// Parses what format_timestamp writes, and offsets ("+02:00"); nullopt when it is not RFC 3339.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(const std::string& text) {
    std::tm parts{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    std::size_t position = static_cast<std::size_t>(consumed);
    std::int64_t nanos = 0;
    if (position < text.size() && text[position] == '.') {
        ++position;
        int digits = 0;
        while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
            if (digits < 9) {
                nanos = nanos * 10 + (text[position] - '0');
                ++digits;
            }
            ++position;
        }
        for (; digits < 9; ++digits) {
            nanos *= 10;
        }
    }
    std::int64_t offset_seconds = 0;
    if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
        int hours = 0;
        int minutes = 0;
        if (std::sscanf(text.c_str() + position + 1, "%2d:%2d", &hours, &minutes) != 2) {
            return std::nullopt;
        }
        offset_seconds = (hours * 3600 + minutes * 60) * (text[position] == '+' ? 1 : -1);
    } else if (position >= text.size() || (text[position] != 'Z' && text[position] != 'z')) {
        return std::nullopt;
    }
    const std::int64_t seconds = static_cast<std::int64_t>(timegm(&parts)) - offset_seconds;
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

// --- request decoding (protobuf JSON mapping) ---------------------------------------------------

std::string snake_case(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') {
            out += '_';
            out += static_cast<char>(c - 'A' + 'a');
        } else {
            out += c;
        }
    }
    return out;
}

std::string camel_case(const std::string& name) {
    std::string out;
    bool upper = false;
    for (char c : name) {
        if (c == '_') {
            upper = true;
        } else if (upper && c >= 'a' && c <= 'z') {
            out += static_cast<char>(c - 'a' + 'A');
            upper = false;
        } else {
            out += c;
            upper = false;
        }
    }
    return out;
}

// The request field by its proto name or its lowerCamel JSON name (both are accepted); nullptr
// when absent or null.
const Json* field(const Json& message, const std::string& proto_name) {
    for (const auto& name : {proto_name, camel_case(proto_name)}) {
        const auto found = message.find(name);
        if (found != message.end() && !found->is_null()) {
            return &*found;
        }
    }
    return nullptr;
}

std::string json_type_name(const Json& value) {
    if (value.is_number()) {
        return "number";
    }
    if (value.is_boolean()) {
        return "bool";
    }
    if (value.is_array()) {
        return "array";
    }
    if (value.is_object()) {
        return "object";
    }
    return "string";
}

std::string string_field(const Json& message, const std::string& name) {
    const Json* value = field(message, name);
    if (value == nullptr) {
        return {};
    }
    if (!value->is_string()) {
        throw RpcError{k_invalid_argument, "json: cannot unmarshal " + json_type_name(*value) +
                                               " into Go value of type string"};
    }
    return value->get<std::string>();
}

Labels labels_field(const Json& message, const std::string& name) {
    Labels labels;
    const Json* value = field(message, name);
    if (value == nullptr) {
        return labels;
    }
    if (!value->is_object()) {
        throw RpcError{k_invalid_argument, "json: cannot unmarshal " + json_type_name(*value) +
                                               " into Go value of type map[string]string"};
    }
    for (const auto& [key, item] : value->items()) {
        if (!item.is_string()) {
            throw RpcError{k_invalid_argument, "json: cannot unmarshal " + json_type_name(item) +
                                                   " into Go value of type string"};
        }
        labels[key] = item.get<std::string>();
    }
    return labels;
}

// A 64-bit integer field: the mapping writes it as a string but accepts a number too.
std::int64_t int64_value(const Json& value) {
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    if (value.is_string()) {
        const auto text = value.get<std::string>();
        std::size_t used = 0;
        try {
            const long long parsed = std::stoll(text, &used);
            if (used == text.size()) {
                return parsed;
            }
        } catch (const std::exception&) {
        }
        throw RpcError{k_invalid_argument,
                       "strconv.ParseInt: parsing \"" + text + "\": invalid syntax"};
    }
    throw RpcError{k_invalid_argument, "json: cannot unmarshal " + json_type_name(value) +
                                           " into Go value of type int64"};
}

Json parse_body(const std::string& body) {
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        // grpc-gateway treats an empty body (io.EOF) as an empty request message.
        return Json::object();
    }
    try {
        Json parsed = Json::parse(body);
        if (parsed.is_null()) {
            return Json::object();
        }
        if (!parsed.is_object()) {
            throw RpcError{k_invalid_argument,
                           "json: cannot unmarshal " + json_type_name(parsed) +
                               " into Go value of type map[string]json.RawMessage"};
        }
        return parsed;
    } catch (const Json::parse_error& error) {
        // Go's decoder: a document cut short is "unexpected EOF"; otherwise a bad character.
        if (error.byte >= body.size() ||
            body.find_first_not_of(" \t\r\n", error.byte - 1) == std::string::npos) {
            throw RpcError{k_invalid_argument, "unexpected EOF"};
        }
        const std::size_t at = error.byte == 0 ? 0 : error.byte - 1;
        throw RpcError{k_invalid_argument, std::string("invalid character '") + body[at] +
                                               "' looking for beginning of value"};
    }
}

// The VolumeSpec fields pxsim keeps (others are dropped, as unknown fields are by the gateway;
// `passphrase` too, so that no secret reaches an inspect reply or /_sim/state).
const std::vector<std::string>& spec_fields() {
    static const std::vector<std::string> k_fields = {"ephemeral",
                                                      "size",
                                                      "format",
                                                      "block_size",
                                                      "ha_level",
                                                      "cos",
                                                      "io_profile",
                                                      "dedupe",
                                                      "snapshot_interval",
                                                      "shared",
                                                      "replica_set",
                                                      "aggregation_level",
                                                      "encrypted",
                                                      "snapshot_schedule",
                                                      "scale",
                                                      "sticky",
                                                      "group",
                                                      "group_enforced",
                                                      "compressed",
                                                      "cascaded",
                                                      "journal",
                                                      "sharedv4",
                                                      "queue_depth",
                                                      "ownership",
                                                      "nodiscard",
                                                      "io_strategy",
                                                      "placement_strategy",
                                                      "storage_policy",
                                                      "export_spec",
                                                      "fp_preference",
                                                      "mount_options",
                                                      "sharedv4_mount_options",
                                                      "proxy_write",
                                                      "proxy_spec",
                                                      "sharedv4_service_spec",
                                                      "sharedv4_spec",
                                                      "auto_fstrim",
                                                      "io_throttle",
                                                      "readahead",
                                                      "winshare",
                                                      "near_sync",
                                                      "volume_labels"};
    return k_fields;
}

// Proto names of VolumeSpec's 64-bit fields, written as JSON strings.
bool is_int64_spec_field(const std::string& name) {
    return name == "size" || name == "ha_level" || name == "block_size";
}

std::string enum_name(const std::string& field_name, std::int64_t number) {
    static const std::vector<std::string> k_fs = {"FS_TYPE_NONE", "FS_TYPE_BTRFS", "FS_TYPE_EXT4",
                                                  "FS_TYPE_FUSE", "FS_TYPE_NFS",   "FS_TYPE_VFS",
                                                  "FS_TYPE_XFS",  "FS_TYPE_ZFS",   "FS_TYPE_XFSv2"};
    static const std::vector<std::string> k_cos = {"NONE", "LOW", "MEDIUM", "HIGH"};
    const auto& table = field_name == "format" ? k_fs : k_cos;
    if (number < 0 || number >= static_cast<std::int64_t>(table.size())) {
        return std::to_string(number);
    }
    return table[static_cast<std::size_t>(number)];
}

bool is_zero_value(const Json& value) {
    return value.is_null() || (value.is_boolean() && !value.get<bool>()) ||
           (value.is_number() && value == 0) || (value.is_string() && value.empty()) ||
           (value.is_array() && value.empty());
}

// Recursively: lowerCamel keys to snake_case, zero values dropped.
Json normalize_message(const Json& message) {
    if (!message.is_object()) {
        return message;
    }
    Json out = Json::object();
    for (const auto& [key, value] : message.items()) {
        Json item = value.is_object() ? normalize_message(value) : value;
        if (!item.is_object() && is_zero_value(item)) {
            continue;
        }
        out[snake_case(key)] = item;
    }
    return out;
}

// A request's VolumeSpec in the reply form: snake_case, int64 as strings, enums by name, zero
// values omitted, unknown fields dropped.
Json normalize_spec(const Json& spec) {
    if (!spec.is_object()) {
        throw RpcError{k_invalid_argument, "json: cannot unmarshal " + json_type_name(spec) +
                                               " into Go value of type api.VolumeSpec"};
    }
    Json out = Json::object();
    for (const auto& name : spec_fields()) {
        const Json* value = field(spec, name);
        if (value == nullptr) {
            continue;
        }
        Json item = *value;
        if (is_int64_spec_field(name)) {
            const std::int64_t number = int64_value(item);
            if (number == 0) {
                continue;
            }
            item = std::to_string(number);
        } else if ((name == "format" || name == "cos") && item.is_number_integer()) {
            item = enum_name(name, item.get<std::int64_t>());
        } else if (item.is_object()) {
            item = normalize_message(item);
        }
        if (!item.is_object() &&
            (is_zero_value(item) || item == "FS_TYPE_NONE" || (name == "cos" && item == "NONE"))) {
            continue;
        }
        out[name] = item;
    }
    return out;
}

std::int64_t spec_int(const Json& spec, const std::string& name) {
    const auto found = spec.find(name);
    return found == spec.end() ? 0 : int64_value(*found);
}

// The query parameter by proto or lowerCamel name (GET requests carry non-path fields there).
std::string query_param(const SimRequest& request, const std::string& name) {
    for (const auto& key : {name, camel_case(name)}) {
        const auto found = request.query.find(key);
        if (found != request.query.end()) {
            return found->second;
        }
    }
    return {};
}

bool labels_match(const Labels& have, const Labels& want) {
    return std::all_of(want.begin(), want.end(), [&](const auto& item) {
        const auto found = have.find(item.first);
        return found != have.end() && found->second == item.second;
    });
}

// Deterministic UUID-shaped ids (the real server's ids are version-4 UUIDs): a counter through
// splitmix64, so a reset simulator hands out the same sequence again.
std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string uuid_from_counter(std::uint64_t counter) {
    std::uint64_t high = splitmix64(counter * 2);
    std::uint64_t low = splitmix64(counter * 2 + 1);
    high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL; // version 4
    low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;   // RFC 4122 variant
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(high >> 32),
                  static_cast<unsigned long long>((high >> 16) & 0xffff),
                  static_cast<unsigned long long>(high & 0xffff),
                  static_cast<unsigned long long>(low >> 48),
                  static_cast<unsigned long long>(low & 0xffffffffffffULL));
    return buffer;
}

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

const char* k_node_id = "1";

// --- state
// ----------------------------------------------------------------------------------------

struct VolumeRecord {
    std::string id;
    std::string name;
    Labels labels;
    std::string parent;    // source.parent: the volume of a snapshot, the parent of a clone
    bool snapshot = false; // a read-only snapshot (what SnapshotEnumerate lists)
    Json spec = Json::object();
    std::chrono::system_clock::time_point ctime;
    std::string format = "FS_TYPE_XFS"; // Volume.format as the reference server reports it
    // What the volume holds, modelled as one string (not in any SDK reply; /_sim/state shows it
    // as "sim_data"): a snapshot or clone starts with its parent's, a restore takes the
    // snapshot's, tests write it through PUT /_sim/volume-data/{id}.
    std::string data;
};

using Volume = VolumeRecord;

struct Store {
    std::map<std::string, Volume> volumes;
    std::vector<std::string> order; // creation order, for enumerations
    std::uint64_t id_counter = 0;

    Volume* find(const std::string& id) {
        const auto found = volumes.find(id);
        return found == volumes.end() ? nullptr : &found->second;
    }

    // util.VolumeFromName: by id first, then the first volume (in creation order) with that name.
    Volume* find_by_name(const std::string& name) {
        if (Volume* by_id = find(name)) {
            return by_id;
        }
        for (const auto& id : order) {
            Volume& volume = volumes.at(id);
            if (volume.name == name) {
                return &volume;
            }
        }
        return nullptr;
    }

    std::string new_id() {
        std::string id;
        do {
            id = uuid_from_counter(++id_counter);
        } while (volumes.count(id) != 0);
        return id;
    }

    Volume& insert(Volume volume) {
        const std::string id = volume.id;
        order.push_back(id);
        return volumes[id] = std::move(volume);
    }

    // A new snapshot or clone of `parent`: a fresh id, and the parent's spec (size, HA level,
    // labels aside) and filesystem.
    Volume& insert_child(const Volume& parent, std::string name, Labels labels, bool snapshot,
                         std::chrono::system_clock::time_point ctime) {
        Volume child;
        child.id = new_id();
        child.name = std::move(name);
        child.labels = std::move(labels);
        child.parent = parent.id;
        child.snapshot = snapshot;
        child.spec = parent.spec;
        child.format = parent.format;
        child.data = parent.data;
        child.ctime = ctime;
        return insert(std::move(child));
    }

    void erase(const std::string& id) {
        if (volumes.erase(id) != 0) {
            order.erase(std::remove(order.begin(), order.end(), id), order.end());
        }
    }
};

// The inspect reply shape: {volume, name, labels}.
Json to_json(const Volume& volume, bool attached) {
    Json locator = {{"name", volume.name}};
    if (!volume.labels.empty()) {
        locator["volume_labels"] = volume.labels;
    }
    Json source = Json::object();
    if (!volume.parent.empty()) {
        source["parent"] = volume.parent;
    }
    Json body = {{"id", volume.id},
                 {"source", source},
                 {"locator", locator},
                 {"ctime", format_timestamp(volume.ctime)},
                 {"spec", volume.spec},
                 {"last_scan", format_timestamp(volume.ctime)},
                 {"format", volume.format},
                 {"status", "VOLUME_STATUS_UP"},
                 {"state", attached ? "VOLUME_STATE_ATTACHED" : "VOLUME_STATE_AVAILABLE"}};
    if (attached) {
        body["attached_on"] = k_node_id;
    }
    Json reply = {{"volume", body}, {"name", volume.name}};
    if (!volume.labels.empty()) {
        reply["labels"] = volume.labels;
    }
    return reply;
}

std::string not_found_message(const std::string& id) {
    return "Volume id " + id + " not found";
}

} // namespace

struct PxApi::State {
    Store store;
};

PxApi::PxApi(PxHooks hooks) : m_hooks(std::move(hooks)), m_state(std::make_shared<State>()) {}

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

Json call_cluster_inspect_current() {
    return {
        {"cluster", {{"id", "pxsim-cluster"}, {"name", "pxsim-cluster"}, {"status", "STATUS_OK"}}}};
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
            return json_reply(call_cluster_inspect_current());
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
        case Call::node_inspect:
        case Call::node_inspect_current:
        case Call::snapshot_schedule_update:
            break;
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

// --- the C++ side for the Kubernetes controllers
// ------------------------------------------------------

void PxApi::load_volume(const nlohmann::json& document) {
    if (!document.is_object()) {
        throw std::invalid_argument("pxsim: a Portworx volume in the state is not an object");
    }
    const Json& source = document.contains("volume") ? document.at("volume") : document;
    Volume volume;
    try {
        volume.id = source.value("id", std::string());
        if (volume.id.empty()) {
            throw std::invalid_argument("pxsim: a Portworx volume in the state has no \"id\"");
        }
        const Json empty = Json::object();
        const Json& locator = source.contains("locator") ? source.at("locator") : empty;
        volume.name = locator.value("name", document.value("name", volume.id));
        volume.labels = labels_field(locator, "volume_labels");
        if (volume.labels.empty()) {
            volume.labels = labels_field(document, "labels");
        }
        volume.spec = source.contains("spec") ? normalize_spec(source.at("spec")) : Json::object();
        volume.spec.erase("volume_labels");
        volume.parent = source.value("source", empty).value("parent", std::string());
        // A seeded volume with a parent is a snapshot when marked read-only (as Portworx marks
        // them, and as dump() writes them) or explicitly; otherwise it is a clone.
        volume.snapshot = !volume.parent.empty() &&
                          (source.value("readonly", false) || document.value("snapshot", false));
        volume.format = source.value("format", std::string("FS_TYPE_XFS"));
        volume.data = document.value("sim_data", std::string());
        const std::string ctime_text = source.value("ctime", std::string());
        const auto ctime = parse_timestamp(ctime_text);
        if (!ctime_text.empty() && !ctime) {
            throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": ctime \"" +
                                        ctime_text + "\" is not an RFC 3339 timestamp");
        }
        volume.ctime = ctime ? *ctime : m_hooks.now();
    } catch (const RpcError& error) {
        throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": " + error.message);
    } catch (const Json::exception& error) {
        throw std::invalid_argument("pxsim: Portworx volume " + volume.id + ": " + error.what());
    }
    std::lock_guard lock(m_mutex);
    m_state->store.erase(volume.id);
    m_state->store.insert(std::move(volume));
}

std::string PxApi::create_volume(const std::string& name, std::int64_t size_bytes,
                                 const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    if (const Volume* existing = m_state->store.find_by_name(name)) {
        return existing->id;
    }
    Volume volume;
    volume.id = m_state->store.new_id();
    volume.name = name;
    volume.labels = labels;
    volume.spec = {{"size", std::to_string(size_bytes)}, {"ha_level", "1"}};
    volume.ctime = now;
    return m_state->store.insert(std::move(volume)).id;
}

std::optional<std::string>
PxApi::create_snapshot(const std::string& volume_id, const std::string& name,
                       const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    const Volume* parent = m_state->store.find(volume_id);
    if (parent == nullptr) {
        return std::nullopt;
    }
    return m_state->store.insert_child(*parent, name, labels, true, now).id;
}

std::optional<std::string> PxApi::clone_volume(const std::string& parent_id,
                                               const std::string& name,
                                               const std::map<std::string, std::string>& labels) {
    const auto now = m_hooks.now();
    std::lock_guard lock(m_mutex);
    const Volume* parent = m_state->store.find(parent_id);
    if (parent == nullptr) {
        return std::nullopt;
    }
    if (const Volume* existing = m_state->store.find_by_name(name)) {
        if (existing->parent == parent_id) {
            return existing->id;
        }
        return std::nullopt;
    }
    return m_state->store.insert_child(*parent, name, labels, false, now).id;
}

void PxApi::delete_volume(const std::string& volume_id) {
    std::lock_guard lock(m_mutex);
    m_state->store.erase(volume_id);
}

std::optional<nlohmann::json> PxApi::inspect(const std::string& volume_id) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_state->store.volumes.find(volume_id);
    if (found == m_state->store.volumes.end()) {
        return std::nullopt;
    }
    return to_json(found->second, false);
}

nlohmann::json PxApi::dump() const {
    std::lock_guard lock(m_mutex);
    Json list = Json::array();
    for (const auto& [id, volume] : m_state->store.volumes) {
        Json item = to_json(volume, false);
        if (volume.snapshot) {
            // Not in the gateway's replies (the reference server omits it), but it lets
            // load_volume tell a snapshot from a clone when a dump seeds a simulator.
            item["volume"]["readonly"] = true;
        }
        if (!volume.data.empty()) {
            item["sim_data"] = volume.data;
        }
        list.push_back(std::move(item));
    }
    return list;
}

bool PxApi::write_data(const std::string& volume_id, const std::string& data) {
    std::lock_guard lock(m_mutex);
    Volume* volume = m_state->store.find(volume_id);
    if (volume == nullptr || volume->snapshot) {
        return false;
    }
    volume->data = data;
    return true;
}

void PxApi::reset() {
    std::lock_guard lock(m_mutex);
    m_state->store = Store{};
}

} // namespace pxsim
