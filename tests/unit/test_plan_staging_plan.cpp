#include "pxclone/method/method.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/names.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support/temp_dir.hpp"

using namespace pxclone;
using namespace pxclone::plan;
using nlohmann::json;

namespace {

const auto k_now = *util::parse_rfc3339("2026-11-27T10:00:00Z");

profile::Profile
orders_profile(profile::SnapshotMethod method = profile::SnapshotMethod::portworx) {
    profile::Profile profile;
    profile.name = "orders";
    profile.file = "pxclone.yaml";
    profile.source.source_namespace = "prod";
    profile.source.pvcs = {"mongo-data-mongo-0"};
    profile.snapshot.method = method;
    profile.staging.staging_namespace = "orders-stg-1234";
    profile.staging.ttl = std::chrono::hours(24);
    profile.staging.volumes = {{"mongo-data-mongo-0", "data"}};
    profile.staging.manifests = {"manifests/db.yaml", "manifests/app.yaml"};
    profile.staging.images = {{"app", "ecr/orders:b-77"}};
    return profile;
}

Lineage run_lineage() {
    return Lineage{.profile = "orders",
                   .run = "1234",
                   .git_sha = "abc123",
                   .build_id = "b-77",
                   .created_at = "2026-11-27T10:00:00Z"};
}

SnapshotSet one_snapshot(profile::SnapshotMethod method = profile::SnapshotMethod::portworx) {
    return SnapshotSet{.id = "1200",
                       .method = method,
                       .volumes = {{.source_pvc = "mongo-data-mongo-0",
                                    .snapshot_id = "snap-111",
                                    .size_bytes = 20LL << 30,
                                    .storage_class = "px-db",
                                    .access_modes = {"ReadWriteOnce"},
                                    .fs_type = "ext4",
                                    .csi_snapshot_name = "orders-1200-mongo-data-mongo-0",
                                    .csi_snapshot_namespace = "prod"}}};
}

profile::ManifestObject object_of(json object, int line = 1) {
    return {std::move(object), line, 1, 0};
}

json deployment(const std::string& name, const std::string& claim = "") {
    json pod_spec{{"containers",
                   {{{"name", "app"}, {"image", "registry/orders:latest"}},
                    {{"name", "sidecar"}, {"image", "envoy:1"}}}},
                  {"initContainers", {{{"name", "app"}, {"image", "registry/orders:latest"}}}}};
    if (!claim.empty()) {
        pod_spec["volumes"] = {{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", claim}}}}};
    }
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
            {"spec",
             {{"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", pod_spec}}}}}};
}

json service(const std::string& name, int port) {
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}}},
            {"spec", {{"ports", {{{"name", "main"}, {"port", port}}}}}}};
}

std::vector<profile::ManifestFile> two_files() {
    return {{"manifests/db.yaml",
             {object_of(service("db", 27017)), object_of(deployment("db", "data"), 10)}},
            {"manifests/app.yaml",
             {object_of(deployment("app")), object_of({{"apiVersion", "v1"},
                                                       {"kind", "ConfigMap"},
                                                       {"metadata", {{"name", "settings"}}}})}}};
}

StagingPlan plan_ok(const profile::Profile& profile, const SnapshotSet& set,
                    const std::vector<profile::ManifestFile>& manifests,
                    const std::map<std::string, std::string>& mask_files = {}) {
    auto result = plan_staging(method::of(set.method), profile, run_lineage(), set, manifests,
                               mask_files, k_now);
    for (const auto& problem : result.problems) {
        MESSAGE(problem.format());
    }
    REQUIRE(result.plan.has_value());
    return std::move(*result.plan);
}

std::vector<std::string> problems_of(const profile::Profile& profile,
                                     const std::vector<profile::ManifestFile>& manifests,
                                     const SnapshotSet& set = one_snapshot()) {
    const auto result =
        plan_staging(method::of(set.method), profile, run_lineage(), set, manifests, {}, k_now);
    CHECK_FALSE(result.plan.has_value());
    return profile::format_all(result.problems);
}

bool any_contains(const std::vector<std::string>& texts, std::string_view part) {
    return std::any_of(texts.begin(), texts.end(), [&](const std::string& text) {
        return text.find(part) != std::string::npos;
    });
}

} // namespace

TEST_CASE("the namespace carries labels, lineage and the expiry") {
    const auto plan = plan_ok(orders_profile(), one_snapshot(), two_files());
    const auto expected = json::parse(R"({
      "apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "orders-stg-1234",
        "labels": {"app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
                   "pxclone.io/run": "1234", "pxclone.io/role": "staging",
                   "pxclone.io/snapshot-set": "1200"},
        "annotations": {"pxclone.io/git-sha": "abc123", "pxclone.io/build-id": "b-77",
                        "pxclone.io/created-at": "2026-11-27T10:00:00Z",
                        "pxclone.io/expires-at": "2026-11-28T10:00:00Z"}}})");
    CHECK(plan.namespace_object.object == expected);
    CHECK(plan.namespace_object.resource.plural == "namespaces");
    CHECK(plan.expires_at == "2026-11-28T10:00:00Z");
}

TEST_CASE("staging.role_binding: a RoleBinding of the staging ClusterRole follows the namespace") {
    CHECK_FALSE(plan_ok(orders_profile(), one_snapshot(), two_files()).role_binding);
    auto profile = orders_profile();
    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
    const auto plan = plan_ok(profile, one_snapshot(), two_files());
    REQUIRE(plan.role_binding);
    const auto& binding = plan.role_binding->object;
    CHECK(plan.role_binding->resource.plural == "rolebindings");
    CHECK(binding["apiVersion"] == "rbac.authorization.k8s.io/v1");
    CHECK(binding["metadata"]["name"] == "pxclone-orders-staging");
    CHECK(binding["metadata"]["namespace"] == "orders-stg-1234");
    CHECK(binding["metadata"]["labels"] == plan.namespace_object.object["metadata"]["labels"]);
    CHECK(binding["roleRef"] == json{{"apiGroup", "rbac.authorization.k8s.io"},
                                     {"kind", "ClusterRole"},
                                     {"name", "pxclone-orders-staging"}});
    CHECK(binding["subjects"] ==
          json::array({{{"kind", "ServiceAccount"}, {"name", "pxclone"}, {"namespace", "ci"}}}));
    const auto objects = plan.all_objects();
    REQUIRE(objects.size() >= 2);
    CHECK(objects[1].label() == plan.role_binding->label());
}

TEST_CASE("portworx method: clone request, PV and PVC (golden)") {
    const auto plan = plan_ok(orders_profile(), one_snapshot(), two_files());
    REQUIRE(plan.volumes.size() == 1);
    const auto& volume = plan.volumes[0];
    CHECK(volume.source == "prod/mongo-data-mongo-0");
    CHECK(volume.staging_pvc == "data");
    REQUIRE(volume.clone.has_value());
    CHECK(volume.clone->name == "orders-1234-clone-data");
    CHECK(volume.clone->parent_id == "snap-111");
    const auto& labels = volume.clone->additional_labels;
    CHECK(labels.at("pxclone.io/run") == "1234");
    CHECK(labels.at("pxclone.io/role") == "staging");
    CHECK(labels.at("pxclone.io/snapshot-set") == "1200");
    CHECK(labels.at("pxclone.io/source") == "prod/mongo-data-mongo-0");
    CHECK(labels.at("pxclone.io/expires-at") == "2026-11-28T10:00:00Z");

    REQUIRE(volume.objects.size() == 2);
    const auto pv = with_clone_id(volume, "778899").objects[0];
    CHECK(pv.resource.kind == "PersistentVolume");
    CHECK(pv.object["metadata"]["name"] == "orders-1234-data");
    CHECK_FALSE(pv.object["metadata"].contains("namespace"));
    CHECK(pv.object["spec"] == json::parse(R"({
      "capacity": {"storage": "20Gi"}, "accessModes": ["ReadWriteOnce"],
      "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "px-db",
      "csi": {"driver": "pxd.portworx.com", "volumeHandle": "778899", "fsType": "ext4"},
      "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "namespace": "orders-stg-1234", "name": "data"}})"));
    CHECK(volume.objects[0].object["spec"]["csi"]["volumeHandle"] == k_clone_id_placeholder);
    CHECK(with_clone_id(volume, "778899").clone_id == "778899");

    const auto& pvc = volume.objects[1];
    CHECK(pvc.resource.kind == "PersistentVolumeClaim");
    CHECK(pvc.object["metadata"]["namespace"] == "orders-stg-1234");
    CHECK(pvc.object["metadata"]["name"] == "data");
    CHECK(pvc.object["metadata"]["annotations"]["pxclone.io/source"] == "prod/mongo-data-mongo-0");
    CHECK(pvc.object["spec"] == json::parse(R"({
      "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
      "storageClassName": "px-db", "volumeName": "orders-1234-data"})"));

    REQUIRE(plan.volume_waits.size() == 1);
    CHECK(plan.volume_waits[0].name == "data");
    CHECK(plan.volume_waits[0].wait_namespace == "orders-stg-1234");
    CHECK(plan.volume_waits[0].predicate == Predicate::bound);
}

TEST_CASE("csi method: pre-provisioned content, bound snapshot, PVC from it (golden)") {
    auto profile = orders_profile(profile::SnapshotMethod::csi);
    profile.snapshot.snapshot_class = "px-csi-snapclass";
    profile.staging.storage_class = "px-staging";
    const auto plan = plan_ok(profile, one_snapshot(profile::SnapshotMethod::csi), two_files());
    const auto& volume = plan.volumes.at(0);
    CHECK_FALSE(volume.clone.has_value());
    REQUIRE(volume.objects.size() == 3);
    const auto& content = volume.objects[0];
    CHECK(content.resource.kind == "VolumeSnapshotContent");
    CHECK(content.object["apiVersion"] == "snapshot.storage.k8s.io/v1");
    CHECK(content.object["metadata"]["name"] == "orders-1234-data");
    CHECK(content.object["spec"] == json::parse(R"({
      "driver": "pxd.portworx.com", "deletionPolicy": "Retain",
      "source": {"snapshotHandle": "snap-111"},
      "volumeSnapshotRef": {"namespace": "orders-stg-1234", "name": "data"},
      "volumeSnapshotClassName": "px-csi-snapclass"})"));
    const auto& snapshot = volume.objects[1];
    CHECK(snapshot.resource.kind == "VolumeSnapshot");
    CHECK(snapshot.object["metadata"]["namespace"] == "orders-stg-1234");
    CHECK(snapshot.object["spec"]["source"] ==
          json{{"volumeSnapshotContentName", "orders-1234-data"}});
    const auto& pvc = volume.objects[2];
    CHECK(pvc.object["spec"] == json::parse(R"({
      "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
      "storageClassName": "px-staging",
      "dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                     "name": "data"}})"));
    // The provisioned PV gets the PVC's labels, its Portworx volume a clone's (with the source).
    CHECK(volume.bound_pv_labels == pvc.object["metadata"]["labels"].get<Labels>());
    CHECK(volume.bound_pv_labels.at("pxclone.io/role") == "staging");
    CHECK(volume.bound_volume_labels.at("pxclone.io/run") == "1234");
    CHECK(volume.bound_volume_labels.count("pxclone.io/source") == 1);
    // Portworx: pxclone makes the PV and the clone itself.
    const auto portworx = plan_ok(orders_profile(), one_snapshot(), two_files());
    CHECK(portworx.volumes.at(0).bound_pv_labels.empty());
}

TEST_CASE("images are overridden in containers and initContainers; others untouched") {
    const auto plan = plan_ok(orders_profile(), one_snapshot(), two_files());
    const auto& app = plan.stages.at(1).workloads.at(0).object;
    const auto& spec = app["spec"]["template"]["spec"];
    CHECK(spec["containers"][0]["image"] == "ecr/orders:b-77");
    CHECK(spec["containers"][1]["image"] == "envoy:1");
    CHECK(spec["initContainers"][0]["image"] == "ecr/orders:b-77");
}

TEST_CASE("manifests: namespace set, labels on metadata only, grouped per file in order") {
    const auto plan = plan_ok(orders_profile(), one_snapshot(), two_files());
    REQUIRE(plan.stages.size() == 2);
    CHECK(plan.stages[0].file == "manifests/db.yaml");
    CHECK(plan.stages[0].config.at(0).label() == "service/db");
    CHECK(plan.stages[0].workloads.at(0).label() == "deployment/db");
    CHECK(plan.stages[1].config.at(0).label() == "configmap/settings");
    const auto& app = plan.stages[1].workloads.at(0).object;
    CHECK(app["metadata"]["namespace"] == "orders-stg-1234");
    CHECK(app["metadata"]["labels"]["app"] == "app"); // the manifest's own kept
    CHECK(app["metadata"]["labels"]["pxclone.io/run"] == "1234");
    // The pod template is left as written: changing it per run would roll the pods.
    CHECK(app["spec"]["template"]["metadata"]["labels"] == json{{"app", "app"}});
    REQUIRE(plan.stages[1].waits.size() == 1);
    CHECK(plan.stages[1].waits[0].predicate == Predicate::rolled_out);
    CHECK(plan.stages[1].waits[0].resource.group == "apps");
}

TEST_CASE("every generated object carries the ownership labels and lineage") {
    auto profile = orders_profile();
    profile.staging.mask = profile::Mask{.image = "mongo:7",
                                         .command = {"mongosh", "/masking/mask.js"},
                                         .files = {"masking/mask.js"}};
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        profile.snapshot.method = method;
        const auto plan = plan_ok(profile, one_snapshot(method), two_files(),
                                  {{"masking/mask.js", "db.x.updateMany({})"}});
        const auto objects = plan.all_objects();
        CHECK(objects.size() == (method == profile::SnapshotMethod::portworx ? 9 : 10));
        for (const auto& object : objects) {
            INFO(object.label());
            const auto& metadata = object.object["metadata"];
            CHECK(metadata["labels"]["app.kubernetes.io/managed-by"] == "pxclone");
            CHECK(metadata["labels"]["pxclone.io/profile"] == "orders");
            CHECK(metadata["labels"]["pxclone.io/run"] == "1234");
            CHECK(metadata["labels"]["pxclone.io/role"] == "staging");
            CHECK(metadata["labels"]["pxclone.io/snapshot-set"] == "1200");
            CHECK(metadata["annotations"]["pxclone.io/expires-at"] == "2026-11-28T10:00:00Z");
            CHECK(metadata["annotations"]["pxclone.io/git-sha"] == "abc123");
            CHECK(object.object["apiVersion"] == object.resource.api_version());
            CHECK(object.object["kind"] == object.resource.kind);
            CHECK(object.object_namespace() ==
                  (object.resource.namespaced ? "orders-stg-1234" : ""));
            CHECK_FALSE(util::check_dns1123_subdomain(object.name()).has_value());
        }
    }
}

TEST_CASE("mask by default: before any manifest, every staging PVC mounted, files in a ConfigMap") {
    auto profile = orders_profile();
    profile.staging.mask = profile::Mask{.image = "mongo:7",
                                         .command = {"/masking/mask.sh"},
                                         .env = {{"MASK_SALT", "s"}},
                                         .files = {"masking/mask.sh", "masking/blob.bin"},
                                         .timeout = std::chrono::minutes(15)};
    const auto plan = plan_ok(
        profile, one_snapshot(), two_files(),
        {{"masking/mask.sh", "#!/bin/sh\n"}, {"masking/blob.bin", std::string("\xff\x00\x01", 3)}});
    REQUIRE(plan.mask.has_value());
    CHECK(plan.mask->before_stage == 0);
    REQUIRE(plan.mask->objects.size() == 2);
    const auto& config_map = plan.mask->objects[0].object;
    CHECK(config_map["kind"] == "ConfigMap");
    CHECK(config_map["metadata"]["name"] == "orders-1234-mask");
    CHECK(config_map["data"]["mask.sh"] == "#!/bin/sh\n");
    CHECK(config_map["binaryData"]["blob.bin"] == "/wAB");
    const auto& job = plan.mask->objects[1].object;
    CHECK(job["kind"] == "Job");
    CHECK(job["metadata"]["name"] == "orders-1234-mask");
    CHECK(job["spec"]["backoffLimit"] == 0);
    CHECK(job["spec"]["activeDeadlineSeconds"] == 900);
    const auto& pod = job["spec"]["template"]["spec"];
    CHECK(pod["restartPolicy"] == "Never");
    const auto& container = pod["containers"][0];
    CHECK(container["image"] == "mongo:7");
    CHECK(container["command"] == json{"/masking/mask.sh"});
    CHECK(container["env"][0] == json{{"name", "MASK_SALT"}, {"value", "s"}});
    CHECK(container["env"][1] == json{{"name", "PXCLONE_NAMESPACE"}, {"value", "orders-stg-1234"}});
    CHECK(pod["volumes"] == json::parse(R"([
      {"name": "masking", "configMap": {"name": "orders-1234-mask"}},
      {"name": "data-0", "persistentVolumeClaim": {"claimName": "data"}}])"));
    CHECK(container["volumeMounts"] == json::parse(R"([
      {"name": "masking", "mountPath": "/masking", "readOnly": true},
      {"name": "data-0", "mountPath": "/data/data"}])"));
    CHECK(plan.mask->wait.predicate == Predicate::complete);

    std::vector<std::string> steps;
    for (const auto& step : plan.steps) {
        steps.push_back(fmt::format("{}:{}", step_name(step.kind), step.stage));
    }
    CHECK(steps == std::vector<std::string>{
                       "create-namespace:0", "make-volumes:0", "wait-volumes:0", "run-mask:0",
                       "apply-config:0", "apply-workloads:0", "apply-config:1", "apply-workloads:1",
                       "wait-workloads:0", "wait-workloads:1", "mark-ready:0"});
}

TEST_CASE("mask after a file: no PVCs, runs once that file is ready, before the next") {
    auto profile = orders_profile();
    profile.staging.mask = profile::Mask{
        .after = "manifests/db.yaml", .image = "mongo:7", .command = {"mongosh", "db"}};
    const auto plan = plan_ok(profile, one_snapshot(), two_files());
    REQUIRE(plan.mask.has_value());
    CHECK(plan.mask->before_stage == 1);
    REQUIRE(plan.mask->objects.size() == 1); // no files: no ConfigMap
    const auto& pod = plan.mask->objects[0].object["spec"]["template"]["spec"];
    CHECK_FALSE(pod.contains("volumes"));
    CHECK_FALSE(pod["containers"][0].contains("volumeMounts"));
    std::vector<std::string> steps;
    for (const auto& step : plan.steps) {
        steps.push_back(fmt::format("{}:{}", step_name(step.kind), step.stage));
    }
    CHECK(steps == std::vector<std::string>{
                       "create-namespace:0", "make-volumes:0", "wait-volumes:0", "apply-config:0",
                       "apply-workloads:0", "wait-workloads:0", "run-mask:1", "apply-config:1",
                       "apply-workloads:1", "wait-workloads:1", "mark-ready:0"});
}

TEST_CASE("report and -o env") {
    const auto plan = plan_ok(orders_profile(), one_snapshot(), two_files());
    auto report = plan.report;
    CHECK(report.staging_namespace == "orders-stg-1234");
    CHECK(report.snapshot_set == "1200");
    REQUIRE(report.volumes.size() == 1);
    CHECK(report.volumes[0].staging_pvc == "data");
    REQUIRE(report.services.size() == 1);
    CHECK(report.services[0].ports.at(0).port == 27017);
    report.services.push_back({.name = "orders-api",
                               .ports = {{"http", 80, "TCP"}},
                               .load_balancer_hostname = "lb.example.com"});
    const auto env = env_variables(report);
    CHECK(env == std::vector<std::pair<std::string, std::string>>{
                     {"PXCLONE_NAMESPACE", "orders-stg-1234"},
                     {"PXCLONE_RUN", "1234"},
                     {"PXCLONE_SNAPSHOT_SET", "1200"},
                     {"PXCLONE_SERVICE_DB", "db.orders-stg-1234.svc:27017"},
                     {"PXCLONE_SERVICE_ORDERS_API", "lb.example.com:80"}});
    const auto json_report = output::to_json(output::staging_environment_record(plan, report));
    CHECK(json_report["volumes"][0]["source"] == "prod/mongo-data-mongo-0");
    CHECK(json_report["services"][1]["loadBalancerHostname"] == "lb.example.com");
}

TEST_CASE("validation: each problem is reported, all at once") {
    auto profile = orders_profile();
    SUBCASE("staging namespace is the source namespace") {
        profile.staging.staging_namespace = "prod";
        CHECK(any_contains(problems_of(profile, two_files()), "is the source namespace"));
    }
    SUBCASE("another namespace") {
        auto files = two_files();
        files[1].objects[1].object["metadata"]["namespace"] = "prod";
        files[1].objects[1].line = 7;
        const auto problems = problems_of(profile, files);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].starts_with("manifests/app.yaml:7:1: metadata.namespace:"));
    }
    SUBCASE("cluster-scoped kind") {
        auto files = two_files();
        files[0].objects.push_back(object_of({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                              {"kind", "ClusterRole"},
                                              {"metadata", {{"name", "x"}}}}));
        CHECK(any_contains(problems_of(profile, files), "ClusterRole is cluster-scoped"));
    }
    SUBCASE("unknown kind") {
        auto files = two_files();
        files[0].objects.push_back(object_of(
            {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "x"}}}}));
        CHECK(any_contains(problems_of(profile, files), "does not know kind Widget"));
    }
    SUBCASE("kind served by another group") {
        auto files = two_files();
        files[0].objects[1].object["apiVersion"] = "extensions/v1beta1";
        CHECK(any_contains(problems_of(profile, files), "Deployment is served by apps"));
    }
    SUBCASE("claim that is not a staging PVC") {
        auto files = two_files();
        files[1].objects[0] = object_of(deployment("app", "other-claim"));
        const auto problems = problems_of(profile, files);
        REQUIRE(problems.size() == 1);
        CHECK(any_contains(problems, "spec.template.spec.volumes[0].persistentVolumeClaim"));
        CHECK(any_contains(problems, "claim 'other-claim' is not a staging PVC"));
    }
    SUBCASE("a claim of a PVC the manifests define is allowed, a clash with staging is not") {
        auto files = two_files();
        files[1].objects[0] = object_of(deployment("app", "scratch"));
        const json scratch{{"apiVersion", "v1"},
                           {"kind", "PersistentVolumeClaim"},
                           {"metadata", {{"name", "scratch"}}}};
        files[1].objects.push_back(object_of(scratch));
        CHECK(plan_staging(method::portworx(), profile, run_lineage(), one_snapshot(), files, {},
                           k_now)
                  .plan);
        auto clash = scratch;
        clash["metadata"]["name"] = "data";
        files[1].objects.push_back(object_of(clash));
        CHECK(any_contains(problems_of(profile, files), "is one pxclone creates itself"));
    }
    SUBCASE("StatefulSet claim templates that would provision empty volumes") {
        auto files = two_files();
        json set{{"apiVersion", "apps/v1"},
                 {"kind", "StatefulSet"},
                 {"metadata", {{"name", "mongo"}}},
                 {"spec",
                  {{"replicas", 2},
                   {"template", {{"spec", {{"containers", json::array()}}}}},
                   {"volumeClaimTemplates", {{{"metadata", {{"name", "mongo-data"}}}}}}}}};
        files[0].objects.push_back(object_of(set));
        profile.staging.volumes = {{"mongo-data-mongo-0", "mongo-data-mongo-0"}};
        const auto problems = problems_of(profile, files);
        CHECK(any_contains(problems, "spec.volumeClaimTemplates[0]"));
        CHECK(any_contains(problems, "empty volumes for mongo-data-mongo-1 "));
    }
    SUBCASE("no name") {
        auto files = two_files();
        files[1].objects[1].object["metadata"].erase("name");
        CHECK(any_contains(problems_of(profile, files), "metadata.name: the object has no name"));
    }
    SUBCASE("the same object twice") {
        auto files = two_files();
        files[1].objects.push_back(object_of(service("db", 1)));
        CHECK(any_contains(problems_of(profile, files), "also defined in manifests/db.yaml"));
    }
    SUBCASE("image override for no container") {
        profile.staging.images["apps"] = "x:1";
        CHECK(any_contains(problems_of(profile, two_files()),
                           "staging.images.apps: no container named 'apps'"));
    }
    SUBCASE("two source PVCs onto one staging PVC") {
        auto set = one_snapshot();
        set.volumes.push_back(set.volumes[0]);
        set.volumes[1].source_pvc = "other";
        profile.staging.volumes["other"] = "data";
        CHECK(any_contains(problems_of(profile, two_files(), set), "both become staging PVC"));
    }
    SUBCASE("mask after a file that is not a manifest") {
        profile.staging.mask = profile::Mask{.after = "x.yaml", .image = "i", .command = {"c"}};
        CHECK(any_contains(problems_of(profile, two_files()), "staging.mask.after"));
    }
    SUBCASE("mask file not read, or two with one name") {
        profile.staging.mask = profile::Mask{
            .image = "i", .command = {"c"}, .files = {"a/mask.js", "b/mask.js", "c/x.js"}};
        const auto result =
            plan_staging(method::portworx(), profile, run_lineage(), one_snapshot(), two_files(),
                         {{"a/mask.js", "1"}, {"b/mask.js", "2"}}, k_now);
        const auto problems = profile::format_all(result.problems);
        CHECK(any_contains(problems, "another mask file is also called 'mask.js'"));
        CHECK(any_contains(problems, "the content of 'c/x.js' was not read"));
    }
    SUBCASE("several problems at once") {
        auto files = two_files();
        files[1].objects[1].object["metadata"]["namespace"] = "prod";
        files[1].objects[0] = object_of(deployment("app", "nope"));
        profile.staging.staging_namespace = "prod";
        // The namespace "prod" is now the staging namespace, so only two problems remain.
        CHECK(problems_of(profile, files).size() == 2);
    }
}

TEST_CASE("the example profile and manifests plan without problems") {
    const std::string base = std::string(PXCLONE_SOURCE_DIR) + "/examples/mongodb/";
    util::MapEnvironment environment;
    profile::LoadOptions options;
    options.file = base + "pxclone.yaml";
    options.substitution = {.environment = &environment,
                            .run_id = "1234",
                            .profile_name = "",
                            .git_sha = "abc123",
                            .build_id = "b-77"};
    const auto loaded = profile::load_profile(pxclone::test::read_file(options.file), options);
    for (const auto& diagnostic : loaded.diagnostics) {
        MESSAGE(diagnostic.format());
    }
    REQUIRE(loaded.profile.has_value());
    const auto& profile = *loaded.profile;

    std::vector<profile::ManifestFile> manifests;
    for (const auto& file : profile.staging.manifests) {
        auto parsed =
            profile::parse_manifests(pxclone::test::read_file(profile::resolve_path(profile, file)),
                                     file, options.substitution);
        REQUIRE(parsed.diagnostics.empty());
        manifests.push_back(std::move(parsed.manifests));
    }
    std::map<std::string, std::string> mask_files;
    for (const auto& file : profile.staging.mask->files) {
        mask_files[file] = pxclone::test::read_file(profile::resolve_path(profile, file));
    }
    SnapshotSet set{.id = "1200", .method = profile::SnapshotMethod::portworx, .volumes = {}};
    for (int i = 0; i < 3; ++i) {
        set.volumes.push_back({.source_pvc = fmt::format("mongo-data-mongo-{}", i),
                               .snapshot_id = fmt::format("snap-{}", i),
                               .size_bytes = 20LL << 30,
                               .storage_class = "px-db",
                               .access_modes = {"ReadWriteOnce"}});
    }
    const auto plan = plan_ok(profile, set, manifests, mask_files);
    CHECK(plan.volumes.size() == 3);
    CHECK(plan.mask->before_stage == 1);
    const auto& app = plan.stages.at(1).workloads.at(0).object;
    CHECK(app["spec"]["template"]["spec"]["containers"][0]["image"] ==
          "registry.example.com/orders:b-77");
    const auto env = env_variables(plan.report);
    CHECK(env.size() == 5);
    CHECK(env[3] == std::pair<std::string, std::string>{"PXCLONE_SERVICE_MONGO",
                                                        "mongo.orders-stg-1234.svc:27017"});
}

TEST_CASE("odd shapes in manifests are problems or ignored, never exceptions") {
    const auto profile = orders_profile();
    auto files = two_files();
    auto& odd = files[1].objects[0].object;
    odd["spec"]["template"]["spec"]["containers"] = json::array({42, {{"name", 7}}});
    odd["spec"]["template"]["spec"].erase("initContainers");
    odd["spec"]["template"]["spec"]["volumes"] = {"x", {{"persistentVolumeClaim", "y"}}};
    files[1].objects.push_back(object_of({{"apiVersion", "v1"},
                                          {"kind", "Service"},
                                          {"metadata", {{"name", "s"}}},
                                          {"spec", {{"ports", {"80", {{"port", "http"}}}}}}}));
    files[1].objects.push_back(
        object_of({{"apiVersion", "apps/v1"},
                   {"kind", "StatefulSet"},
                   {"metadata", {{"name", "st"}}},
                   {"spec", {{"ordinals", 3}, {"volumeClaimTemplates", {1}}}}}));
    files[1].objects.push_back(object_of({{"apiVersion", "apps/v1"},
                                          {"kind", "Deployment"},
                                          {"metadata", {{"name", "d2"}}},
                                          {"spec", "x"}}));
    files[1].objects.push_back(
        object_of({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", json::array()}}));
    files[1].objects.push_back(object_of({{"apiVersion", "v1"},
                                          {"kind", "Secret"},
                                          {"metadata", {{"name", "s2"}, {"labels", "x"}}}}));
    files[1].objects.push_back(
        object_of({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "s3"}, {"annotations", {{"n", 1}}}}}}));
    std::vector<std::string> problems;
    CHECK_NOTHROW(problems = problems_of(profile, files));
    CHECK(any_contains(problems, "volumes[1].persistentVolumeClaim.claimName: claim ''"));
    CHECK(any_contains(problems, "metadata: metadata must be a mapping"));
    CHECK(any_contains(problems, "metadata.labels: labels must map keys to strings"));
    CHECK(any_contains(problems, "metadata.annotations: annotations must map keys"));
    CHECK(any_contains(problems, "empty volumes for -st-0"));
}

TEST_CASE("printable hides Secret values, keeps their keys, leaves other objects alone") {
    auto files = two_files();
    files[1].objects.push_back(object_of({{"apiVersion", "v1"},
                                          {"kind", "Secret"},
                                          {"metadata", {{"name", "creds"}}},
                                          {"data", {{"password", "c2VjcmV0"}}},
                                          {"stringData", {{"token", "t0k3n"}}}}));
    const auto plan = plan_ok(orders_profile(), one_snapshot(), files);
    const auto& secret = plan.stages.at(1).config.at(1);
    REQUIRE(secret.resource.kind == "Secret");
    const auto shown = printable(secret);
    CHECK(shown["data"]["password"] == "<redacted>");
    CHECK(shown["stringData"]["token"] == "<redacted>");
    CHECK(shown.dump().find("t0k3n") == std::string::npos);
    CHECK(secret.object["data"]["password"] == "c2VjcmV0"); // what is sent is unchanged
    const auto& config_map = plan.stages.at(1).config.at(0);
    CHECK(printable(config_map) == config_map.object);
}

TEST_CASE("check_manifests: validate's offline check refuses what deploy-staging refuses") {
    const auto profile = orders_profile();
    auto files = two_files();
    files[1].objects.push_back(object_of({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                          {"kind", "ClusterRoleBinding"},
                                          {"metadata", {{"name", "admin"}}}},
                                         20));
    auto foreign = service("cache", 6379);
    foreign["metadata"]["namespace"] = "prod";
    files[1].objects.push_back(object_of(foreign, 30));
    const auto check = check_manifests(profile, files);
    REQUIRE(check.problems.size() == 2);
    CHECK(check.problems[0].line == 20);
    CHECK(check.problems[0].message.find("ClusterRoleBinding is cluster-scoped") !=
          std::string::npos);
    CHECK(check.problems[1].line == 30);
    CHECK(check.problems[1].path == "metadata.namespace");
    // The same objects make plan_staging refuse with the same diagnostics.
    const auto planned =
        plan_staging(method::portworx(), profile, run_lineage(), one_snapshot(), files, {}, k_now);
    CHECK_FALSE(planned.plan);
    for (const auto& problem : check.problems) {
        CHECK(std::any_of(planned.problems.begin(), planned.problems.end(),
                          [&problem](const profile::Diagnostic& d) {
                              return d.line == problem.line && d.message == problem.message;
                          }));
    }
    // What the objects are applied as, each resource once (the foreign Service too).
    std::vector<std::string> kinds;
    for (const auto& resource : check.resources) {
        kinds.push_back(resource.kind);
    }
    CHECK(kinds == std::vector<std::string>{"Service", "Deployment", "ConfigMap"});
    CHECK(check_manifests(profile, two_files()).problems.empty());
}
