#include "pxclone/exec/hooks.hpp"

#include "pxclone/profile/loader.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/text.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::exec {

namespace {

std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    const auto newline = text.rfind('\n');
    auto line = newline == std::string_view::npos ? text : text.substr(newline + 1);
    constexpr std::size_t k_max = 200;
    return std::string(line.substr(0, k_max));
}

std::string failure_reason(const util::ProcessResult& result, const profile::Hook& hook) {
    using Outcome = util::ProcessResult::Outcome;
    switch (result.outcome) {
    case Outcome::not_found:
        return "program not found";
    case Outcome::timed_out:
        if (result.by_deadline) {
            return "did not finish before the deadline and was stopped";
        }
        return fmt::format("timed out after {}", util::format_duration(hook.timeout));
    case Outcome::signalled:
        if (result.cancelled) {
            return "was stopped by the interrupt";
        }
        return fmt::format("killed by signal {}", result.signal);
    case Outcome::exited:
        break;
    }
    const auto detail = last_line(result.err.empty() ? result.out : result.err);
    return detail.empty() ? fmt::format("exited {}", result.exit_code)
                          : fmt::format("exited {}: {}", result.exit_code, detail);
}

class DryRunProcessRunner final : public util::ProcessRunner {
public:
    explicit DryRunProcessRunner(std::ostream& out) : m_out(out) {}

    util::ProcessResult run(const util::ProcessSpec& spec) override {
        std::string line = "RUN " + util::shell_word(spec.program);
        for (const auto& arg : spec.args) {
            line += ' ' + util::shell_word(arg);
        }
        m_out << line << '\n';
        return {};
    }

private:
    std::ostream& m_out;
};

} // namespace

std::unique_ptr<util::ProcessRunner> make_dry_run_process_runner(std::ostream& out) {
    return std::make_unique<DryRunProcessRunner>(out);
}

std::vector<std::string> hook_environment(std::vector<std::string> inherited,
                                          const HookEnvironment& environment,
                                          std::chrono::system_clock::time_point now) {
    std::vector<std::pair<std::string, std::string>> added{
        {"PXCLONE_RUN", environment.run},
        {"PXCLONE_PROFILE", environment.profile},
        {"PXCLONE_SOURCE_NAMESPACE", environment.source_namespace},
        {"PXCLONE_PVCS", fmt::format("{}", fmt::join(environment.pvcs, " "))},
    };
    if (!environment.kubeconfig.empty()) {
        added.emplace_back("KUBECONFIG", environment.kubeconfig);
    }
    if (!environment.context.empty()) {
        added.emplace_back("PXCLONE_CONTEXT", environment.context);
    }
    if (environment.deadline) {
        const auto left = std::chrono::ceil<std::chrono::seconds>(*environment.deadline - now);
        added.emplace_back("PXCLONE_HOOK_DEADLINE", util::format_rfc3339(*environment.deadline));
        added.emplace_back("PXCLONE_HOOK_DEADLINE_SECONDS",
                           std::to_string(std::max<std::int64_t>(left.count(), 0)));
    }
    std::erase_if(inherited, [&added](const std::string& entry) {
        // A deadline pxclone itself inherited is none of a post-hook's.
        return entry.starts_with("PXCLONE_HOOK_DEADLINE") ||
               std::any_of(added.begin(), added.end(), [&entry](const auto& variable) {
                   return entry.starts_with(variable.first + "=");
               });
    });
    for (const auto& [name, value] : added) {
        inherited.push_back(name + "=" + value);
    }
    return inherited;
}

std::vector<HookOutcome> run_hooks(util::ProcessRunner& runner, const profile::Profile& profile,
                                   const std::vector<profile::Hook>& hooks,
                                   const HookEnvironment& environment, bool stop_at_failure) {
    const auto inherited = util::current_environment();
    const util::SystemClock system_clock;
    const auto& clock = environment.clock != nullptr ? *environment.clock : system_clock;
    std::vector<HookOutcome> outcomes;
    for (const auto& hook : hooks) {
        // Per hook: PXCLONE_HOOK_DEADLINE_SECONDS counts from this hook's start.
        const auto env = hook_environment(inherited, environment, clock.now());
        auto program = hook.run.front();
        if (program.find('/') != std::string::npos) {
            program = profile::resolve_path(profile, program);
        }
        util::ProcessSpec spec{
            .program = program,
            .args = std::vector<std::string>(hook.run.begin() + 1, hook.run.end()),
            .env = env,
            .timeout = hook.timeout,
        };
        const auto result = runner.run(spec);
        const bool ok =
            result.outcome == util::ProcessResult::Outcome::exited && result.exit_code == 0;
        outcomes.push_back({
            .command = fmt::format("{}", fmt::join(hook.run, " ")),
            .ok = ok,
            .reason = ok ? std::string() : failure_reason(result, hook),
        });
        if (!ok && stop_at_failure) {
            break;
        }
    }
    return outcomes;
}

std::vector<std::string> run_pre_hooks(util::ProcessRunner& runner, const profile::Profile& profile,
                                       HookEnvironment environment, const util::Clock& clock,
                                       std::chrono::milliseconds budget) {
    environment.clock = &clock;
    environment.deadline = clock.now() + budget;
    for (const auto& hook : profile.source.hooks.pre) {
        *environment.deadline += hook.timeout;
    }
    std::vector<std::string> failures;
    for (const auto& outcome :
         run_hooks(runner, profile, profile.source.hooks.pre, environment, true)) {
        if (!outcome.ok) {
            failures.push_back(fmt::format("pre-hook `{}` {}", outcome.command, outcome.reason));
        }
    }
    return failures;
}

std::vector<std::string> run_post_hooks(util::ProcessRunner& runner,
                                        const profile::Profile& profile,
                                        const HookEnvironment& environment) {
    std::vector<std::string> failures;
    for (const auto& outcome :
         run_hooks(runner, profile, profile.source.hooks.post, environment, false)) {
        if (!outcome.ok) {
            failures.push_back(fmt::format("post-hook `{}` {}", outcome.command, outcome.reason));
        }
    }
    return failures;
}

} // namespace pxclone::exec
