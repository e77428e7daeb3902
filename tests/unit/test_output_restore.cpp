#include "pxclone/output/restore.hpp"

#include <sstream>

#include <doctest/doctest.h>

using namespace pxclone;
using nlohmann::ordered_json;

namespace {

plan::RestorePlan one_volume() {
    plan::RestorePlan plan;
    plan.ns = "stg";
    plan.run = "41";
    plan.snapshot_set = "41";
    plan.volumes = {{.pvc = "data", .clone_id = "clone-1", .baseline_id = "base-1"}};
    plan::Workload app;
    app.resource = k8s::resource_of("Deployment");
    app.ns = "stg";
    app.name = "app";
    app.replicas = 2;
    plan.workloads = {app};
    return plan;
}

} // namespace

TEST_CASE("restore_command quotes what a shell would split and leaves out what is not given") {
    CHECK(output::restore_command({.run = "41",
                                   .ns = "stg",
                                   .all = true,
                                   .pvcs = {},
                                   .snapshot_set = {},
                                   .profile_path = "p.yaml",
                                   .kubeconfig = {},
                                   .context = {}}) ==
          "pxclone restore -p p.yaml --run 41 -n stg --all");
    CHECK(output::restore_command({.run = "41",
                                   .ns = "stg",
                                   .all = false,
                                   .pvcs = {"a", "b"},
                                   .snapshot_set = "42",
                                   .profile_path = "my profile.yaml",
                                   .kubeconfig = "/k/config",
                                   .context = "it's"}) ==
          "pxclone restore -p 'my profile.yaml' --kubeconfig /k/config --context 'it'\\''s' "
          "--run 41 -n stg --pvc a --pvc b --snapshot 42");
}

TEST_CASE("an in-place restore's text: what was restored, and the workloads back") {
    std::ostringstream done;
    output::print_in_place_text(one_volume(), {}, false, done);
    CHECK(done.str() == "restored 1 volume in stg to its baseline (run 41, snapshot set 41)\n"
                        "  pvc/data  volume clone-1 <- baseline base-1\n"
                        "  deployment/app  back to 2\n");
    std::ostringstream dry;
    output::print_in_place_text(one_volume(), {}, true, dry);
    CHECK(dry.str() ==
          "would restore 1 volume in stg to its baseline (run 41, snapshot set 41) (dry run)\n"
          "  pvc/data  volume clone-1 <- baseline base-1\n"
          "  deployment/app  stopped, then back to 2\n");
}

TEST_CASE("documents carry dryRun, and the request lines of a dry run") {
    const auto real = output::in_place_document(one_volume(), {}, false, "ignored\n");
    CHECK(real["apiVersion"] == "pxclone.io/v1");
    CHECK(real["kind"] == "RestoreReport");
    CHECK(real["mode"] == "inPlace");
    CHECK(real["dryRun"] == false);
    CHECK_FALSE(real.contains("requests"));
    const auto dry = output::in_place_document(one_volume(), {}, true, "PATCH a\nWAIT b\n");
    CHECK(dry["requests"] == ordered_json::array({"PATCH a", "WAIT b"}));

    plan::StagingPlan made;
    made.staging_namespace = "dev";
    made.expires_at = "2026-12-08T00:00:00Z";
    made.lineage.run = "41";
    made.lineage.snapshot_set = "42";
    made.volumes.push_back({});
    made.volumes[0].staging_pvc = "copy";
    made.volumes[0].source = "prod/data";
    const auto document = output::new_pvc_document(made, "clone-9", false, "");
    CHECK(document.dump() ==
          R"({"apiVersion":"pxclone.io/v1","kind":"RestoreReport","mode":"newPvc",)"
          R"("namespace":"dev","pvc":"copy","run":"41","snapshotSet":"42","source":"prod/data",)"
          R"("cloneId":"clone-9","expiresAt":"2026-12-08T00:00:00Z","dryRun":false})");
    std::ostringstream text;
    output::print_new_pvc_text(made, "clone-9", text);
    CHECK(text.str() == "pvc/copy in dev ready: prod/data from snapshot set 42 (volume clone-9, "
                        "run 41, expires 2026-12-08T00:00:00Z); remove it with `pxclone teardown "
                        "--run 41`\n");
}
