#include "pxclone/util/worker_pool.hpp"

#include <atomic>
#include <future>
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

TEST_CASE("an on-demand pool starts workers only as tasks queue up, up to its limit") {
    util::WorkerPool pool(3, util::WorkerPool::Start::on_demand);
    CHECK(pool.size() == 0);
    pool.submit([] {}).get();
    CHECK(pool.size() == 1);

    // Three tasks that can only finish together need three workers.
    std::latch all(3);
    std::vector<std::future<void>> running;
    for (int i = 0; i < 3; ++i) {
        running.push_back(pool.submit([&] { all.arrive_and_wait(); }));
    }
    for (auto& task : running) {
        task.get();
    }
    CHECK(pool.size() == 3);

    // The limit holds: five more tasks still run on three workers.
    std::vector<std::future<int>> more;
    for (int i = 0; i < 5; ++i) {
        more.push_back(pool.submit([i] { return i; }));
    }
    for (int i = 0; i < 5; ++i) {
        CHECK(more[static_cast<std::size_t>(i)].get() == i);
    }
    CHECK(pool.size() == 3);
}

TEST_CASE("fan_out_width: at least --parallel, 256 for waits, one at a time with --parallel 1") {
    CHECK(util::fan_out_width(1) == 1);
    CHECK(util::fan_out_width(0) == 1);
    CHECK(util::fan_out_width(2) == util::k_max_fan_out);
    CHECK(util::fan_out_width(8) == 256);
    CHECK(util::fan_out_width(300) == 300);
}

TEST_CASE("get_all returns the values in order once every task has ended") {
    util::WorkerPool pool(3);
    std::vector<std::future<int>> futures;
    for (int i = 0; i < 6; ++i) {
        futures.push_back(pool.submit([i] { return i * 10; }));
    }
    CHECK(util::get_all(futures) == std::vector<int>{0, 10, 20, 30, 40, 50});
}

TEST_CASE("get_all rethrows the first failure only after the other tasks have ended") {
    util::WorkerPool pool(3);
    std::latch first_failed(1);
    std::atomic<bool> later_done{false};
    std::vector<std::future<void>> futures;
    futures.push_back(pool.submit([&] {
        first_failed.count_down();
        throw std::runtime_error("first");
    }));
    futures.push_back(pool.submit([&] {
        // Still running when the first task's exception is there to rethrow.
        first_failed.wait();
        later_done = true;
    }));
    futures.push_back(pool.submit([] { throw std::runtime_error("second"); }));
    CHECK_THROWS_WITH_AS(util::get_all(futures), "first", std::runtime_error);
    CHECK(later_done);
}
