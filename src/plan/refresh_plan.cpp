#include "pxclone/plan/refresh_plan.hpp"

#include "pxclone/plan/extend_plan.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/util/names.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace pxclone::plan {

std::string refresh_set_id(const std::string& run, std::chrono::system_clock::time_point now) {
    const auto stamp =
        fmt::format("{:%Y%m%d%H%M%S}", std::chrono::floor<std::chrono::seconds>(now));
    return util::to_label_safe(run, 63 - 1 - stamp.size()) + "-" + stamp;
}

RefreshPlan plan_refresh(const profile::Profile& profile, const std::string& run,
                         const nlohmann::json& staging_namespace,
                         std::chrono::system_clock::time_point now) {
    RefreshPlan plan;
    plan.run = run;
    const auto metadata = staging_namespace.find("metadata");
    if (metadata != staging_namespace.end() && metadata->is_object()) {
        plan.ns = metadata->value("name", std::string());
    }
    plan.refused = namespace_refusal(profile, run, staging_namespace);
    if (plan.refused) {
        return plan;
    }
    const auto current = metadata_value(staging_namespace, "labels", k_snapshot_set_key);
    const auto recorded = metadata_value(staging_namespace, "annotations", k_refresh_set_key);
    plan.resumed = !recorded.empty();
    plan.set = plan.resumed ? recorded : refresh_set_id(run, now);
    plan.previous_set = plan.resumed
                            ? metadata_value(staging_namespace, "annotations", k_refresh_from_key)
                            : current;
    // restore relabels the namespace last, once every staging PVC is on the new set.
    plan.restored = plan.resumed && current == plan.set;
    if (!plan.resumed) {
        plan.mark = {
            {"metadata",
             {{"annotations",
               {{k_refresh_set_key, plan.set}, {k_refresh_from_key, plan.previous_set}}}}}};
    }
    plan.clear = {
        {"metadata",
         {{"annotations", {{k_refresh_set_key, nullptr}, {k_refresh_from_key, nullptr}}}}}};
    return plan;
}

} // namespace pxclone::plan
