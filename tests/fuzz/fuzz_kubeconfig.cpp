// libFuzzer target: the kubeconfig loader on an arbitrary file. It may refuse the file only with a
// pxclone::Error (exit 2 or 3, a message naming the file); any other exception, crash or sanitizer
// report is a finding.
#include "pxclone/k8s/kubeconfig.hpp"
#include "pxclone/util/environment.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "fuzz_check.hpp"

namespace {

std::filesystem::path scratch_dir() {
    auto dir = std::filesystem::temp_directory_path() /
               ("pxclone-fuzz-kubeconfig-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxclone;
    static const auto dir = scratch_dir();
    static const util::MapEnvironment env({{"HOME", dir.string()}});
    const auto file = dir / "config";
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    k8s::KubeconfigOptions options;
    options.explicit_path = file.string();
    options.env = &env;
    options.in_cluster_root = dir / "no-service-account";
    fuzz::expect_only_pxclone_errors("load_cluster_config", [&] {
        const auto config = k8s::load_cluster_config(options);
        if (config.server.empty()) {
            fuzz::finding("load_cluster_config", "a config without a server");
        }
    });
    return 0;
}
