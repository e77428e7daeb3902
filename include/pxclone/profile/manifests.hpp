// Reading staging manifests (staging.manifests): the TEXT of one multi-document YAML file ->
// Kubernetes objects as JSON, with `${...}` substituted. Pure: the caller reads the file.
//
// Scalars are typed as the YAML 1.2 core schema types them: a plain (unquoted, untagged)
// scalar is null (`null`, `~`, empty), a bool (`true`/`false` in any of the three casings), an
// integer (decimal, `0o` octal, `0x` hex) or a float (incl. `.inf`, `.nan`); anything else, and
// every quoted or `!!str`-tagged scalar, is a string. So `yes`, `on` and `0777` stay strings
// (YAML 1.1 would make them bools and octal), and `"8080"` stays a string.
//
// `${...}` (profile::substitute) is applied to scalar VALUES, before typing, so a plain
// `replicas: ${env.REPLICAS}` becomes a number; keys are never substituted.
//
// Empty documents (`---` alone, comments only) are skipped. A document of `kind: List` (or any
// kind ending in "List" that has `items`, as kubectl writes) is expanded into its items.
// Refused (as diagnostics): syntax errors, non-mapping documents, non-scalar or duplicate keys,
// merge keys (`<<`, which yaml-cpp does not implement), documents without apiVersion or kind,
// files over k_max_manifest_bytes or k_max_manifest_documents, nesting deeper than
// k_max_manifest_depth, and alias bombs (more than k_max_manifest_nodes nodes).
#pragma once

#include "pxclone/profile/diagnostic.hpp"
#include "pxclone/profile/substitute.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::profile {

inline constexpr std::size_t k_max_manifest_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t k_max_manifest_nodes = 200000;
inline constexpr int k_max_manifest_depth = 64;
inline constexpr int k_max_manifest_documents = 10000;

// One Kubernetes object of a manifest file, with where it starts (for messages).
struct ManifestObject {
    nlohmann::json object;    // a JSON object with at least string apiVersion and kind
    int line = 0;             // 1-based line of the object's first key
    int column = 0;           // 1-based column
    std::size_t document = 0; // 0-based index of the YAML document it came from
};

struct ManifestFile {
    std::string file; // as the profile names it (staging.manifests entry), for messages
    std::vector<ManifestObject> objects; // in file order; List items expanded in place
};

struct ManifestParse {
    ManifestFile manifests;              // complete only when diagnostics is empty
    std::vector<Diagnostic> diagnostics; // every problem, each with file:line:column
};

// `file` names the manifest in diagnostics; `text` is its content.
ManifestParse parse_manifests(std::string_view text, const std::string& file,
                              const SubstitutionContext& substitution);

// The JSON value a plain YAML scalar denotes under the 1.2 core schema (exposed for tests).
nlohmann::json core_schema_scalar(const std::string& plain);

} // namespace pxclone::profile
