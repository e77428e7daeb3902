// Secret removal for log lines and the --record file. Pure functions: whatever builds a line that
// may contain a header, URL or body passes it through here first (STYLE.md habit 13).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pxclone::http {

inline constexpr std::string_view k_redacted = "<redacted>";

// Whether a header's value is a credential: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie and any name containing "token", "secret", "password" or "api-key".
bool is_secret_header(std::string_view name);

// The value to show for a header: a credential keeps only its scheme ("Bearer <redacted>"),
// anything else is returned unchanged.
std::string redact_header(std::string_view name, std::string_view value);

// Whether a JSON object key names a secret: keys containing "token" or "password", "secret",
// "client-secret", and key material (`*-data`, `clientKeyData`, `clientCertificateData`). Only
// string values of such keys are redacted (`automountServiceAccountToken: true` stays).
bool is_secret_key(std::string_view key);

// A JSON body with every secret replaced by "<redacted>": values of secret keys, `data` and
// `stringData` of any object of kind Secret, and the whole `status` of an ExecCredential. A
// newline-delimited JSON stream (a watch) is redacted line by line. A body that is not JSON is
// not shown at all ("<N bytes, not JSON>"), because nothing can be said about what it holds.
std::string redact_body(std::string_view body);

// A URL without userinfo and with the values of credential-like query parameters (token,
// access_token, password, ...) replaced.
std::string redact_url(std::string_view url);

// Free text (a pod's log, a command's output) with what looks like a credential replaced by
// "<redacted>": URL userinfo (`scheme://user:pass@` -> `scheme://<redacted>@`), the credential
// after `Bearer ` or `Basic `, the value after `KEY=`, `KEY: ` or `"KEY": ` when KEY names a
// secret (is_secret_key, or it contains "secret" or "passwd"), and every occurrence of each
// `known` value (at least 4 bytes long; e.g. the values of secret environment variables).
std::string redact_text(std::string_view text, const std::vector<std::string>& known = {});

} // namespace pxclone::http
