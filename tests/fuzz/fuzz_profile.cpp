// libFuzzer target: the profile loader on arbitrary bytes. Its contract is to never throw and to
// report every problem as a diagnostic; any exception, crash or sanitizer report is a finding.
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/environment.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxclone;
    static const util::MapEnvironment env({{"PX_TOKEN", "t"}, {"ECR_REPO", "repo"}});
    profile::LoadOptions options;
    options.file = "fuzz/pxclone.yaml";
    options.substitution.environment = &env;
    options.substitution.run_id = "r1";
    options.substitution.git_sha = "0123456789abcdef";
    options.substitution.build_id = "b1";
    // Every third input also checks referenced files, which takes the path-joining branches.
    if (size % 3 == 0) {
        options.file_exists = [](const std::string& path) {
            return path.size() % 2 == 0;
        };
    }
    try {
        const auto result = profile::load_profile(
            std::string_view(reinterpret_cast<const char*>(data), size), options);
        if (result.profile.has_value() != result.diagnostics.empty()) {
            std::fputs("load_profile: a profile and diagnostics at once, or neither\n", stderr);
            std::abort();
        }
        if (result.diagnostics.size() > profile::k_max_diagnostics + 1) {
            std::fputs("load_profile: more diagnostics than the limit\n", stderr);
            std::abort();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "load_profile threw: %s\n", e.what());
        std::abort();
    }
    return 0;
}
