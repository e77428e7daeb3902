#include "pxclone/output/table.hpp"

#include <sstream>

#include <doctest/doctest.h>

using namespace pxclone::output;
using namespace std::chrono_literals;

TEST_CASE("print_table aligns columns three spaces apart and trims trailing spaces") {
    std::ostringstream out;
    print_table({"ID", "STATE", "USED-BY"}, {{"41", "complete", "50"}, {"1234567", "partial"}},
                out);
    CHECK(out.str() == "ID        STATE      USED-BY\n"
                       "41        complete   50\n"
                       "1234567   partial\n");
}

TEST_CASE("print_table prints nothing without rows") {
    std::ostringstream out;
    print_table({"ID"}, {}, out);
    CHECK(out.str().empty());
}

TEST_CASE("format_age follows kubectl's HumanDuration") {
    CHECK(format_age(-5s) == "0s");
    CHECK(format_age(45s) == "45s");
    CHECK(format_age(119s) == "119s");
    CHECK(format_age(330s) == "5m30s");
    CHECK(format_age(300s) == "5m");
    CHECK(format_age(42min) == "42m");
    CHECK(format_age(5h + 12min) == "5h12m");
    CHECK(format_age(30h) == "30h");
    CHECK(format_age(76h) == "3d4h");
    CHECK(format_age(72h) == "3d");
    CHECK(format_age(24h * 12) == "12d");
}
