#include "pxclone/http/redact.hpp"

#include "pxclone/util/json.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pxclone::http {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void redact_json(nlohmann::json& value) {
    if (value.is_array()) {
        for (auto& item : value) {
            redact_json(item);
        }
        return;
    }
    if (!value.is_object()) {
        return;
    }
    const auto kind = value.contains("kind") && value["kind"].is_string()
                          ? value["kind"].get<std::string>()
                          : std::string();
    for (auto it = value.begin(); it != value.end(); ++it) {
        const auto& key = it.key();
        const bool secret_payload = kind == "Secret" && (key == "data" || key == "stringData");
        const bool exec_status = kind == "ExecCredential" && key == "status";
        if (secret_payload || exec_status || (is_secret_key(key) && it->is_string())) {
            if (it->is_object()) {
                // Keep the keys of a Secret's data (they say what is stored), never the values.
                for (auto& field : *it) {
                    field = k_redacted;
                }
            } else {
                *it = k_redacted;
            }
            continue;
        }
        redact_json(*it);
    }
}

std::string redact_json_text(std::string_view text, bool& ok) {
    auto parsed = util::parse_json(text);
    if (parsed.is_discarded()) {
        ok = false;
        return {};
    }
    ok = true;
    redact_json(parsed);
    return parsed.dump();
}

} // namespace

bool is_secret_header(std::string_view name) {
    const auto key = lower(name);
    return key == "cookie" || key == "set-cookie" || is_secret_key(key);
}

std::string redact_header(std::string_view name, std::string_view value) {
    if (!is_secret_header(name)) {
        return std::string(value);
    }
    // "Bearer abc" -> "Bearer <redacted>": the scheme tells which auth mode was used.
    if (const auto space = value.find(' '); space != std::string_view::npos && space > 0) {
        return std::string(value.substr(0, space)) + " " + std::string(k_redacted);
    }
    return std::string(k_redacted);
}

bool is_secret_key(std::string_view name) {
    const auto key = lower(name);
    for (const std::string_view part :
         {"token", "password", "passwd", "secret", "api-key", "apikey", "api_key"}) {
        if (contains(key, part)) {
            return true;
        }
    }
    for (const std::string_view suffix : {"-data", "keydata", "certificatedata", "authorization"}) {
        if (ends_with(key, suffix)) {
            return true;
        }
    }
    // The secret parts of Portworx cloud credentials (azure account_key, google json_key, the
    // encryption passphrase), whichever way the key is spelled (snake_case or lowerCamel).
    std::string joined;
    std::copy_if(key.begin(), key.end(), std::back_inserter(joined),
                 [](char c) { return c != '_' && c != '-'; });
    for (const std::string_view suffix : {"accountkey", "jsonkey", "encryptionkey"}) {
        if (ends_with(joined, suffix)) {
            return true;
        }
    }
    return key == "bearer";
}

std::string redact_body(std::string_view body) {
    if (body.empty()) {
        return {};
    }
    bool ok = false;
    auto whole = redact_json_text(body, ok);
    if (ok) {
        return whole;
    }
    // A watch stream: one JSON document per line.
    std::string out;
    std::size_t start = 0;
    while (start < body.size()) {
        auto end = body.find('\n', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        const auto line = body.substr(start, end - start);
        if (!line.empty()) {
            auto redacted = redact_json_text(line, ok);
            if (!ok) {
                return fmt::format("<{} bytes, not JSON>", body.size());
            }
            out += redacted;
            out += '\n';
        }
        start = end + 1;
    }
    return out;
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    // userinfo: scheme://user:pass@host
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
        const auto host_start = scheme + 3;
        const auto host_end = out.find_first_of("/?#", host_start);
        const auto at = out.rfind('@', host_end == std::string::npos ? out.size() : host_end);
        if (at != std::string::npos && at >= host_start) {
            out.replace(host_start, at - host_start, std::string(k_redacted));
        }
    }
    const auto query = out.find('?');
    if (query == std::string::npos) {
        return out;
    }
    std::string result = out.substr(0, query + 1);
    std::size_t start = query + 1;
    while (start <= out.size()) {
        auto end = out.find('&', start);
        if (end == std::string::npos) {
            end = out.size();
        }
        const auto pair = std::string_view(out).substr(start, end - start);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && is_secret_key(pair.substr(0, eq))) {
            result += std::string(pair.substr(0, eq + 1)) + std::string(k_redacted);
        } else {
            result += pair;
        }
        if (end < out.size()) {
            result += '&';
        }
        start = end + 1;
    }
    return result;
}

namespace {

bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

bool ends_value(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '"' || c == '\'' || c == ',' ||
           c == '&' || c == ';' || c == '}' || c == ')';
}

void replace_all(std::string& text, std::string_view value) {
    for (auto at = text.find(value); at != std::string::npos;
         at = text.find(value, at + k_redacted.size())) {
        text.replace(at, value.size(), k_redacted);
    }
}

} // namespace

std::string redact_text(std::string_view text, const std::vector<std::string>& known) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    const auto skip_value = [&text](std::size_t from) {
        while (from < text.size() && !ends_value(text[from])) {
            ++from;
        }
        return from;
    };
    while (i < text.size()) {
        // scheme://user:pass@host -> scheme://<redacted>@host
        if (text.compare(i, 3, "://") == 0) {
            const auto start = i + 3;
            auto end = start;
            while (end < text.size() && text[end] != '@' && text[end] != '/' &&
                   !ends_value(text[end])) {
                ++end;
            }
            out += "://";
            if (end < text.size() && text[end] == '@' && end > start) {
                out += k_redacted;
                i = end;
            } else {
                i = start;
            }
            continue;
        }
        if (!is_key_char(text[i]) || (i > 0 && is_key_char(text[i - 1]))) {
            out += text[i++];
            continue;
        }
        // A word: a scheme word (Bearer/Basic) or a KEY followed by = or :.
        auto end = i;
        while (end < text.size() && is_key_char(text[end])) {
            ++end;
        }
        const auto word = text.substr(i, end - i);
        out += word;
        const auto scheme = lower(word);
        if ((scheme == "bearer" || scheme == "basic") && end < text.size() && text[end] == ' ') {
            const auto value_start = end + 1;
            const auto value_end = skip_value(value_start);
            if (value_end > value_start) {
                out += ' ';
                out += k_redacted;
                i = value_end;
                continue;
            }
        }
        auto sep = end;
        if (sep < text.size() && (text[sep] == '"' || text[sep] == '\'')) {
            ++sep;
        }
        if (sep < text.size() && (text[sep] == '=' || text[sep] == ':') && is_secret_key(word)) {
            auto value_start = sep + 1;
            while (value_start < text.size() &&
                   (text[value_start] == ' ' || text[value_start] == '"' ||
                    text[value_start] == '\'')) {
                ++value_start;
            }
            // "Authorization: Bearer X": the scheme stays, the credential goes.
            for (const std::string_view scheme_word : {"bearer ", "basic "}) {
                if (lower(text.substr(value_start, scheme_word.size())) == scheme_word) {
                    value_start += scheme_word.size();
                    break;
                }
            }
            const auto value_end = skip_value(value_start);
            if (value_end > value_start) {
                out.append(text.substr(end, value_start - end));
                out += k_redacted;
                i = value_end;
                continue;
            }
        }
        i = end;
    }
    for (const auto& value : known) {
        if (value.size() >= 4) {
            replace_all(out, value);
        }
    }
    return out;
}

} // namespace pxclone::http
