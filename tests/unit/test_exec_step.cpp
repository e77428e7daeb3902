#include "pxclone/exec/step.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace pxclone::exec;

TEST_CASE("run_step reports the end of a step once: ok when it returns, failed when it throws") {
    std::vector<std::pair<std::string, bool>> ended;
    const DoneFn done = [&ended](const std::string& key, bool ok) {
        ended.emplace_back(key, ok);
    };

    CHECK(run_step(done, "snapshot/a", [] { return 7; }) == 7);
    int calls = 0;
    run_step(done, "deployment/app", [&calls] { ++calls; });
    CHECK(calls == 1);
    CHECK_THROWS_WITH_AS(run_step(done, "job/mask", []() -> int { throw std::runtime_error("x"); }),
                         "x", std::runtime_error);
    CHECK(ended == std::vector<std::pair<std::string, bool>>{
                       {"snapshot/a", true}, {"deployment/app", true}, {"job/mask", false}});

    // Without a listener the work still runs and its error still propagates.
    CHECK(run_step({}, "k", [] { return 1; }) == 1);
    CHECK_THROWS_AS(run_step({}, "k", []() -> int { throw std::logic_error("y"); }),
                    std::logic_error);
}
