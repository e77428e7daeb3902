#include "libcurl_api.hpp"

#include "pxclone/error.hpp"

#include <dlfcn.h>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace pxclone::http::libcurl {

namespace {

struct Loaded {
    Api api{};
    std::string failure; // dlerror()'s text when loading failed
    bool absent = false; // libcurl.so.4, or a library it needs, is not installed
};

// Resolves `name` into `slot`; false (failure set) when it is missing.
template <typename Function>
bool resolve(void* library, const char* name, Function& slot, std::string& failure) {
    dlerror();
    void* symbol = dlsym(library, name);
    if (symbol == nullptr) {
        const char* reason = dlerror();
        failure =
            reason != nullptr ? reason : fmt::format("{}: undefined symbol: {}", k_soname, name);
        return false;
    }
    slot = reinterpret_cast<Function>(symbol);
    return true;
}

Loaded load() {
    Loaded loaded;
    // Never unloaded: libcurl and its libraries stay for the life of the process, as if linked.
    void* library = dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* reason = dlerror();
        loaded.failure = reason != nullptr ? reason : "unknown error";
        // glibc's words for a library (libcurl's own, or one it needs) that is not installed,
        // as against one that is there but broken ("file too short", "wrong ELF class").
        loaded.absent = loaded.failure.find("cannot open shared object file") != std::string::npos;
        return loaded;
    }
    auto& api = loaded.api;
    auto& failure = loaded.failure;
    const bool resolved =
        resolve(library, "curl_global_init", api.global_init, failure) &&
        resolve(library, "curl_version_info", api.version_info, failure) &&
        resolve(library, "curl_easy_init", api.easy_init, failure) &&
        resolve(library, "curl_easy_reset", api.easy_reset, failure) &&
        resolve(library, "curl_easy_cleanup", api.easy_cleanup, failure) &&
        resolve(library, "curl_easy_setopt", api.easy_setopt, failure) &&
        resolve(library, "curl_easy_getinfo", api.easy_getinfo, failure) &&
        resolve(library, "curl_easy_perform", api.easy_perform, failure) &&
        resolve(library, "curl_easy_strerror", api.easy_strerror, failure) &&
        resolve(library, "curl_share_init", api.share_init, failure) &&
        resolve(library, "curl_share_setopt", api.share_setopt, failure) &&
        resolve(library, "curl_share_cleanup", api.share_cleanup, failure) &&
        resolve(library, "curl_slist_append", api.slist_append, failure) &&
        resolve(library, "curl_slist_free_all", api.slist_free_all, failure) &&
        resolve(library, "curl_url", api.url, failure) &&
        resolve(library, "curl_url_set", api.url_set, failure) &&
        resolve(library, "curl_url_get", api.url_get, failure) &&
        resolve(library, "curl_url_cleanup", api.url_cleanup, failure) &&
        resolve(library, "curl_free", api.free, failure) &&
        resolve(library, "curl_multi_init", api.multi_init, failure) &&
        resolve(library, "curl_multi_setopt", api.multi_setopt, failure) &&
        resolve(library, "curl_multi_add_handle", api.multi_add_handle, failure) &&
        resolve(library, "curl_multi_remove_handle", api.multi_remove_handle, failure) &&
        resolve(library, "curl_multi_perform", api.multi_perform, failure) &&
        resolve(library, "curl_multi_poll", api.multi_poll, failure) &&
        resolve(library, "curl_multi_wakeup", api.multi_wakeup, failure) &&
        resolve(library, "curl_multi_info_read", api.multi_info_read, failure) &&
        resolve(library, "curl_multi_cleanup", api.multi_cleanup, failure);
    if (resolved) {
        // Not thread-safe in libcurl; the call_once around load() makes it so.
        const CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT);
        if (code != CURLE_OK) {
            failure = fmt::format("curl_global_init failed: {}", api.easy_strerror(code));
        }
    }
    return loaded;
}

} // namespace

const Api& api() {
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = load(); });
    if (loaded.absent) {
        // The release binary runs on distributions that name the package differently; the
        // loader's own words stay as a detail, for the case where a library libcurl needs is gone.
        throw Error(ExitCode::failed,
                    fmt::format("{} not found: install libcurl (Amazon Linux) or libcurl4 "
                                "(Debian/Ubuntu)",
                                k_soname),
                    {}, {fmt::format("  {}", loaded.failure)});
    }
    if (!loaded.failure.empty()) {
        throw Error(ExitCode::failed, fmt::format("cannot load {}: {}", k_soname, loaded.failure),
                    "pxclone talks to servers through libcurl: install it (Debian and Ubuntu: "
                    "apt-get install libcurl4)");
    }
    return loaded.api;
}

} // namespace pxclone::http::libcurl
