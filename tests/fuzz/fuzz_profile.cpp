// libFuzzer target: the user's YAML files on arbitrary bytes — the profile loader and the staging
// manifest reader, which share the guards against texts yaml-cpp 0.7 never returns on. Their
// contract is to never throw and to report every problem as a diagnostic; any exception, crash,
// hang or sanitizer report is a finding. (One target for both: the YAML front end is the same,
// and CI's fuzzing time is per target.)
#include "pxclone/profile/loader.hpp"
#include "pxclone/profile/manifests.hpp"
#include "pxclone/util/environment.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxclone;
    static const util::MapEnvironment env({{"PX_TOKEN", "t"}, {"ECR_REPO", "repo"}});
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    profile::LoadOptions options;
    options.file = "fuzz/pxclone.yaml";
    options.substitution.environment = &env;
    options.substitution.run_id = "r1";
    options.substitution.git_sha = "0123456789abcdef";
    options.substitution.build_id = "b1";
    // Every third input also checks referenced files, which takes the path-joining branches.
    if (size % 3 == 0) {
        options.file_problem = [](const std::string& path) -> std::optional<std::string> {
            if (path.size() % 2 == 0) {
                return std::nullopt;
            }
            return "does not exist";
        };
    }
    fuzz::expect_no_exception("load_profile", [&] {
        const auto result = profile::load_profile(text, options);
        if (result.profile.has_value() != result.diagnostics.empty()) {
            fuzz::finding("load_profile", "a profile and diagnostics at once, or neither");
        }
        if (result.diagnostics.size() > profile::k_max_diagnostics + 1) {
            fuzz::finding("load_profile", "more diagnostics than the limit");
        }
    });
    fuzz::expect_no_exception("parse_manifests", [&] {
        const auto result =
            profile::parse_manifests(text, "fuzz/manifests.yaml", options.substitution);
        for (const auto& diagnostic : result.diagnostics) {
            if (diagnostic.file != "fuzz/manifests.yaml" || diagnostic.message.empty()) {
                fuzz::finding("parse_manifests", "a diagnostic without its file or message");
            }
        }
    });
    return 0;
}
