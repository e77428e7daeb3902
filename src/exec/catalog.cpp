#include "pxclone/exec/catalog.hpp"

#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/util/quantity.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <future>
#include <optional>
#include <tuple>

namespace pxclone::exec {

using nlohmann::json;

namespace {

const json& field(const json& object, const char* key) {
    static const json k_null;
    if (!object.is_object()) {
        return k_null;
    }
    const auto found = object.find(key);
    return found == object.end() ? k_null : *found;
}

std::string text(const json& object, const char* key) {
    const auto& value = field(object, key);
    return value.is_string() ? value.get<std::string>() : std::string();
}

// A value from metadata.labels, else metadata.annotations ("" when neither has it).
std::string meta_value(const json& object, std::string_view key) {
    const auto& metadata = field(object, "metadata");
    for (const char* where : {"labels", "annotations"}) {
        const auto& map = field(metadata, where);
        if (map.is_object()) {
            const auto found = map.find(std::string(key));
            if (found != map.end() && found->is_string()) {
                return found->get<std::string>();
            }
        }
    }
    return {};
}

std::string label_value(const px::Labels& labels, std::string_view key) {
    const auto found = labels.find(std::string(key));
    return found == labels.end() ? std::string() : found->second;
}

std::optional<std::size_t> parse_count(const std::string& value) {
    std::size_t count = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, error] = std::from_chars(value.data(), end, count);
    if (value.empty() || error != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return count;
}

// Fills the set's facts from the first snapshot that has them.
void take_facts(SnapshotSet& set, const std::string& profile, const std::string& created_at,
                const std::string& source, const std::string& git_sha, const std::string& build_id,
                const std::string& set_size) {
    const auto fill = [](std::string& target, const std::string& value) {
        if (target.empty()) {
            target = value;
        }
    };
    fill(set.profile, profile);
    fill(set.created_at, created_at);
    fill(set.git_sha, git_sha);
    fill(set.build_id, build_id);
    if (set.source_namespace.empty()) {
        set.source_namespace = source.substr(0, source.find('/'));
    }
    if (!set.expected) {
        set.expected = parse_count(set_size);
    }
}

bool portworx_snapshot_ready(const px::Volume& volume) {
    return volume.state != "VOLUME_STATE_PENDING" && volume.state != "VOLUME_STATE_ERROR" &&
           volume.status != "VOLUME_STATUS_DOWN";
}

// Newest first: created_at (RFC 3339 UTC text order is time order), then id.
template <typename T>
void sort_newest_first(std::vector<T>& items, auto id_of) {
    std::sort(items.begin(), items.end(), [&id_of](const T& left, const T& right) {
        return std::tie(left.created_at, id_of(left)) > std::tie(right.created_at, id_of(right));
    });
}

struct EnvKey {
    std::string profile;
    std::string run;
    auto operator<=>(const EnvKey&) const = default;
};

} // namespace

std::string_view set_state_name(SetState state) {
    return state == SetState::complete ? "complete" : "partial";
}

std::string_view environment_state_name(EnvironmentState state) {
    switch (state) {
    case EnvironmentState::ready:
        return "ready";
    case EnvironmentState::expired:
        return "expired";
    case EnvironmentState::partial:
        break;
    }
    return "partial";
}

bool is_expired(const Environment& environment, std::chrono::system_clock::time_point now) {
    if (environment.pinned || environment.expires_at.empty()) {
        return false;
    }
    const auto expires = util::parse_rfc3339(environment.expires_at);
    return expires && *expires < now;
}

EnvironmentState judge_environment(const Environment& environment,
                                   std::chrono::system_clock::time_point now) {
    if (is_expired(environment, now)) {
        return EnvironmentState::expired;
    }
    if (environment.phase == "Active" && !environment.ready_at.empty()) {
        return EnvironmentState::ready;
    }
    if (environment.kind == "pvc" && environment.phase == "Bound") {
        return EnvironmentState::ready;
    }
    return EnvironmentState::partial;
}

std::vector<SnapshotSet> group_snapshot_sets(const std::vector<px::Volume>& portworx_snapshots,
                                             const std::vector<json>& volume_snapshots,
                                             const std::map<std::string, json>& contents) {
    std::map<std::string, SnapshotSet> sets;
    const auto set_for = [&sets](const std::string& id, std::string_view method) -> SnapshotSet& {
        auto& set = sets[id];
        if (set.id.empty()) {
            set.id = id;
            set.method = std::string(method);
        }
        return set;
    };

    for (const auto& volume : portworx_snapshots) {
        const auto set_id = label_value(volume.labels, plan::k_snapshot_set_key);
        if (set_id.empty()) {
            continue;
        }
        auto& set = set_for(set_id, profile::method_name(profile::SnapshotMethod::portworx));
        const auto source = label_value(volume.labels, plan::k_source_key);
        take_facts(set, label_value(volume.labels, plan::k_profile_key),
                   label_value(volume.labels, plan::k_created_at_key), source,
                   label_value(volume.labels, plan::k_git_sha_key),
                   label_value(volume.labels, plan::k_build_id_key),
                   label_value(volume.labels, plan::k_set_size_key));
        set.snapshots.push_back(SetSnapshot{.source = source,
                                            .id = volume.id,
                                            .portworx_id = volume.id,
                                            .size = volume.spec.size,
                                            .name = volume.name,
                                            .ready = portworx_snapshot_ready(volume)});
    }

    for (const auto& snapshot : volume_snapshots) {
        const auto set_id = meta_value(snapshot, plan::k_snapshot_set_key);
        if (set_id.empty()) {
            continue;
        }
        auto& set = set_for(set_id, profile::method_name(profile::SnapshotMethod::csi));
        const auto& metadata = field(snapshot, "metadata");
        const auto& status = field(snapshot, "status");
        const auto source = meta_value(snapshot, plan::k_source_key);
        take_facts(set, meta_value(snapshot, plan::k_profile_key),
                   meta_value(snapshot, plan::k_created_at_key), source,
                   meta_value(snapshot, plan::k_git_sha_key),
                   meta_value(snapshot, plan::k_build_id_key),
                   meta_value(snapshot, plan::k_set_size_key));
        SetSnapshot entry;
        entry.source = source;
        entry.name = text(metadata, "name");
        entry.id = text(metadata, "namespace") + "/" + entry.name;
        entry.size = util::parse_quantity(text(status, "restoreSize")).value_or(0);
        const auto& ready = field(status, "readyToUse");
        entry.ready = ready.is_boolean() && ready.get<bool>() && field(status, "error").is_null();
        const auto content = contents.find(text(status, "boundVolumeSnapshotContentName"));
        if (content != contents.end()) {
            entry.portworx_id = text(field(content->second, "status"), "snapshotHandle");
        }
        set.snapshots.push_back(std::move(entry));
    }

    std::vector<SnapshotSet> result;
    for (auto& [id, set] : sets) {
        std::sort(set.snapshots.begin(), set.snapshots.end(),
                  [](const SetSnapshot& left, const SetSnapshot& right) {
                      return std::tie(left.source, left.id) < std::tie(right.source, right.id);
                  });
        const bool all_ready = std::all_of(set.snapshots.begin(), set.snapshots.end(),
                                           [](const SetSnapshot& entry) { return entry.ready; });
        std::set<std::string> sources;
        for (const auto& entry : set.snapshots) {
            sources.insert(entry.source);
        }
        const bool enough = !set.expected || sources.size() >= *set.expected;
        set.state =
            all_ready && enough && !set.snapshots.empty() ? SetState::complete : SetState::partial;
        result.push_back(std::move(set));
    }
    sort_newest_first(result, [](const SnapshotSet& set) -> const std::string& { return set.id; });
    return result;
}

std::vector<Environment> group_environments(const StagingObjects& objects) {
    std::map<EnvKey, Environment> environments;
    const auto environment_for = [&environments](const std::string& profile,
                                                 const std::string& run) -> Environment* {
        if (run.empty()) {
            return nullptr;
        }
        auto& environment = environments[EnvKey{profile, run}];
        environment.profile = profile;
        environment.run = run;
        return &environment;
    };
    const auto fill = [](std::string& target, const std::string& value) {
        if (target.empty()) {
            target = value;
        }
    };
    // The first set seen is the environment's (the namespace comes first); every set counts.
    const auto note_set = [&fill](Environment& environment, const std::string& set) {
        fill(environment.snapshot_set, set);
        if (!set.empty()) {
            environment.snapshot_sets.insert(set);
        }
    };
    const auto add_kube = [&](const json& object, const std::string& kind) -> Environment* {
        auto* environment = environment_for(meta_value(object, plan::k_profile_key),
                                            meta_value(object, plan::k_run_key));
        if (environment == nullptr) {
            return nullptr;
        }
        ++environment->counts[kind];
        note_set(*environment, meta_value(object, plan::k_snapshot_set_key));
        fill(environment->created_at, meta_value(object, plan::k_created_at_key));
        fill(environment->expires_at, meta_value(object, plan::k_expires_at_key));
        fill(environment->git_sha, meta_value(object, plan::k_git_sha_key));
        fill(environment->build_id, meta_value(object, plan::k_build_id_key));
        return environment;
    };

    // Namespaces first: their facts are the environment's.
    for (const auto& ns : objects.namespaces) {
        if (auto* environment = add_kube(ns, "namespace")) {
            environment->ns = text(field(ns, "metadata"), "name");
            environment->pool =
                text(field(field(ns, "metadata"), "labels"), plan::k_pool_key.data());
            environment->phase = text(field(ns, "status"), "phase");
            if (environment->phase.empty()) {
                environment->phase = "Active";
            }
            environment->ready_at = meta_value(ns, plan::k_ready_at_key);
        }
    }
    std::set<EnvKey> pending_pvcs; // environments with a PVC not Bound
    for (const auto& pvc : objects.pvcs) {
        if (auto* environment = add_kube(pvc, "persistentvolumeclaim")) {
            fill(environment->ns, text(field(pvc, "metadata"), "namespace"));
            environment->pvcs.push_back(text(field(pvc, "metadata"), "name"));
            if (text(field(pvc, "status"), "phase") != "Bound") {
                pending_pvcs.insert(EnvKey{environment->profile, environment->run});
            }
        }
    }
    for (const auto& pv : objects.pvs) {
        add_kube(pv, "persistentvolume");
    }
    for (const auto& snapshot : objects.volume_snapshots) {
        add_kube(snapshot, "volumesnapshot");
    }
    for (const auto& content : objects.contents) {
        add_kube(content, "volumesnapshotcontent");
    }
    for (const auto& clone : objects.clones) {
        auto* environment = environment_for(label_value(clone.labels, plan::k_profile_key),
                                            label_value(clone.labels, plan::k_run_key));
        if (environment == nullptr) {
            continue;
        }
        ++environment->counts["portworx-clone"];
        note_set(*environment, label_value(clone.labels, plan::k_snapshot_set_key));
        fill(environment->created_at, label_value(clone.labels, plan::k_created_at_key));
        fill(environment->expires_at, label_value(clone.labels, plan::k_expires_at_key));
        fill(environment->git_sha, label_value(clone.labels, plan::k_git_sha_key));
        fill(environment->build_id, label_value(clone.labels, plan::k_build_id_key));
    }

    std::vector<Environment> result;
    for (auto& [key, environment] : environments) {
        // Pinned (`extend --ttl never`) where the namespace says so: the volumes' labels keep
        // the expiry deploy-staging gave them, and the namespace's annotation came first.
        if (environment.expires_at == plan::k_never_expires) {
            environment.pinned = true;
            environment.expires_at.clear();
        }
        if (environment.counts.count("namespace") != 0) {
            environment.kind = "namespace";
            environment.pvcs.clear();
        } else if (!environment.pvcs.empty()) {
            // PVCs in a namespace the run does not own: `restore --new-pvc` made them.
            environment.kind = "pvc";
            environment.phase = pending_pvcs.contains(key) ? "Pending" : "Bound";
            std::sort(environment.pvcs.begin(), environment.pvcs.end());
        } else {
            // Only volumes (or objects of a namespace being removed) are left.
            environment.kind = "volumes";
            environment.phase = "Orphaned";
        }
        result.push_back(std::move(environment));
    }
    sort_newest_first(result, [](const Environment& environment) -> const std::string& {
        return environment.run;
    });
    return result;
}

std::set<std::string> snapshot_sets_used(const StagingObjects& objects,
                                         const std::set<std::string>& except) {
    std::set<std::string> used;
    const auto add = [&used, &except](const std::string& run, const std::string& value) {
        if (!value.empty() && except.count(run) == 0) {
            used.insert(value);
        }
    };
    for (const auto* list : {&objects.namespaces, &objects.pvcs, &objects.pvs,
                             &objects.volume_snapshots, &objects.contents}) {
        for (const auto& object : *list) {
            add(meta_value(object, plan::k_run_key), meta_value(object, plan::k_snapshot_set_key));
        }
    }
    for (const auto& clone : objects.clones) {
        add(label_value(clone.labels, plan::k_run_key),
            label_value(clone.labels, plan::k_snapshot_set_key));
    }
    return used;
}

const SnapshotSet* newest_complete(const std::vector<SnapshotSet>& sets) {
    const SnapshotSet* best = nullptr;
    for (const auto& set : sets) {
        if (set.state != SetState::complete) {
            continue;
        }
        if (best == nullptr ||
            std::tie(set.created_at, set.id) > std::tie(best->created_at, best->id)) {
            best = &set;
        }
    }
    return best;
}

const SnapshotSet* find_set(const std::vector<SnapshotSet>& sets, const std::string& id) {
    const auto found = std::find_if(sets.begin(), sets.end(),
                                    [&id](const SnapshotSet& set) { return set.id == id; });
    return found == sets.end() ? nullptr : &*found;
}

std::map<std::string, std::string> catalog_selector(const std::string& profile,
                                                    std::string_view role) {
    std::map<std::string, std::string> labels{
        {std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
        {std::string(plan::k_role_key), std::string(role)},
    };
    if (!profile.empty()) {
        labels.emplace(plan::k_profile_key, profile);
    }
    return labels;
}

namespace {

std::vector<json> list_labelled_at(const k8s::Client& kube, const k8s::Resource& resource,
                                   const std::map<std::string, std::string>& labels,
                                   const std::string& ns) {
    k8s::ListOptions options;
    options.label_selector = k8s::label_selector(labels);
    std::vector<json> items;
    try {
        items = kube.list(resource, ns, options).items;
    } catch (const k8s::ApiError& error) {
        // Without the CSI snapshot CRDs the group is not served: nothing of that kind exists.
        if (resource.group == "snapshot.storage.k8s.io" && error.http_status() == 404 &&
            !error.is_not_found()) {
            return {};
        }
        throw;
    }
    std::erase_if(items,
                  [&labels](const json& object) { return !k8s::has_labels(object, labels); });
    return items;
}

} // namespace

std::vector<json> list_labelled(const k8s::Client& kube, const k8s::Resource& resource,
                                const std::map<std::string, std::string>& labels) {
    return list_labelled_at(kube, resource, labels, "");
}

std::vector<json> list_labelled_in(const k8s::Client& kube, const k8s::Resource& resource,
                                   const std::map<std::string, std::string>& labels,
                                   const std::set<std::string>& namespaces) {
    std::vector<json> items;
    for (const auto& ns : namespaces) {
        auto found = list_labelled_at(kube, resource, labels, ns);
        items.insert(items.end(), std::make_move_iterator(found.begin()),
                     std::make_move_iterator(found.end()));
    }
    return items;
}

std::set<std::string> labelled_scope(const std::vector<json>& namespaces,
                                     const std::vector<json>& pvs) {
    std::set<std::string> scope;
    for (const auto& ns : namespaces) {
        if (auto name = text(field(ns, "metadata"), "name"); !name.empty()) {
            scope.insert(std::move(name));
        }
    }
    for (const auto& pv : pvs) {
        if (auto ns = text(field(field(pv, "spec"), "claimRef"), "namespace"); !ns.empty()) {
            scope.insert(std::move(ns));
        }
    }
    return scope;
}

std::set<std::string> readable_scope(const k8s::Client& kube, const std::vector<json>& namespaces,
                                     const std::vector<json>& pvs,
                                     const std::set<std::string>& skip, util::WorkerPool* pool) {
    auto scope = labelled_scope(namespaces, pvs);
    std::erase_if(scope, [&skip](const std::string& ns) { return skip.contains(ns); });
    const auto listed = labelled_scope(namespaces, {});
    std::vector<std::string> unlisted;
    std::vector<std::function<bool()>> checks;
    for (const auto& ns : scope) {
        if (!listed.contains(ns)) {
            unlisted.push_back(ns);
            checks.emplace_back([&kube, ns] {
                k8s::ListOptions options;
                options.field_selector = "metadata.name=" + ns;
                return !kube.list(k8s::resource_of("Namespace"), "", options).items.empty();
            });
        }
    }
    const auto exists = util::run_each(pool, std::move(checks));
    for (std::size_t i = 0; i < unlisted.size(); ++i) {
        if (!exists[i]) {
            scope.erase(unlisted[i]);
        }
    }
    return scope;
}

CatalogScope catalog_scope(const profile::Profile& profile, std::vector<std::string> method_kinds) {
    return {.method_kinds = std::move(method_kinds),
            .source_namespace = profile.source.source_namespace,
            .staging_only = profile.staging.scoped()};
}

CatalogScope staging_scope(const profile::Profile& profile, std::vector<std::string> method_kinds) {
    auto scope = catalog_scope(profile, std::move(method_kinds));
    scope.holds_sets = !profile.staging.cluster.has_value();
    return scope;
}

Catalog::Catalog(const k8s::Client& kube, const px::Client& portworx, CatalogScope scope,
                 util::WorkerPool* pool)
    : m_kube(kube), m_px(portworx), m_scope(std::move(scope)), m_pool(pool) {}

bool Catalog::keeps(std::string_view kind) const {
    const auto& kinds = m_scope.method_kinds;
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::vector<SnapshotSet> Catalog::snapshot_sets(const std::string& profile) const {
    if (!m_scope.holds_sets) {
        return {};
    }
    const auto labels = catalog_selector(profile, plan::role_name(plan::Role::snapshot));
    px::VolumeFilter filter;
    filter.labels = labels;
    auto volumes = m_px.inspect_with_filters(filter);
    // The gateway ignores filters it does not understand: keep only what really matches.
    std::erase_if(volumes, [&labels](const px::Volume& volume) {
        return !std::includes(volume.labels.begin(), volume.labels.end(), labels.begin(),
                              labels.end());
    });

    // A set's VolumeSnapshots are in the source namespace, next to the PVCs they copy.
    const auto snapshots = keeps("VolumeSnapshot")
                               ? list_labelled_at(m_kube, k8s::resource_of("VolumeSnapshot"),
                                                  labels, m_scope.source_namespace)
                               : std::vector<json>{};

    std::map<std::string, json> contents;
    for (const auto& snapshot : snapshots) {
        const auto name = text(field(snapshot, "status"), "boundVolumeSnapshotContentName");
        if (name.empty() || contents.count(name) != 0) {
            continue;
        }
        if (auto content = m_kube.get(k8s::resource_of("VolumeSnapshotContent"), "", name)) {
            contents.emplace(name, std::move(*content));
        }
    }
    return group_snapshot_sets(volumes, snapshots, contents);
}

StagingObjects Catalog::staging_objects(const std::string& profile) const {
    const auto labels = catalog_selector(profile, plan::role_name(plan::Role::staging));
    const auto list_at = [this, &labels](std::string_view kind, const std::string& ns) {
        return [this, &labels, kind, ns] {
            return list_labelled_at(m_kube, k8s::resource_of(kind), labels, ns);
        };
    };
    // Round one, across the cluster: the namespaces and PVs (they show where the rest can be);
    // without staging_only the rest too. Round two, with staging_only: the namespaced kinds inside
    // those namespaces only, then the cluster-scoped kinds of the method.
    std::vector<std::string_view> kinds{"Namespace"};
    std::vector<std::string_view> namespaced;
    std::vector<std::string_view> later;
    if (m_scope.staging_only) {
        kinds.emplace_back("PersistentVolume");
        namespaced.emplace_back("PersistentVolumeClaim");
        if (keeps("VolumeSnapshot")) {
            namespaced.emplace_back("VolumeSnapshot");
        }
        if (keeps("VolumeSnapshotContent")) {
            later.emplace_back("VolumeSnapshotContent");
        }
    } else {
        kinds.insert(kinds.end(), {"PersistentVolumeClaim", "PersistentVolume"});
        for (const auto* kind : {"VolumeSnapshot", "VolumeSnapshotContent"}) {
            if (keeps(kind)) {
                kinds.emplace_back(kind);
            }
        }
    }
    // The listings are independent: on the pool, at once (one after another they were most of a
    // teardown's discovery and of `list`); without one, in this order.
    std::vector<std::function<std::vector<json>()>> reads;
    for (const auto kind : kinds) {
        reads.push_back(list_at(kind, ""));
    }
    px::VolumeFilter filter;
    filter.labels = labels;
    auto clones = m_pool != nullptr ? std::optional(m_pool->submit([this, &filter] {
        return m_px.inspect_with_filters(filter);
    }))
                                    : std::nullopt;
    // The first error is raised once nothing runs behind it any more.
    std::exception_ptr error;
    std::vector<std::vector<json>> listed;
    try {
        listed = util::run_each(m_pool, std::move(reads));
    } catch (...) {
        error = std::current_exception();
    }
    StagingObjects objects;
    try {
        objects.clones = clones ? clones->get() : m_px.inspect_with_filters(filter);
    } catch (...) {
        error = error ? error : std::current_exception();
    }
    if (error) {
        std::rethrow_exception(error);
    }
    std::map<std::string_view, std::vector<json>> found;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        found[kinds[i]] = std::move(listed[i]);
    }
    if (m_scope.staging_only) {
        // The namespaced kinds only where the run's objects can be: no list across the cluster.
        const auto scope =
            readable_scope(m_kube, found["Namespace"], found["PersistentVolume"], {}, m_pool);
        std::vector<std::function<std::vector<json>()>> inside;
        for (const auto kind : namespaced) {
            for (const auto& ns : scope) {
                inside.push_back(list_at(kind, ns));
            }
        }
        for (const auto kind : later) {
            inside.push_back(list_at(kind, ""));
        }
        auto per_namespace = util::run_each(m_pool, std::move(inside));
        for (std::size_t k = 0; k < later.size(); ++k) {
            found[later[k]] = std::move(per_namespace[namespaced.size() * scope.size() + k]);
        }
        for (std::size_t k = 0; k < namespaced.size(); ++k) {
            auto& items = found[namespaced[k]];
            for (std::size_t n = 0; n < scope.size(); ++n) {
                auto& part = per_namespace[k * scope.size() + n];
                items.insert(items.end(), std::make_move_iterator(part.begin()),
                             std::make_move_iterator(part.end()));
            }
        }
    }
    objects.namespaces = std::move(found["Namespace"]);
    objects.pvcs = std::move(found["PersistentVolumeClaim"]);
    objects.pvs = std::move(found["PersistentVolume"]);
    objects.volume_snapshots = std::move(found["VolumeSnapshot"]);
    objects.contents = std::move(found["VolumeSnapshotContent"]);
    std::erase_if(objects.clones, [&labels](const px::Volume& volume) {
        return !std::includes(volume.labels.begin(), volume.labels.end(), labels.begin(),
                              labels.end());
    });
    return objects;
}

std::vector<Environment> Catalog::environments(const std::string& profile) const {
    return group_environments(staging_objects(profile));
}

std::set<std::string> Catalog::sets_in_use(const std::string& profile) const {
    return snapshot_sets_used(staging_objects(profile));
}

} // namespace pxclone::exec
