#include "pxclone/discover/set_source.hpp"

#include "pxclone/discover/staging_environment.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/backup_sets.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/px/cloud_backup.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace pxclone::discover {

namespace {

class SnapshotSetSource final : public SetSource {
public:
    SnapshotSetSource(const k8s::Client& kube, std::function<const px::Client&()> portworx,
                      util::WorkerPool& pool)
        : m_kube(kube), m_portworx(std::move(portworx)), m_pool(pool) {}

    exec::SnapshotSet choose(const profile::Profile& profile,
                             const std::string& requested) const override {
        return choose_set(catalog(profile), profile.name, requested);
    }

    std::vector<exec::SnapshotSet> sets(const profile::Profile& profile,
                                        const std::string& id) const override {
        (void)id; // the catalog lists every set of the profile at once
        return catalog(profile).snapshot_sets(profile.name);
    }
    bool lists_by_set() const override { return false; }

    plan::SnapshotSet describe(const profile::Profile& profile,
                               const exec::SnapshotSet& set) const override {
        return describe_set(m_kube, m_pool, profile, set);
    }

    plan::SnapshotSetVolume describe_volume(const profile::Profile& profile,
                                            const exec::SnapshotSet& set,
                                            const exec::SetSnapshot& snapshot) const override {
        (void)set;
        return describe_source_volume(m_kube, profile, snapshot);
    }

private:
    exec::Catalog catalog(const profile::Profile& profile) const {
        return {m_kube, m_portworx(),
                exec::catalog_scope(profile, method::of(profile.snapshot.method).kept_kinds())};
    }

    const k8s::Client& m_kube;
    std::function<const px::Client&()> m_portworx;
    util::WorkerPool& m_pool;
};

class BackupSetSource final : public SetSource {
public:
    BackupSetSource(std::function<const px::Client&()> portworx, std::string cluster,
                    std::function<std::string()> credential)
        : m_portworx(std::move(portworx)), m_cluster(std::move(cluster)),
          m_credential(std::move(credential)) {}

    exec::SnapshotSet choose(const profile::Profile& profile,
                             const std::string& requested) const override {
        return exec::find_backup_set(backups(), m_credential(), profile.name, requested);
    }

    std::vector<exec::SnapshotSet> sets(const profile::Profile& profile,
                                        const std::string& id) const override {
        std::vector<exec::SnapshotSet> found;
        for (const auto& set :
             exec::list_backup_sets(backups(), m_credential(), profile.name, id)) {
            found.push_back(exec::snapshot_set_of(set));
        }
        return found;
    }
    bool lists_by_set() const override { return true; }

    plan::SnapshotSet describe(const profile::Profile& profile,
                               const exec::SnapshotSet& set) const override {
        return exec::describe_backup_set(profile, set);
    }

    plan::SnapshotSetVolume describe_volume(const profile::Profile& profile,
                                            const exec::SnapshotSet& set,
                                            const exec::SetSnapshot& snapshot) const override {
        auto described = exec::describe_backup_set(profile, set);
        const auto pvc = snapshot.source.substr(snapshot.source.find('/') + 1);
        const auto found =
            std::find_if(described.volumes.begin(), described.volumes.end(),
                         [&pvc](const auto& volume) { return volume.source_pvc == pvc; });
        if (found == described.volumes.end()) {
            throw Error(ExitCode::failed,
                        fmt::format("internal: snapshot set {} has no backup of {}", set.id,
                                    snapshot.source));
        }
        return std::move(*found);
    }

private:
    px::CloudBackupClient backups() const { return {m_portworx(), m_cluster}; }

    std::function<const px::Client&()> m_portworx;
    std::string m_cluster;
    std::function<std::string()> m_credential;
};

} // namespace

std::unique_ptr<SetSource> make_snapshot_set_source(const k8s::Client& kube,
                                                    std::function<const px::Client&()> portworx,
                                                    util::WorkerPool& pool) {
    return std::make_unique<SnapshotSetSource>(kube, std::move(portworx), pool);
}

std::unique_ptr<SetSource> make_backup_set_source(std::function<const px::Client&()> portworx,
                                                  std::string cluster,
                                                  std::function<std::string()> credential) {
    return std::make_unique<BackupSetSource>(std::move(portworx), std::move(cluster),
                                             std::move(credential));
}

} // namespace pxclone::discover
