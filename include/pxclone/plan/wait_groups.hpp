// Batching readiness waits: waits for objects of one kind, in one namespace, for one predicate are
// one group, awaited with one list+watch of the namespace instead of one watch per object. Pure.
#pragma once

#include "pxclone/plan/staging_plan.hpp"

#include <vector>

namespace pxclone::plan {

// The waits in groups: same resource, same non-empty namespace and same predicate, each group
// in the order of its first wait, each wait in its order. A cluster-scoped wait (no namespace)
// is a group of its own: a list without a namespace would read every object of the kind.
std::vector<std::vector<WaitFor>> group_waits(const std::vector<WaitFor>& waits);

} // namespace pxclone::plan
