#include "pxclone/px/types.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace pxclone::px {

namespace {

using nlohmann::json;

void put_labels(json& out, const char* key, const Labels& labels) {
    if (!labels.empty()) {
        out[key] = labels;
    }
}

void put_string(json& out, const char* key, const std::string& value) {
    if (!value.empty()) {
        out[key] = value;
    }
}

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

Labels labels_at(const json& object, const char* key) {
    Labels out;
    if (!object.is_object()) {
        return out;
    }
    const auto it = object.find(key);
    if (it == object.end() || !it->is_object()) {
        return out;
    }
    for (const auto& [name, value] : it->items()) {
        if (value.is_string()) {
            out[name] = value.get<std::string>();
        }
    }
    return out;
}

std::int64_t int64_at(const json& object, const char* key) {
    if (!object.is_object()) {
        return 0;
    }
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return 0;
    }
    try {
        return parse_int64(*it);
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument(std::string("field ") + key + " is not a 64-bit integer");
    }
}

int int_at(const json& object, const char* key) {
    return static_cast<int>(int64_at(object, key));
}

} // namespace

std::int64_t parse_int64(const json& value) {
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::int64_t out = 0;
        const auto* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, out);
        if (ec == std::errc() && ptr == end && !text.empty()) {
            return out;
        }
    }
    throw std::invalid_argument("not a 64-bit integer: " + value.dump());
}

std::string int64_string(std::int64_t value) {
    return std::to_string(value);
}

json to_json(const VolumeSpec& spec) {
    json out = spec.extra.is_object() ? spec.extra : json::object();
    if (spec.size != 0) {
        out["size"] = int64_string(spec.size);
    }
    if (spec.ha_level != 0) {
        out["ha_level"] = int64_string(spec.ha_level);
    }
    put_string(out, "format", spec.format);
    put_string(out, "cos", spec.cos);
    return out;
}

json to_json(const CreateVolumeRequest& request) {
    json out = json::object();
    put_string(out, "name", request.name);
    out["spec"] = to_json(request.spec);
    put_labels(out, "labels", request.labels);
    return out;
}

json to_json(const CloneRequest& request) {
    json out = json::object();
    put_string(out, "name", request.name);
    put_string(out, "parent_id", request.parent_id);
    put_labels(out, "additional_labels", request.additional_labels);
    return out;
}

json to_json(const VolumeFilter& filter) {
    json out = json::object();
    put_string(out, "name", filter.name);
    put_labels(out, "labels", filter.labels);
    if (!filter.owner.empty()) {
        out["ownership"] = {{"owner", filter.owner}};
    }
    if (!filter.group.empty()) {
        out["group"] = {{"id", filter.group}};
    }
    return out;
}

json to_json(const SnapshotCreateRequest& request) {
    json out = json::object();
    put_string(out, "volume_id", request.volume_id);
    put_string(out, "name", request.name);
    put_labels(out, "labels", request.labels);
    return out;
}

VersionInfo parse_version(const json& reply) {
    VersionInfo out;
    const auto sdk = reply.is_object() ? reply.value("sdk_version", json::object()) : json{};
    out.sdk_major = int_at(sdk, "major");
    out.sdk_minor = int_at(sdk, "minor");
    out.sdk_patch = int_at(sdk, "patch");
    out.sdk_version = string_at(sdk, "version");
    const auto version = reply.is_object() ? reply.value("version", json::object()) : json{};
    out.driver = string_at(version, "driver");
    out.driver_version = string_at(version, "version");
    out.details = labels_at(version, "details");
    return out;
}

VolumeSpec parse_spec(const json& spec) {
    VolumeSpec out;
    if (!spec.is_object()) {
        return out;
    }
    out.size = int64_at(spec, "size");
    out.ha_level = int64_at(spec, "ha_level");
    out.format = string_at(spec, "format");
    out.cos = string_at(spec, "cos");
    out.extra = spec;
    for (const auto* key : {"size", "ha_level", "format", "cos"}) {
        out.extra.erase(key);
    }
    return out;
}

Volume parse_volume(const json& reply) {
    const auto nested = reply.is_object() && reply.contains("volume");
    const auto& volume = nested ? reply.at("volume") : reply;
    if (!volume.is_object()) {
        throw std::invalid_argument("the volume is not an object");
    }
    if (const auto id = volume.find("id"); id != volume.end() && !id->is_string()) {
        throw std::invalid_argument("field id is not a string");
    }
    Volume out;
    out.id = string_at(volume, "id");
    out.parent = string_at(volume.value("source", json::object()), "parent");
    const auto locator = volume.is_object() ? volume.value("locator", json::object()) : json{};
    out.name = string_at(locator, "name");
    out.labels = labels_at(locator, "volume_labels");
    if (nested) {
        // The reply's top-level name and labels are the authoritative copies.
        if (auto name = string_at(reply, "name"); !name.empty()) {
            out.name = std::move(name);
        }
        if (reply.contains("labels")) {
            out.labels = labels_at(reply, "labels");
        }
    }
    out.ctime = string_at(volume, "ctime");
    out.spec = parse_spec(volume.is_object() ? volume.value("spec", json::object()) : json{});
    out.usage = int64_at(volume, "usage");
    out.status = string_at(volume, "status");
    out.state = string_at(volume, "state");
    if (volume.is_object()) {
        if (const auto it = volume.find("attached_on"); it != volume.end() && it->is_string()) {
            out.attached_on = it->get<std::string>();
        }
        if (const auto it = volume.find("readonly"); it != volume.end() && it->is_boolean()) {
            out.readonly = it->get<bool>();
        }
    }
    return out;
}

std::string grpc_code_name(int code) {
    static constexpr std::array<const char*, 17> k_names{
        "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
        "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
        "DataLoss", "Unauthenticated"};
    if (code >= 0 && code < static_cast<int>(k_names.size())) {
        return k_names[static_cast<std::size_t>(code)];
    }
    return "code " + std::to_string(code);
}

} // namespace pxclone::px
