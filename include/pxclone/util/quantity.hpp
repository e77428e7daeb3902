// Kubernetes resource quantities ("10Gi", "500M", "1.5Ti", "1e9") as whole bytes, for volume sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

// Binary (Ki Mi Gi Ti Pi Ei) and decimal (k M G T P E) suffixes, plain numbers and exponents;
// fractions are rounded up to the next byte. nullopt for anything else, negatives and overflow.
std::optional<std::int64_t> parse_quantity(std::string_view text);

// The exact canonical form Kubernetes prints for a byte count: "10Gi" when it divides, else bytes.
std::string format_quantity(std::int64_t bytes);

} // namespace pxclone::util
