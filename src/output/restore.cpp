#include "pxclone/output/restore.hpp"

#include "pxclone/util/text.hpp"

#include <sstream>

#include <fmt/format.h>

namespace pxclone::output {

nlohmann::ordered_json lines_of(const std::string& text) {
    auto lines = nlohmann::ordered_json::array();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

void print_in_place_text(const plan::RestorePlan& plan, const std::vector<std::string>& ids,
                         bool dry_run, std::ostream& out) {
    if (!plan.volumes.empty()) {
        out << fmt::format("{} {} volume{} in {} to {} baseline{} (run {}, snapshot set {}){}\n",
                           dry_run ? "would restore" : "restored", plan.volumes.size(),
                           plan.volumes.size() == 1 ? "" : "s", plan.ns,
                           plan.volumes.size() == 1 ? "its" : "their",
                           plan.volumes.size() == 1 ? "" : "s", plan.run, plan.snapshot_set,
                           dry_run ? " (dry run)" : "");
    }
    for (const auto& volume : plan.volumes) {
        out << fmt::format("  pvc/{}  volume {} <- baseline {}\n", volume.pvc, volume.clone_id,
                           volume.baseline_id);
    }
    if (!plan.swaps.empty()) {
        out << fmt::format("{} {} volume{} in {} from snapshot set {} (run {}){}{}\n",
                           dry_run ? "would make" : "made", plan.swaps.size(),
                           plan.swaps.size() == 1 ? "" : "s", plan.ns, plan.snapshot_set, plan.run,
                           plan.mask ? ", masked again" : "", dry_run ? " (dry run)" : "");
    }
    for (std::size_t i = 0; i < plan.swaps.size(); ++i) {
        const auto& swap = plan.swaps[i];
        const auto& old = swap.replaces;
        // A target with a Portworx clone is a volume; one without, a VolumeSnapshot to restore.
        out << fmt::format("  pvc/{}  {} {} <- {} of {}{}\n", swap.pvc,
                           swap.target.clone ? "volume" : "volumesnapshot",
                           i < ids.size() ? ids[i] : swap.target.clone_id, swap.target.snapshot_id,
                           swap.target.source, old.empty() ? "" : " (replaces " + old + ")");
    }
    for (const auto& workload : plan.workloads) {
        out << fmt::format("  {}  {} {}\n", workload.label(),
                           dry_run ? "stopped, then back to" : "back to", workload.replicas);
    }
}

nlohmann::ordered_json in_place_document(const plan::RestorePlan& plan,
                                         const std::vector<std::string>& ids, bool dry_run,
                                         const std::string& requests) {
    nlohmann::ordered_json body{{"mode", "inPlace"}};
    const auto described = plan::to_json(plan);
    for (auto it = described.begin(); it != described.end(); ++it) {
        body[it.key()] = it.value();
    }
    auto result = document("RestoreReport", body);
    if (result.contains("swaps")) {
        for (std::size_t i = 0; i < ids.size() && i < result["swaps"].size(); ++i) {
            result["swaps"][i]["volumeId"] = ids[i];
        }
    }
    result["dryRun"] = dry_run;
    if (dry_run) {
        result["requests"] = lines_of(requests);
    }
    return result;
}

nlohmann::ordered_json new_pvc_document(const plan::StagingPlan& plan, const std::string& clone_id,
                                        bool dry_run, const std::string& requests) {
    const auto& volume = plan.volumes.at(0);
    auto result = document("RestoreReport", {{"mode", "newPvc"},
                                             {"namespace", plan.staging_namespace},
                                             {"pvc", volume.staging_pvc},
                                             {"run", plan.lineage.run},
                                             {"snapshotSet", plan.lineage.snapshot_set},
                                             {"source", volume.source},
                                             {"cloneId", clone_id},
                                             {"expiresAt", plan.expires_at},
                                             {"dryRun", dry_run}});
    if (dry_run) {
        result["requests"] = lines_of(requests);
    }
    return result;
}

void print_new_pvc_text(const plan::StagingPlan& plan, const std::string& clone_id,
                        std::ostream& out) {
    const auto& volume = plan.volumes.at(0);
    const auto& run = plan.lineage.run;
    out << fmt::format("pvc/{} in {} ready: {} from snapshot set {} (volume {}, run {}, "
                       "expires {}); remove it with `pxclone teardown --run {}`\n",
                       volume.staging_pvc, plan.staging_namespace, volume.source,
                       plan.lineage.snapshot_set, clone_id, run, plan.expires_at, run);
}

std::string restore_command(const RestoreCommandLine& line) {
    using util::shell_word;
    std::string command = "pxclone restore -p " + shell_word(line.profile_path);
    if (!line.kubeconfig.empty()) {
        command += " --kubeconfig " + shell_word(line.kubeconfig);
    }
    if (!line.context.empty()) {
        command += " --context " + shell_word(line.context);
    }
    command += " --run " + shell_word(line.run) + " -n " + shell_word(line.ns);
    if (line.all) {
        command += " --all";
    }
    for (const auto& pvc : line.pvcs) {
        command += " --pvc " + shell_word(pvc);
    }
    if (!line.snapshot_set.empty()) {
        command += " --snapshot " + shell_word(line.snapshot_set);
    }
    return command;
}

} // namespace pxclone::output
