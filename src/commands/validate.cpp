// `pxclone validate`: check the profile without contacting the cluster, and show it resolved.
#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/profile/json.hpp"
#include "pxclone/util/duration.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

void print_summary(const LoadedProfile& loaded, std::ostream& out) {
    const auto& profile = loaded.profile;
    const auto& source = profile.source;
    const auto& staging = profile.staging;
    out << fmt::format("{}: valid profile '{}'\n", profile.file, profile.name);
    out << fmt::format("  run:      {} ({})\n", loaded.run.id, loaded.run.id_source);
    if (!source.pvcs.empty()) {
        out << fmt::format("  source:   namespace {}, {} PVC{}: {}\n", source.source_namespace,
                           source.pvcs.size(), source.pvcs.size() == 1 ? "" : "s",
                           fmt::join(source.pvcs, ", "));
    } else {
        std::vector<std::string> labels;
        for (const auto& [key, value] : source.selector) {
            labels.push_back(key + "=" + value);
        }
        out << fmt::format("  source:   namespace {}, PVCs labelled {}\n", source.source_namespace,
                           fmt::join(labels, ", "));
    }
    out << fmt::format("  snapshot: {}, keep {}, timeout {}, {} pre-hook(s), {} post-hook(s)\n",
                       profile::method_name(profile.snapshot.method), profile.snapshot.keep,
                       util::format_duration(profile.snapshot.timeout), source.hooks.pre.size(),
                       source.hooks.post.size());
    out << fmt::format("  staging:  namespace {}, ttl {}, {} manifest(s), {} image override(s)\n",
                       staging.staging_namespace, util::format_duration(staging.ttl),
                       staging.manifests.size(), staging.images.size());
    if (staging.mask) {
        out << fmt::format("  masking:  {} {}\n", staging.mask->image,
                           staging.mask->after.empty() ? "before any manifest"
                                                       : "after " + staging.mask->after);
    }
}

void run_validate(const GlobalOptions& globals, Streams streams) {
    // Complete and Validate: everything happens in the loader; an invalid profile throws.
    const util::ProcessEnvironment environment;
    // Only -o env prints the commit; the other forms need it only for ${git.sha}.
    const auto loaded = load_profile(
        globals, environment,
        globals.output == output::Format::env ? GitLookup::always : GitLookup::when_referenced);

    // Run: print in the requested form.
    switch (globals.output) {
    case output::Format::json:
        output::print_json(profile::to_json(loaded.profile), streams.out);
        return;
    case output::Format::yaml:
        output::print_yaml(profile::to_json(loaded.profile), streams.out);
        return;
    case output::Format::env:
        output::print_env(
            {
                {"PXCLONE_PROFILE", loaded.profile.name},
                {"PXCLONE_RUN_ID", loaded.run.id},
                {"PXCLONE_SOURCE_NAMESPACE", loaded.profile.source.source_namespace},
                {"PXCLONE_STAGING_NAMESPACE", loaded.profile.staging.staging_namespace},
                {"PXCLONE_GIT_SHA", loaded.run.git_sha.value_or("")},
                {"PXCLONE_BUILD_ID", loaded.run.build_id},
            },
            streams.out);
        return;
    case output::Format::name:
        streams.out << loaded.profile.name << '\n';
        return;
    case output::Format::text:
        print_summary(loaded, streams.out);
        return;
    }
}

} // namespace

void add_validate_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto* sub = app.add_subcommand(
        "validate", "Check the profile (-p FILE) without contacting the cluster; -o json|yaml "
                    "prints it resolved (secrets as references)");
    sub->callback([&globals, streams] { run_validate(globals, streams); });
}

} // namespace pxclone::cmd
