#include "pxclone/exec/restore_runner.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone;
using namespace pxclone::exec;
using nlohmann::json;

namespace {

// Records every call as a line; throws at the call whose line starts with `fail_at`.
struct Calls {
    std::vector<std::string> lines;
    std::string fail_at;
    void add(std::string line) {
        const bool fail = !fail_at.empty() && line.starts_with(fail_at);
        lines.push_back(std::move(line));
        if (fail) {
            k8s::Status status;
            status.code = 403;
            status.reason = "Forbidden";
            throw k8s::ApiError(403, status, "denied: " + lines.back());
        }
    }
};

class FakeRestoreRunner final : public RestoreRunner {
public:
    explicit FakeRestoreRunner(Calls& calls) : m_calls(calls) {}
    void record_replicas(const plan::Workload& w) override { m_calls.add("record " + w.label()); }
    void scale(const plan::Workload& w, int replicas) override {
        m_calls.add("scale " + w.label() + " " + std::to_string(replicas));
    }
    void wait_pods_gone(const std::string&, const std::set<std::string>&, time_point) override {
        m_calls.add("wait pods");
    }
    void wait_detached(const plan::RestoreVolume& v, time_point) override {
        m_calls.add("wait detached " + v.pvc);
    }
    void restore(const plan::RestoreVolume& v) override { m_calls.add("restore " + v.pvc); }
    void wait_ready(const plan::Workload& w, time_point) override {
        m_calls.add("wait ready " + w.label());
    }
    void clear_record(const plan::Workload& w) override { m_calls.add("clear " + w.label()); }
    std::string baseline(const plan::BaselineRequest& b) override {
        m_calls.add("baseline " + b.staging_pvc);
        return "b";
    }
    void remove(const k8s::Resource& r, const std::string&, const std::string& name, bool,
                time_point) override {
        m_calls.add("remove " + r.singular() + "/" + name);
    }
    void delete_volume(const std::string& id) override { m_calls.add("delete volume " + id); }
    void patch(const k8s::Resource& r, const std::string&, const std::string& name,
               const json&) override {
        m_calls.add("patch " + r.singular() + "/" + name);
    }

private:
    Calls& m_calls;
};

class FakeStagingRunner final : public StagingRunner {
public:
    explicit FakeStagingRunner(Calls& calls) : m_calls(calls) {}
    void create_namespace(const plan::StagingPlan&) override { m_calls.add("create namespace"); }
    std::string clone(const plan::StagingVolume& v) override {
        m_calls.add("clone " + v.staging_pvc);
        return "new";
    }
    void create(const plan::PlannedObject& o) override { m_calls.add("create " + o.label()); }
    void apply(const plan::PlannedObject& o) override { m_calls.add("apply " + o.label()); }
    json wait(const plan::WaitFor& w, time_point) override {
        m_calls.add("wait " + w.name);
        return json::object();
    }
    std::string baseline(const plan::BaselineRequest& b) override {
        m_calls.add("baseline " + b.staging_pvc);
        return "b";
    }
    void label_bound_volume(const plan::StagingVolume& v, const std::string&) override {
        m_calls.add("label " + v.staging_pvc);
    }
    void mark_ready(const std::string& ns, const json&) override {
        m_calls.add("mark ready " + ns);
    }

private:
    Calls& m_calls;
};

plan::RestorePlan in_place() {
    return plan::plan_restore_in_place(
        "stg", "42", "7", {{.pvc = "data", .clone_id = "c", .baseline_id = "b"}},
        plan::workloads_mounting(
            {json{{"metadata", {{"name", "app"}, {"namespace", "stg"}}},
                  {"spec",
                   {{"replicas", 2},
                    {"template",
                     {{"spec",
                       {{"volumes",
                         {{{"name", "d"},
                           {"persistentVolumeClaim", {{"claimName", "data"}}}}}}}}}}}}}},
            {}, {"data"}));
}

std::string run_failing(const plan::RestorePlan& plan, Calls& calls, ExitCode& code,
                        std::vector<std::string>& details) {
    FakeRestoreRunner runner(calls);
    FakeStagingRunner staging(calls);
    try {
        run_restore_plan(plan, runner, staging, {}, {}, "pxclone restore --run 42 --all");
    } catch (const Error& error) {
        code = error.code();
        details = error.details();
        return error.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("run_restore_plan: a failure after the scale-down brings the workloads back") {
    Calls calls;
    calls.fail_at = "wait pods";
    ExitCode code = ExitCode::ok;
    std::vector<std::string> details;
    CHECK(run_failing(in_place(), calls, code, details) == "denied: wait pods");
    CHECK(code == ExitCode::failed);
    CHECK(calls.lines == std::vector<std::string>{"record deployment/app", "scale deployment/app 0",
                                                  "wait pods", "scale deployment/app 2",
                                                  "clear deployment/app"});
    CHECK(details == std::vector<std::string>{"  no volume was changed; scaled back (not waited "
                                              "for): deployment/app (2 replicas)"});
}

TEST_CASE("run_restore_plan: a refused scale-down stopped nothing; the record goes") {
    Calls calls;
    calls.fail_at = "scale deployment/app 0";
    ExitCode code = ExitCode::ok;
    std::vector<std::string> details;
    run_failing(in_place(), calls, code, details);
    CHECK(calls.lines == std::vector<std::string>{"record deployment/app", "scale deployment/app 0",
                                                  "clear deployment/app"});
    CHECK(details.empty());
}

TEST_CASE("run_restore_plan: when scaling back fails too, what is stopped and how to finish") {
    Calls calls;
    calls.fail_at = "wait pods";
    FakeRestoreRunner runner(calls);
    FakeStagingRunner staging(calls);
    // The second scale of the deployment (back to 2) fails as well.
    struct Refusing final : RestoreRunner {
        RestoreRunner& inner;
        explicit Refusing(RestoreRunner& runner) : inner(runner) {}
        void record_replicas(const plan::Workload& w) override { inner.record_replicas(w); }
        void scale(const plan::Workload& w, int replicas) override {
            inner.scale(w, replicas);
            if (replicas > 0) {
                throw Error(ExitCode::failed, "scale refused");
            }
        }
        void wait_pods_gone(const std::string& ns, const std::set<std::string>& pvcs,
                            time_point deadline) override {
            inner.wait_pods_gone(ns, pvcs, deadline);
        }
        void wait_detached(const plan::RestoreVolume& v, time_point d) override {
            inner.wait_detached(v, d);
        }
        void restore(const plan::RestoreVolume& v) override { inner.restore(v); }
        void wait_ready(const plan::Workload& w, time_point d) override { inner.wait_ready(w, d); }
        void clear_record(const plan::Workload& w) override { inner.clear_record(w); }
        std::string baseline(const plan::BaselineRequest& b) override { return inner.baseline(b); }
        void remove(const k8s::Resource& r, const std::string& ns, const std::string& n, bool w,
                    time_point d) override {
            inner.remove(r, ns, n, w, d);
        }
        void delete_volume(const std::string& id) override { inner.delete_volume(id); }
        void patch(const k8s::Resource& r, const std::string& ns, const std::string& n,
                   const json& p) override {
            inner.patch(r, ns, n, p);
        }
    } refusing(runner);
    try {
        run_restore_plan(in_place(), refusing, staging, {}, {}, "pxclone restore --run 42 --all");
        FAIL("no error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::partial);
        REQUIRE(error.details().size() == 2);
        CHECK(error.details()[0] ==
              "  still stopped (scaling them back failed): deployment/app (0 of 2 replicas: "
              "scale refused)");
        CHECK(error.details()[1] == "  their replica counts are kept in the "
                                    "pxclone.io/restore-replicas annotation; finish the restore "
                                    "with: pxclone restore --run 42 --all");
    }
}

TEST_CASE("run_restore_plan: a swap that deleted its PVC keeps the workloads stopped") {
    auto planned = plan::StagingVolume{};
    planned.staging_pvc = "data";
    planned.method = profile::SnapshotMethod::csi;
    planned.objects.push_back(
        {k8s::resource_of("PersistentVolumeClaim"),
         json{{"metadata", {{"name", "data"}, {"namespace", "stg"}}}, {"spec", json::object()}}});
    auto swap = in_place();
    auto plan = plan::plan_restore_swap("stg", plan::Lineage{}, {},
                                        {plan::SwapVolume{.pvc = "data", .target = planned}},
                                        swap.workloads, std::nullopt, {}, false);
    Calls calls;
    calls.fail_at = "create persistentvolumeclaim/data";
    ExitCode code = ExitCode::ok;
    std::vector<std::string> details;
    run_failing(plan, calls, code, details);
    CHECK(code == ExitCode::failed);
    CHECK(calls.lines.back() == "create persistentvolumeclaim/data");
    REQUIRE(details.size() == 2);
    CHECK(details[0] == "  still stopped (a PVC they mount is deleted and not made again yet): "
                        "deployment/app (0 of 2 replicas)");
}
