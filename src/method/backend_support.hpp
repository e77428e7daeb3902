// What the methods' snapshot backends share (src/method/ only): the run's selector, progress
// keys and lines, the time a step took, and a create cut short by the deadline.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/clock.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pxclone::method::support {

inline std::string label(const plan::Labels& labels, std::string_view key) {
    const auto it = labels.find(std::string(key));
    return it == labels.end() ? std::string() : it->second;
}

// The labels that find one run's snapshots of one profile again.
inline plan::Labels run_selector(const plan::PlannedSnapshot& any) {
    plan::Labels selector;
    for (const auto key :
         {plan::k_managed_by_key, plan::k_profile_key, plan::k_run_key, plan::k_role_key}) {
        selector.emplace(key, label(any.labels, key));
    }
    return selector;
}

inline std::chrono::milliseconds since(const util::Clock& clock,
                                       std::chrono::system_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start);
}

// The progress key of one volume's snapshot.
inline std::string step_key(const plan::PlannedSnapshot& snapshot) {
    return "snapshot/" + snapshot.source.pvc;
}

inline void report(const exec::BackendContext& context, const std::string& key,
                   const std::string& text) {
    if (context.on_progress) {
        context.on_progress(key, text);
    }
}

// Runs a snapshot create; the deadline cutting it short (a TimeoutError: no answer came) becomes
// CreateCutShort, since the snapshot may still be made.
template <class Create>
auto cut_short_is_uncertain(const plan::PlannedSnapshot& snapshot, Create&& create) {
    try {
        return create();
    } catch (const TimeoutError& error) {
        throw exec::CreateCutShort(fmt::format("the create of snapshot {} of {} was cut short: {}",
                                               snapshot.name, snapshot.source.pvc, error.what()),
                                   error.hint());
    }
}

} // namespace pxclone::method::support
