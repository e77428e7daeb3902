// `pxclone __complete KIND`: the dynamic candidates the shell completions in completions/ offer,
// one per line on stdout. Hidden from --help (like cobra's __complete): it is an interface to
// our own scripts, not to users. It never fails loudly: a missing profile, an unreachable
// cluster or any other error prints nothing and exits 0, so a TAB never spills errors into the
// user's command line.
//
//   contexts  the context names of the kubeconfig (--kubeconfig, the profile's, else KUBECONFIG
//             or ~/.kube/config)
//   sets      the profile's snapshot set ids (what `list -o name` prints as snapshot-set/ID)
//   runs      the profile's run ids: staging environments and snapshot sets (run/ID and the
//             set ids, which are the ids of the runs that made them)
#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/kubeconfig_contexts.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/environment.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>

namespace pxclone::cmd {

namespace {

struct CompleteOptions {
    std::string kind; // contexts | sets | runs
};

// A completion must answer while the user waits at the prompt.
constexpr std::chrono::seconds k_completion_timeout{5};

std::vector<std::string> context_names(const GlobalOptions& globals,
                                       const util::Environment& environment) {
    k8s::KubeconfigOptions options;
    options.env = &environment;
    options.explicit_path = globals.kubeconfig;
    if (options.explicit_path.empty()) {
        // The profile may name its kubeconfig; a profile that does not load names none.
        try {
            const auto loaded = load_profile(globals, environment, GitLookup::when_referenced);
            if (!loaded.profile.cluster.kubeconfig.empty()) {
                options.explicit_path =
                    profile::resolve_path(loaded.profile, loaded.profile.cluster.kubeconfig);
            }
        } catch (const std::exception&) {
        }
    }
    return k8s::kubeconfig_context_names(options);
}

std::vector<std::string> catalog_ids(const GlobalOptions& globals, const std::string& kind,
                                     const util::Environment& environment) {
    const auto loaded = load_profile(globals, environment, GitLookup::when_referenced);
    // Progress and request logs would land in the user's prompt: they go nowhere.
    std::ostringstream discard;
    // Runs are staging environments (the staging side); sets are taken in the source cluster.
    Session session(globals, {discard, discard}, loaded.profile, environment,
                    kind == "runs" ? ClusterSide::staging : ClusterSide::source);
    const exec::Catalog catalog(
        session.kube(), session.portworx(),
        kind == "runs"
            ? exec::staging_scope(loaded.profile,
                                  method::of(loaded.profile.snapshot.method).kept_kinds())
            : exec::catalog_scope(loaded.profile,
                                  method::of(loaded.profile.snapshot.method).kept_kinds()));
    std::vector<std::string> ids;
    for (const auto& set : catalog.snapshot_sets(loaded.profile.name)) {
        ids.push_back(set.id);
    }
    if (kind == "runs") {
        for (const auto& environment_entry :
             exec::group_environments(catalog.staging_objects(loaded.profile.name))) {
            ids.push_back(environment_entry.run);
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

void run_complete(const GlobalOptions& parsed, const CompleteOptions& options, Streams streams) {
    auto globals = parsed;
    globals.quiet = true;
    globals.verbosity = 0;
    globals.dry_run = true;
    globals.record_path.clear();
    if (!globals.timeout) {
        globals.timeout = k_completion_timeout;
    }
    const util::ProcessEnvironment environment;
    std::vector<std::string> candidates;
    try {
        if (options.kind == "contexts") {
            candidates = context_names(globals, environment);
        } else if (options.kind == "sets" || options.kind == "runs") {
            candidates = catalog_ids(globals, options.kind, environment);
        }
    } catch (const std::exception&) {
        // Silent by contract (see the top of this file): no candidates.
        return;
    }
    for (const auto& candidate : candidates) {
        streams.out << candidate << '\n';
    }
}

} // namespace

void add_complete_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<CompleteOptions>();
    auto* sub = app.add_subcommand("__complete", "Candidates for the shell completions");
    // An empty group hides the command from --help.
    sub->group("");
    sub->add_option("kind", options->kind, "contexts, sets or runs")->required();
    sub->allow_extras();
    sub->callback([&globals, options, streams] { run_complete(globals, *options, streams); });
}

} // namespace pxclone::cmd
