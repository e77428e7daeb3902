#include "pxclone/px/cloud_backup.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sdk_json.hpp"

namespace pxclone::px {

namespace {

using detail::field_text;
using detail::object_or_throw;
using nlohmann::json;

std::string quoted_list(const std::vector<std::string>& items) {
    std::vector<std::string> quoted;
    quoted.reserve(items.size());
    for (const auto& item : items) {
        quoted.push_back("'" + item + "'");
    }
    return fmt::format("{}", fmt::join(quoted, ", "));
}

// A status reply's statuses (task id -> entry); nullptr when it holds none (no task visible yet).
const json* statuses_of(const json& reply) {
    const auto statuses = reply.find("statuses");
    if (statuses == reply.end() || statuses->is_null()) {
        return nullptr;
    }
    return &object_or_throw(*statuses, "statuses");
}

// For each of `volumes`, its restore entry among `statuses` (the latest if there are several);
// a volume without one is absent.
std::map<std::string, CloudBackupStatus> latest_restores(const json& statuses,
                                                         const std::set<std::string>& volumes) {
    std::map<std::string, CloudBackupStatus> found;
    for (const auto& [key, entry] : statuses.items()) {
        auto status = parse_cloud_backup_status(key, entry);
        if (!status.restore || volumes.count(status.src_volume_id) == 0) {
            continue;
        }
        const auto mine = found.find(status.src_volume_id);
        if (mine == found.end()) {
            found.emplace(status.src_volume_id, std::move(status));
        } else if (status.start_time > mine->second.start_time) {
            mine->second = std::move(status);
        }
    }
    return found;
}

} // namespace

std::string delete_backup_path(const std::string& backup_id, const std::string& credential_id) {
    const auto slash = backup_id.rfind('/');
    std::string path = "/v1/cloudbackups/backup/";
    std::string query;
    if (slash == std::string::npos) {
        path += detail::encode_segment(backup_id);
    } else {
        // The server joins them again as "<bucket>/<id>" (cloud_backup.go Delete).
        path += detail::encode_segment(backup_id.substr(slash + 1));
        query = "bucket=" + detail::encode_segment(backup_id.substr(0, slash)) + "&";
    }
    return path + "?" + query + "credential_id=" + detail::encode_segment(credential_id);
}

CloudBackupClient::CloudBackupClient(const Client& client, std::string cluster)
    : m_client(client), m_cluster(std::move(cluster)) {}

std::vector<std::string> CloudBackupClient::credential_ids() const {
    const auto what = m_cluster + ": list credentials";
    const auto reply = m_client.call(http::Method::get, "/v1/credentials", nullptr, true, what);
    return detail::decoded(m_client.endpoint_text(), what,
                           [&] { return detail::string_list(reply, "credential_ids"); });
}

std::optional<Credential> CloudBackupClient::inspect_credential(const std::string& id) const {
    const auto what = fmt::format("{}: inspect credential {}", m_cluster, id);
    try {
        const auto reply = m_client.call(http::Method::get,
                                         "/v1/credentials/inspect/" + detail::encode_segment(id),
                                         nullptr, true, what);
        auto credential = detail::decoded(m_client.endpoint_text(), what,
                                          [&] { return parse_credential(reply); });
        if (credential.id.empty()) {
            credential.id = id;
        }
        return credential;
    } catch (const SdkError& error) {
        if (error.grpc_code() == 5) {
            return std::nullopt;
        }
        throw;
    }
}

Credential CloudBackupClient::resolve_credential(const std::string& name_or_id) const {
    const auto ids = credential_ids();
    // A uuid first: inspect by name would answer too, but with the name as its id, which
    // every other call then refuses.
    if (std::find(ids.begin(), ids.end(), name_or_id) != ids.end()) {
        if (auto credential = inspect_credential(name_or_id)) {
            credential->id = name_or_id;
            return *credential;
        }
    }
    std::vector<Credential> named;
    std::set<std::string> names;
    for (const auto& id : ids) {
        auto credential = inspect_credential(id);
        if (!credential) {
            continue; // deleted since the list
        }
        credential->id = id;
        names.insert(credential->name);
        if (credential->name == name_or_id) {
            named.push_back(std::move(*credential));
        }
    }
    if (named.size() == 1) {
        return named.front();
    }
    if (named.empty()) {
        const auto there =
            ids.empty()
                ? std::string("it has no credential")
                : fmt::format("its credentials are named {}",
                              quoted_list(std::vector<std::string>(names.begin(), names.end())));
        throw NotFoundError(fmt::format("portworx ({}): no cloud credential named or with id "
                                        "'{}' ({})",
                                        m_cluster, name_or_id, there),
                            "create it on that cluster (pxctl credentials create) or name an "
                            "existing one in transfer.credential");
    }
    std::vector<std::string> candidates;
    for (const auto& credential : named) {
        candidates.push_back(credential.id);
    }
    throw Error(ExitCode::failed,
                fmt::format("portworx ({}): the cloud credential name '{}' is ambiguous: {} "
                            "credentials have it (ids {})",
                            m_cluster, name_or_id, named.size(), quoted_list(candidates)),
                "credential names are not unique in Portworx: give transfer.credential the id "
                "of the one to use");
}

std::string CloudBackupClient::create_backup(const CloudBackupCreateRequest& request) const {
    const auto body = to_json(request);
    const auto what =
        fmt::format("{}: back up volume {} to the cloud", m_cluster, request.volume_id);
    json reply;
    try {
        reply = m_client.call(http::Method::post, "/v1/cloudbackups", &body, false, what);
    } catch (const SdkError& error) {
        // AlreadyExists for our own task id: an earlier attempt started this backup.
        if (error.grpc_code() == 6 && !request.task_id.empty()) {
            return request.task_id;
        }
        throw;
    }
    auto task_id = detail::decoded(m_client.endpoint_text(), what,
                                   [&] { return field_text(reply, "task_id"); });
    if (task_id.empty()) {
        task_id = request.task_id;
    }
    if (task_id.empty()) {
        throw Error(ExitCode::failed,
                    fmt::format("portworx ({}): {}: the reply has no task_id to follow the "
                                "backup by",
                                m_cluster, what));
    }
    return task_id;
}

json CloudBackupClient::status_reply(const json& body, const std::string& what) const {
    return m_client.call(http::Method::post, "/v1/cloudbackups/status", &body, true, what);
}

std::map<std::string, CloudBackupStatus>
CloudBackupClient::backup_statuses(const std::vector<std::string>& task_ids) const {
    if (task_ids.empty()) {
        return {};
    }
    const json body = task_ids.size() == 1 ? json{{"task_id", task_ids.front()}} : json::object();
    const auto what =
        task_ids.size() == 1
            ? fmt::format("{}: status of cloud backup task {}", m_cluster, task_ids.front())
            : fmt::format("{}: status of {} cloud backup tasks", m_cluster, task_ids.size());
    const auto reply = status_reply(body, what);
    return detail::decoded(m_client.endpoint_text(), what, [&] {
        std::map<std::string, CloudBackupStatus> found;
        const auto* all = statuses_of(reply);
        if (all == nullptr) {
            return found;
        }
        // Only our own keys: the reply holds every task of the cluster.
        for (const auto& id : task_ids) {
            if (const auto mine = all->find(id); mine != all->end()) {
                found.emplace(id, parse_cloud_backup_status(id, *mine));
            }
        }
        return found;
    });
}

std::vector<CloudBackupInfo>
CloudBackupClient::enumerate_backups(const CloudBackupFilter& filter) const {
    auto body = to_json(filter);
    const auto what = fmt::format("{}: list cloud backups", m_cluster);
    std::vector<CloudBackupInfo> out;
    std::set<std::string> tokens;
    while (true) {
        const auto reply = m_client.call(http::Method::post, "/v1/cloudbackups/enumerate/filters",
                                         &body, true, what);
        const auto token = detail::decoded(m_client.endpoint_text(), what, [&] {
            const auto backups = reply.find("backups");
            if (backups != reply.end() && !backups->is_null()) {
                if (!backups->is_array()) {
                    throw std::invalid_argument("field backups is not a list");
                }
                for (const auto& entry : *backups) {
                    auto backup = parse_cloud_backup_info(entry);
                    if ((filter.src_volume_id.empty() ||
                         backup.src_volume_id == filter.src_volume_id) &&
                        (filter.backup_id.empty() || backup.id == filter.backup_id) &&
                        metadata_matches(backup, filter.metadata)) {
                        out.push_back(std::move(backup));
                    }
                }
            }
            return field_text(reply, "continuation_token");
        });
        if (token.empty()) {
            return out;
        }
        if (!tokens.insert(token).second) {
            throw Error(ExitCode::failed,
                        fmt::format("portworx ({}): {}: the server repeated continuation token "
                                    "'{}' (it would never end)",
                                    m_cluster, what, token));
        }
        body["continuation_token"] = token;
    }
}

std::optional<CloudBackupInfo> CloudBackupClient::find_backup(const std::string& credential_id,
                                                              const std::string& backup_id) const {
    CloudBackupFilter filter;
    filter.credential_id = credential_id;
    filter.backup_id = backup_id;
    filter.all = true; // it may have been made by the other cluster
    auto found = enumerate_backups(filter);
    if (found.empty()) {
        return std::nullopt;
    }
    return std::move(found.front());
}

CloudBackupClient::Deleted
CloudBackupClient::delete_backup(const std::string& backup_id,
                                 const std::string& credential_id) const {
    if (!find_backup(credential_id, backup_id)) {
        return Deleted::already_gone;
    }
    return delete_listed_backup(backup_id, credential_id);
}

CloudBackupClient::Deleted
CloudBackupClient::delete_listed_backup(const std::string& backup_id,
                                        const std::string& credential_id) const {
    try {
        m_client.call(http::Method::del, delete_backup_path(backup_id, credential_id), nullptr,
                      true, fmt::format("{}: delete cloud backup {}", m_cluster, backup_id));
    } catch (const SdkError&) {
        // Deleted by someone else meanwhile? Only a second lookup may say so.
        if (!find_backup(credential_id, backup_id)) {
            return Deleted::already_gone;
        }
        throw;
    }
    return Deleted::deleted;
}

CloudRestoreStarted CloudBackupClient::restore(const CloudRestoreRequest& request) const {
    const auto body = to_json(request);
    const auto what = fmt::format("{}: restore cloud backup {} as volume \"{}\"", m_cluster,
                                  request.backup_id, request.restore_volume_name);
    const auto reply =
        m_client.call(http::Method::post, "/v1/cloudbackups/restore", &body, false, what);
    auto started = detail::decoded(m_client.endpoint_text(), what, [&] {
        return CloudRestoreStarted{field_text(reply, "restore_volume_id"),
                                   field_text(reply, "task_id")};
    });
    if (started.restore_volume_id.empty()) {
        throw Error(
            ExitCode::failed,
            fmt::format("portworx ({}): {}: the reply has no restore_volume_id", m_cluster, what));
    }
    return started;
}

std::optional<CloudBackupStatus>
CloudBackupClient::restore_status(const std::string& restore_volume_id,
                                  const std::string& task_id) const {
    const json body = {{"volume_id", restore_volume_id}};
    const auto what =
        fmt::format("{}: status of the cloud restore into volume {}", m_cluster, restore_volume_id);
    const auto reply = status_reply(body, what);
    return detail::decoded(m_client.endpoint_text(), what,
                           [&]() -> std::optional<CloudBackupStatus> {
                               const auto* all = statuses_of(reply);
                               if (all == nullptr) {
                                   return std::nullopt;
                               }
                               if (!task_id.empty()) {
                                   if (const auto mine = all->find(task_id); mine != all->end()) {
                                       return parse_cloud_backup_status(task_id, *mine);
                                   }
                               }
                               // No task id (the restore answered none): the restore entry of that
                               // volume, the latest if there were several.
                               auto found = latest_restores(*all, {restore_volume_id});
                               if (found.empty()) {
                                   return std::nullopt;
                               }
                               return std::move(found.begin()->second);
                           });
}

std::map<std::string, CloudBackupStatus>
CloudBackupClient::restore_statuses(const std::vector<std::string>& restore_volume_ids) const {
    std::map<std::string, CloudBackupStatus> found;
    if (restore_volume_ids.size() == 1) {
        const auto& id = restore_volume_ids.front();
        if (auto status = restore_status(id)) {
            found.emplace(id, std::move(*status));
        }
        return found;
    }
    if (restore_volume_ids.empty()) {
        return found;
    }
    const std::set<std::string> wanted(restore_volume_ids.begin(), restore_volume_ids.end());
    const auto what = fmt::format("{}: status of {} cloud restores", m_cluster, wanted.size());
    const auto reply = status_reply(json::object(), what);
    return detail::decoded(m_client.endpoint_text(), what, [&] {
        // Only the restores into our volumes: the reply holds every task of the cluster.
        const auto* all = statuses_of(reply);
        return all == nullptr ? found : latest_restores(*all, wanted);
    });
}

} // namespace pxclone::px
