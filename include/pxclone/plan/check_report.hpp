// The report of `validate --online`: one result per check, every problem at once. Pure: the
// checks are made by commands/preflight; this judges and shapes what they found.
#pragma once

#include "pxclone/error.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

enum class CheckResult { ok, failed, skipped };
std::string_view result_name(CheckResult result); // "ok", "failed", "skipped"

struct Check {
    std::string name; // "cluster", "access", "source-pvcs", ...
    CheckResult result = CheckResult::ok;
    std::string message;              // one line: what was found, or what is wrong
    std::vector<std::string> details; // further lines (each denial, each missing PVC)
    // For a failed check, what it means for the exit status: usage (the profile or manifests are
    // invalid, or the staging namespace is someone else's), not_found, or failed (unreachable,
    // refused, denied).
    ExitCode code = ExitCode::ok;
    // More for -o json|yaml: each member becomes a member of the check's entry (the access check
    // lists the permissions it asked about). Null for none.
    nlohmann::ordered_json data = nullptr;
};

// ok when no check failed; otherwise usage before failed before not_found: the most basic
// problem wins (an unusable profile, then an unusable cluster or credential, then a missing
// object).
ExitCode preflight_exit_code(const std::vector<Check>& checks);

// {"ok": bool, "checks": [{"name", "result", "message", "details"?, data's members...}]} in
// check order.
nlohmann::ordered_json to_json(const std::vector<Check>& checks);

// One line per check and its details indented under it: `✓ name: message` / `✗ ...` /
// `- ...` with `symbols` (a terminal), else `ok      name: message` / `FAILED  ...` /
// `skipped ...`.
std::vector<std::string> check_lines(const std::vector<Check>& checks, bool symbols);

} // namespace pxclone::plan
