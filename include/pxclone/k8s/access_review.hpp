// "May I?": SelfSubjectAccessReview (authorization.k8s.io/v1), the question kubectl auth can-i
// asks. Creating one stores nothing; the server answers with the review and its decision.
#pragma once

#include "pxclone/k8s/client.hpp"

#include <string>

#include <nlohmann/json.hpp>

namespace pxclone::k8s {

struct AccessQuestion {
    std::string verb; // get list watch create update patch delete ...
    std::string group;
    std::string resource;
    std::string subresource;
    std::string ns;   // "" = every namespace / the cluster scope
    std::string name; // "" = any object
};

struct AccessAnswer {
    bool allowed = false;
    std::string reason;           // the authorizer's, often empty for a denial (RBAC)
    std::string evaluation_error; // set when the authorizer could not decide cleanly
};

// The review object asking `question` (only the fields that are set). Pure.
nlohmann::json access_review_object(const AccessQuestion& question);

// Asks the server. Throws ApiError (401: the credentials are refused; 403: not even asking is
// allowed) and http::TransportError.
AccessAnswer review_access(const Client& kube, const AccessQuestion& question);

} // namespace pxclone::k8s
