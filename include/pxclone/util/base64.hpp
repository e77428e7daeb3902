// Standard base64 (RFC 4648 §4, with padding), as kubeconfig `*-data` fields and HTTP Basic use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

std::string base64_encode(std::string_view data);

// Decodes padded or unpadded base64; ASCII whitespace (line breaks in PEM-ish data) is ignored.
// nullopt for any other character outside the alphabet or a truncated final group.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace pxclone::util
