#include "pxclone/util/worker_pool.hpp"

#include <latch>
#include <stdexcept>

#include <doctest/doctest.h>

using namespace pxclone;

TEST_CASE("run_all returns results in order and keeps each task's exception") {
    util::WorkerPool pool(3);
    std::vector<std::function<int()>> tasks;
    for (int i = 0; i < 10; ++i) {
        tasks.emplace_back([i]() -> int {
            if (i == 4) {
                throw std::runtime_error("task 4 failed");
            }
            return i * i;
        });
    }
    const auto results = util::run_all(pool, std::move(tasks));
    REQUIRE(results.size() == 10);
    CHECK(results[3].value == 9);
    CHECK(results[9].value == 81);
    CHECK_FALSE(results[4].ok());
    CHECK_THROWS_WITH_AS(std::rethrow_exception(results[4].error), "task 4 failed",
                         std::runtime_error);
}

TEST_CASE("the pool runs tasks concurrently up to its size") {
    util::WorkerPool pool(2);
    // Both tasks must be running at once to pass the latch; with one worker this would hang.
    std::latch both(2);
    auto a = pool.submit([&] { both.arrive_and_wait(); });
    auto b = pool.submit([&] { both.arrive_and_wait(); });
    a.get();
    b.get();
    CHECK(pool.size() == 2);
}

TEST_CASE("cancel stops queued tasks from starting and they fail with InterruptedError") {
    util::WorkerPool pool(1);
    std::latch started(1);
    std::latch release(1);
    auto running = pool.submit([&] {
        started.count_down();
        release.wait();
        return 1;
    });
    started.wait();
    bool ran = false;
    auto queued = pool.submit([&] {
        ran = true;
        return 2;
    });
    pool.cancel();
    release.count_down();
    CHECK(running.get() == 1);
    CHECK_THROWS_AS(queued.get(), InterruptedError);
    CHECK_FALSE(ran);
}
