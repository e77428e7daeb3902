// What `pxclone restore` prints on stdout: the text report of an in-place restore or of a new
// PVC, and the -o json/yaml documents of both (with the dry-run's request lines).
#pragma once

#include "pxclone/output/format.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/restore_plan.hpp"

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::output {

// The lines a dry-run runner wrote ("POST /v1/...", "WAIT ..."), one string each.
nlohmann::ordered_json lines_of(const std::string& text);

// An in-place restore: what was (or, dry run, would be) rolled back and made, and the workloads.
// `ids`: the new volumes of the swaps, in plan order (fewer, or none, when not run).
void print_in_place_text(const plan::RestorePlan& plan, const std::vector<std::string>& ids,
                         bool dry_run, std::ostream& out);

// The RestoreReport (mode inPlace) of an in-place restore: plan::to_json, each swap's new
// volumeId, dryRun, and with a dry run the `requests` lines.
nlohmann::ordered_json in_place_document(const plan::RestorePlan& plan,
                                         const std::vector<std::string>& ids, bool dry_run,
                                         const std::string& requests);

// A new PVC (restore --new-pvc), from its one-volume staging plan and the clone made for it: its
// RestoreReport (mode newPvc; with a dry run the `requests` lines), and its text line.
nlohmann::ordered_json new_pvc_document(const plan::StagingPlan& plan, const std::string& clone_id,
                                        bool dry_run, const std::string& requests);
void print_new_pvc_text(const plan::StagingPlan& plan, const std::string& clone_id,
                        std::ostream& out);

// The command line that runs an in-place restore again (it resumes where it stopped), every
// argument as a POSIX shell reads it back; empty kubeconfig/context are left out.
struct RestoreCommandLine {
    // What is restored.
    std::string run;
    std::string ns;
    bool all = false;
    std::vector<std::string> pvcs;
    std::string snapshot_set; // "" for none
    // Where: -p, --kubeconfig, --context.
    std::string profile_path;
    std::string kubeconfig;
    std::string context;
};
std::string restore_command(const RestoreCommandLine& line);

} // namespace pxclone::output
