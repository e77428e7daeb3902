#include "pxclone/exec/teardown.hpp"

#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/namespace_runner.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/source_volumes.hpp"

#include <algorithm>
#include <future>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::exec {

using nlohmann::json;
using plan::FoundObject;
using plan::TeardownKind;

namespace {

constexpr TeardownKind k_kube_kinds[] = {
    TeardownKind::deployment,
    TeardownKind::statefulset,
    TeardownKind::job,
    TeardownKind::pvc,
    TeardownKind::volume_snapshot,
    TeardownKind::pv,
    TeardownKind::volume_snapshot_content,
    TeardownKind::ns,
};

FoundObject from_kube(TeardownKind kind, const json& item) {
    FoundObject object;
    object.kind = kind;
    const auto& metadata = item.value("metadata", json::object());
    object.name = metadata.value("name", "");
    if (teardown_resource(kind)->namespaced) {
        object.ns = metadata.value("namespace", "");
    }
    const auto labels = metadata.find("labels");
    if (labels != metadata.end() && labels->is_object()) {
        for (const auto& [key, value] : labels->items()) {
            if (value.is_string()) {
                object.labels.emplace(key, value.get<std::string>());
            }
        }
    }
    object.deleting = metadata.contains("deletionTimestamp");
    const auto refer = [&object](TeardownKind to, const std::string& name) {
        if (!name.empty()) {
            object.refers_to.push_back(plan::object_key(to, "", name));
        }
    };
    const auto first_of = [&item](const char* pointer, const char* other) {
        auto value = k8s::string_field(item, pointer);
        return value.empty() ? k8s::string_field(item, other) : value;
    };
    switch (kind) {
    case TeardownKind::pvc:
        refer(TeardownKind::pv, k8s::string_field(item, "/spec/volumeName"));
        break;
    case TeardownKind::pv:
        refer(TeardownKind::portworx_volume, plan::portworx_volume_id(item));
        break;
    case TeardownKind::volume_snapshot:
        refer(TeardownKind::volume_snapshot_content,
              first_of("/status/boundVolumeSnapshotContentName",
                       "/spec/source/volumeSnapshotContentName"));
        break;
    case TeardownKind::volume_snapshot_content:
        refer(TeardownKind::portworx_volume,
              first_of("/status/snapshotHandle", "/spec/source/snapshotHandle"));
        break;
    default:
        break;
    }
    return object;
}

bool same_object(const FoundObject& left, const FoundObject& right) {
    return left.kind == right.kind && left.ns == right.ns && left.name == right.name &&
           left.id == right.id;
}

// The first lines of an error's details (conditions, events), to say what holds an object.
std::string error_text(const Error& error) {
    std::string text = error.what();
    const auto& details = error.details();
    for (std::size_t i = 0; i < details.size() && i < 3; ++i) {
        text += "; " + details[i];
    }
    return text;
}

class Runner {
public:
    Runner(const TeardownContext& context, TeardownReport& report)
        : m_context(context), m_report(report), m_deadline(context.clock.now() + context.timeout) {}

    void check_cancelled() const {
        if (m_context.cancelled && m_context.cancelled()) {
            throw InterruptedError("interrupted during teardown");
        }
    }

    // What sending one DELETE gave. Thread-safe: nothing is recorded yet.
    struct Removal {
        bool ok = true;
        bool existed = true;
        std::string error;
        std::string hint;
    };
    Removal attempt_remove(const FoundObject& object) const {
        check_cancelled();
        Removal removal;
        try {
            if (object.kind == TeardownKind::portworx_volume) {
                m_context.portworx.delete_volume(object.id);
            } else {
                removal.existed =
                    m_context.kube.remove(*teardown_resource(object.kind), object.ns, object.name);
            }
        } catch (const InterruptedError&) {
            throw;
        } catch (const Error& error) {
            removal.ok = false;
            removal.error = error_text(error);
            removal.hint = error.hint();
        }
        return removal;
    }

    // Records a removal in the report (and tells on_deleted); returns whether the DELETE was
    // accepted.
    bool record(const FoundObject& object, const Removal& removal) {
        if (!removal.ok) {
            fail(object, removal.error, false, removal.hint);
            return false;
        }
        m_report.deleted.push_back(object);
        if (m_context.on_deleted) {
            m_context.on_deleted(object, removal.existed);
        }
        return true;
    }

    // Waits until the Kubernetes object is gone; returns why it did not go (nothing when it
    // went). Thread-safe: nothing is recorded.
    std::optional<std::string> await_gone(const FoundObject& object) const {
        const auto& resource = *teardown_resource(object.kind);
        const auto label = k8s::object_label(resource, object.name);
        k8s::WaitOptions options;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            m_deadline - m_context.clock.now());
        options.timeout = std::max(left, std::chrono::milliseconds(1000));
        options.on_progress = [this, label](const std::string& text) {
            if (m_context.on_progress) {
                m_context.on_progress(label, text);
            }
        };
        options.watch.cancelled = m_context.cancelled;
        try {
            run_step(m_context.on_done, label, [&] {
                k8s::wait_for(m_context.kube, resource, object.ns, object.name, k8s::deleted(label),
                              options, m_context.clock, m_context.sleeper);
            });
        } catch (const InterruptedError&) {
            throw;
        } catch (const Error& error) {
            return error_text(error);
        }
        return std::nullopt;
    }

    // Waits until every object of `names` (one namespaced kind, one namespace) is gone, with one
    // list and watch of the namespace; returns why each did not go (nothing for those that went).
    // Thread-safe: nothing is recorded.
    std::map<std::string, std::string> await_all_gone(TeardownKind kind, const std::string& ns,
                                                      const std::vector<std::string>& names) const {
        const auto& resource = *teardown_resource(kind);
        const auto label_of = [&resource](const std::string& name) {
            return k8s::object_label(resource, name);
        };
        k8s::SetWaitOptions options;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            m_deadline - m_context.clock.now());
        options.timeout = std::max(left, std::chrono::milliseconds(1000));
        options.on_progress = [this, &label_of](const std::string& name, const std::string& text) {
            if (m_context.on_progress) {
                m_context.on_progress(label_of(name), text);
            }
        };
        std::set<std::string> gone;
        options.on_ready = [this, &label_of, &gone](const std::string& name) {
            gone.insert(name);
            if (m_context.on_done) {
                m_context.on_done(label_of(name), true);
            }
        };
        options.watch.cancelled = m_context.cancelled;
        if (ns.empty()) {
            // A cluster-scoped kind (PVs after teardown): pxclone's own, not every one there is.
            options.watch.label_selector = k8s::label_selector(
                {{std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)}});
        }
        std::map<std::string, std::string> errors;
        try {
            k8s::wait_for_all(
                m_context.kube, resource, ns, names,
                [&label_of](const std::string& name) { return k8s::deleted(label_of(name)); },
                options, m_context.clock, m_context.sleeper);
        } catch (const Error& error) {
            // The objects still there share the set's error (it names them).
            for (const auto& name : names) {
                if (!gone.contains(name)) {
                    if (m_context.on_done) {
                        m_context.on_done(label_of(name), false);
                    }
                    errors.emplace(name, error_text(error));
                }
            }
            if (error.code() == ExitCode::interrupted) {
                throw;
            }
        }
        return errors;
    }

    // Waits until every object is gone (the objects of one kind in one namespace with one watch,
    // the groups in parallel on the context's pool), then records the failures in the objects'
    // order.
    void wait_gone(const std::vector<FoundObject>& objects) {
        // The objects' indices by kind and namespace; each index is one task's alone, so the
        // tasks write their objects' errors without a lock.
        std::map<std::pair<TeardownKind, std::string>, std::vector<std::size_t>> sets;
        for (std::size_t i = 0; i < objects.size(); ++i) {
            sets[{objects[i].kind, objects[i].ns}].push_back(i);
        }
        std::vector<std::optional<std::string>> errors(objects.size());
        std::vector<std::function<void()>> work;
        for (const auto& [key, members] : sets) {
            if (members.size() < 2) {
                continue;
            }
            work.emplace_back([this, &key, &members, &objects, &errors] {
                std::vector<std::string> names;
                for (const std::size_t i : members) {
                    names.push_back(objects[i].name);
                }
                const auto failed = await_all_gone(key.first, key.second, names);
                for (const std::size_t i : members) {
                    if (const auto error = failed.find(objects[i].name); error != failed.end()) {
                        errors[i] = error->second;
                    }
                }
            });
        }
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const auto set = sets.find({objects[i].kind, objects[i].ns});
            if (set == sets.end() || set->second.size() < 2) {
                work.emplace_back(
                    [this, &objects, &errors, i] { errors[i] = await_gone(objects[i]); });
            }
        }
        for_each(work.size(), [&work](std::size_t i) { work[i](); });
        for (std::size_t i = 0; i < objects.size(); ++i) {
            if (errors[i]) {
                fail(objects[i], *errors[i]);
            }
        }
    }

    // Runs work(0) .. work(count - 1) on the context's pool (inline without one) and returns when
    // all have finished; the first exception (an interruption) is then rethrown.
    void for_each(std::size_t count, const std::function<void(std::size_t)>& work) const {
        for_each_on(m_context.pool, count, work);
    }
    // The same on `pool`.
    static void for_each_on(util::WorkerPool* pool, std::size_t count,
                            const std::function<void(std::size_t)>& work) {
        if (pool == nullptr || count < 2) {
            for (std::size_t i = 0; i < count; ++i) {
                work(i);
            }
            return;
        }
        std::vector<std::future<void>> running;
        running.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            running.push_back(pool->submit([&work, i] { work(i); }));
        }
        util::get_all(running);
    }

    // Records that `object` stays (could not be deleted, or kept): what it refers to stays too.
    void fail(const FoundObject& object, std::string error, bool kept = false,
              std::string hint = {}) {
        hold(object);
        m_report.failed.push_back(TeardownFailure{object, std::move(error), kept, std::move(hint)});
    }

    // What `object` refers to must stay while it does (an object teardown leaves alone).
    void hold(const FoundObject& object) {
        for (const auto& target : object.refers_to) {
            m_held.emplace(target, object.describe());
        }
    }

    // The object that stays and still refers to `object`; nullopt when none does.
    std::optional<std::string> held_by(const FoundObject& object) const {
        const auto found = m_held.find(object.key());
        if (found == m_held.end()) {
            return std::nullopt;
        }
        return found->second;
    }

    bool failed(const FoundObject& object) const {
        return std::any_of(m_report.failed.begin(), m_report.failed.end(),
                           [&object](const TeardownFailure& failure) {
                               return same_object(failure.object, object);
                           });
    }

private:
    const TeardownContext& m_context;
    TeardownReport& m_report;
    std::chrono::system_clock::time_point m_deadline;
    std::map<std::string, std::string> m_held; // key -> the object that refers to it and stays
};

} // namespace

const k8s::Resource* teardown_resource(TeardownKind kind) {
    if (kind == TeardownKind::portworx_volume) {
        return nullptr;
    }
    return &k8s::resource_of(plan::teardown_kind_name(kind));
}

std::string delete_request(const FoundObject& object) {
    if (object.kind == TeardownKind::portworx_volume) {
        return "DELETE /v1/volumes/" + object.id;
    }
    return "DELETE " + k8s::item_path(*teardown_resource(object.kind), object.ns, object.name);
}

namespace {

using Listing = std::function<std::vector<FoundObject>()>;

// Runs each listing (on the pool when given, at once) and joins what they found, in order.
std::vector<FoundObject> run_listings(const std::vector<Listing>& listings,
                                      util::WorkerPool* pool) {
    auto parts = util::run_each(pool, listings);
    std::vector<FoundObject> found;
    for (auto& part : parts) {
        found.insert(found.end(), std::make_move_iterator(part.begin()),
                     std::make_move_iterator(part.end()));
    }
    return found;
}

// The namespaced kinds a staging namespace holds; its deletion removes them.
constexpr TeardownKind k_namespaced_kinds[] = {
    TeardownKind::deployment, TeardownKind::statefulset,     TeardownKind::job,
    TeardownKind::pvc,        TeardownKind::volume_snapshot,
};

// Whether `kind` is looked for when the method keeps `method_kinds` (nullopt: every kind): of the
// kinds only a method keeps (VolumeSnapshots and their contents), only those of the profile's
// method.
bool kept_kind(const std::optional<std::vector<std::string>>& method_kinds, TeardownKind kind) {
    const bool method_kind =
        kind == TeardownKind::volume_snapshot || kind == TeardownKind::volume_snapshot_content;
    if (!method_kind || !method_kinds) {
        return true;
    }
    return std::find(method_kinds->begin(), method_kinds->end(), teardown_resource(kind)->kind) !=
           method_kinds->end();
}

bool looks_for(const plan::TeardownTarget& target, TeardownKind kind) {
    return kept_kind(target.method_kinds, kind);
}

// The ownership labels of `profile` (managed-by, profile); `runs` adds "pxclone.io/run in (...)"
// (or "=" for one run), so that one listing serves every run of a target.
std::string runs_selector(const std::string& profile, const std::set<std::string>& runs) {
    auto selector = k8s::label_selector({
        {std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
        {std::string(plan::k_profile_key), profile},
    });
    const std::string run_key(plan::k_run_key);
    if (runs.size() == 1) {
        return selector + "," + run_key + "=" + *runs.begin();
    }
    return selector + fmt::format(",{} in ({})", run_key, fmt::join(runs, ","));
}

// The run label of a listed object; "" without one.
std::string run_of(const json& item) {
    const auto labels = item.value("metadata", json::object()).value("labels", json::object());
    const auto run = labels.find(std::string(plan::k_run_key));
    return run != labels.end() && run->is_string() ? run->get<std::string>() : std::string();
}

// The objects of `kind` in `ns` ("" every namespace) labelled for `runs` of `profile`, selected
// on the server and checked again here. A snapshot.storage.k8s.io kind the server does not serve
// (no CSI snapshot CRDs: 404 without a Status) has no objects.
std::vector<json> list_run_items(const k8s::Client& kube, TeardownKind kind, const std::string& ns,
                                 const std::string& profile, const std::set<std::string>& runs) {
    const auto& resource = *teardown_resource(kind);
    k8s::ListOptions options;
    options.label_selector = runs_selector(profile, runs);
    std::vector<json> items;
    try {
        items = kube.list(resource, ns, options).items;
    } catch (const k8s::ApiError& error) {
        if (resource.group == "snapshot.storage.k8s.io" && error.http_status() == 404 &&
            !error.is_not_found()) {
            return {};
        }
        throw;
    }
    const k8s::Labels owner{
        {std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
        {std::string(plan::k_profile_key), profile},
    };
    std::erase_if(items, [&owner, &runs](const json& item) {
        return !k8s::has_labels(item, owner) || !runs.contains(run_of(item));
    });
    return items;
}

std::vector<FoundObject> found_of(TeardownKind kind, const std::vector<json>& items) {
    std::vector<FoundObject> found;
    found.reserve(items.size());
    for (const auto& item : items) {
        found.push_back(from_kube(kind, item));
    }
    return found;
}

// list_run_items as found objects; `items`, when given, keeps the objects as listed (each
// listing its own: listings run at once).
Listing list_runs(const k8s::Client& kube, TeardownKind kind, std::string ns,
                  const std::string& profile, const std::set<std::string>& runs,
                  std::vector<json>* items = nullptr) {
    return [&kube, kind, ns = std::move(ns), &profile, &runs, items] {
        auto listed = list_run_items(kube, kind, ns, profile, runs);
        auto found = found_of(kind, listed);
        if (items != nullptr) {
            *items = std::move(listed);
        }
        return found;
    };
}

} // namespace

std::vector<FoundObject> find_run_objects(const k8s::Client& kube, const px::Client& portworx,
                                          const std::string& profile, const std::string& run,
                                          const CatalogScope& scope, util::WorkerPool* pool) {
    const std::set<std::string> runs{run};
    const std::optional<std::vector<std::string>> method_kinds(scope.method_kinds);
    // One listing per kind, then the Portworx volumes: independent requests, at once on a pool.
    // With staging_only the namespaced kinds wait for the namespaces and PVs: they say where.
    std::vector<json> namespaces;
    std::vector<json> pvs;
    std::vector<Listing> listings;
    for (const auto kind : k_kube_kinds) {
        if (!kept_kind(method_kinds, kind) ||
            (scope.staging_only && teardown_resource(kind)->namespaced)) {
            continue;
        }
        auto* items = kind == TeardownKind::ns   ? &namespaces
                      : kind == TeardownKind::pv ? &pvs
                                                 : nullptr;
        listings.push_back(list_runs(kube, kind, "", profile, runs, items));
    }
    listings.emplace_back([&portworx, &profile, &run] {
        px::VolumeFilter filter;
        filter.labels = {
            {std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
            {std::string(plan::k_profile_key), profile},
            {std::string(plan::k_run_key), run},
        };
        std::vector<FoundObject> found;
        for (const auto& volume : portworx.inspect_with_filters(filter)) {
            found.push_back(FoundObject{TeardownKind::portworx_volume, "", volume.name, volume.id,
                                        volume.labels});
        }
        return found;
    });
    auto found = run_listings(listings, pool);
    if (!scope.staging_only) {
        return found;
    }
    // The namespaced kinds inside the run's namespaces and its PVs' claims' only, and a set it
    // took (deploy-staging --fresh) in the source namespace.
    const auto where = readable_scope(kube, namespaces, pvs, {}, pool);
    std::vector<Listing> inside;
    for (const auto kind : k_namespaced_kinds) {
        if (!kept_kind(method_kinds, kind)) {
            continue;
        }
        for (const auto& ns : where) {
            inside.push_back(list_runs(kube, kind, ns, profile, runs));
        }
        if (kind == TeardownKind::volume_snapshot && scope.holds_sets &&
            !scope.source_namespace.empty() && !where.contains(scope.source_namespace)) {
            inside.push_back(list_runs(kube, kind, scope.source_namespace, profile, runs));
        }
    }
    auto namespaced = run_listings(inside, pool);
    namespaced.insert(namespaced.end(), std::make_move_iterator(found.begin()),
                      std::make_move_iterator(found.end()));
    return namespaced;
}

namespace {

// What the target owns inside `namespaces` (deleted one by one when a namespace is not).
std::vector<FoundObject> find_namespaced(const k8s::Client& kube,
                                         const plan::TeardownTarget& target,
                                         const std::set<std::string>& runs,
                                         const std::set<std::string>& namespaces,
                                         util::WorkerPool* pool) {
    std::vector<Listing> listings;
    for (const auto& ns : namespaces) {
        for (const auto kind : k_namespaced_kinds) {
            if (looks_for(target, kind)) {
                listings.push_back(list_runs(kube, kind, ns, target.profile, runs));
            }
        }
    }
    return run_listings(listings, pool);
}

// The listed objects labelled for one of `runs`.
std::vector<json> of_runs(const std::vector<json>& items, const std::set<std::string>& runs) {
    std::vector<json> kept;
    std::copy_if(items.begin(), items.end(), std::back_inserter(kept),
                 [&runs](const json& item) { return runs.contains(run_of(item)); });
    return kept;
}

} // namespace

std::vector<FoundObject> find_target_objects(const k8s::Client& kube, const px::Client& portworx,
                                             const plan::TeardownTarget& target,
                                             util::WorkerPool* pool, NamespacedLookup lookup) {
    std::set<std::string> runs = target.runs;
    runs.insert(target.snapshot_sets.begin(), target.snapshot_sets.end());
    if (runs.empty()) {
        return {};
    }
    // One listing per cluster-scoped kind for every run at once, the run's staging namespaces
    // among them; the Portworx volumes by each run's labels (the SDK filters on exact labels).
    std::vector<json> namespaces;
    std::vector<json> pvs;
    std::vector<Listing> listings;
    for (const auto kind :
         {TeardownKind::ns, TeardownKind::pv, TeardownKind::volume_snapshot_content}) {
        if (!looks_for(target, kind)) {
            continue;
        }
        auto* items = kind == TeardownKind::ns   ? &namespaces
                      : kind == TeardownKind::pv ? &pvs
                                                 : nullptr;
        listings.push_back(list_runs(kube, kind, "", target.profile, runs, items));
    }
    // A snapshot set's VolumeSnapshots live in the source namespace.
    if (looks_for(target, TeardownKind::volume_snapshot) && !target.snapshot_sets.empty()) {
        listings.push_back(list_runs(kube, TeardownKind::volume_snapshot, target.source_namespace,
                                     target.profile, target.snapshot_sets));
    }
    // Portworx: one look-up per set, and for several staging runs one per role (clones,
    // baselines) of the profile, kept to the runs here: 100 expired environments are 2
    // look-ups, not 100.
    const auto portworx_listing = [&listings, &portworx,
                                   &target](std::map<std::string, std::string> labels,
                                            const std::set<std::string>& wanted) {
        listings.emplace_back([&portworx, &target, &wanted, labels = std::move(labels)] {
            px::VolumeFilter filter;
            filter.labels = labels;
            filter.labels.emplace(plan::k_managed_by_key, plan::k_managed_by_value);
            filter.labels.emplace(plan::k_profile_key, target.profile);
            std::vector<FoundObject> found;
            for (const auto& volume : portworx.inspect_with_filters(filter)) {
                // Another run's is not selected; one without a run label is kept for the
                // planner to refuse (and warn about: the server ignored the filter).
                const auto run = volume.labels.find(std::string(plan::k_run_key));
                if (run == volume.labels.end() || wanted.contains(run->second)) {
                    found.push_back(FoundObject{TeardownKind::portworx_volume, "", volume.name,
                                                volume.id, volume.labels});
                }
            }
            return found;
        });
    };
    if (target.runs.size() > 1) {
        for (const auto role : {plan::Role::staging, plan::Role::baseline}) {
            portworx_listing({{std::string(plan::k_role_key), std::string(plan::role_name(role))}},
                             target.runs);
        }
    }
    for (const auto& run : runs) {
        // A set is looked up by its own run (a --fresh run's set has the run's id).
        if (target.runs.size() <= 1 || !target.runs.contains(run) ||
            target.snapshot_sets.contains(run)) {
            portworx_listing({{std::string(plan::k_run_key), run}}, runs);
        }
    }
    // Where the namespaced kinds are read does not depend on the namespaces without
    // staging_only: asked to, they are listed with the rest for every run, and kept below for
    // the runs without a namespace being deleted only.
    const bool at_once =
        lookup == NamespacedLookup::at_once && !target.staging_only && !target.runs.empty();
    const auto first = listings.size();
    if (at_once) {
        for (const auto kind : k_namespaced_kinds) {
            if (looks_for(target, kind)) {
                listings.push_back(list_runs(kube, kind, "", target.profile, target.runs));
            }
        }
    }
    auto parts = util::run_each(pool, listings);
    std::vector<FoundObject> found;
    std::vector<FoundObject> namespaced;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto& into = i < first ? found : namespaced;
        into.insert(into.end(), std::make_move_iterator(parts[i].begin()),
                    std::make_move_iterator(parts[i].end()));
    }

    // A staging namespace that teardown deletes takes what is in it along: nothing in it is read.
    // A run without one (never made, already gone, or not deletable) is looked for in every
    // namespace, as before namespaces were deleted first; under staging.role_binding only where
    // its objects can be, and may be read.
    std::set<std::string> covered_runs;
    std::set<std::string> deleted_namespaces;
    for (const auto& object : found) {
        if (object.kind == TeardownKind::ns && plan::refusal_reason(target, object).empty() &&
            !plan::pooled(object)) {
            covered_runs.insert(object.labels.at(std::string(plan::k_run_key)));
            deleted_namespaces.insert(object.name);
        }
    }
    std::set<std::string> uncovered;
    for (const auto& run : target.runs) {
        if (!covered_runs.contains(run)) {
            uncovered.insert(run);
        }
    }
    if (at_once) {
        std::erase_if(namespaced, [&uncovered](const FoundObject& object) {
            const auto run = object.labels.find(std::string(plan::k_run_key));
            return run == object.labels.end() || !uncovered.contains(run->second);
        });
        found.insert(found.end(), std::make_move_iterator(namespaced.begin()),
                     std::make_move_iterator(namespaced.end()));
    } else if (!uncovered.empty()) {
        const auto where = target.staging_only
                               ? readable_scope(kube, of_runs(namespaces, uncovered),
                                                of_runs(pvs, uncovered), deleted_namespaces, pool)
                               : std::set<std::string>{""};
        auto inside = find_namespaced(kube, target, uncovered, where, pool);
        found.insert(found.end(), std::make_move_iterator(inside.begin()),
                     std::make_move_iterator(inside.end()));
    }
    return found;
}

TeardownReport execute_teardown(const plan::TeardownTarget& target, const plan::TeardownPlan& plan,
                                const TeardownContext& context) {
    TeardownReport report;
    Runner runner(context, report);
    for (const auto& refusal : plan.refused) {
        runner.hold(refusal.object);
    }
    std::vector<FoundObject> awaited; // PVCs and namespaces deleted, awaited before the clones
    bool awaited_gone = false;
    // Pool namespaces are released once what the run made in them is gone: all of it is awaited.
    std::set<std::string> releasing;
    for (const auto& ns : plan.releases) {
        releasing.insert(ns.name);
    }

    // The deletions of one stage do not depend on each other: they are sent in parallel, and
    // recorded in plan order.
    auto deletions = plan.deletions;
    const auto group_of = [](const plan::Deletion& deletion) {
        return deletion.stage;
    };
    for (std::size_t begin = 0; begin < deletions.size();) {
        runner.check_cancelled();
        std::size_t end = begin + 1;
        while (end < deletions.size() && group_of(deletions[end]) == group_of(deletions[begin])) {
            ++end;
        }
        if (deletions[begin].stage >= 6 && !awaited_gone) {
            // A clone can go once no pod mounts it: its namespace (or its PVC) is gone.
            runner.wait_gone(awaited);
            awaited_gone = true;
        }
        // An object that something staying still refers to is kept: a PV whose PVC could not be
        // deleted, the Portworx volume of a PV that could not, a content of a VolumeSnapshot.
        std::vector<std::optional<std::string>> holders(end - begin);
        for (std::size_t i = 0; i < holders.size(); ++i) {
            holders[i] = runner.held_by(deletions[begin + i].object);
        }
        std::vector<Runner::Removal> removals(end - begin);
        Runner::for_each_on(
            context.deletions_pool != nullptr ? context.deletions_pool : context.pool,
            removals.size(), [&](std::size_t i) {
                if (!holders[i]) {
                    removals[i] = runner.attempt_remove(deletions[begin + i].object);
                }
            });
        std::set<std::string> kept_namespaces;
        for (std::size_t i = 0; i < removals.size(); ++i) {
            const auto& object = deletions[begin + i].object;
            if (holders[i]) {
                runner.fail(object, "kept: " + *holders[i] + " still refers to it", true);
                continue;
            }
            if (!runner.record(object, removals[i])) {
                if (object.kind == TeardownKind::ns) {
                    kept_namespaces.insert(object.name);
                }
                continue;
            }
            if (object.kind == TeardownKind::pvc || object.kind == TeardownKind::ns ||
                releasing.contains(object.ns)) {
                awaited.push_back(object);
            }
        }
        if (!kept_namespaces.empty()) {
            // A namespace that could not be deleted does not take its objects along: they are
            // read and deleted one by one, before the next stage (they belong to stages 1-3).
            const auto inside =
                plan::plan_teardown(target, find_namespaced(context.kube, target, target.runs,
                                                            kept_namespaces, context.pool));
            for (const auto& refusal : inside.refused) {
                runner.hold(refusal.object);
            }
            deletions.insert(deletions.begin() + static_cast<std::ptrdiff_t>(end),
                             inside.deletions.begin(), inside.deletions.end());
        }
        begin = end;
    }
    if (!awaited_gone) {
        runner.wait_gone(awaited);
    }

    // Verify: nothing labelled for the target may remain.
    runner.check_cancelled();
    // When the namespaces deleted are gone (none failed), their runs' namespaced kinds are read
    // with the rest: nothing else can be covering them.
    const auto namespace_deletion = [](const plan::Deletion& deletion) {
        return deletion.object.kind == TeardownKind::ns;
    };
    const bool namespaces_gone =
        std::any_of(plan.deletions.begin(), plan.deletions.end(), namespace_deletion) &&
        std::none_of(plan.deletions.begin(), plan.deletions.end(),
                     [&](const plan::Deletion& deletion) {
                         return namespace_deletion(deletion) && runner.failed(deletion.object);
                     });
    const auto again = plan::plan_teardown(
        target, find_target_objects(context.kube, context.portworx, target, context.pool,
                                    namespaces_gone ? NamespacedLookup::at_once
                                                    : NamespacedLookup::when_needed));
    // What is still being deleted (a PV its pv-protection held until its claim went) is awaited,
    // all at once: one list and watch per kind and namespace, not one per object.
    std::vector<FoundObject> deleting;
    for (const auto& deletion : again.deletions) {
        const auto& object = deletion.object;
        if (runner.failed(object)) {
            continue;
        }
        if (object.kind != TeardownKind::portworx_volume && object.deleting) {
            deleting.push_back(object);
        } else {
            runner.fail(object, "still present after teardown");
        }
    }
    runner.wait_gone(deleting);

    // Release each pool namespace that is empty of the run's objects: the next run may claim it.
    for (const auto& ns : plan.releases) {
        runner.check_cancelled();
        const bool left = std::any_of(
            report.failed.begin(), report.failed.end(),
            [&ns](const TeardownFailure& failure) { return failure.object.ns == ns.name; });
        if (left) {
            runner.fail(ns, "not released: the run's objects in it remain");
            continue;
        }
        try {
            const auto run = ns.labels.find(std::string(plan::k_run_key));
            if (run != ns.labels.end() &&
                release_pool_namespace(context.kube, ns.name, target.profile, run->second)) {
                report.released.push_back(ns);
            }
        } catch (const InterruptedError&) {
            throw;
        } catch (const Error& error) {
            runner.fail(ns, "not released: " + error_text(error), false, error.hint());
        }
    }
    return report;
}

namespace {

class SendingTeardownRunner final : public TeardownRunner {
public:
    explicit SendingTeardownRunner(TeardownContext context) : m_context(std::move(context)) {}
    TeardownReport run(const plan::TeardownTarget& target,
                       const plan::TeardownPlan& plan) override {
        if (plan.empty()) {
            return {}; // nothing is sent, so there is nothing to verify
        }
        return execute_teardown(target, plan, m_context);
    }
    BackupRemoval remove_backups(const px::CloudBackupClient& backups,
                                 const SetBackups& found) override {
        return delete_set_backups(backups, found, m_context.cancelled, m_context.pool);
    }

private:
    TeardownContext m_context;
};

class DryRunTeardownRunner final : public TeardownRunner {
public:
    explicit DryRunTeardownRunner(std::ostream* out) : m_out(out) {}
    bool sends() const override { return false; }
    TeardownReport run(const plan::TeardownTarget& /*target*/,
                       const plan::TeardownPlan& plan) override {
        TeardownReport report;
        report.dry_run = true; // also for an empty plan: the report says nothing was sent
        report.planned = plan.deletions;
        report.released = plan.releases;
        if (m_out != nullptr) {
            for (const auto& deletion : plan.deletions) {
                *m_out << fmt::format("  {}   # {}\n", delete_request(deletion.object),
                                      deletion.object.describe());
            }
            for (const auto& ns : plan.releases) {
                *m_out << fmt::format("  PATCH {}   # release {} to its pool (remove pxclone's "
                                      "labels and annotations)\n",
                                      k8s::item_path(k8s::resource_of("Namespace"), "", ns.name),
                                      ns.describe());
            }
        }
        return report;
    }
    BackupRemoval remove_backups(const px::CloudBackupClient& /*backups*/,
                                 const SetBackups& found) override {
        std::ostringstream discard;
        return print_set_backups(found, m_out != nullptr ? *m_out : discard, "  ");
    }

private:
    std::ostream* m_out;
};

} // namespace

std::unique_ptr<TeardownRunner> make_teardown_runner(TeardownContext context) {
    return std::make_unique<SendingTeardownRunner>(std::move(context));
}

std::unique_ptr<TeardownRunner> make_dry_run_teardown_runner(std::ostream* out) {
    return std::make_unique<DryRunTeardownRunner>(out);
}

std::vector<std::string> remove_after_failure(const plan::TeardownTarget& target,
                                              const TeardownContext& context) {
    TeardownReport report;
    try {
        const auto found = find_target_objects(context.kube, context.portworx, target);
        report = execute_teardown(target, plan::plan_teardown(target, found), context);
    } catch (const InterruptedError&) {
        throw;
    } catch (const std::exception& e) {
        // The caller's own error stays the headline; this says why nothing was removed.
        const auto run = target.runs.empty() ? std::string() : *target.runs.begin();
        return {fmt::format("  not removed: the environment could not be removed ({}); remove "
                            "it with `pxclone teardown --run {}`",
                            e.what(), run)};
    }
    std::vector<std::string> lines;
    for (const auto& failure : report.failed) {
        lines.push_back(
            fmt::format("  not removed: {}: {}", failure.object.describe(), failure.error));
    }
    return lines;
}

std::optional<Error> incomplete_error(const TeardownReport& report) {
    if (report.ok()) {
        return std::nullopt;
    }
    std::vector<std::string> details;
    std::vector<std::string> hints; // distinct, in order
    bool finalizers = false;
    std::size_t kept = 0;
    for (const auto& failure : report.failed) {
        details.push_back(failure.object.describe() + ": " + failure.error);
        finalizers = finalizers || failure.error.find("finalizers") != std::string::npos;
        kept += failure.kept ? 1 : 0;
        if (!failure.hint.empty() &&
            std::find(hints.begin(), hints.end(), failure.hint) == hints.end()) {
            hints.push_back(failure.hint);
        }
    }
    const auto failed = report.failed.size() - kept;
    std::string headline;
    if (report.failed.size() == 1) {
        // One object: the headline names it and why (e.g. a namespace and its finalizer), and
        // no detail line says it again.
        headline =
            fmt::format("teardown incomplete: 1 object could not be deleted: {}", details.front());
        details.clear();
    } else {
        headline = fmt::format("teardown incomplete: {} object{} could not be deleted", failed,
                               failed == 1 ? "" : "s");
        if (kept != 0) {
            headline += fmt::format(", and {} that {} refer{} to kept", kept,
                                    failed == 1 ? "it" : "they", failed == 1 ? "s" : "");
        }
    }
    std::string hint =
        finalizers ? "finalizers hold it: pxclone never removes finalizers it did not set; once "
                     "the systems that own them have, run the same teardown again (it is "
                     "idempotent)"
                   : "fix the cause, then run the same teardown again (it is idempotent)";
    if (!hints.empty()) {
        hint = fmt::format("{}; then run the same teardown again (it is idempotent)",
                           fmt::join(hints, "; "));
    }
    return Error(ExitCode::partial, headline, hint, std::move(details));
}

} // namespace pxclone::exec
