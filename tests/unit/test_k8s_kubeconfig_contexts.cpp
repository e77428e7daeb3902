#include "pxclone/k8s/kubeconfig_contexts.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace pxclone;

namespace {

using Names = std::vector<std::string>;

} // namespace

TEST_CASE("kubeconfig_context_names: the contexts of the merged KUBECONFIG files, each once") {
    test::TempDir dir;
    const auto first = dir.write("a.yaml", "contexts:\n- name: prod\n- name: dev\n");
    const auto second = dir.write("b.yaml", "contexts: [{name: dev}, {name: kind}, {other: x}]\n");
    util::MapEnvironment env;
    env.set("KUBECONFIG",
            first.string() + ":" + (dir.path() / "missing.yaml").string() + ":" + second.string());
    k8s::KubeconfigOptions options;
    options.env = &env;
    CHECK(k8s::kubeconfig_context_names(options) == Names{"prod", "dev", "kind"});
}

TEST_CASE("kubeconfig_context_names: an explicit file alone, else ~/.kube/config") {
    test::TempDir dir;
    const auto explicit_file = dir.write("k.yaml", "contexts: [{name: only}]\n");
    dir.write("home/.kube/config", "contexts: [{name: home}]\n");
    util::MapEnvironment env;
    env.set("HOME", (dir.path() / "home").string());
    k8s::KubeconfigOptions options;
    options.env = &env;
    CHECK(k8s::kubeconfig_context_names(options) == Names{"home"});
    options.explicit_path = explicit_file.string();
    CHECK(k8s::kubeconfig_context_names(options) == Names{"only"});
}

TEST_CASE("kubeconfig_context_names: broken or missing files give no names and do not throw") {
    test::TempDir dir;
    const auto broken = dir.write("broken.yaml", "contexts: [{name: a\n");
    const auto scalar = dir.write("scalar.yaml", "just text\n");
    util::MapEnvironment env;
    k8s::KubeconfigOptions options;
    options.env = &env;
    for (const auto& path : {broken, scalar, dir.path() / "missing.yaml", dir.path()}) {
        options.explicit_path = path.string();
        CHECK(k8s::kubeconfig_context_names(options).empty());
    }
}
