#include "pxclone/error.hpp"

#include "pxclone/util/text.hpp"

namespace pxclone {

namespace {
constexpr std::size_t k_max_message_bytes = 4096;
} // namespace

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

// The message is printed as one line whatever it quotes (a server's text, a value from a file):
// line breaks and other control characters in it become spaces.
Error::Error(ExitCode code, std::string what, std::string hint, std::vector<std::string> details)
    : std::runtime_error(util::one_line(what, k_max_message_bytes)), m_code(code),
      m_hint(std::move(hint)), m_details(std::move(details)) {}

} // namespace pxclone
