// Facts about the HTTP library, for `pxclone version`.
#pragma once

#include <string>

namespace pxclone::http {

// The libcurl version pxclone runs with (not the one it was built against), e.g. "7.88.1".
std::string libcurl_version();

} // namespace pxclone::http
