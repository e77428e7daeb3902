#include "pxclone/profile/yaml_text.hpp"

#include <cstdint>
#include <string>

#include <doctest/doctest.h>
#include <yaml-cpp/exceptions.h>

using namespace pxclone::profile;

TEST_CASE("describe_syntax_error puts yaml-cpp's messages in our words and never echoes its own") {
    CHECK(describe_syntax_error(YAML::ErrorMsg::END_OF_MAP_FLOW) ==
          "invalid YAML: a '{' is never closed with '}'");
    CHECK(describe_syntax_error(std::string(YAML::ErrorMsg::TAB_IN_INDENTATION) + " at x") ==
          "invalid YAML: tab character in indentation (indent with spaces)");
    CHECK(describe_syntax_error(YAML::ErrorMsg::FLOW_END) == "invalid YAML: unexpected ']' or '}'");
    CHECK(describe_syntax_error("something yaml-cpp says about a secret: hunter2") ==
          "invalid YAML syntax");
}

TEST_CASE("position_at counts lines and code points from 1") {
    CHECK(position_at("ab\ncd", 0).line == 1);
    CHECK(position_at("ab\ncd", 0).column == 1);
    const auto after_newline = position_at("ab\ncd", 4);
    CHECK(after_newline.line == 2);
    CHECK(after_newline.column == 2);
    // "é" is two bytes but one column.
    CHECK(position_at("\xC3\xA9x", 2).column == 2);
}

TEST_CASE("find_control_byte finds bytes that make a file not text") {
    CHECK_FALSE(find_control_byte("key: value\r\n\tother\n"));
    CHECK(find_control_byte(std::string_view("ab\0c", 4)) == 2u);
    CHECK(find_control_byte("a\x7F") == 1u);
    CHECK(find_control_byte("\x1B[31m") == 0u);
}

TEST_CASE("quote_is_closed knows YAML's escapes in both kinds of quotes") {
    CHECK(quote_is_closed("a: 'it''s' ", 3));
    CHECK_FALSE(quote_is_closed("a: 'it''s", 3));
    CHECK(quote_is_closed(R"(a: "say \"hi\"")", 3));
    CHECK_FALSE(quote_is_closed(R"(a: "open \")", 3));
}

TEST_CASE("split_lines numbers lines from 1 and drops line breaks") {
    const auto lines = split_lines("a\r\nb\n");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].text == "a");
    CHECK(lines[1].text == "b");
    CHECK(lines[1].number == 2);
    CHECK(lines[2].text.empty());
}

TEST_CASE("scan_lines finds a ',' that starts a block-context line, and only there") {
    const auto comma_at = [](std::string_view text) -> std::optional<TextPosition> {
        return scan_lines(split_lines(text), 100).block_comma;
    };
    const auto first = comma_at("a: 1\n  , b: 2\n, c: 3\n");
    REQUIRE(first);
    CHECK(first->line == 3);
    CHECK(first->column == 1);
    CHECK(comma_at(", a:7\n- b\n")->line == 1);
    CHECK_FALSE(comma_at("a: [1,\n, 2]\n"));               // inside a flow collection
    CHECK_FALSE(comma_at("a: |\n  x\n  , y\nb: 1\n"));     // inside a block scalar
    CHECK_FALSE(comma_at("a: >- # folded\n , y\n"));       // block scalar with a comment
    CHECK_FALSE(comma_at("a: plain\n   , more\n"));        // a more indented continuation
    CHECK_FALSE(comma_at("# , comment\na: ', quoted'\n")); // comments and quotes
}

TEST_CASE("scan_lines estimates nesting from indentation, entries and flow brackets") {
    CHECK_FALSE(scan_lines(split_lines("a:\n  b:\n    - c: 1\n"), 4).too_deep);
    const auto deep = scan_lines(split_lines("a:\n  b:\n    - c: 1\n"), 3).too_deep;
    REQUIRE(deep);
    CHECK(deep->number == 3);
    CHECK(scan_lines(split_lines("a: [[[[\n1]]]]\n"), 4).too_deep->number == 1);
    // Lines of a block scalar are text, however indented.
    CHECK_FALSE(scan_lines(split_lines("a: |\n        - - - - x\nb: 1\n"), 2).too_deep);
}

namespace {

using Kind = EventProblem::Kind;

EventLimits limits(int documents, int depth = 64, std::uint64_t alias_nodes = k_max_alias_nodes) {
    return {documents, depth, alias_nodes};
}

// "a0: &a0 [x, x, ...]\na1: &a1 [*a0, *a0, ...]\n..." — each level aliases the previous `width`
// times: width^levels nodes once expanded, from a few hundred bytes of text.
std::string laughs(int levels, int width) {
    std::string text = "a0: &a0 [";
    for (int i = 0; i < width; ++i) {
        text += i == 0 ? "lol" : ", lol";
    }
    text += "]\n";
    for (int level = 1; level < levels; ++level) {
        text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
        for (int i = 0; i < width; ++i) {
            text += (i == 0 ? "*a" : ", *a") + std::to_string(level - 1);
        }
        text += "]\n";
    }
    return text;
}

} // namespace

TEST_CASE("check_events counts documents and stops a parser that does not advance") {
    CHECK_FALSE(check_events("a: 1\n---\nb: 2\n", limits(2)));
    const auto three = check_events("a: 1\n---\nb: 2\n---\nc: 3\n", limits(2));
    REQUIRE(three);
    CHECK(three->kind == Kind::documents);
    // Found by fuzz_profile: yaml-cpp 0.7 returns empty documents for ever on these.
    CHECK(check_events("!K,KKKKKKKKKKKKKKKKKKKKKKKKKKKKKK\n", limits(1000)));
    CHECK(check_events(", a:7\n- b\n", limits(1000)));
    CHECK_THROWS_AS(check_events("a: [1\n", limits(10)), YAML::Exception);
}

TEST_CASE("check_events refuses an alias to an anchor whose node is still open (a cycle)") {
    // yaml-cpp builds a node that contains itself from each of these; a walk over it overflowed
    // the stack (pxclone validate died with SIGSEGV).
    for (const auto* text :
         {"a: &a [*a]\n", "a: &a {b: *a}\n", "&a [*a]\n", "a: &a\n  b:\n    - c: *a\n",
          "x: &x [1, {y: [*x]}]\n", "? &k [*k]\n: 1\n"}) {
        CAPTURE(text);
        const auto problem = check_events(text, limits(1));
        REQUIRE(problem);
        CHECK(problem->kind == Kind::alias_cycle);
    }
    const auto problem = check_events("a: 1\nb: &b\n  c: [1, *b]\n", limits(1));
    REQUIRE(problem);
    CHECK(problem->position.line == 3);
    CHECK(problem->position.column == 10);
    CHECK(problem->message ==
          "alias '*b' refers to the node that contains it (a cycle without end)");
}

TEST_CASE("check_events accepts aliases of closed nodes, anchors redefined, and repeated anchors") {
    CHECK_FALSE(check_events("a: &a [1, 2]\nb: *a\nc: [*a, *a]\n", limits(1)));
    // An anchor defined again names the newer node (also while that node is open).
    CHECK_FALSE(check_events("a: &x [1]\nb: *x\nc: &x [2]\nd: *x\n", limits(1)));
    CHECK_FALSE(check_events("a: [&x 1, *x]\n", limits(1)));
    CHECK(check_events("a: &x [1]\nb: &x [*x]\n", limits(1)));
    // Anchors belong to their document.
    CHECK_FALSE(check_events("a: &a 1\n---\nb: &a [2]\nc: *a\n", limits(2)));
    CHECK_FALSE(check_events(laughs(4, 9), limits(1)));
}

TEST_CASE("check_events bounds what aliases expand to, in nodes and in depth") {
    // Billion laughs: 9^9 nodes from nine lines.
    const auto bomb = check_events(laughs(9, 9), limits(1));
    REQUIRE(bomb);
    CHECK(bomb->kind == Kind::alias_expansion);
    CHECK(bomb->message.find("more than 1000000 values") != std::string::npos);
    // Just under and just over a small limit: [*a0 x 3] adds 3 x 3 (a0's list and its two items).
    CHECK_FALSE(check_events("a0: &a0 [x, y]\nb: [*a0, *a0, *a0]\n", limits(1, 64, 9)));
    CHECK(check_events("a0: &a0 [x, y]\nb: [*a0, *a0, *a0, *a0]\n", limits(1, 64, 9)));
    // A chain of aliases nests deeper than the text does.
    std::string chain = "a0: &a0 [[[[1]]]]\n";
    for (int i = 1; i < 40; ++i) {
        chain += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [[[[*a" +
                 std::to_string(i - 1) + "]]]]\n";
    }
    const auto deep = check_events(chain, limits(1, 64));
    REQUIRE(deep);
    CHECK(deep->kind == Kind::depth);
    CHECK_FALSE(check_events(chain, limits(1, 1000)));
    // Past yaml-cpp's own depth limit (500), the parser throws after the checker stopped: the
    // checker's finding is what is reported, at its place.
    const auto flow = check_events("a: " + std::string(100000, '[') + "\n", limits(1, 64));
    REQUIRE(flow);
    CHECK(flow->kind == Kind::depth);
    CHECK(flow->message == "nested more than 64 levels deep");
    CHECK(flow->position.line == 1);
    // The text's own nesting counts too, from 1 at the root.
    CHECK_FALSE(check_events("[[1]]\n", limits(1, 3)));
    CHECK(check_events("[[[1]]]\n", limits(1, 3)));
}
