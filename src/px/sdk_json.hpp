// What the px client's files share (src/px/ only): reading a reply's fields, checking its shape,
// and encoding a path segment. One copy here, not one per file (the unity build joins the files).
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/util/text.hpp"

#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pxclone::px::detail {

// A path segment or query value: everything but RFC 3986 unreserved characters percent-encoded
// (a '/' too, so an id can never reach another route).
inline std::string encode_segment(std::string_view segment) {
    std::string out;
    for (const char ch : segment) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out += ch;
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

inline std::string text_at(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// A reply field that must be a string when present (the SDK omits empty ones); another type
// throws std::invalid_argument naming it.
inline std::string field_text(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    if (!it->is_string()) {
        throw std::invalid_argument(std::string("field ") + key + " is not a string");
    }
    return it->get<std::string>();
}

// `value` when it is a JSON object, else std::invalid_argument naming `what`.
inline const nlohmann::json& object_or_throw(const nlohmann::json& value, const char* what) {
    if (!value.is_object()) {
        throw std::invalid_argument(std::string(what) + " is not an object");
    }
    return value;
}

// Runs a decoder on a reply; a reply of the wrong shape (a decoder's std::invalid_argument, or a
// JSON type error) becomes an Error naming the endpoint and the call, never an internal error.
template <typename Decode>
auto decoded(std::string_view endpoint, std::string_view what, Decode&& decode) {
    const auto refuse = [&](const char* why) {
        return Error(ExitCode::failed,
                     fmt::format("portworx endpoint {}: {}: the reply does not have the "
                                 "OpenStorage SDK's shape ({})",
                                 endpoint, what, util::one_line(why, 200)),
                     "portworx.endpoint must point at the Portworx REST gateway (port 9021)");
    };
    try {
        return decode();
    } catch (const std::invalid_argument& error) {
        throw refuse(error.what());
    } catch (const nlohmann::json::exception& error) {
        throw refuse(error.what());
    }
}

// The strings of list `key`; none when it is absent (the SDK omits an empty list).
inline std::vector<std::string> string_list(const nlohmann::json& reply, const char* key) {
    std::vector<std::string> out;
    const auto it = reply.find(key);
    if (it == reply.end() || it->is_null()) {
        return out;
    }
    // A list of another type means this is not the SDK answering (an empty list is absent).
    if (!it->is_array()) {
        throw std::invalid_argument(std::string("field ") + key + " is not a list");
    }
    for (const auto& entry : *it) {
        if (!entry.is_string()) {
            throw std::invalid_argument(std::string("field ") + key + " holds a non-string");
        }
        out.push_back(entry.get<std::string>());
    }
    return out;
}

} // namespace pxclone::px::detail
