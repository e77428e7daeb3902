// CLI11 validators that refuse a flag's value in pxclone's words and name the valid values:
// `--output xml: invalid output format (valid: text, json, yaml, env, name)`. CLI11's own
// validators print its internals (`Check xml value in {env->3,...} OR {3,1,...} FAILED`).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace pxclone::cmd {

// A flag's value refused. Not a CLI::ValidationError, which CLI11 catches inside its validators
// and re-throws with its own prefix: this reaches main as it is, and is reported (exit 2) with the
// usual hint to the command's --help.
class FlagValueError : public CLI::ParseError {
public:
    explicit FlagValueError(std::string message)
        : CLI::ParseError("FlagValueError", std::move(message), CLI::ExitCodes::ValidationError) {}
};

// The index in `names` of `value` compared ignoring case, or FlagValueError naming them all.
std::size_t index_of(const std::string& flag, const std::string& value, const std::string& what,
                     const std::vector<std::string>& names);

// One of `names` (ignoring case), left as the name matched; else FlagValueError.
CLI::Validator one_of(std::string flag, std::string what, std::vector<std::string> names);

// One of the names of `values` (ignoring case), replaced by its enum's number, which CLI11 then
// converts into the option's enum (as CLI::CheckedTransformer does); else FlagValueError.
template <typename Enum>
CLI::Validator one_of(std::string flag, std::string what,
                      std::vector<std::pair<std::string, Enum>> values) {
    std::vector<std::string> names;
    for (const auto& entry : values) {
        names.push_back(entry.first);
    }
    return CLI::Validator(
        [flag, what, names, values](std::string& value) {
            const auto& number = values[index_of(flag, value, what, names)].second;
            value = std::to_string(static_cast<int>(number));
            return std::string();
        },
        "");
}

// A whole number from `minimum` to `maximum`, or FlagValueError.
CLI::Validator whole_number(std::string flag, int minimum, int maximum);

} // namespace pxclone::cmd
