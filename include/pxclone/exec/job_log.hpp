// The end of a Job's pod log, for the error when the Job failed or timed out (the masking Job):
// read through the API server, never from the cluster's nodes.
#pragma once

#include "pxclone/k8s/client.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pxclone::exec {

// How many lines of the log an error quotes, and about how many bytes of them.
inline constexpr int k_log_tail_lines = 5;
inline constexpr std::size_t k_log_tail_bytes = 300;

struct LogTail {
    std::string pod;   // the pod whose log was read ("" when none was found)
    std::string text;  // its last lines as the server sent them
    std::string error; // why it could not be read; "" when it was
};

// The Job's pod (labelled controller-uid=<the Job's uid>, else job-name=<name>; the newest when
// there are several) and the last `tail_lines` lines of `container`'s log. Never throws: what
// went wrong (no Job, no pod, a refused read, a broken connection) is in `error`.
LogTail read_job_log_tail(const k8s::Client& kube, const std::string& job_namespace,
                          const std::string& job, const std::string& container,
                          int tail_lines = k_log_tail_lines);

// `failure` followed by "; log of pod P: line | line | line" (the non-empty lines, joined, cut to
// about k_log_tail_bytes keeping the end, secrets redacted with http::redact_text and the
// `secrets` values), or "; log of pod P: (empty)", or "; pod log unavailable: <why>".
std::string with_log_tail(std::string_view failure, const LogTail& tail,
                          const std::vector<std::string>& secrets = {});

} // namespace pxclone::exec
