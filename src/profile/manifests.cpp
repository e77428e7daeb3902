#include "pxclone/profile/manifests.hpp"

#include "pxclone/profile/yaml_text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace pxclone::profile {

namespace {

// Diagnostics of a manifest without a place say line 0.
constexpr TextPosition k_nowhere{0, 0};

bool is_plain(const YAML::Node& node) {
    return node.Tag() == "?" || node.Tag().empty();
}

class Converter {
public:
    Converter(std::string_view text, const std::string& file,
              const SubstitutionContext& substitution, std::vector<Diagnostic>& diagnostics)
        : m_text(text), m_file(file), m_substitution(substitution), m_diagnostics(diagnostics) {}

    // yaml-cpp 0.7 accepts a quoted string that runs to the end of the input; such a string can
    // only be the last quoted one, so checking that one finds it.
    void check_last_quote() {
        if (m_last_quoted &&
            !quote_is_closed(m_text, static_cast<std::size_t>(m_last_quoted->pos))) {
            const auto position = position_of(*m_last_quoted, k_nowhere);
            m_diagnostics.push_back({m_file, position.line, position.column, "",
                                     "invalid YAML: a quoted string is never closed"});
        }
    }

    // nullopt after reporting why the node cannot be converted.
    std::optional<nlohmann::json> convert(const YAML::Node& node, const std::string& path,
                                          int depth) {
        if (++m_nodes > k_max_manifest_nodes) {
            if (!m_too_big_reported) {
                m_too_big_reported = true;
                report(node, path,
                       fmt::format("more than {} values (are aliases expanding without end?)",
                                   k_max_manifest_nodes));
            }
            return std::nullopt;
        }
        if (depth > k_max_manifest_depth) {
            report(node, path, fmt::format("nested more than {} levels", k_max_manifest_depth));
            return std::nullopt;
        }
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return nlohmann::json(nullptr);
        case YAML::NodeType::Scalar:
            return scalar(node, path);
        case YAML::NodeType::Sequence: {
            auto out = nlohmann::json::array();
            bool ok = true;
            std::size_t index = 0;
            for (const auto& item : node) {
                auto value = convert(item, fmt::format("{}[{}]", path, index++), depth + 1);
                if (value) {
                    out.push_back(std::move(*value));
                } else {
                    ok = false;
                }
            }
            return ok ? std::optional(std::move(out)) : std::nullopt;
        }
        case YAML::NodeType::Map: {
            auto out = nlohmann::json::object();
            bool ok = true;
            for (auto it = node.begin(); it != node.end(); ++it) {
                const YAML::Node key = it->first;
                note_quote(key);
                if (!key.IsScalar()) {
                    report(key, path, "a key must be a single value, not a list or mapping");
                    ok = false;
                    continue;
                }
                const auto& name = key.Scalar();
                if (name == "<<" && is_plain(key)) {
                    report(key, path,
                           "merge keys ('<<') are not supported; write the keys out in full");
                    ok = false;
                    continue;
                }
                if (out.contains(name)) {
                    report(key, join_path(path, name), "duplicate key");
                    ok = false;
                    continue;
                }
                auto value = convert(it->second, join_path(path, name), depth + 1);
                if (value) {
                    out[name] = std::move(*value);
                } else {
                    ok = false;
                }
            }
            return ok ? std::optional(std::move(out)) : std::nullopt;
        }
        }
        return nlohmann::json(nullptr);
    }

    void report(const YAML::Node& node, const std::string& path, std::string message) {
        const auto position = position_of(node.Mark(), k_nowhere);
        m_diagnostics.push_back({m_file, position.line, position.column, path, std::move(message)});
    }

private:
    void note_quote(const YAML::Node& node) {
        if (!node.IsScalar() || node.Tag() != "!") {
            return;
        }
        const auto mark = node.Mark();
        if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < m_text.size() &&
            (m_text[static_cast<std::size_t>(mark.pos)] == '"' ||
             m_text[static_cast<std::size_t>(mark.pos)] == '\'') &&
            (!m_last_quoted || mark.pos > m_last_quoted->pos)) {
            m_last_quoted = mark;
        }
    }

    std::optional<nlohmann::json> scalar(const YAML::Node& node, const std::string& path) {
        note_quote(node);
        const auto substituted = substitute(node.Scalar(), m_substitution);
        if (!substituted.errors.empty()) {
            for (const auto& error : substituted.errors) {
                report(node, path, error);
            }
            return std::nullopt;
        }
        if (is_plain(node)) {
            return core_schema_scalar(substituted.value);
        }
        // Quoted, `!!str` or any other explicit tag: the text as written. (Kubernetes objects
        // carry no other tags; `!!int "3"` is rare enough not to resolve.)
        return nlohmann::json(substituted.value);
    }

    std::string_view m_text;
    const std::string& m_file;
    const SubstitutionContext& m_substitution;
    std::optional<YAML::Mark> m_last_quoted;
    std::vector<Diagnostic>& m_diagnostics;
    std::size_t m_nodes = 0;
    bool m_too_big_reported = false;
};

bool is_list_kind(const nlohmann::json& object) {
    const auto kind = object.value("kind", std::string());
    return kind.ends_with("List") && object.contains("items");
}

// apiVersion and kind present as non-empty strings; reports otherwise.
bool check_type(const nlohmann::json& object, const YAML::Node& node, const std::string& path,
                Converter& converter) {
    bool ok = true;
    for (const char* key : {"apiVersion", "kind"}) {
        const auto it = object.find(key);
        if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
            converter.report(node, join_path(path, key),
                             "a Kubernetes object needs apiVersion and kind (e.g. apiVersion: v1, "
                             "kind: ConfigMap)");
            ok = false;
            break;
        }
    }
    return ok;
}

} // namespace

nlohmann::json core_schema_scalar(const std::string& plain) {
    static const std::set<std::string> k_nulls{"", "~", "null", "Null", "NULL"};
    static const std::set<std::string> k_trues{"true", "True", "TRUE"};
    static const std::set<std::string> k_falses{"false", "False", "FALSE"};
    static const std::regex k_decimal("[-+]?[0-9]+");
    static const std::regex k_octal("0o[0-7]+");
    static const std::regex k_hex("0x[0-9a-fA-F]+");
    static const std::regex k_float("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    static const std::regex k_infinity("[-+]?\\.(inf|Inf|INF)");
    static const std::regex k_nan("\\.(nan|NaN|NAN)");

    if (k_nulls.contains(plain)) {
        return nullptr;
    }
    if (k_trues.contains(plain)) {
        return true;
    }
    if (k_falses.contains(plain)) {
        return false;
    }
    const auto integer = [&plain](std::string_view digits, int base) -> nlohmann::json {
        bool negative = false;
        if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
            negative = digits.front() == '-';
            digits.remove_prefix(1);
        }
        std::uint64_t magnitude = 0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
        if (error != std::errc() || end != digits.data() + digits.size()) {
            // Too large for 64 bits: still a number, as precise as a double allows.
            double value = 0;
            for (const char c : digits) {
                value =
                    value * base + (std::isdigit(static_cast<unsigned char>(c)) != 0
                                        ? c - '0'
                                        : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
            }
            return negative ? -value : value;
        }
        if (!negative) {
            return magnitude;
        }
        if (magnitude <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return -static_cast<std::int64_t>(magnitude);
        }
        if (magnitude == static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1) {
            return std::numeric_limits<std::int64_t>::min();
        }
        return -static_cast<double>(magnitude);
    };
    if (std::regex_match(plain, k_decimal)) {
        return integer(plain, 10);
    }
    if (std::regex_match(plain, k_octal)) {
        return integer(std::string_view(plain).substr(2), 8);
    }
    if (std::regex_match(plain, k_hex)) {
        return integer(std::string_view(plain).substr(2), 16);
    }
    if (std::regex_match(plain, k_float)) {
        // strtod, not stod: an exponent out of range gives infinity instead of throwing.
        return std::strtod(plain.c_str(), nullptr);
    }
    if (std::regex_match(plain, k_infinity)) {
        return plain.front() == '-' ? -std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::infinity();
    }
    if (std::regex_match(plain, k_nan)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return plain;
}

ManifestParse parse_manifests(std::string_view text, const std::string& file,
                              const SubstitutionContext& substitution) {
    ManifestParse result;
    result.manifests.file = file;
    auto& diagnostics = result.diagnostics;
    if (text.size() > k_max_manifest_bytes) {
        diagnostics.push_back({file, 0, 0, "",
                               fmt::format("the file is {} bytes; manifests are limited to {}",
                                           text.size(), k_max_manifest_bytes)});
        return result;
    }
    if (const auto offset = find_control_byte(text)) {
        const auto position = position_at(text, *offset);
        diagnostics.push_back({file, position.line, position.column, "",
                               fmt::format("not a YAML text file (byte 0x{:02X} here)",
                                           static_cast<unsigned char>(text[*offset]))});
        return result;
    }

    // The guards the profile loader has too: texts on which yaml-cpp 0.7 never returns.
    const auto scan = scan_lines(split_lines(text), k_max_manifest_depth);
    if (scan.too_deep) {
        diagnostics.push_back({file, scan.too_deep->number, 1, "",
                               fmt::format("nested more than {} levels", k_max_manifest_depth)});
        return result;
    }
    if (scan.block_comma) {
        diagnostics.push_back({file, scan.block_comma->line, scan.block_comma->column, "",
                               "invalid YAML: ',' cannot start a value here (quote the text, or "
                               "put the list in [ ])"});
        return result;
    }
    std::vector<YAML::Node> documents;
    try {
        const auto copy = std::string(text);
        // The converter's depth limit counts from 0 at a document's root; this one from 1.
        if (const auto problem =
                check_events(copy, {k_max_manifest_documents, k_max_manifest_depth + 1})) {
            const auto prefix =
                problem->kind == EventProblem::Kind::documents ? "invalid YAML: " : "";
            diagnostics.push_back({file, problem->position.line, problem->position.column, "",
                                   prefix + problem->message});
            return result;
        }
        documents = YAML::LoadAll(copy);
    } catch (const YAML::DeepRecursion& error) {
        const auto position = position_of(error.mark, k_nowhere);
        diagnostics.push_back({file, position.line, position.column, "",
                               "nested too deeply for a Kubernetes manifest"});
        return result;
    } catch (const YAML::Exception& error) {
        const auto position = position_of(error.mark, k_nowhere);
        diagnostics.push_back(
            {file, position.line, position.column, "", describe_syntax_error(error.msg)});
        return result;
    }

    Converter converter(text, file, substitution, diagnostics);
    for (std::size_t index = 0; index < documents.size(); ++index) {
        const auto& document = documents[index];
        if (document.IsNull() || !document.IsDefined()) {
            continue;
        }
        if (!document.IsMap()) {
            converter.report(document, "",
                             "a manifest document must be a mapping (a Kubernetes object)");
            continue;
        }
        auto object = converter.convert(document, "", 0);
        if (!object) {
            continue;
        }
        if (!check_type(*object, document, "", converter)) {
            continue;
        }
        const auto position = position_of(document.Mark(), k_nowhere);
        if (!is_list_kind(*object)) {
            result.manifests.objects.push_back(
                {std::move(*object), position.line, position.column, index});
            continue;
        }
        const auto& items = (*object)["items"];
        const auto items_node = document["items"];
        if (!items.is_array()) {
            converter.report(items_node, "items", "a List's items must be a list of objects");
            continue;
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto item_node = items_node[i];
            const auto item_path = fmt::format("items[{}]", i);
            if (!items[i].is_object()) {
                converter.report(item_node, item_path, "a List item must be a Kubernetes object");
                continue;
            }
            if (!check_type(items[i], item_node, item_path, converter)) {
                continue;
            }
            const auto item_position = position_of(item_node.Mark(), k_nowhere);
            result.manifests.objects.push_back(
                {items[i], item_position.line, item_position.column, index});
        }
    }
    converter.check_last_quote();
    return result;
}

} // namespace pxclone::profile
