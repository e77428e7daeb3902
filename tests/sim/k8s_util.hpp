// Small pure helpers of pxsim's Kubernetes side: quantities, label and field selectors, timestamps,
// Status bodies and name validation, all as the real API server spells them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxsim {

using Json = nlohmann::json;

// "2026-11-27T09:12:16Z" (RFC 3339, whole seconds, UTC), as metadata timestamps are written.
std::string format_time(std::chrono::system_clock::time_point time);

// Bytes of a resource quantity ("1Gi", "500M", "1073741824", "1.5Gi"); nullopt when malformed.
std::optional<std::int64_t> parse_quantity(const std::string& text);
// The shortest binary-suffixed spelling of a byte count ("1Gi", "512Mi", "1000").
std::string format_quantity(std::int64_t bytes);

// One requirement of a label selector.
struct LabelRequirement {
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
    std::string key;
    Op op = Op::Exists;
    std::vector<std::string> values;
};

// Parses equality- and set-based label selectors ("a=b,c!=d,e in (x,y),!f"); nullopt when
// malformed.
std::optional<std::vector<LabelRequirement>> parse_label_selector(const std::string& text);
bool labels_match(const std::vector<LabelRequirement>& selector, const Json& labels);
// A selector object ({matchLabels, matchExpressions}) as requirements.
std::vector<LabelRequirement> selector_from_json(const Json& selector);
// "app=db,tier=x" for a matchLabels selector, as Scale.status.selector shows it.
std::string selector_to_string(const Json& selector);

struct FieldRequirement {
    std::string field;
    bool equals = true;
    std::string value;
};
// Parses "metadata.name=x,metadata.namespace!=y"; nullopt when malformed.
std::optional<std::vector<FieldRequirement>> parse_field_selector(const std::string& text);
bool fields_match(const std::vector<FieldRequirement>& selector, const Json& object);

// A failure `Status` body (kind Status, status Failure); details only when given.
Json status_failure(int code, const std::string& reason, const std::string& message,
                    const Json& details = Json());
// An RFC 1123 subdomain (most object names) or label (namespaces, services); message when invalid.
std::optional<std::string> validate_dns_subdomain(const std::string& name);
std::optional<std::string> validate_dns_label(const std::string& name);

// Deep merge for server-side apply: objects merge key by key, everything else is replaced.
void deep_merge(Json& target, const Json& applied);

// Reads a Json value as a string map (labels, annotations); absent or malformed → empty.
std::map<std::string, std::string> string_map(const Json& value);

// Standard base64 with padding (Secret data, kubeconfig certificate data).
std::string base64_encode(const std::string& input);

// Lower-case hex of a 64-bit FNV-1a hash, for pod-template-hash and revisions.
std::string short_hash(const std::string& text, std::size_t length = 10);

} // namespace pxsim
