// libcurl, loaded at run time when a command first needs it. Private to src/http: only
// curl_transport.cpp (and libcurl_api.cpp) include this header, and with it <curl/curl.h>.
//
// Why not link it: libcurl4 (the Debian OpenSSL build) pulls in about 30 shared libraries
// (nghttp2, idn2, rtmp -> gnutls/nettle/gmp, ssh2, psl, krb5, ldap, sasl2, brotli, p11-kit, ...)
// that ld.so maps and relocates, and whose constructors run, at every start of the program:
// measured 14.4 ms of CPU for a C program that only links -lcurl, against 3.8 ms for one linked
// with yaml-cpp, fmt and libstdc++ (perf stat, Release, Debian 12). pxclone's commands that never
// talk to a server (validate, completion, --help, usage errors, shell completion on every TAB)
// must not pay that; the ones that do pay it once, when the first transport is made.
#pragma once

#include <curl/curl.h>

namespace pxclone::http::libcurl {

// The libcurl functions pxclone calls. Each pointer's type is taken from <curl/curl.h>'s own
// prototype, so a changed signature fails to compile instead of crashing.
struct Api {
    decltype(&::curl_global_init) global_init;
    decltype(&::curl_version_info) version_info;
    decltype(&::curl_easy_init) easy_init;
    decltype(&::curl_easy_reset) easy_reset;
    decltype(&::curl_easy_cleanup) easy_cleanup;
    decltype(&::curl_easy_setopt) easy_setopt;
    decltype(&::curl_easy_getinfo) easy_getinfo;
    decltype(&::curl_easy_perform) easy_perform;
    decltype(&::curl_easy_strerror) easy_strerror;
    decltype(&::curl_share_init) share_init;
    decltype(&::curl_share_setopt) share_setopt;
    decltype(&::curl_share_cleanup) share_cleanup;
    decltype(&::curl_slist_append) slist_append;
    decltype(&::curl_slist_free_all) slist_free_all;
    decltype(&::curl_url) url;
    decltype(&::curl_url_set) url_set;
    decltype(&::curl_url_get) url_get;
    decltype(&::curl_url_cleanup) url_cleanup;
    decltype(&::curl_free) free;
    decltype(&::curl_multi_init) multi_init;
    decltype(&::curl_multi_setopt) multi_setopt;
    decltype(&::curl_multi_add_handle) multi_add_handle;
    decltype(&::curl_multi_remove_handle) multi_remove_handle;
    decltype(&::curl_multi_perform) multi_perform;
    decltype(&::curl_multi_poll) multi_poll;
    decltype(&::curl_multi_wakeup) multi_wakeup;
    decltype(&::curl_multi_info_read) multi_info_read;
    decltype(&::curl_multi_cleanup) multi_cleanup;
};

// The shared object loaded: the soname the libcurl4 package provides.
inline constexpr const char* k_soname = "libcurl.so.4";

// libcurl loaded, every function resolved and curl_global_init done, the first time it is called
// (thread-safe; later calls return the same table). When the library or one of the functions is
// missing, throws pxclone::Error (ExitCode::failed) "cannot load libcurl.so.4: <dlerror>" with a
// hint naming the package, on this and every later call.
const Api& api();

} // namespace pxclone::http::libcurl
