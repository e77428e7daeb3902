#include "pxclone/exec/namespace_runner.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/plan/namespace_pool.hpp"

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

class KubeNamespaceRunner final : public NamespaceRunner {
public:
    explicit KubeNamespaceRunner(const k8s::Client& kube) : m_kube(kube) {}

    void patch(const std::string& ns, const nlohmann::json& patch) override { patch_of(ns, patch); }

    bool guarded_patch(const std::string& ns, const nlohmann::json& patch) override {
        try {
            patch_of(ns, patch);
        } catch (const k8s::ApiError& error) {
            if (error.is_conflict()) {
                return false;
            }
            throw;
        }
        return true;
    }

private:
    void patch_of(const std::string& ns, const nlohmann::json& patch) {
        m_kube.merge_patch(k8s::resource_of("Namespace"), "", ns, patch);
    }

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

    bool guarded_patch(const std::string& ns, const nlohmann::json& patch) override {
        this->patch(ns, patch);
        return true;
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

PoolClaim
claim_pool_namespace(const k8s::Client& kube, NamespaceRunner& runner, const std::string& pool,
                     const std::string& profile, const std::string& run,
                     const std::function<nlohmann::json(const std::string&)>& metadata_for) {
    k8s::ListOptions options;
    options.label_selector = plan::pool_selector(pool);
    const auto listed = kube.list(k8s::resource_of("Namespace"), "", options).items;
    const auto choice = plan::choose_pool_namespace(listed, profile, run);
    const auto name_of = [](const nlohmann::json& ns) {
        return ns.value(nlohmann::json::json_pointer("/metadata/name"), std::string());
    };
    if (choice.claimed) {
        return {.name = name_of(*choice.claimed), .claimed_now = false};
    }
    for (const auto& ns : choice.free) {
        const auto name = name_of(ns);
        if (runner.guarded_patch(name, plan::claim_patch(ns, metadata_for(name)))) {
            return {.name = name, .claimed_now = true};
        }
    }
    throw Error(ExitCode::not_found,
                fmt::format("no free namespace in pool {} ({} namespace{} labelled {}, none free)",
                            pool, listed.size(), listed.size() == 1 ? "" : "s",
                            plan::pool_selector(pool)),
                fmt::format("tear down an environment of the pool, or have an admin add a "
                            "namespace labelled {} (with the staging role bound in it)",
                            plan::pool_selector(pool)));
}

bool release_pool_namespace(const k8s::Client& kube, const std::string& ns,
                            const std::string& profile, const std::string& run) {
    const auto& resource = k8s::resource_of("Namespace");
    // A conflict means someone else wrote it meanwhile (an admin's label): read again and retry.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto current = kube.get(resource, "", ns);
        // Released already, and maybe claimed by another run since: not this run's to release.
        if (!current || !plan::in_pool(*current) ||
            !plan::choose_pool_namespace({*current}, profile, run).claimed) {
            return false;
        }
        const auto patch = plan::release_patch(*current);
        if (patch.is_null()) {
            return false;
        }
        try {
            kube.merge_patch(resource, "", ns, patch);
            return true;
        } catch (const k8s::ApiError& error) {
            if (!error.is_conflict()) {
                throw;
            }
        }
    }
    throw Error(ExitCode::failed,
                fmt::format("namespace {}: its labels kept changing while pxclone released it", ns),
                "run the same teardown again");
}

} // namespace pxclone::exec
