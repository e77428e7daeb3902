#include "pxclone/plan/wait_groups.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using plan::Predicate;
using plan::WaitFor;

namespace {

WaitFor wait_for(const char* kind, const char* ns, const char* name, Predicate predicate) {
    return {.resource = k8s::resource_of(kind),
            .wait_namespace = ns,
            .name = name,
            .predicate = predicate};
}

std::vector<std::string> names(const std::vector<WaitFor>& group) {
    std::vector<std::string> out;
    for (const auto& wait : group) {
        out.push_back(wait.name);
    }
    return out;
}

} // namespace

TEST_CASE("group_waits: one group per kind, namespace and predicate, in first-seen order") {
    const std::vector<WaitFor> waits{
        wait_for("PersistentVolumeClaim", "stg", "data-0", Predicate::bound),
        wait_for("Deployment", "stg", "app", Predicate::rolled_out),
        wait_for("PersistentVolumeClaim", "stg", "data-1", Predicate::bound),
        wait_for("PersistentVolumeClaim", "other", "data-2", Predicate::bound),
        wait_for("StatefulSet", "stg", "db", Predicate::rolled_out),
        wait_for("PersistentVolumeClaim", "stg", "data-3", Predicate::bound),
    };
    const auto groups = plan::group_waits(waits);
    REQUIRE(groups.size() == 4);
    CHECK(names(groups[0]) == std::vector<std::string>{"data-0", "data-1", "data-3"});
    CHECK(names(groups[1]) == std::vector<std::string>{"app"});
    CHECK(names(groups[2]) == std::vector<std::string>{"data-2"});
    CHECK(names(groups[3]) == std::vector<std::string>{"db"});
}

TEST_CASE("group_waits: cluster-scoped waits stay one per object; nothing in, nothing out") {
    const std::vector<WaitFor> waits{
        wait_for("PersistentVolume", "", "pv-a", Predicate::bound),
        wait_for("PersistentVolume", "", "pv-b", Predicate::bound),
    };
    const auto groups = plan::group_waits(waits);
    REQUIRE(groups.size() == 2);
    CHECK(names(groups[0]) == std::vector<std::string>{"pv-a"});
    CHECK(names(groups[1]) == std::vector<std::string>{"pv-b"});
    CHECK(plan::group_waits({}).empty());
}

TEST_CASE("group_waits: the same kind awaited for different predicates is two groups") {
    const std::vector<WaitFor> waits{
        wait_for("Job", "stg", "mask", Predicate::complete),
        wait_for("Job", "stg", "seed", Predicate::rolled_out),
    };
    CHECK(plan::group_waits(waits).size() == 2);
}
