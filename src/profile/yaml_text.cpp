#include "pxclone/profile/yaml_text.hpp"

#include <array>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace pxclone::profile {

namespace {

// Counts documents and nothing else: a first pass over the text whose loop pxclone bounds.
class DocumentCounter final : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// Whether `text` ends with a block scalar indicator (`|`, `>-`, `|2+`...): literal text follows.
bool starts_block_scalar(std::string_view text) {
    while (!text.empty() && (text.back() == '-' || text.back() == '+' ||
                             (text.back() >= '0' && text.back() <= '9'))) {
        text.remove_suffix(1);
    }
    return !text.empty() && (text.back() == '|' || text.back() == '>');
}

} // namespace

TextPosition position_at(std::string_view text, std::size_t offset) {
    TextPosition position;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++position.column;
        }
    }
    return position;
}

std::vector<TextLine> split_lines(std::string_view text) {
    std::vector<TextLine> lines;
    int number = 1;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        auto line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back({line, number++});
        start = end + 1;
    }
    return lines;
}

LineScan scan_lines(const std::vector<TextLine>& lines, int depth_limit) {
    LineScan scan;
    std::vector<std::size_t> indents;
    int flow_depth = 0;
    std::optional<std::size_t> block_scalar_indent;
    std::optional<std::size_t> previous_indent;
    for (const auto& line : lines) {
        if (scan.too_deep && scan.block_comma) {
            break;
        }
        const auto first = line.text.find_first_not_of(' ');
        if (first == std::string_view::npos || line.text[first] == '#') {
            continue;
        }
        if (block_scalar_indent) {
            if (first > *block_scalar_indent) {
                continue;
            }
            block_scalar_indent.reset();
        }
        if (!scan.block_comma && line.text[first] == ',' && flow_depth == 0 &&
            (!previous_indent || first <= *previous_indent)) {
            scan.block_comma = TextPosition{line.number, static_cast<int>(first) + 1};
        }
        previous_indent = first;
        if (flow_depth == 0) {
            while (!indents.empty() && indents.back() >= first) {
                indents.pop_back();
            }
            indents.push_back(first);
        }
        int dashes = 0;
        char quote = 0;
        char previous = ' ';
        std::size_t last_content = first;
        for (std::size_t i = first; i < line.text.size(); ++i) {
            const char c = line.text[i];
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                previous = c;
                continue;
            }
            const bool token_start = previous == ' ' || previous == '[' || previous == '{' ||
                                     previous == ',' || previous == ':' || i == first;
            if (c == '#' && previous == ' ') {
                break;
            }
            if ((c == '"' || c == '\'') && token_start) {
                quote = c;
            } else if ((c == '[' || c == '{') && (token_start || flow_depth > 0)) {
                ++flow_depth;
            } else if ((c == ']' || c == '}') && flow_depth > 0) {
                --flow_depth;
            } else if (c == '-' && flow_depth == 0 && token_start &&
                       (i + 1 == line.text.size() || line.text[i + 1] == ' ')) {
                ++dashes;
            }
            if (c != ' ') {
                last_content = i;
            }
            previous = c;
        }
        const auto depth = static_cast<int>(indents.size()) + dashes + flow_depth;
        if (!scan.too_deep && depth > depth_limit) {
            scan.too_deep = line;
        }
        if (flow_depth == 0 && starts_block_scalar(line.text.substr(0, last_content + 1))) {
            block_scalar_indent = first;
        }
    }
    return scan;
}

bool documents_end_within(const std::string& text, int limit) {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    for (int documents = 0; parser.HandleNextDocument(counter); ++documents) {
        if (documents >= limit) {
            return false;
        }
    }
    return true;
}

std::optional<std::size_t> find_control_byte(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            return i;
        }
    }
    return std::nullopt;
}

bool quote_is_closed(std::string_view text, std::size_t offset) {
    const char quote = text[offset];
    for (std::size_t i = offset + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            return true;
        }
    }
    return false;
}

std::string describe_syntax_error(const std::string& message) {
    struct Known {
        const char* library;
        std::string_view ours;
    };
    const std::array<Known, 14> known{{
        {YAML::ErrorMsg::END_OF_MAP_FLOW, "a '{' is never closed with '}'"},
        {YAML::ErrorMsg::END_OF_SEQ_FLOW, "a '[' is never closed with ']'"},
        {YAML::ErrorMsg::END_OF_MAP, "a key is not indented like the keys before it"},
        {YAML::ErrorMsg::END_OF_SEQ, "a list entry is not indented like the entries before it"},
        {YAML::ErrorMsg::EOF_IN_SCALAR, "a quoted string is never closed"},
        {YAML::ErrorMsg::CHAR_IN_SCALAR, "unexpected character in a quoted string"},
        {YAML::ErrorMsg::INVALID_ESCAPE, "unknown escape sequence in a double-quoted string"},
        {YAML::ErrorMsg::TAB_IN_INDENTATION, "tab character in indentation (indent with spaces)"},
        {YAML::ErrorMsg::MAP_VALUE,
         "unexpected ':' (quote a value that contains \": \", or fix the indentation)"},
        {YAML::ErrorMsg::MAP_KEY, "unexpected key (check the indentation)"},
        {YAML::ErrorMsg::BLOCK_ENTRY, "unexpected list entry '-' (check the indentation)"},
        {YAML::ErrorMsg::FLOW_END, "unexpected ']' or '}'"},
        {YAML::ErrorMsg::UNKNOWN_ANCHOR, "'*' refers to an anchor that is not defined"},
        {YAML::ErrorMsg::UNKNOWN_TOKEN, "unexpected character"},
    }};
    for (const auto& entry : known) {
        if (message.starts_with(entry.library)) {
            return "invalid YAML: " + std::string(entry.ours);
        }
    }
    return "invalid YAML syntax";
}

TextPosition position_of(const YAML::Mark& mark, TextPosition unknown) {
    if (mark.is_null() || mark.line < 0) {
        return unknown;
    }
    return {mark.line + 1, mark.column + 1};
}

std::string join_path(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

} // namespace pxclone::profile
