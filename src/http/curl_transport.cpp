#include "pxclone/http/library.hpp"

#include <curl/curl.h>

namespace pxclone::http {

std::string libcurl_version() {
    const auto* info = curl_version_info(CURLVERSION_NOW);
    return info != nullptr && info->version != nullptr ? info->version : "unknown";
}

} // namespace pxclone::http
