// Reading one value out of a Secret (for `portworx.token: {secret: ns/name, key}`).
#pragma once

#include "pxclone/k8s/client.hpp"

#include <string>
#include <string_view>

namespace pxclone::k8s {

// The decoded value of data[key] of Secret ns/name. Throws ApiError NotFound (exit 3) when the
// Secret does not exist, NotFoundError (exit 3) when it has no such key (the message lists the keys
// present, never a value), Error (exit 1) when the value is not valid base64. The value is a
// secret: callers must not log it.
std::string read_secret_value(const Client& client, std::string_view ns, std::string_view name,
                              std::string_view key);

} // namespace pxclone::k8s
