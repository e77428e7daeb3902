#include "pxclone/px/types.hpp"

#include <limits>
#include <stdexcept>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone::px;
using nlohmann::json;

TEST_CASE("int64 fields travel as strings both ways") {
    CHECK(parse_int64(json("1073741824")) == 1073741824);
    CHECK(parse_int64(json("9223372036854775807")) == std::numeric_limits<std::int64_t>::max());
    CHECK(parse_int64(json(42)) == 42);
    CHECK_THROWS_AS(parse_int64(json("12abc")), std::invalid_argument);
    CHECK_THROWS_AS(parse_int64(json("")), std::invalid_argument);
    CHECK_THROWS_AS(parse_int64(json(1.5)), std::invalid_argument);
    CHECK_THROWS_AS(parse_int64(json("99999999999999999999")), std::invalid_argument);
    CHECK(int64_string(10737418240) == "10737418240");
}

TEST_CASE("requests encode snake_case, int64 strings, and omit zero values") {
    CreateVolumeRequest create;
    create.name = "pvc-prod-data";
    create.spec.size = 1073741824;
    create.spec.ha_level = 1;
    create.spec.format = "FS_TYPE_EXT4";
    create.spec.cos = "HIGH";
    create.labels = {{"app", "db"}, {"namespace", "prod"}};
    // The recorded request body (reference/osd-rest.txt).
    CHECK(to_json(create) == json::parse(R"({"name":"pvc-prod-data","spec":{"size":"1073741824",
        "ha_level":"1","format":"FS_TYPE_EXT4","cos":"HIGH"},"labels":{"app":"db","namespace":"prod"}})"));

    CreateVolumeRequest minimal;
    minimal.name = "v";
    CHECK(to_json(minimal) == json::parse(R"({"name":"v","spec":{}})"));

    CloneRequest clone{"pvc-staging-data", "7fdb9390", {{"env", "staging"}}};
    CHECK(to_json(clone) == json::parse(R"({"name":"pvc-staging-data","parent_id":"7fdb9390",
        "additional_labels":{"env":"staging"}})"));
    CHECK(to_json(CloneRequest{"c", "p", {}}) == json::parse(R"({"name":"c","parent_id":"p"})"));

    CHECK(to_json(VolumeFilter{"pvc-prod-data", {}, "", ""}) ==
          json::parse(R"({"name":"pvc-prod-data"})"));
    CHECK(to_json(VolumeFilter{"", {{"app", "db"}}, "admin", "g1"}) ==
          json::parse(
              R"({"labels":{"app":"db"},"ownership":{"owner":"admin"},"group":{"id":"g1"}})"));
    CHECK(to_json(VolumeFilter{}) == json::object());

    CHECK(
        to_json(SnapshotCreateRequest{"432c", "pxclone-snap-1", {{"pxclone", "true"}}}) ==
        json::parse(R"({"volume_id":"432c","name":"pxclone-snap-1","labels":{"pxclone":"true"}})"));
}

TEST_CASE("a spec read from one volume is sent again with its other fields intact") {
    const auto spec = parse_spec(json::parse(R"({"cos":"HIGH","format":"FS_TYPE_EXT4",
        "ha_level":"1","size":"1073741824","ownership":{"owner":"admin@reference.test/admin"}})"));
    CHECK(spec.size == 1073741824);
    CHECK(spec.ha_level == 1);
    CHECK(spec.extra == json::parse(R"({"ownership":{"owner":"admin@reference.test/admin"}})"));
    CHECK(to_json(spec) == json::parse(R"({"cos":"HIGH","format":"FS_TYPE_EXT4","ha_level":"1",
        "size":"1073741824","ownership":{"owner":"admin@reference.test/admin"}})"));
}

TEST_CASE("parse_volume reads the recorded inspect replies") {
    // A snapshot, as the reference server returned it.
    const auto snapshot = parse_volume(json::parse(R"({
      "labels": {"pxclone": "true", "source-ns": "prod"},
      "name": "pxclone-snap-1",
      "volume": {
        "ctime": "2026-11-27T09:25:46.685128187Z", "format": "FS_TYPE_XFS",
        "id": "7fdb9390-2792-41f3-a4ee-ee9ebcca56ed",
        "last_scan": "2026-11-27T09:25:46.685128836Z",
        "locator": {"name": "pxclone-snap-1",
                    "volume_labels": {"pxclone": "true", "source-ns": "prod"}},
        "source": {"parent": "432c9a1d-1f5c-4f11-b881-41df39929ffa"},
        "spec": {"cos": "HIGH", "format": "FS_TYPE_EXT4", "ha_level": "1", "size": "1073741824"},
        "state": "VOLUME_STATE_AVAILABLE", "status": "VOLUME_STATUS_UP"}})"));
    CHECK(snapshot.id == "7fdb9390-2792-41f3-a4ee-ee9ebcca56ed");
    CHECK(snapshot.parent == "432c9a1d-1f5c-4f11-b881-41df39929ffa");
    CHECK(snapshot.name == "pxclone-snap-1");
    CHECK(snapshot.labels == Labels{{"pxclone", "true"}, {"source-ns", "prod"}});
    CHECK(snapshot.spec.size == 1073741824);
    CHECK(snapshot.spec.format == "FS_TYPE_EXT4");
    CHECK(snapshot.state == "VOLUME_STATE_AVAILABLE");
    CHECK(snapshot.status == "VOLUME_STATUS_UP");
    CHECK(snapshot.ctime == "2026-11-27T09:25:46.685128187Z");
    CHECK_FALSE(snapshot.attached());

    // A bare volume with zero fields omitted, attached.
    const auto bare = parse_volume(json::parse(R"({"id": "v1", "source": {},
        "state": "VOLUME_STATE_ATTACHED", "attached_on": "10.0.0.7", "usage": "4096",
        "readonly": true})"));
    CHECK(bare.id == "v1");
    CHECK(bare.parent.empty());
    CHECK(bare.labels.empty());
    CHECK(bare.spec.size == 0);
    CHECK(bare.usage == 4096);
    CHECK(bare.attached());
    CHECK(bare.attached_on == "10.0.0.7");
    CHECK(bare.readonly);

    CHECK_THROWS_AS(parse_volume(json::parse(R"({"id":"v","spec":{"size":"big"}})")),
                    std::invalid_argument);
}

TEST_CASE("parse_version reads the identity reply, zero fields omitted") {
    const auto version = parse_version(json::parse(R"({"sdk_version": {"minor": 186,
        "version": "0.186.0"}, "version": {"details": {"example": "data"}, "driver": "fake",
        "version": "1.0.0-fake"}})"));
    CHECK(version.sdk_major == 0);
    CHECK(version.sdk_minor == 186);
    CHECK(version.sdk_version == "0.186.0");
    CHECK(version.driver == "fake");
    CHECK(version.driver_version == "1.0.0-fake");
    CHECK(version.details == Labels{{"example", "data"}});
    CHECK(parse_version(json::object()).sdk_version.empty());
}

TEST_CASE("grpc code names") {
    CHECK(grpc_code_name(5) == "NotFound");
    CHECK(grpc_code_name(7) == "PermissionDenied");
    CHECK(grpc_code_name(16) == "Unauthenticated");
    CHECK(grpc_code_name(3) == "InvalidArgument");
    CHECK(grpc_code_name(99) == "code 99");
}
