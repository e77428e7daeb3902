// What the profile loader and the manifest reader both need from a YAML text before and after
// yaml-cpp reads it: places in the text, bytes that make it not text, and yaml-cpp's syntax
// errors in our words. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
struct Mark;
}

namespace pxclone::profile {

// 1-based line and column (columns count code points, not bytes).
struct TextPosition {
    int line = 1;
    int column = 1;
};

// Where yaml-cpp's `mark` is, 1-based; `unknown` for a null mark.
TextPosition position_of(const YAML::Mark& mark, TextPosition unknown = {});

// The path of `key` in the mapping at `path` ("a.b" + "c" -> "a.b.c"; "" + "c" -> "c"), as the
// diagnostics name places.
std::string join_path(const std::string& path, std::string_view key);

// The line and column of byte `offset` of `text`.
TextPosition position_at(std::string_view text, std::size_t offset);

// The offset of the first NUL or other control byte but tab, newline and carriage return: a file
// that has one is not text (yaml-cpp would read garbage silently). nullopt when there is none.
std::optional<std::size_t> find_control_byte(std::string_view text);

// Whether the quoted scalar whose quote is at `offset` is closed before the end of `text`
// ('' in single quotes and \" in double quotes do not close it). yaml-cpp 0.7 accepts some
// unclosed quotes; the callers check the last one with this.
bool quote_is_closed(std::string_view text, std::size_t offset);

// One line of a text, without its line break (and without a '\r' before it).
struct TextLine {
    std::string_view text;
    int number = 0; // 1-based
};

// The lines of `text`; a text that ends with a newline has an empty last line.
std::vector<TextLine> split_lines(std::string_view text);

// What one pass over a YAML text's lines finds before yaml-cpp reads it (the scan skips comments,
// quoted text and block scalars, and follows flow brackets).
struct LineScan {
    // The first line where a conservative estimate of the nesting (block indentation levels,
    // "- " entries and flow brackets) passes the limit asked for: absurd nesting is refused
    // before a recursive parser sees it.
    std::optional<TextLine> too_deep;
    // A ',' that starts a line in block context (not inside a flow collection or a block scalar,
    // and not a more indented continuation): invalid YAML, on which yaml-cpp 0.7's LoadAll never
    // returns for some texts (e.g. ", a:7\n- b\n", found by fuzz_profile), so it is refused before
    // yaml-cpp sees it. Where the first one is.
    std::optional<TextPosition> block_comma;
};

LineScan scan_lines(const std::vector<TextLine>& lines, int depth_limit);

// The most nodes that aliases may add to a text, in all (each alias adds the nodes of what it
// names, counting the aliases inside that). Real files alias a few small blocks a few times: a
// thousand nodes is a lot. A million is far above that, yet keeps what a reader that walks the
// expanded tree does (the manifest converter, the profile's checks) well under a second, while
// nine nested anchors that each alias the previous one nine times ("billion laughs") would
// expand to 9^9 nodes.
inline constexpr std::uint64_t k_max_alias_nodes = 1'000'000;

// What the parser's events of a YAML text may describe before a reader builds its node graph.
struct EventLimits {
    int documents = 1;
    // Most levels of nesting, counting the document's root as 1 and what aliases expand to: a
    // walk over the expanded tree recurses this deep.
    int depth = 64;
    std::uint64_t alias_nodes = k_max_alias_nodes;
};

// Why check_events refused a text: where, and what (in our words, without the file's name).
struct EventProblem {
    enum class Kind { documents, alias_cycle, alias_expansion, depth };
    Kind kind = Kind::documents;
    TextPosition position;
    std::string message;
};

// The guard every YAML reader of pxclone passes a text through before yaml-cpp builds its node
// graph: one pass over the parser's events (nothing is kept but a number per anchor) that refuses
// - more than limits.documents documents, or a parser that stops advancing: yaml-cpp 0.7's LoadAll
//   loops forever, allocating, on some texts ("!K,KKK...", found by fuzz_profile), returning
//   another empty document each time;
// - an alias to an anchor whose node is still open (`a: &a [*a]`): yaml-cpp makes the node contain
//   itself, and any walk over it recurses until the stack overflows;
// - aliases that add more than limits.alias_nodes nodes in all, and nesting deeper than
//   limits.depth counting what aliases expand to: a walk over the expanded tree would exhaust
//   time, memory or the stack.
// nullopt when the text may be loaded. Throws what yaml-cpp's parser throws (YAML::Exception and
// its subclasses) for a syntax error.
std::optional<EventProblem> check_events(const std::string& text, const EventLimits& limits);

// yaml-cpp's syntax error message `message` (YAML::Exception::msg) in our words, prefixed
// "invalid YAML: "; "invalid YAML syntax" for one we do not know. yaml-cpp's own text is never
// returned.
std::string describe_syntax_error(const std::string& message);

} // namespace pxclone::profile
