// Requests and replies of the OpenStorage SDK REST gateway (openstorage's api.proto) as plain
// structs, and their JSON encoding: snake_case names, 64-bit integers as strings both ways, enums
// by name, zero values omitted. Pure; tested on JSON without HTTP.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::px {

using Labels = std::map<std::string, std::string>;

// `GET /v1/identities/version`.
struct VersionInfo {
    int sdk_major = 0;
    int sdk_minor = 0;
    int sdk_patch = 0;
    std::string sdk_version;    // "0.186.0"
    std::string driver;         // "pxd" on Portworx, "fake" on the reference server
    std::string driver_version; // "3.1.0.0-..."
    Labels details;
};

// The part of `VolumeSpec` pxclone reads and writes; other fields are kept in `extra` as received
// so that a spec read from one volume can be sent for another unchanged.
struct VolumeSpec {
    std::int64_t size = 0;     // bytes
    std::int64_t ha_level = 0; // replicas; the server refuses 0
    std::string format;        // "FS_TYPE_EXT4"
    std::string cos;           // "HIGH", "MEDIUM", "LOW"
    nlohmann::json extra = nlohmann::json::object();
};

// A volume, snapshot or clone as inspect reports it (snapshots and clones are volumes).
struct Volume {
    std::string id;
    std::string parent; // source.parent: a snapshot's volume, a clone's snapshot; "" for neither
    std::string name;   // locator.name
    Labels labels;      // locator.volume_labels
    std::string ctime;  // RFC 3339
    VolumeSpec spec;
    std::int64_t usage = 0; // bytes used
    std::string status;     // "VOLUME_STATUS_UP"
    std::string state;      // "VOLUME_STATE_AVAILABLE", "VOLUME_STATE_ATTACHED", ...
    std::string attached_on;
    bool readonly = false;

    bool attached() const { return state == "VOLUME_STATE_ATTACHED"; }
};

struct CreateVolumeRequest {
    std::string name;
    VolumeSpec spec;
    Labels labels;
};

struct CloneRequest {
    std::string name;
    std::string parent_id; // a volume or snapshot id
    Labels additional_labels;
};

// For inspectwithfilters and enumerate-with-filters: every set field must match. Top-level
// fields, as the gateway wants (a `locator` object would be ignored and match everything).
struct VolumeFilter {
    std::string name;
    Labels labels;
    std::string owner; // ownership.owner
    std::string group; // group.id
};

struct SnapshotCreateRequest {
    std::string volume_id;
    std::string name; // required by the server; not unique
    Labels labels;
};

// Encoders (zero values omitted).
nlohmann::json to_json(const VolumeSpec& spec);
nlohmann::json to_json(const CreateVolumeRequest& request);
nlohmann::json to_json(const CloneRequest& request);
nlohmann::json to_json(const VolumeFilter& filter);
nlohmann::json to_json(const SnapshotCreateRequest& request);

// Decoders: lenient about absent fields (zero values), strict about types only where a wrong type
// means this is not the SDK (they then throw std::invalid_argument naming the field).
VersionInfo parse_version(const nlohmann::json& reply);
VolumeSpec parse_spec(const nlohmann::json& spec);
// Accepts an inspect reply ({volume, name, labels}) or a bare volume object.
Volume parse_volume(const nlohmann::json& reply);

// 64-bit integers travel as decimal strings; a JSON number is accepted too. Throws
// std::invalid_argument for anything else.
std::int64_t parse_int64(const nlohmann::json& value);
std::string int64_string(std::int64_t value);

// gRPC status code names: 5 -> "NotFound", 16 -> "Unauthenticated"; "code N" when unknown.
std::string grpc_code_name(int code);

} // namespace pxclone::px
