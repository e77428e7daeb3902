// What the API server does to an object on its way in: defaults and validation per kind, as a real
// v1.26 server fills and checks them (the subset pxsim models).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "k8s_resources.hpp"

namespace pxsim {

struct FieldCause {
    std::string reason; // FieldValueRequired, FieldValueInvalid, FieldValueForbidden
    std::string field;
    std::string message;
};

// Fills the defaults the real server fills on create (spec fields, namespace label, finalizers,
// initial status). `cluster_ip` allocates a Service address.
void apply_create_defaults(const ResourceType& type, nlohmann::json& object,
                           const std::function<std::string()>& cluster_ip);
// Defaults that also apply on update (pod templates and specs written by PUT/PATCH).
void apply_spec_defaults(const ResourceType& type, nlohmann::json& object);
// Schema problems detectable without other objects; empty when valid.
std::vector<FieldCause> validate_object(const ResourceType& type, const nlohmann::json& object);
// Changes to immutable fields between `before` and `after`; empty when allowed.
std::vector<FieldCause> validate_update(const ResourceType& type, const nlohmann::json& before,
                                        const nlohmann::json& after);

} // namespace pxsim
