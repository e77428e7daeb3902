// The judgements of `validate --online` on what its reads found (pure): each turns facts into a
// plan::Check. commands/preflight makes the reads.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/plan/check_report.hpp"
#include "pxclone/plan/permissions.hpp"
#include "pxclone/plan/source_volumes.hpp"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

Check passed_check(std::string name, std::string message);
Check failed_check(std::string name, std::string message, ExitCode code,
                   std::vector<std::string> details = {});
Check skipped_check(std::string name, std::string why);

// source-pvcs: passed when `resolution` has no problem (each PVC and its volume named), else
// failed with one detail per problem (exit 3 when a PVC is missing, else 1).
Check source_pvcs_check(const SourceResolution& resolution, const std::string& source_namespace);

// What an access review said about one permission.
struct PermissionAnswer {
    bool allowed = false;
    std::string reason; // the server's reason; may be ""
    // Not asked: in a staging namespace that does not exist yet, where deploy-staging binds the
    // staging ClusterRole (staging.role_binding). Counts as allowed.
    bool deferred = false;
};

// access: `answers[i]` is the answer for `needed[i]`. Passed when all are allowed, else failed
// (exit 1) with one line per denial naming the permission, why the commands need it, and the
// reason; its data lists every permission asked about ("permissions": [{verb, ..., allowed,
// neededBy}], "deferred": true on one not asked). `staging_role`: the ClusterRole the deferred
// ones are left to, named in the message ("" when none is deferred). `name`: the check's,
// "staging-access" for the staging cluster of a profile with staging.cluster.
Check access_check(const std::vector<Permission>& needed,
                   const std::vector<PermissionAnswer>& answers,
                   const std::string& staging_role = {}, const std::string& name = "access");

// staging-namespace: free (`existing` is nullopt), or this run's (labelled for `profile` and
// `run`: deploy-staging continues it); another run's or a foreign namespace, or one being
// deleted, fails with exit 2 (deploy-staging would refuse it).
Check staging_namespace_check(const std::string& name,
                              const std::optional<nlohmann::json>& existing,
                              const std::string& profile, const std::string& run);

// staging-namespace with staging.pool, on the pool's namespaces (listed by its label): passed when
// this run claimed one already or one is free; failed with exit 3 when none is.
Check pool_check(const std::string& pool, const std::vector<nlohmann::json>& namespaces,
                 const std::string& profile, const std::string& run);

} // namespace pxclone::plan
