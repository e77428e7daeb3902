#include "px_wire.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace pxsim::px {

namespace {

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

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

SimReply json_reply(const Json& body) {
    SimReply reply;
    reply.status = 200;
    reply.content_type = "application/json";
    reply.body = body.dump();
    return reply;
}

SimReply error_reply(const RpcError& error) {
    SimReply reply;
    reply.status = http_status_of(error.code);
    reply.content_type = "application/json";
    reply.body =
        Json{{"error", error.message}, {"code", error.code}, {"message", error.message}}.dump();
    return reply;
}

SimReply plain_reply(int status, const std::string& text) {
    SimReply reply;
    reply.status = status;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = text + "\n";
    return reply;
}

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

const Json* field(const Json& message, const std::string& proto_name) {
    for (const auto& name : {proto_name, camel_case(proto_name)}) {
        const auto found = message.find(name);
        if (found != message.end() && !found->is_null()) {
            return &*found;
        }
    }
    return nullptr;
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
        // Inside a literal (null, true, false) Go names the literal and the letter it expected.
        for (const std::string literal : {"null", "true", "false"}) {
            const std::size_t length = at - first;
            if (at > first && length < literal.size() &&
                body.compare(first, length, literal, 0, length) == 0) {
                throw RpcError{k_invalid_argument, std::string("invalid character '") + body[at] +
                                                       "' in literal " + literal + " (expecting '" +
                                                       literal[length] + "')"};
            }
        }
        throw RpcError{k_invalid_argument, std::string("invalid character '") + body[at] +
                                               "' looking for beginning of value"};
    }
}

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

} // namespace pxsim::px
