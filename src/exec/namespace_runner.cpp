#include "pxclone/exec/namespace_runner.hpp"

#include "pxclone/k8s/paths.hpp"

namespace pxclone::exec {

namespace {

class KubeNamespaceRunner final : public NamespaceRunner {
public:
    explicit KubeNamespaceRunner(const k8s::Client& kube) : m_kube(kube) {}

    void patch(const std::string& ns, const nlohmann::json& patch) override {
        m_kube.merge_patch(k8s::resource_of("Namespace"), "", ns, patch);
    }

private:
    const k8s::Client& m_kube;
};

class DryRunNamespaceRunner final : public NamespaceRunner {
public:
    explicit DryRunNamespaceRunner(std::ostream& out) : m_out(out) {}

    bool sends() const override { return false; }

    void patch(const std::string& ns, const nlohmann::json& patch) override {
        m_out << "PATCH " << k8s::item_path(k8s::resource_of("Namespace"), "", ns) << ' '
              << patch.dump() << '\n';
    }

private:
    std::ostream& m_out;
};

} // namespace

std::unique_ptr<NamespaceRunner> make_namespace_runner(const k8s::Client& kube) {
    return std::make_unique<KubeNamespaceRunner>(kube);
}

std::unique_ptr<NamespaceRunner> make_dry_run_namespace_runner(std::ostream& out) {
    return std::make_unique<DryRunNamespaceRunner>(out);
}

} // namespace pxclone::exec
