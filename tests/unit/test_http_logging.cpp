#include "pxclone/error.hpp"
#include "pxclone/http/logging.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support/fake_transport.hpp"

using namespace pxclone;

namespace {

http::Request secret_request() {
    http::Request request;
    request.api = "k8s";
    request.method = http::Method::post;
    request.url = "https://k8s.test:6443/api/v1/namespaces/prod/secrets?dryRun=All";
    request.headers = {{"Authorization", "Bearer tok-SECRET-1"},
                       {"Content-Type", "application/json"}};
    request.body = R"({"kind":"Secret","data":{"password":"cGFzcw=="}})";
    return request;
}

} // namespace

TEST_CASE("verbosity 1 logs one line per request with status, duration and retries") {
    auto inner = std::make_shared<test::FakeTransport>();
    inner->answer(201, "{}");
    std::ostringstream out;
    http::LoggingTransport transport(inner, std::make_shared<http::LogSink>(out), 1);
    transport.send(secret_request());
    const std::regex line(R"(k8s POST /api/v1/namespaces/prod/secrets\?dryRun=All 201 \d+ms\n)");
    CHECK(std::regex_match(out.str(), line));
}

TEST_CASE("verbosity 3 logs headers and bodies with every secret redacted") {
    auto inner = std::make_shared<test::FakeTransport>();
    inner->answer(201,
                  R"({"kind":"Secret","data":{"password":"cGFzcw=="},"metadata":{"name":"db"}})",
                  {{"Set-Cookie", "session=tok-SECRET-2"}});
    std::ostringstream out;
    http::LoggingTransport transport(inner, std::make_shared<http::LogSink>(out), 3);
    transport.send(secret_request());
    const auto text = out.str();
    CHECK(text.find("Bearer <redacted>") != std::string::npos);
    CHECK(text.find("Content-Type: application/json") != std::string::npos);
    CHECK(text.find("\"db\"") != std::string::npos);
    CHECK(text.find("tok-SECRET") == std::string::npos);
    CHECK(text.find("cGFzcw==") == std::string::npos);
}

TEST_CASE("a failed request is logged with its error and rethrown") {
    auto inner = std::make_shared<test::FakeTransport>();
    inner->fail(http::TransportError::Kind::connect, "connection refused");
    std::ostringstream out;
    http::LoggingTransport transport(inner, std::make_shared<http::LogSink>(out), 1);
    CHECK_THROWS_AS(transport.send(secret_request()), http::TransportError);
    CHECK(out.str().find("error after") != std::string::npos);
    CHECK(out.str().find("connection refused") != std::string::npos);
}

TEST_CASE("the run record collects each request and is written with mode 0600") {
    auto inner = std::make_shared<test::FakeTransport>();
    inner->answer(200);
    inner->fail(http::TransportError::Kind::timeout, "timed out");
    auto record = std::make_shared<http::RunRecord>();
    http::RecordingTransport transport(inner, record);
    auto request = secret_request();
    request.url = "https://k8s.test/api/v1/pods?token=tok-SECRET-3";
    transport.send(request);
    CHECK_THROWS_AS(transport.send(request), http::TransportError);
    inner->answer(200).then(
        [] { throw Error(ExitCode::failed, "GET /api/v1/pods: the reply is larger than 64 MiB"); });
    CHECK_THROWS_AS(transport.send(request), Error);
    record->set_result({{"snapshotSet", "s1"}});

    const auto json = record->to_json();
    REQUIRE(json["requests"].size() == 3);
    CHECK(json["requests"][0]["status"] == 200);
    CHECK(json["requests"][0]["method"] == "POST");
    CHECK(json["requests"][0]["path"] == "/api/v1/pods?token=<redacted>");
    CHECK(json["requests"][1]["error"] == "timed out");
    CHECK(json["requests"][2]["error"] == "GET /api/v1/pods: the reply is larger than 64 MiB");
    CHECK(json["result"]["snapshotSet"] == "s1");

    const auto path = std::filesystem::temp_directory_path() / "pxclone-record-test.json";
    {
        std::ofstream old(path);
        old << "old";
    }
    std::filesystem::permissions(path, std::filesystem::perms::all);
    record->write_file(path.string());
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    std::ifstream in(path);
    const auto written = nlohmann::json::parse(in);
    CHECK(written == json);
    std::filesystem::remove(path);
}
