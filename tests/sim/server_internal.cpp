#include "server_internal.hpp"

namespace pxsim::srv {

namespace {

const std::string k_proxy_prefix =
    "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy";

} // namespace

bool to_portworx(SimRequest& request) {
    if (request.path == "/v1" || request.path.rfind("/v1/", 0) == 0) {
        return true;
    }
    if (request.path.rfind(k_proxy_prefix + "/", 0) == 0) {
        request.path = request.path.substr(k_proxy_prefix.size());
        return true;
    }
    return false;
}

} // namespace pxsim::srv
