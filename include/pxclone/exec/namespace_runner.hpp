// Writes to a staging namespace's own metadata: `extend`'s expiry and `refresh`'s record of the
// set it is moving to, each one merge patch of annotations, and deploy-staging's claim of a pool
// namespace (staging.pool). The real runner sends them; the dry-run twin prints them and sends
// nothing.
#pragma once

#include "pxclone/k8s/client.hpp"

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace pxclone::exec {

class NamespaceRunner {
public:
    virtual ~NamespaceRunner() = default;
    // Whether patch() sends (false for the dry-run twin).
    virtual bool sends() const { return true; }
    // JSON merge patch of Namespace `ns`. Throws ApiError (deleted meanwhile: NotFound, exit 3).
    virtual void patch(const std::string& ns, const nlohmann::json& patch) = 0;
    // patch() of one guarded by metadata.resourceVersion: false when the server answers 409
    // Conflict (the namespace changed since it was read). Throws ApiError otherwise.
    virtual bool guarded_patch(const std::string& ns, const nlohmann::json& patch) = 0;
};

std::unique_ptr<NamespaceRunner> make_namespace_runner(const k8s::Client& kube);
// Prints `PATCH /api/v1/namespaces/NS <patch>` on `out` for each patch.
std::unique_ptr<NamespaceRunner> make_dry_run_namespace_runner(std::ostream& out);

// staging.pool: the namespace run `run` of `profile` works in, from one list of the pool's
// namespaces by label (plan::choose_pool_namespace): the one the run claimed before (a re-run;
// nothing is sent), else the free ones in name order, each claimed through `runner` with
// plan::claim_patch(it, metadata_for(name)) until one is won (409 Conflict: another run claimed
// it first, the next is tried). Throws Error(not_found, exit 3) when no namespace is free, and
// ApiError when a request fails.
struct PoolClaim {
    std::string name;
    bool claimed_now = false; // false: the run's earlier claim, found again
};
PoolClaim
claim_pool_namespace(const k8s::Client& kube, NamespaceRunner& runner, const std::string& pool,
                     const std::string& profile, const std::string& run,
                     const std::function<nlohmann::json(const std::string&)>& metadata_for);

// teardown of an adopted pool namespace, once the run's objects in it are gone: removes pxclone's
// labels and annotations (plan::release_patch) with a patch guarded by what was just read, read
// again and retried on 409 Conflict. Returns false, sending nothing, when the namespace is gone,
// is no pool's, or is not run `run` of `profile`'s any more (released already, and maybe claimed
// by another run since). Throws ApiError.
bool release_pool_namespace(const k8s::Client& kube, const std::string& ns,
                            const std::string& profile, const std::string& run);

} // namespace pxclone::exec
