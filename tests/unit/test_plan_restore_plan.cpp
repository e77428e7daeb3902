#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace pxclone::plan;
using nlohmann::json;

namespace {

Lineage staging_lineage() {
    Lineage lineage;
    lineage.profile = "orders";
    lineage.run = "42";
    lineage.role = Role::staging;
    lineage.snapshot_set = "7";
    lineage.source = "prod/mongo-data-mongo-0";
    lineage.created_at = "2026-11-27T10:00:00Z";
    return lineage;
}

json staging_pvc(const std::string& name, const std::string& ns = "orders-stg-42") {
    json labels = json::object();
    for (const auto& [key, value] : kubernetes_labels(staging_lineage())) {
        labels[key] = value;
    }
    return {{"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
            {"spec", {{"volumeName", "pv-" + name}}}};
}

json deployment_mounting(const std::string& name, const std::string& claim, json replicas = 2) {
    json object{{"metadata", {{"name", name}, {"namespace", "orders-stg-42"}}},
                {"spec",
                 {{"template",
                   {{"spec",
                     {{"volumes",
                       json::array({{{"name", "data"},
                                     {"persistentVolumeClaim", {{"claimName", claim}}}}})}}}}}}}};
    if (!replicas.is_null()) {
        object["spec"]["replicas"] = replicas;
    }
    return object;
}

json statefulset(const std::string& name, const std::string& claim_template, int replicas) {
    return {
        {"metadata", {{"name", name}, {"namespace", "orders-stg-42"}}},
        {"spec",
         {{"replicas", replicas},
          {"template", {{"spec", json::object()}}},
          {"volumeClaimTemplates", json::array({{{"metadata", {{"name", claim_template}}}}})}}}};
}

std::vector<std::string> step_names(const RestorePlan& plan) {
    std::vector<std::string> out;
    for (const auto& step : plan.steps) {
        out.push_back(fmt::format("{}:{}", restore_step_name(step.kind), step.index));
    }
    return out;
}

} // namespace

TEST_CASE("baseline request: the clone's snapshot, labelled for its run with role baseline") {
    const auto baseline = baseline_request(staging_lineage(), "mongo-data", "clone-1");
    CHECK(baseline.staging_pvc == "mongo-data");
    CHECK(baseline.request.volume_id == "clone-1");
    CHECK(baseline.request.name == "orders-42-baseline-mongo-data");
    const auto& labels = baseline.request.labels;
    CHECK(labels.at("app.kubernetes.io/managed-by") == "pxclone");
    CHECK(labels.at("pxclone.io/profile") == "orders");
    CHECK(labels.at("pxclone.io/run") == "42");
    CHECK(labels.at("pxclone.io/role") == "baseline");
    CHECK(labels.at("pxclone.io/snapshot-set") == "7");
    CHECK(labels.at("pxclone.io/source") == "prod/mongo-data-mongo-0");
    CHECK(labels.at("pxclone.io/staging-pvc") == "mongo-data");
    CHECK(baseline.selector == Labels{{"app.kubernetes.io/managed-by", "pxclone"},
                                      {"pxclone.io/profile", "orders"},
                                      {"pxclone.io/run", "42"},
                                      {"pxclone.io/role", "baseline"}});
}

TEST_CASE("find_baseline: the labelled snapshot whose parent is the clone, nothing else") {
    const auto baseline = baseline_request(staging_lineage(), "mongo-data", "clone-1");
    pxclone::px::Volume other_parent{.id = "b-0", .parent = "clone-2", .labels = baseline.selector};
    pxclone::px::Volume unlabelled{.id = "b-1", .parent = "clone-1", .labels = {}};
    auto other_run = baseline.selector;
    other_run["pxclone.io/run"] = "43";
    pxclone::px::Volume wrong_run{.id = "b-2", .parent = "clone-1", .labels = other_run};
    pxclone::px::Volume good{.id = "b-3", .parent = "clone-1", .labels = baseline.request.labels};
    CHECK(find_baseline(baseline, {other_parent, unlabelled, wrong_run}) == nullptr);
    const std::vector<pxclone::px::Volume> all{other_parent, unlabelled, wrong_run, good};
    const auto* found = find_baseline(baseline, all);
    REQUIRE(found != nullptr);
    CHECK(found->id == "b-3");
}

TEST_CASE("baselines belong to their staging run for teardown") {
    auto lineage = staging_lineage();
    lineage.role = Role::baseline;
    const FoundObject baseline{TeardownKind::portworx_volume, "", "orders-42-baseline-x", "b-1",
                               ownership_labels(lineage)};
    const TeardownTarget run_42{.profile = "orders", .source_namespace = "prod", .runs = {"42"}};
    CHECK(refusal_reason(run_42, baseline) == "");
    const TeardownTarget run_43{.profile = "orders", .source_namespace = "prod", .runs = {"43"}};
    CHECK(refusal_reason(run_43, baseline) == "run 42 is not being torn down");
    CHECK(role_name(Role::baseline) == "baseline");
}

TEST_CASE("restore_refusal: only this run's staging PVCs, never the source namespace") {
    CHECK(restore_refusal(staging_pvc("data"), "orders", "42", "prod") == "");

    const json production{{"metadata", {{"name", "mongo-data-mongo-0"}, {"namespace", "prod"}}}};
    CHECK(restore_refusal(production, "orders", "42", "prod") ==
          "it is in the source namespace prod: production volumes are never restored");

    const json foreign{{"metadata", {{"name", "x"}, {"namespace", "dev"}}}};
    CHECK(restore_refusal(foreign, "orders", "42", "prod") ==
          "it is not labelled app.kubernetes.io/managed-by=pxclone: pxclone did not create it");

    // Even carrying pxclone's labels, a PVC in the source namespace is refused.
    CHECK(restore_refusal(staging_pvc("data", "prod"), "orders", "42", "prod")
              .starts_with("it is in the source namespace"));
    CHECK(restore_refusal(staging_pvc("data"), "billing", "42", "prod") ==
          "it is not labelled pxclone.io/profile=billing: another profile made it");
    CHECK(restore_refusal(staging_pvc("data"), "orders", "43", "prod") ==
          "it is not labelled pxclone.io/run=43: it belongs to another run");
    auto snapshot_role = staging_pvc("data");
    snapshot_role["metadata"]["labels"]["pxclone.io/role"] = "snapshot";
    CHECK(restore_refusal(snapshot_role, "orders", "42", "prod") ==
          "it is not labelled pxclone.io/role=staging: it is not a staging volume");
}

TEST_CASE("csi_data_source: the VolumeSnapshot a PVC was made from") {
    CHECK(csi_data_source(staging_pvc("data")) == "");
    auto csi = staging_pvc("data");
    csi["spec"]["dataSource"] = {
        {"apiGroup", "snapshot.storage.k8s.io"}, {"kind", "VolumeSnapshot"}, {"name", "data"}};
    CHECK(csi_data_source(csi) == "data");
}

TEST_CASE("workloads_mounting: claims in the pod template and StatefulSet claim templates") {
    const std::vector<json> deployments{deployment_mounting("app", "data"),
                                        deployment_mounting("other", "logs"),
                                        deployment_mounting("default", "data", nullptr)};
    const std::vector<json> statefulsets{statefulset("mongo", "mongo-data", 3),
                                         statefulset("cache", "cache-data", 1)};
    const auto found =
        workloads_mounting(deployments, statefulsets, {"data", "mongo-data-mongo-1"});
    REQUIRE(found.size() == 3);
    CHECK(found[0].label() == "deployment/app");
    CHECK(found[0].ns == "orders-stg-42");
    CHECK(found[0].replicas == 2);
    CHECK_FALSE(found[0].recorded);
    CHECK(found[0].pvcs == std::vector<std::string>{"data"});
    CHECK(found[1].label() == "deployment/default");
    CHECK(found[1].replicas == 1); // spec.replicas omitted: the server's default
    CHECK(found[2].label() == "statefulset/mongo");
    CHECK(found[2].replicas == 3);
    CHECK(found[2].pvcs == std::vector<std::string>{"mongo-data-mongo-1"});

    // Not a claim of the template: the ordinal must be a number below the replicas.
    CHECK(workloads_mounting({}, statefulsets, {"mongo-data-mongo-x"}).empty());
    CHECK(workloads_mounting({}, statefulsets, {"mongo-data-mongo-3"}).empty());
    // Stopped by an interrupted restore: the recorded count says which members it has.
    auto stopped = statefulset("mongo", "mongo-data", 0);
    stopped["metadata"]["annotations"] = {{"pxclone.io/restore-replicas", "3"}};
    const auto resumed = workloads_mounting({}, {stopped}, {"mongo-data-mongo-2"});
    REQUIRE(resumed.size() == 1);
    CHECK(resumed[0].replicas == 3);
}

TEST_CASE("workloads_mounting: a recorded count wins (an interrupted restore resumes)") {
    auto stopped = deployment_mounting("app", "data", 0);
    stopped["metadata"]["annotations"] = {{"pxclone.io/restore-replicas", "4"}};
    auto garbage = deployment_mounting("junk", "data", 2);
    garbage["metadata"]["annotations"] = {{"pxclone.io/restore-replicas", "four"}};
    const auto found = workloads_mounting({stopped, garbage}, {}, {"data"});
    REQUIRE(found.size() == 2);
    CHECK(found[0].replicas == 4);
    CHECK(found[0].recorded);
    CHECK(found[1].replicas == 2);
    CHECK_FALSE(found[1].recorded);
}

TEST_CASE("patches record and clear the replica count") {
    CHECK(record_replicas_patch(3) ==
          json::parse(R"({"metadata":{"annotations":{"pxclone.io/restore-replicas":"3"}}})"));
    CHECK(clear_record_patch() ==
          json::parse(R"({"metadata":{"annotations":{"pxclone.io/restore-replicas":null}}})"));
}

TEST_CASE("plan_restore_in_place: stop, wait, restore, start, clear, in that order") {
    const auto workloads =
        workloads_mounting({deployment_mounting("app", "data")},
                           {statefulset("mongo", "mongo-data", 3)}, {"data", "mongo-data-mongo-0"});
    const auto plan = plan_restore_in_place(
        "orders-stg-42", "42", "7",
        {{"data", "clone-1", "base-1"}, {"mongo-data-mongo-0", "clone-2", "base-2"}}, workloads);
    CHECK(step_names(plan) ==
          std::vector<std::string>{"record-replicas:0", "record-replicas:1", "scale-down:0",
                                   "scale-down:1", "wait-pods-gone:0", "wait-detached:0",
                                   "wait-detached:1", "restore-volume:0", "restore-volume:1",
                                   "scale-up:0", "scale-up:1", "wait-ready:0", "wait-ready:1",
                                   "clear-record:0", "clear-record:1"});
    const auto out = to_json(plan);
    CHECK(out["namespace"] == "orders-stg-42");
    CHECK(out["snapshotSet"] == "7");
    CHECK(out["volumes"][1]["baselineId"] == "base-2");
    CHECK(out["workloads"][1]["kind"] == "StatefulSet");
    CHECK(out["workloads"][1]["replicas"] == 3);
}

TEST_CASE("with_namespace_relabel: the namespace takes the set's label once everything is done") {
    const auto plan = with_namespace_relabel(
        plan_restore_in_place("orders-stg-42", "42", "7", {{"data", "clone-1", "base-1"}}, {}));
    REQUIRE(!plan.steps.empty());
    CHECK(restore_step_name(plan.steps.back().kind) == "relabel-namespace");
    CHECK(namespace_set_patch("7") ==
          json::parse(R"({"metadata":{"labels":{"pxclone.io/snapshot-set":"7"}}})"));
}

TEST_CASE("plan_restore_in_place: a resumed restore does not record again; no workload, no wait") {
    auto stopped = deployment_mounting("app", "data", 0);
    stopped["metadata"]["annotations"] = {{"pxclone.io/restore-replicas", "2"}};
    const auto resumed = plan_restore_in_place("ns", "42", "7", {{"data", "c", "b"}},
                                               workloads_mounting({stopped}, {}, {"data"}));
    CHECK(step_names(resumed) == std::vector<std::string>{"scale-down:0", "wait-pods-gone:0",
                                                          "wait-detached:0", "restore-volume:0",
                                                          "scale-up:0", "wait-ready:0",
                                                          "clear-record:0"});
    CHECK(resumed.workloads[0].replicas == 2);

    const auto alone = plan_restore_in_place("ns", "42", "7", {{"data", "c", "b"}}, {});
    CHECK(step_names(alone) == std::vector<std::string>{"wait-detached:0", "restore-volume:0"});
}

namespace {

PlannedObject planned_object(std::string_view kind, json object) {
    const auto& resource = pxclone::k8s::resource_of(kind);
    return {resource, std::move(object)};
}

// A staging volume as plan_staging makes it for set 8 (portworx: clone, PV, PVC).
StagingVolume portworx_planned() {
    StagingVolume volume;
    volume.source_pvc = "mongo-data-mongo-0";
    volume.source = "prod/mongo-data-mongo-0";
    volume.staging_pvc = "data";
    volume.snapshot_id = "snap-8";
    volume.method = pxclone::profile::SnapshotMethod::portworx;
    volume.clone = pxclone::px::CloneRequest{
        .name = "orders-42-clone-data", .parent_id = "snap-8", .additional_labels = {}};
    volume.objects.push_back(planned_object(
        "PersistentVolume",
        {{"metadata", {{"name", "orders-42-data"}}},
         {"spec", {{"csi", {{"volumeHandle", std::string(k_clone_id_placeholder)}}}}}}));
    volume.objects.push_back(planned_object(
        "PersistentVolumeClaim", {{"metadata", {{"name", "data"}, {"namespace", "orders-stg-42"}}},
                                  {"spec", {{"volumeName", "orders-42-data"}}}}));
    return volume;
}

StagingVolume csi_planned() {
    StagingVolume volume;
    volume.source = "prod/mongo-data-mongo-0";
    volume.staging_pvc = "data";
    volume.snapshot_id = "handle-8";
    volume.method = pxclone::profile::SnapshotMethod::csi;
    volume.clone_id = "data";
    volume.objects.push_back(planned_object(
        "VolumeSnapshotContent",
        {{"metadata", {{"name", "orders-42-data"}}},
         {"spec",
          {{"source", {{"snapshotHandle", "handle-8"}}},
           {"volumeSnapshotRef", {{"namespace", "orders-stg-42"}, {"name", "data"}}}}}}));
    volume.objects.push_back(planned_object(
        "VolumeSnapshot",
        {{"metadata", {{"name", "data"}, {"namespace", "orders-stg-42"}}},
         {"spec", {{"source", {{"volumeSnapshotContentName", "orders-42-data"}}}}}}));
    volume.objects.push_back(planned_object(
        "PersistentVolumeClaim",
        {{"metadata", {{"name", "data"}, {"namespace", "orders-stg-42"}}},
         {"spec", {{"dataSource", {{"kind", "VolumeSnapshot"}, {"name", "data"}}}}}}));
    return volume;
}

Lineage set_8() {
    auto lineage = staging_lineage();
    lineage.snapshot_set = "8";
    lineage.source.clear();
    return lineage;
}

std::string annotation(const PlannedObject& object, std::string_view key) {
    return object.object.at("metadata").at("annotations").at(std::string(key)).get<std::string>();
}

} // namespace

TEST_CASE(
    "swap_target portworx: a clone and PV named for the set, the PV saying what it replaces") {
    const auto target =
        portworx_swap_target(portworx_planned(), set_8(), "clone-old", "orders-42-data");
    REQUIRE(target.clone);
    CHECK(target.clone->name == "orders-42-clone-data-8");
    CHECK(target.clone->parent_id == "snap-8");
    REQUIRE(target.objects.size() == 2);
    const auto& pv = target.objects[0];
    CHECK(pv.name() == "orders-42-data-8");
    CHECK(annotation(pv, k_restore_replaces_key) == "clone-old");
    CHECK(annotation(pv, k_restore_replaces_object_key) == "orders-42-data");
    const auto& pvc = target.objects[1];
    CHECK(pvc.name() == "data"); // the same PVC name
    CHECK(pvc.object["spec"]["volumeName"] == "orders-42-data-8");
    CHECK_FALSE(pvc.object["metadata"].contains("annotations"));
    // The clone id goes into the renamed PV.
    CHECK(with_clone_id(target, "new-1").objects[0].object["spec"]["csi"]["volumeHandle"] ==
          "new-1");
    // Nothing to replace (a resumed swap whose old volume was gone): "-".
    const auto none = portworx_swap_target(portworx_planned(), set_8(), "", "");
    CHECK(annotation(none.objects[0], k_restore_replaces_key) == "-");
}

TEST_CASE("swap_target csi: a new content and VolumeSnapshot for another set, or reuse") {
    const auto target = csi_swap_target(csi_planned(), set_8(), "data", "orders-42-data");
    REQUIRE(target.objects.size() == 3);
    CHECK(target.objects[0].name() == "orders-42-data-8");
    CHECK(target.objects[0].object["spec"]["volumeSnapshotRef"]["name"] == "orders-42-data-8");
    CHECK(target.objects[0].object["spec"]["source"]["snapshotHandle"] == "handle-8");
    CHECK(target.objects[1].name() == "orders-42-data-8");
    CHECK(target.objects[1].object["spec"]["source"]["volumeSnapshotContentName"] ==
          "orders-42-data-8");
    CHECK(annotation(target.objects[1], k_staging_pvc_key) == "data");
    const auto& pvc = target.objects[2];
    CHECK(pvc.name() == "data");
    CHECK(pvc.object["spec"]["dataSource"]["name"] == "orders-42-data-8");
    CHECK(annotation(pvc, k_restore_replaces_key) == "data");
    CHECK(annotation(pvc, k_restore_replaces_object_key) == "orders-42-data");
    CHECK(target.clone_id == "orders-42-data-8");

    // The same set again: only the PVC, from the VolumeSnapshot that is there.
    const auto again = csi_swap_target(csi_planned(), set_8(), "", "", "data");
    REQUIRE(again.objects.size() == 1);
    CHECK(again.objects[0].object["spec"]["dataSource"]["name"] == "data");
    CHECK(annotation(again.objects[0], k_restore_replaces_key) == "-");
    CHECK(clear_swap_patch() ==
          json::parse(R"({"metadata":{"annotations":{"pxclone.io/restore-replaces":null,
                          "pxclone.io/restore-replaces-object":null}}})"));
}

TEST_CASE("plan_restore_swap: stop, swap, delete the old, mask, baseline, clear, start") {
    const auto workloads = workloads_mounting({deployment_mounting("app", "data")}, {}, {"data"});
    SwapVolume swap{.pvc = "data",
                    .target =
                        portworx_swap_target(portworx_planned(), set_8(), "clone-old", "pv-old"),
                    .replaces = "clone-old",
                    .old_clone_id = "clone-old",
                    .old_baselines = {"base-old"},
                    .old_pv = "pv-old"};
    MaskPlan mask;
    mask.wait.name = "orders-42-mask";
    const auto plan =
        plan_restore_swap("orders-stg-42", set_8(), {}, {swap}, workloads, mask, {}, true);
    CHECK(step_names(plan) ==
          std::vector<std::string>{"record-replicas:0", "scale-down:0", "wait-pods-gone:0",
                                   "wait-old-detached:0", "make-volume:0", "delete-pvc:0",
                                   "create-pvc:0", "delete-old:0", "run-mask:0", "take-baseline:0",
                                   "clear-swap:0", "scale-up:0", "wait-ready:0", "clear-record:0"});
    CHECK(plan.snapshot_set == "8");
    CHECK(plan.baselines);
    const auto out = to_json(plan);
    CHECK(out["swaps"][0]["pvc"] == "data");
    CHECK(out["swaps"][0]["replaces"] == "clone-old");
    CHECK(out["swaps"][0]["snapshotId"] == "snap-8");
    CHECK(out["masked"] == true);

    // mask.after: the workloads of the manifests up to it come back (and are ready) before it.
    const auto both = workloads_mounting(
        {deployment_mounting("app", "data"), deployment_mounting("db", "data")}, {}, {"data"});
    const auto after = plan_restore_swap("orders-stg-42", set_8(), {}, {swap}, both, mask,
                                         {"deployment/db"}, false);
    CHECK(step_names(after) ==
          std::vector<std::string>{
              "record-replicas:0", "record-replicas:1", "scale-down:0", "scale-down:1",
              "wait-pods-gone:0", "wait-old-detached:0", "make-volume:0", "delete-pvc:0",
              "create-pvc:0", "delete-old:0", "scale-up:1", "wait-ready:1", "run-mask:0",
              "clear-swap:0", "scale-up:0", "wait-ready:0", "clear-record:0", "clear-record:1"});
}

TEST_CASE("plan_restore_swap: resumed swaps skip what is done; baselines restored beside") {
    SwapVolume swapped{.pvc = "data",
                       .target =
                           portworx_swap_target(portworx_planned(), set_8(), "clone-old", "pv-old"),
                       .old_clone_id = "clone-old",
                       .old_pv = "pv-old",
                       .swapped = true};
    SwapVolume missing{.pvc = "logs",
                       .target =
                           portworx_swap_target(portworx_planned(), set_8(), "clone-2", "pv-2"),
                       .old_clone_id = "clone-2",
                       .old_pv = "pv-2",
                       .pvc_exists = false};
    const auto plan = plan_restore_swap("ns", set_8(), {{"cache", "c", "b"}}, {swapped, missing},
                                        {}, std::nullopt, {}, true);
    CHECK(step_names(plan) == std::vector<std::string>{
                                  "wait-detached:0", "restore-volume:0", "make-volume:1",
                                  "create-pvc:1", "delete-old:0", "delete-old:1", "take-baseline:0",
                                  "take-baseline:1", "clear-swap:0", "clear-swap:1"});
    CHECK(to_json(plan)["swaps"][0]["resumed"] == true);
    CHECK(to_json(plan)["masked"] == false);
}

TEST_CASE("plan_restore_swap csi: the new PVC's volume labelled, then the old PV and volume go") {
    auto planned = csi_planned();
    planned.bound_pv_labels = kubernetes_labels(set_8());
    planned.bound_volume_labels = portworx_labels(set_8());
    SwapVolume fresh{.pvc = "data",
                     .target = csi_swap_target(planned, set_8(), "", "", "data"),
                     .old_clone_id = "provisioned-old",
                     .old_pv = "pvc-old"};
    // Resumed after the PVC was made: the labelling may be what was left undone.
    SwapVolume resumed{.pvc = "logs",
                       .target = csi_swap_target(planned, set_8(), "", "", "logs"),
                       .old_pv = "pvc-older",
                       .swapped = true};
    const auto plan = plan_restore_swap("orders-stg-42", set_8(), {}, {fresh, resumed}, {},
                                        std::nullopt, {}, false);
    CHECK(step_names(plan) ==
          std::vector<std::string>{"wait-old-detached:0", "make-volume:0", "delete-pvc:0",
                                   "create-pvc:0", "label-volume:0", "label-volume:1",
                                   "delete-old:0", "delete-old:1", "clear-swap:0", "clear-swap:1"});
}

// ---- what restore's discovery decides ----------------------------------------------------------

namespace {

json labelled(const std::string& name, json labels, json annotations = json::object()) {
    return {{"metadata",
             {{"name", name},
              {"namespace", "stg"},
              {"labels", std::move(labels)},
              {"annotations", std::move(annotations)}}}};
}

} // namespace

TEST_CASE("one_volume_profile keeps one volume in the namespace, no manifests, images or mask") {
    pxclone::profile::Profile profile;
    profile.name = "orders";
    profile.staging.staging_namespace = "orders-stg";
    profile.staging.volumes = {{"a", "a"}, {"b", "b"}};
    profile.staging.manifests = {"m.yaml"};
    profile.staging.images = {{"app", "img"}};
    profile.staging.mask.emplace();
    const auto one = one_volume_profile(profile, "dev", "b", "copy");
    CHECK(one.name == "orders");
    CHECK(one.staging.staging_namespace == "dev");
    CHECK(one.staging.volumes == std::map<std::string, std::string>{{"b", "copy"}});
    CHECK(one.staging.manifests.empty());
    CHECK(one.staging.images.empty());
    CHECK_FALSE(one.staging.mask);
}

TEST_CASE("adopt_lineage takes the environment's git sha, build id and creation time") {
    const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(1);
    const Lineage run{.profile = "orders",
                      .run = "41",
                      .git_sha = "new",
                      .build_id = "b2",
                      .created_at = "1970-01-01T01:00:00Z"};
    const auto adopted =
        adopt_lineage(run,
                      labelled("data", json::object(),
                               {{"pxclone.io/git-sha", "old"},
                                {"pxclone.io/created-at", "1970-01-01T00:00:00Z"}}),
                      now);
    CHECK(adopted.lineage.run == "41");
    CHECK(adopted.lineage.git_sha == "old");
    CHECK(adopted.lineage.build_id.empty()); // the environment had none
    CHECK(adopted.lineage.created_at == "1970-01-01T00:00:00Z");
    CHECK(adopted.made_at == std::chrono::system_clock::time_point{});

    // An unparsable creation time keeps the given one.
    const auto kept = adopt_lineage(
        run, labelled("data", json::object(), {{"pxclone.io/created-at", "yesterday"}}), now);
    CHECK(kept.lineage.created_at == "1970-01-01T01:00:00Z");
    CHECK(kept.made_at == now);
}

TEST_CASE("is_new_pvc_copy: only pxclone's copy of that source from that set, of some run") {
    const json labels{{"app.kubernetes.io/managed-by", "pxclone"},
                      {"pxclone.io/profile", "orders"},
                      {"pxclone.io/role", "staging"},
                      {"pxclone.io/snapshot-set", "42"},
                      {"pxclone.io/run", "7"}};
    const json source{{"pxclone.io/source", "prod/data"}};
    CHECK(is_new_pvc_copy(labelled("copy", labels, source), "orders", "42", "prod/data"));
    CHECK_FALSE(is_new_pvc_copy(labelled("copy", labels, source), "orders", "43", "prod/data"));
    CHECK_FALSE(is_new_pvc_copy(labelled("copy", labels, source), "orders", "42", "prod/other"));
    CHECK_FALSE(is_new_pvc_copy(labelled("copy", labels, source), "billing", "42", "prod/data"));
    auto no_run = labels;
    no_run.erase("pxclone.io/run");
    CHECK_FALSE(is_new_pvc_copy(labelled("copy", no_run, source), "orders", "42", "prod/data"));
    CHECK_FALSE(is_new_pvc_copy(labelled("copy", json::object()), "orders", "42", "prod/data"));
}

TEST_CASE("pending_swap_pvs: PVs of an interrupted swap whose PVC is missing, by claim") {
    const auto pv = [](const std::string& name, const std::string& ns, const std::string& claim,
                       bool replaces) {
        json object{{"metadata", {{"name", name}}},
                    {"spec", {{"claimRef", {{"namespace", ns}, {"name", claim}}}}}};
        if (replaces) {
            object["metadata"]["annotations"] = {{"pxclone.io/restore-replaces", "clone-1"}};
        }
        return object;
    };
    const std::vector<json> pvs{pv("pv-a", "stg", "a", true), pv("pv-b", "stg", "b", true),
                                pv("pv-c", "stg", "c", false), pv("pv-d", "other", "d", true)};
    auto found = pending_swap_pvs(pvs, "stg", {"b"}, {});
    REQUIRE(found.size() == 1);
    CHECK(found.begin()->first == "a");
    CHECK(found.at("a")["metadata"]["name"] == "pv-a");
    CHECK(pending_swap_pvs(pvs, "stg", {}, {"b"}).size() == 1);
    CHECK(pending_swap_pvs(pvs, "stg", {}, {"c", "d"}).empty());
}

TEST_CASE("pending_csi_snapshots: by the PVC they make (annotation, else name), and one set") {
    auto named = labelled("a", {{"pxclone.io/snapshot-set", "41"}});
    auto annotated =
        labelled("a-42", {{"pxclone.io/snapshot-set", "42"}}, {{"pxclone.io/staging-pvc", "a"}});
    auto present = labelled("b", {{"pxclone.io/snapshot-set", "41"}});
    auto elsewhere = labelled("c", {{"pxclone.io/snapshot-set", "41"}});
    elsewhere["metadata"]["namespace"] = "other";
    const auto found =
        pending_csi_snapshots({named, annotated, present, elsewhere}, "stg", {"b"}, {});
    REQUIRE(found.size() == 1);
    REQUIRE(found.at("a").size() == 2);
    CHECK(only_snapshot_set(found.at("a")).empty()); // two sets: the user must choose
    CHECK(only_snapshot_set({named}) == "41");
    CHECK(pending_csi_snapshots({named}, "stg", {}, {"x"}).empty());
}

TEST_CASE("workloads_before_mask: the workloads of the stages before mask.after") {
    StagingPlan staging;
    CHECK(workloads_before_mask(staging).empty());
    staging.stages.resize(2);
    staging.stages[0].workloads.push_back(
        PlannedObject{.resource = pxclone::k8s::resource_of("StatefulSet"),
                      .object = {{"metadata", {{"name", "mongo"}}}}});
    staging.stages[1].workloads.push_back(
        PlannedObject{.resource = pxclone::k8s::resource_of("Deployment"),
                      .object = {{"metadata", {{"name", "app"}}}}});
    staging.mask.emplace();
    staging.mask->before_stage = 1;
    CHECK(workloads_before_mask(staging) == std::set<std::string>{"statefulset/mongo"});
}

TEST_CASE("carries_labels and all_on_set") {
    const Labels ours{{"pxclone.io/run", "41"}, {"pxclone.io/profile", "orders"}};
    CHECK(carries_labels({{"pxclone.io/run", "41"}, {"pxclone.io/profile", "orders"}, {"x", "y"}},
                         ours));
    CHECK_FALSE(carries_labels({{"pxclone.io/run", "40"}, {"pxclone.io/profile", "orders"}}, ours));
    CHECK_FALSE(carries_labels({{"pxclone.io/run", "41"}}, ours));

    const std::vector<json> pvcs{labelled("a", {{"pxclone.io/snapshot-set", "41"}}),
                                 labelled("b", {{"pxclone.io/snapshot-set", "42"}})};
    CHECK(all_on_set(pvcs, {"a"}, "42"));
    CHECK_FALSE(all_on_set(pvcs, {"b"}, "42"));
}
