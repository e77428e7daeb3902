// The OpenStorage SDK REST gateway's wire format, as pxsim's Portworx side (px_api.cpp) speaks
// it: gRPC status codes and error bodies, protobuf's JSON mapping of requests (proto or
// lowerCamel names, int64 as strings, enums by name), Timestamps, and deterministic ids.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim_http.hpp"

namespace pxsim::px {

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

// A 200 reply with a JSON body.
SimReply json_reply(const Json& body);
// The gateway's error body. The recorded real replies carry exactly error, code and message: no
// "details" key (grpc-gateway omits an empty details list).
SimReply error_reply(const RpcError& error);
// Unknown routes and methods get net/http's plain-text errors from the gateway's mux, not JSON.
SimReply plain_reply(int status, const std::string& text);
// RFC 3339 as protobuf's JSON mapping writes a Timestamp: UTC, "Z", 0, 3, 6 or 9 fraction digits.
std::string format_timestamp(std::chrono::system_clock::time_point time);
// Parses what format_timestamp writes, and offsets ("+02:00"); nullopt when it is not RFC 3339.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(const std::string& text);
// The request field by its proto name or its lowerCamel JSON name (both are accepted); nullptr
// when absent or null.
const Json* field(const Json& message, const std::string& proto_name);
// A string field ("" when absent); throws RpcError (InvalidArgument) with Go's unmarshal message
// for another JSON type, as the gateway does. labels_field likewise for a string map.
std::string string_field(const Json& message, const std::string& name);
Labels labels_field(const Json& message, const std::string& name);
// A request body as grpc-gateway decodes it: empty or null is an empty message; throws RpcError
// (InvalidArgument, Go's decoder message) for malformed JSON or a non-object.
Json parse_body(const std::string& body);
// A request's VolumeSpec in the reply form: snake_case, int64 as strings, enums by name, zero
// values omitted, unknown fields dropped.
Json normalize_spec(const Json& spec);
// An int64 field of a normalized spec (0 when absent).
std::int64_t spec_int(const Json& spec, const std::string& name);
// The query parameter by proto or lowerCamel name (GET requests carry non-path fields there).
std::string query_param(const SimRequest& request, const std::string& name);
// True when `have` carries every label of `want`.
bool labels_match(const Labels& have, const Labels& want);
// Deterministic UUID-shaped ids (the real server's ids are version-4 UUIDs): a counter through
// splitmix64, so a reset simulator hands out the same sequence again.
std::string uuid_from_counter(std::uint64_t counter);

} // namespace pxsim::px
