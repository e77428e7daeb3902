// Running a small local command for its output (e.g. `git rev-parse HEAD`). Not for hooks: no
// timeout, no environment changes, output capped.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pxclone::util {

// Runs argv[0] (searched in PATH) with stdin and stderr on /dev/null and returns what it wrote
// to stdout (at most 64 KiB), or nullopt when it could not be started or exited non-zero.
std::optional<std::string> capture_output(const std::vector<std::string>& argv);

} // namespace pxclone::util
