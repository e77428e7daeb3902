// Environment variables behind an interface, so that code reading CI variables, KUBECONFIG or
// HOME is tested with a map instead of the real process environment.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

class Environment {
public:
    virtual ~Environment() = default;
    // The variable's value; nullopt when unset (an empty value is returned as "").
    virtual std::optional<std::string> get(std::string_view name) const = 0;
};

// The real process environment (getenv).
class ProcessEnvironment final : public Environment {
public:
    std::optional<std::string> get(std::string_view name) const override;
};

// A fixed set of variables, for tests.
class MapEnvironment final : public Environment {
public:
    MapEnvironment() = default;
    explicit MapEnvironment(std::map<std::string, std::string, std::less<>> values)
        : m_values(std::move(values)) {}
    void set(std::string name, std::string value) { m_values[std::move(name)] = std::move(value); }
    std::optional<std::string> get(std::string_view name) const override;

private:
    std::map<std::string, std::string, std::less<>> m_values;
};

} // namespace pxclone::util
