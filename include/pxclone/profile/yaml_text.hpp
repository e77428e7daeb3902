// What the profile loader and the manifest reader both need from a YAML text before and after
// yaml-cpp reads it: places in the text, bytes that make it not text, and yaml-cpp's syntax
// errors in our words. Pure.
#pragma once

#include <cstddef>
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

// yaml-cpp 0.7's LoadAll loops forever, allocating, on texts where its parser stops advancing
// (e.g. "!K,KKK...", found by fuzz_profile): it keeps returning another empty document. This walks
// the documents with a bounded loop first (nothing is kept); false when there are more than
// `limit`, so LoadAll is only called on a text it finishes. Throws what yaml-cpp's parser throws
// (YAML::Exception and its subclasses).
bool documents_end_within(const std::string& text, int limit);

// yaml-cpp's syntax error message `message` (YAML::Exception::msg) in our words, prefixed
// "invalid YAML: "; "invalid YAML syntax" for one we do not know. yaml-cpp's own text is never
// returned.
std::string describe_syntax_error(const std::string& message);

} // namespace pxclone::profile
