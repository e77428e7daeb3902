#include "pxclone/error.hpp"

namespace pxclone {

std::string_view describe(ExitCode code) {
    switch (code) {
    case ExitCode::ok:
        return "success";
    case ExitCode::failed:
        return "an operation failed";
    case ExitCode::usage:
        return "usage error, or an invalid profile or kubeconfig";
    case ExitCode::not_found:
        return "not found (snapshot set, PVC, context, file)";
    case ExitCode::timed_out:
        return "timed out waiting";
    case ExitCode::partial:
        return "partial failure: something could not be cleaned up (listed)";
    case ExitCode::interrupted:
        return "interrupted (SIGINT/SIGTERM)";
    }
    return "unknown";
}

Error::Error(ExitCode code, std::string what, std::string hint, std::vector<std::string> details)
    : std::runtime_error(std::move(what)), m_code(code), m_hint(std::move(hint)),
      m_details(std::move(details)) {}

} // namespace pxclone
