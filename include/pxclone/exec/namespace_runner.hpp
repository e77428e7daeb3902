// Writes to a staging namespace's own metadata: `extend`'s expiry and `refresh`'s record of the
// set it is moving to, each one merge patch of annotations. The real runner sends it; the
// dry-run twin prints it and sends nothing.
#pragma once

#include "pxclone/k8s/client.hpp"

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
};

std::unique_ptr<NamespaceRunner> make_namespace_runner(const k8s::Client& kube);
// Prints `PATCH /api/v1/namespaces/NS <patch>` on `out` for each patch.
std::unique_ptr<NamespaceRunner> make_dry_run_namespace_runner(std::ostream& out);

} // namespace pxclone::exec
