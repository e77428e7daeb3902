#include "pxclone/plan/wait_groups.hpp"

#include <algorithm>

namespace pxclone::plan {

std::vector<std::vector<WaitFor>> group_waits(const std::vector<WaitFor>& waits) {
    const auto same_group = [](const WaitFor& a, const WaitFor& b) {
        return !a.wait_namespace.empty() && a.wait_namespace == b.wait_namespace &&
               a.predicate == b.predicate && a.resource.group == b.resource.group &&
               a.resource.plural == b.resource.plural;
    };
    std::vector<std::vector<WaitFor>> groups;
    for (const auto& wait : waits) {
        const auto found = std::find_if(groups.begin(), groups.end(), [&](const auto& group) {
            return same_group(group.front(), wait);
        });
        if (found == groups.end()) {
            groups.push_back({wait});
        } else {
            found->push_back(wait);
        }
    }
    return groups;
}

} // namespace pxclone::plan
