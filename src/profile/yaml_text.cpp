#include "pxclone/profile/yaml_text.hpp"

#include "pxclone/util/text.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace pxclone::profile {

namespace {

// Follows the parser's events with a stack of the open nodes and, per anchor, what its node
// expands to; stops at the first problem (later events of the document are ignored).
class EventChecker final : public YAML::EventHandler {
public:
    EventChecker(std::string_view text, const EventLimits& limits)
        : m_text(text), m_limits(limits) {}

    const std::optional<EventProblem>& problem() const { return m_problem; }

    void OnDocumentStart(const YAML::Mark&) override {
        // Anchors belong to their document (yaml-cpp numbers them again in each).
        m_open.clear();
        m_anchors.clear();
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  const std::string&) override {
        leaf(mark, anchor);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (m_problem) {
            return;
        }
        const auto open = std::find_if(m_open.begin(), m_open.end(),
                                       [&](const Open& node) { return node.anchor == anchor; });
        if (open != m_open.end()) {
            fail(EventProblem::Kind::alias_cycle, mark,
                 fmt::format("alias {}refers to the node that contains it (a cycle without end)",
                             alias_name(mark)));
            return;
        }
        const auto found = m_anchors.find(anchor);
        const auto expansion = found != m_anchors.end() ? found->second : Size{1, 1};
        m_alias_nodes = saturated_sum(m_alias_nodes, expansion.nodes);
        if (m_alias_nodes > m_limits.alias_nodes) {
            fail(EventProblem::Kind::alias_expansion, mark,
                 fmt::format("aliases expand to more than {} values in all (write the values out, "
                             "or alias less)",
                             m_limits.alias_nodes));
            return;
        }
        add(mark, expansion, true);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        start(mark, anchor);
    }
    void OnSequenceEnd() override { end(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        start(mark, anchor);
    }
    void OnMapEnd() override { end(); }

private:
    // What a node expands to: its nodes and its levels, itself included.
    struct Size {
        std::uint64_t nodes = 0;
        int depth = 0;
    };
    struct Open {
        YAML::anchor_t anchor;
        YAML::Mark mark;
        Size below; // what its children expand to so far
    };

    std::uint64_t saturated_sum(std::uint64_t a, std::uint64_t b) const {
        // Nested anchors grow exponentially; nothing above the limit needs counting.
        return std::min(a + std::min(b, m_limits.alias_nodes + 1), m_limits.alias_nodes + 1);
    }

    void fail(EventProblem::Kind kind, const YAML::Mark& mark, std::string message) {
        m_problem = EventProblem{kind, position_of(mark), std::move(message)};
    }

    // `size` (of a child of the innermost open node, or of a document's root) at `mark`.
    void add(const YAML::Mark& mark, Size size, bool alias = false) {
        if (static_cast<std::uint64_t>(m_open.size()) + static_cast<std::uint64_t>(size.depth) >
            static_cast<std::uint64_t>(m_limits.depth)) {
            fail(EventProblem::Kind::depth, mark,
                 fmt::format("nested more than {} levels deep{}", m_limits.depth,
                             alias ? " (counting what aliases expand to)" : ""));
            return;
        }
        if (!m_open.empty()) {
            auto& below = m_open.back().below;
            below.nodes = saturated_sum(below.nodes, size.nodes);
            below.depth = std::max(below.depth, size.depth);
        }
    }

    void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (m_problem) {
            return;
        }
        if (anchor != YAML::NullAnchor) {
            m_anchors[anchor] = Size{1, 1};
        }
        add(mark, Size{1, 1});
    }

    void start(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (m_problem) {
            return;
        }
        if (static_cast<int>(m_open.size()) >= m_limits.depth) {
            fail(EventProblem::Kind::depth, mark,
                 fmt::format("nested more than {} levels deep", m_limits.depth));
            return;
        }
        m_open.push_back({anchor, mark, {}});
    }

    void end() {
        if (m_problem || m_open.empty()) {
            return;
        }
        const auto node = m_open.back();
        m_open.pop_back();
        const Size size{saturated_sum(node.below.nodes, 1), node.below.depth + 1};
        if (node.anchor != YAML::NullAnchor) {
            m_anchors[node.anchor] = size;
        }
        add(node.mark, size);
    }

    // "'*name' " as the text spells the alias at `mark`, or "" when the mark does not point at one.
    std::string alias_name(const YAML::Mark& mark) const {
        if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= m_text.size() ||
            m_text[static_cast<std::size_t>(mark.pos)] != '*') {
            return {};
        }
        const auto name = m_text.substr(static_cast<std::size_t>(mark.pos));
        const auto stop = name.find_first_of(" \t\r\n,[]{}");
        return fmt::format("'{}' ", util::one_line(name.substr(0, stop), 64));
    }

    std::string_view m_text;
    const EventLimits& m_limits;
    std::vector<Open> m_open;
    std::unordered_map<YAML::anchor_t, Size> m_anchors;
    std::uint64_t m_alias_nodes = 0;
    std::optional<EventProblem> m_problem;
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

std::optional<EventProblem> check_events(const std::string& text, const EventLimits& limits) {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    EventChecker checker(text, limits);
    for (int documents = 0;; ++documents) {
        try {
            if (!parser.HandleNextDocument(checker)) {
                break;
            }
        } catch (const YAML::Exception&) {
            // The parser goes on through the document after the checker stopped following it:
            // what the checker found first (nesting past our limit, say) is what yaml-cpp then
            // trips over (its own depth limit, 500).
            if (checker.problem()) {
                return checker.problem();
            }
            throw;
        }
        if (checker.problem()) {
            return checker.problem();
        }
        if (documents >= limits.documents) {
            return EventProblem{EventProblem::Kind::documents,
                                {1, 1},
                                fmt::format("more than {} documents, or text the YAML parser "
                                            "cannot get past",
                                            limits.documents)};
        }
    }
    return checker.problem();
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
