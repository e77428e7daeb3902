// What the parts of pxsim's Kubernetes API server (k8s_api.cpp, k8s_api_writes.cpp,
// k8s_api_subresources.cpp) share: the request's target, Status replies as the real server words
// them, and request accessors.
#pragma once

#include <string>
#include <vector>

#include "k8s_api.hpp"
#include "k8s_objects.hpp"
#include "k8s_resources.hpp"
#include "k8s_util.hpp"
#include "sim_http.hpp"

namespace pxsim {

struct K8sApi::Target {
    const ResourceType* type = nullptr;
    std::string ns;
    std::string name;
    std::string subresource;
};

namespace k8s {

SimReply json_reply(int status, const Json& body);
SimReply status_reply(const Json& status);
Json details_of(const ResourceType& type, const std::string& name);
SimReply not_found(const ResourceType& type, const std::string& name);
SimReply generic_not_found();
SimReply bad_request(const std::string& message);
SimReply conflict(const ResourceType& type, const std::string& name, const std::string& why);
SimReply invalid(const ResourceType& type, const std::string& name,
                 const std::vector<FieldCause>& causes);
std::string query_value(const SimRequest& request, const std::string& key);
std::string header(const SimRequest& request, const std::string& key);
std::string media_type(const SimRequest& request);
bool is_dry_run(const SimRequest& request, const Json& options = Json());

} // namespace k8s

} // namespace pxsim
