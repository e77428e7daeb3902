#include "pxclone/profile/json.hpp"

#include "pxclone/util/duration.hpp"

namespace pxclone::profile {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string duration(milliseconds value) {
    return util::format_duration(value);
}

nlohmann::ordered_json hooks_json(const std::vector<Hook>& hooks) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& hook : hooks) {
        list.push_back({{"run", hook.run}, {"timeout", duration(hook.timeout)}});
    }
    return list;
}

// Optional keys appear only when set, so that the printed profile stays close to the input.
void put_if(nlohmann::ordered_json& object, const char* key, const std::string& value) {
    if (!value.empty()) {
        object[key] = value;
    }
}

nlohmann::ordered_json portworx_json(const Portworx& portworx) {
    nlohmann::ordered_json out = {{"endpoint", portworx.endpoint.text}};
    if (portworx.token) {
        out["token"] = to_json(*portworx.token);
    }
    put_if(out, "ca_file", portworx.ca_file);
    out["insecure"] = portworx.insecure;
    return out;
}

} // namespace

nlohmann::ordered_json to_json(const SecretRef& secret) {
    return std::visit(Overloaded{
                          [](const EnvSecret& s) {
                              return nlohmann::ordered_json{{"env", s.name}};
                          },
                          [](const FileSecret& s) {
                              return nlohmann::ordered_json{{"file", s.path}};
                          },
                          [](const KubeSecret& s) {
                              return nlohmann::ordered_json{
                                  {"secret", s.secret_namespace + "/" + s.name}, {"key", s.key}};
                          },
                      },
                      secret);
}

nlohmann::ordered_json to_json(const Profile& profile) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["version"] = profile.version;
    out["name"] = profile.name;

    auto cluster = nlohmann::ordered_json::object();
    put_if(cluster, "context", profile.cluster.context);
    put_if(cluster, "kubeconfig", profile.cluster.kubeconfig);
    if (!cluster.empty()) {
        out["cluster"] = cluster;
    }

    out["portworx"] = portworx_json(profile.portworx);

    nlohmann::ordered_json source = {{"namespace", profile.source.source_namespace}};
    if (!profile.source.pvcs.empty()) {
        source["pvcs"] = profile.source.pvcs;
    }
    if (!profile.source.selector.empty()) {
        source["selector"] = profile.source.selector;
    }
    source["hooks"] = {{"pre", hooks_json(profile.source.hooks.pre)},
                       {"post", hooks_json(profile.source.hooks.post)}};
    out["source"] = source;

    nlohmann::ordered_json snapshot = {{"method", method_name(profile.snapshot.method)}};
    put_if(snapshot, "class", profile.snapshot.snapshot_class);
    snapshot["keep"] = profile.snapshot.keep;
    snapshot["timeout"] = duration(profile.snapshot.timeout);
    out["snapshot"] = snapshot;

    const auto& staging = profile.staging;
    nlohmann::ordered_json staging_json = nlohmann::ordered_json::object();
    if (staging.cluster) {
        auto staging_cluster = nlohmann::ordered_json::object();
        staging_cluster["context"] = staging.cluster->cluster.context;
        put_if(staging_cluster, "kubeconfig", staging.cluster->cluster.kubeconfig);
        staging_cluster["portworx"] = portworx_json(staging.cluster->portworx);
        staging_json["cluster"] = staging_cluster;
    }
    staging_json["namespace"] = staging.staging_namespace;
    staging_json["ttl"] = duration(staging.ttl);
    put_if(staging_json, "storage_class", staging.storage_class);
    staging_json["volumes"] = nlohmann::ordered_json::object();
    for (const auto& [from, to] : staging.volumes) {
        staging_json["volumes"][from] = to;
    }
    staging_json["manifests"] = staging.manifests;
    staging_json["images"] = nlohmann::ordered_json::object();
    for (const auto& [container, image] : staging.images) {
        staging_json["images"][container] = image;
    }
    if (staging.mask) {
        const auto& mask = *staging.mask;
        nlohmann::ordered_json mask_json = nlohmann::ordered_json::object();
        put_if(mask_json, "after", mask.after);
        mask_json["image"] = mask.image;
        mask_json["command"] = mask.command;
        mask_json["env"] = nlohmann::ordered_json::object();
        for (const auto& [key, value] : mask.env) {
            mask_json["env"][key] = value;
        }
        mask_json["files"] = mask.files;
        mask_json["timeout"] = duration(mask.timeout);
        staging_json["mask"] = mask_json;
    }
    staging_json["wait"] = {{"timeout", duration(staging.wait.timeout)}};
    out["staging"] = staging_json;
    if (profile.transfer) {
        const auto& transfer = *profile.transfer;
        out["transfer"] = {
            {"method", transfer_method_name(transfer.method)},
            {"credential",
             {{"source", transfer.source_credential}, {"staging", transfer.staging_credential}}},
            {"backup_timeout", duration(transfer.backup_timeout)},
            {"restore_timeout", duration(transfer.restore_timeout)}};
    }
    return out;
}

} // namespace pxclone::profile
