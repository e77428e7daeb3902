// `pxclone validate`: check the profile and its manifests without contacting the cluster, and show
// it resolved; with --online also the cluster, the permissions and the Portworx endpoint, sending
// no write (the preflight of a CI job).
#include "pxclone/commands/validate.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/preflight.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/output/records.hpp"
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
    out << fmt::format("  staging:  {}, ttl {}, {} manifest(s), {} image override(s)\n",
                       staging.pool.empty() ? "namespace " + staging.staging_namespace
                                            : "a namespace of pool " + staging.pool,
                       util::format_duration(staging.ttl), staging.manifests.size(),
                       staging.images.size());
    if (staging.cluster) {
        out << fmt::format("  staging cluster: context {}, portworx {}\n",
                           staging.cluster->cluster.context,
                           staging.cluster->portworx.endpoint.text);
    }
    if (const auto& transfer = profile.transfer) {
        out << fmt::format("  transfer: {}, credential {}, backup timeout {}, restore timeout {}\n",
                           profile::transfer_method_name(transfer->method),
                           transfer->source_credential == transfer->staging_credential
                               ? transfer->source_credential
                               : fmt::format("{} (source) / {} (staging)",
                                             transfer->source_credential,
                                             transfer->staging_credential),
                           util::format_duration(transfer->backup_timeout),
                           util::format_duration(transfer->restore_timeout));
    }
    if (staging.mask) {
        out << fmt::format("  masking:  {} {}\n", staging.mask->image,
                           staging.mask->after.empty() ? "before any manifest"
                                                       : "after " + staging.mask->after);
    }
}

std::string manifests_summary(const profile::Profile& profile) {
    const auto count = profile.staging.manifests.size();
    return count == 0 ? std::string("none")
                      : fmt::format("{} file{}, only namespaced objects of the staging namespace",
                                    count, count == 1 ? "" : "s");
}

void run_validate_online(const GlobalOptions& globals, Streams streams, const LoadedProfile& loaded,
                         const util::Environment& environment, const SessionFactory& connect) {
    // Validate (offline first: the manifests decide what the commands need).
    std::vector<plan::Check> checks;
    checks.push_back({"profile",
                      plan::CheckResult::ok,
                      fmt::format("{}: valid profile '{}' (run {})", loaded.profile.file,
                                  loaded.profile.name, loaded.run.id),
                      {},
                      ExitCode::ok,
                      nullptr});
    plan::ManifestCheck manifests;
    try {
        manifests = read_manifests(loaded, environment);
        if (manifests.problems.empty()) {
            checks.push_back({"manifests",
                              plan::CheckResult::ok,
                              manifests_summary(loaded.profile),
                              {},
                              ExitCode::ok,
                              nullptr});
        } else {
            checks.push_back(
                {"manifests", plan::CheckResult::failed,
                 fmt::format("{} problem{} in the staging manifests", manifests.problems.size(),
                             manifests.problems.size() == 1 ? "" : "s"),
                 profile::format_all(manifests.problems), ExitCode::usage, nullptr});
        }
    } catch (const Error& e) {
        checks.push_back(
            {"manifests", plan::CheckResult::failed, e.what(), e.details(), e.code(), nullptr});
    }

    // Run: the cluster's checks, each a read or an access review.
    auto online = online_checks(connect, loaded, manifests);
    checks.insert(checks.end(), std::make_move_iterator(online.begin()),
                  std::make_move_iterator(online.end()));
    switch (globals.output) {
    case output::Format::json:
    case output::Format::yaml:
        output::print_document(output::validation_document(checks), globals.output, streams.out);
        break;
    default:
        for (const auto& line : plan::check_lines(checks, streams.out_terminal.is_terminal)) {
            streams.out << line << '\n';
        }
        break;
    }
    const auto code = plan::preflight_exit_code(checks);
    if (code != ExitCode::ok) {
        const auto count = std::count_if(checks.begin(), checks.end(), [](const plan::Check& c) {
            return c.result == plan::CheckResult::failed;
        });
        throw Error(code, fmt::format("validate --online: {} of {} checks failed for profile {}",
                                      count, checks.size(), loaded.profile.name));
    }
}

void run_validate(const GlobalOptions& globals, const ValidateOptions& options, Streams streams) {
    // Complete and Validate: the loader checks the profile (an invalid one throws), then the
    // manifests are read and checked.
    const util::ProcessEnvironment environment;
    if (options.online &&
        (globals.output == output::Format::env || globals.output == output::Format::name)) {
        throw UsageError(fmt::format("validate --online prints text, json or yaml, not {}",
                                     output::format_name(globals.output)));
    }
    // Only -o env prints the commit; the other forms need it only for ${git.sha}.
    const auto loaded = load_profile(
        globals, environment,
        globals.output == output::Format::env ? GitLookup::always : GitLookup::when_referenced);
    validate(
        globals, options, loaded, environment,
        [&](ClusterSide side) {
            return std::make_unique<Session>(globals, streams, loaded.profile, environment, side);
        },
        streams);
}

} // namespace

void validate(const GlobalOptions& globals, const ValidateOptions& options,
              const LoadedProfile& loaded, const util::Environment& environment,
              const SessionFactory& connect, Streams streams) {
    for (const auto& warning : loaded.warnings) {
        streams.err << "pxclone: warning: " << warning.format() << '\n';
    }
    if (options.online) {
        run_validate_online(globals, streams, loaded, environment, connect);
        return;
    }
    const auto manifests = valid_manifests(loaded, environment);

    // Run: print in the requested form.
    switch (globals.output) {
    case output::Format::json:
    case output::Format::yaml:
        output::print_document(
            output::profile_document(profile::to_json(loaded.profile), loaded.run.id,
                                     loaded.run.git_sha.value_or(""), loaded.run.build_id),
            globals.output, streams.out);
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

void add_validate_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto* sub = app.add_subcommand(
        "validate", "Check the profile (-p FILE) and its manifests without contacting the "
                    "cluster; -o json|yaml prints it resolved (secrets as references)");
    auto options = std::make_shared<ValidateOptions>();
    sub->add_flag("--online", options->online,
                  "Also check the cluster, sending no write: credentials, the permissions the "
                  "commands need (access reviews), the source PVCs, storage and snapshot classes, "
                  "the Portworx endpoint and token, the staging namespace; prints one result per "
                  "check (-o json|yaml: the list)");
    sub->callback([&globals, options, streams] { run_validate(globals, *options, streams); });
}

} // namespace pxclone::cmd
