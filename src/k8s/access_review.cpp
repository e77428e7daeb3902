#include "pxclone/k8s/access_review.hpp"

namespace pxclone::k8s {

namespace {

const Resource& access_reviews() {
    static const Resource k_resource{"authorization.k8s.io", "v1", "selfsubjectaccessreviews",
                                     "SelfSubjectAccessReview", false};
    return k_resource;
}

} // namespace

nlohmann::json access_review_object(const AccessQuestion& question) {
    auto attributes = nlohmann::json::object();
    const auto set = [&attributes](const char* key, const std::string& value) {
        if (!value.empty()) {
            attributes[key] = value;
        }
    };
    set("namespace", question.ns);
    set("verb", question.verb);
    set("group", question.group);
    set("resource", question.resource);
    set("subresource", question.subresource);
    set("name", question.name);
    return {{"apiVersion", "authorization.k8s.io/v1"},
            {"kind", "SelfSubjectAccessReview"},
            {"spec", {{"resourceAttributes", attributes}}}};
}

AccessAnswer review_access(const Client& kube, const AccessQuestion& question) {
    const auto result = kube.create(access_reviews(), "", access_review_object(question));
    const auto status = result.object.value("status", nlohmann::json::object());
    AccessAnswer answer;
    answer.allowed = status.value("allowed", false) && !status.value("denied", false);
    answer.reason = status.value("reason", "");
    answer.evaluation_error = status.value("evaluationError", "");
    return answer;
}

} // namespace pxclone::k8s
