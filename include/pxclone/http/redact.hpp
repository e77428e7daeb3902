// Secret removal for log lines and the --record file. Pure functions: whatever builds a line that
// may contain a header, URL or body passes it through here first, where the line is built, never
// after.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pxclone::http {

inline constexpr std::string_view k_redacted = "<redacted>";

// Whether a header's value is a credential: Cookie, Set-Cookie and every secret-named header
// (is_secret_key: Authorization, Proxy-Authorization, X-Api-Key, ...).
bool is_secret_header(std::string_view name);

// The value to show for a header: a credential keeps only its scheme ("Bearer <redacted>"),
// anything else is returned unchanged.
std::string redact_header(std::string_view name, std::string_view value);

// Whether a key (a JSON object key, a query parameter, a header, an environment variable, the KEY
// of `KEY=value` in free text) names a secret, ignoring case: it contains "token", "password",
// "passwd", "secret" or "api-key" (also "apikey", "api_key"), ends with "authorization" or names
// key material (`*-data`, `clientKeyData`, `clientCertificateData`, Portworx cloud credentials'
// `account_key`, `json_key`, `encryption_key` in any spelling), or is "bearer". The one
// definition every redaction here uses; it errs on the safe side (`secretName` counts).
bool is_secret_key(std::string_view name);

// A JSON body with every secret replaced by "<redacted>": string values of secret keys (so
// `automountServiceAccountToken: true` stays), `data` and
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
// secret (is_secret_key), and every occurrence of each
// `known` value (at least 4 bytes long; e.g. the values of secret environment variables).
std::string redact_text(std::string_view text, const std::vector<std::string>& known = {});

} // namespace pxclone::http
