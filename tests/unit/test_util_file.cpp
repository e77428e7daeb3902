#include "pxclone/util/file.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <pthread.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace pxclone;

TEST_CASE("read_file returns every byte of a file, NUL bytes included") {
    const test::TempDir dir;
    const std::string content("version: 1\n\0name: x\n", 20);
    const auto file = util::read_file(dir.write("p.yaml", content).string(), 1024);
    CHECK(file.error == 0);
    CHECK(static_cast<bool>(file));
    CHECK(file.text == content);
}

TEST_CASE("read_file reads an empty file and a file of exactly max_bytes") {
    const test::TempDir dir;
    const auto empty = util::read_file(dir.write("empty", "").string(), 16);
    CHECK(empty.error == 0);
    CHECK(empty.text.empty());
    // More than one read() chunk, exactly at the limit.
    const std::string exact(200 * 1024, 'x');
    const auto full = util::read_file(dir.write("exact", exact).string(), exact.size());
    CHECK(full.error == 0);
    CHECK(full.text == exact);
}

TEST_CASE("read_file refuses a file one byte over max_bytes with EFBIG") {
    const test::TempDir dir;
    const auto file = util::read_file(dir.write("over", std::string(17, 'x')).string(), 16);
    CHECK(file.error == EFBIG);
    CHECK_FALSE(static_cast<bool>(file));
    CHECK(file.text.empty());
    CHECK(util::describe_read_error(file, 16, "a token") ==
          "larger than 16 bytes, the most pxclone reads of a token");
}

TEST_CASE("read_file refuses a huge file by its size, without reading it") {
    const test::TempDir dir;
    const auto path = dir.write("sparse", "");
    // 64 GiB of holes: reading it would take minutes and exhaust memory.
    std::filesystem::resize_file(path, std::uintmax_t{64} << 30);
    const auto file = util::read_file(path.string(), 1024 * 1024);
    CHECK(file.error == EFBIG);
    CHECK(util::describe_read_error(file, 1024 * 1024, "a kubeconfig") ==
          "larger than 1 MiB, the most pxclone reads of a kubeconfig");
}

TEST_CASE("read_file reads a FIFO, and stops an endless one at max_bytes") {
    const test::TempDir dir;
    const auto fifo = (dir.path() / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&fifo] {
        // The reader closes its end at max_bytes: write() then fails with EPIPE, and the
        // SIGPIPE that comes with it stays blocked in this thread.
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
        const std::string chunk(64 * 1024, 'x');
        while (fd >= 0 && ::write(fd, chunk.data(), chunk.size()) > 0) {
        }
        ::close(fd);
    });
    const auto file = util::read_file(fifo, 1024 * 1024);
    writer.join();
    CHECK(file.error == EFBIG);
    CHECK(file.text.empty());
}

TEST_CASE("read_file refuses a device or a socket before opening it, naming what it is") {
    const auto file = util::read_file("/dev/zero", 1024 * 1024);
    CHECK(file.error == util::k_not_a_file);
    CHECK(file.kind == "a character device");
    CHECK(util::describe_read_error(file, 1024 * 1024, "a profile") ==
          "not a regular file (a character device)");
}

TEST_CASE("file_problem says why a path is no file to read") {
    const test::TempDir dir;
    CHECK_FALSE(util::file_problem(dir.write("a.yaml", "x").string()));
    CHECK(util::file_problem((dir.path() / "none").string()) == "does not exist");
    CHECK(util::file_problem((dir.path() / "a.yaml" / "b").string()) == "does not exist");
    CHECK(util::file_problem(dir.path().string()) == "is not a regular file (a directory)");
    CHECK(util::file_problem("/dev/null") == "is not a regular file (a character device)");
    const auto fifo = (dir.path() / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(util::file_problem(fifo) == "is not a regular file (a FIFO)");
}

TEST_CASE("read_file reads a file whose size stat() does not know") {
    // /proc files say 0 bytes and still have content.
    const auto file = util::read_file("/proc/self/status", 1024 * 1024);
    CHECK(file.error == 0);
    CHECK(file.text.find("Name:") != std::string::npos);
}

TEST_CASE("read_file names the errno of a missing file, a directory and an unreadable file") {
    const test::TempDir dir;
    const auto missing = util::read_file((dir.path() / "none").string(), 16);
    CHECK(missing.error == ENOENT);
    CHECK(util::describe_read_error(missing, 16, "a profile") == "No such file or directory");
    CHECK(util::read_file(dir.path().string(), 16).error == EISDIR);
    if (::geteuid() != 0) { // root reads a file whatever its mode
        CHECK(util::read_file(dir.write("secret", "x", 0000).string(), 16).error == EACCES);
    }
}
