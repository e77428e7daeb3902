#include "pxclone/k8s/secret.hpp"

#include "pxclone/util/base64.hpp"

#include <fmt/format.h>

namespace pxclone::k8s {

std::string read_secret_value(const Client& client, std::string_view ns, std::string_view name,
                              std::string_view key) {
    const auto& secrets = resource_of("Secret");
    const auto secret = client.get_required(secrets, ns, name);
    const auto object = describe_object(secrets, ns, name);
    const auto data = secret.find("data");
    std::string keys;
    if (data != secret.end() && data->is_object()) {
        const auto value = data->find(key);
        if (value != data->end() && value->is_string()) {
            auto decoded = util::base64_decode(value->get<std::string>());
            if (!decoded) {
                throw Error(
                    ExitCode::failed,
                    fmt::format("{}: the value of key \"{}\" is not valid base64", object, key));
            }
            return std::move(*decoded);
        }
        for (const auto& item : data->items()) {
            keys += (keys.empty() ? "" : ", ") + item.key();
        }
    }
    throw NotFoundError(fmt::format("{} has no key \"{}\"", object, key),
                        keys.empty() ? "the secret has no data" : "its keys: " + keys);
}

} // namespace pxclone::k8s
