#include "pxclone/plan/extend_plan.hpp"

#include "pxclone/plan/lineage.hpp"
#include "pxclone/util/time.hpp"

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

using nlohmann::json;

std::string namespace_name_of(const json& object) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return {};
    }
    return metadata->value("name", std::string());
}

} // namespace

std::string metadata_value(const json& object, std::string_view section, std::string_view key) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return {};
    }
    const auto values = metadata->find(std::string(section));
    if (values == metadata->end() || !values->is_object()) {
        return {};
    }
    const auto value = values->find(std::string(key));
    return value != values->end() && value->is_string() ? value->get<std::string>() : "";
}

std::optional<std::string> namespace_refusal(const profile::Profile& profile,
                                             const std::string& run,
                                             const json& staging_namespace) {
    const auto ns = namespace_name_of(staging_namespace);
    // The run's labels on the namespace itself, not only in the list's selector: nothing is
    // written that pxclone did not make for this run.
    for (const auto& [key, value] : run_selector(profile.name, run, Role::staging)) {
        if (metadata_value(staging_namespace, "labels", key) != value) {
            return fmt::format("namespace {} does not carry {}={}", ns, key, value);
        }
    }
    if (ns.empty() || ns == profile.source.source_namespace) {
        return fmt::format("namespace {} is the source namespace", ns);
    }
    const auto status = staging_namespace.find("status");
    if (status != staging_namespace.end() && status->is_object() &&
        status->value("phase", std::string()) == "Terminating") {
        return fmt::format("namespace {} is being deleted", ns);
    }
    return std::nullopt;
}

ExtendPlan plan_extend(const profile::Profile& profile, const ExtendRequest& request,
                       const json& staging_namespace) {
    ExtendPlan plan;
    plan.run = request.run;
    plan.ns = namespace_name_of(staging_namespace);
    plan.previous = metadata_value(staging_namespace, "annotations", k_expires_at_key);
    plan.pinned = !request.ttl.has_value();
    plan.expires_at = plan.pinned ? std::string(k_never_expires)
                                  : util::format_rfc3339(request.now + *request.ttl);

    plan.refused = namespace_refusal(profile, request.run, staging_namespace);
    if (plan.refused) {
        return plan;
    }
    plan.patch = {{"metadata", {{"annotations", {{k_expires_at_key, plan.expires_at}}}}}};
    return plan;
}

} // namespace pxclone::plan
