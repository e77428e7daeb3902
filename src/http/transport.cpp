#include "pxclone/http/transport.hpp"

#include <algorithm>
#include <cctype>

namespace pxclone::http {

std::string_view method_name(Method method) {
    switch (method) {
    case Method::get:
        return "GET";
    case Method::post:
        return "POST";
    case Method::put:
        return "PUT";
    case Method::patch:
        return "PATCH";
    case Method::del:
        return "DELETE";
    }
    return "GET";
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
    const auto same = [name](const auto& header) {
        return std::equal(header.first.begin(), header.first.end(), name.begin(), name.end(),
                          [](char a, char b) {
                              return std::tolower(static_cast<unsigned char>(a)) ==
                                     std::tolower(static_cast<unsigned char>(b));
                          });
    };
    const auto it = std::find_if(headers.begin(), headers.end(), same);
    if (it == headers.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace pxclone::http
