// The pipeline profile (each key documented in pxclone-profile(5)) as plain values: what
// `pxclone.yaml` says, after `${...}` substitution and validation. Every default below is what an
// absent (or null) key means.
//
// Paths (kubeconfig, ca_file, manifests, mask files, secret files, hook commands containing a
// '/') are kept as written; relative ones are relative to the directory of the profile file
// (`Profile::base_dir`), never to the working directory, so a pipeline may run from anywhere.
#pragma once

#include "pxclone/px/endpoint.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pxclone::profile {

using std::chrono::milliseconds;

// A secret is never written into the profile; it is one of these references, resolved only by
// the command that needs it. Printing a profile prints the reference, never the value.
struct EnvSecret {
    std::string name; // `{env: PX_TOKEN}`: the environment variable holding the value
};
struct FileSecret {
    std::string path; // `{file: PATH}`: a file holding the value (trailing newline dropped)
};
struct KubeSecret {
    std::string secret_namespace; // `{secret: NS/NAME, key: KEY}`, read through the Kubernetes API
    std::string name;
    std::string key;
};
using SecretRef = std::variant<EnvSecret, FileSecret, KubeSecret>;

// cluster: which Kubernetes API to talk to. Both empty: the usual kubeconfig rules
// (KUBECONFIG, ~/.kube/config, current context), else in-cluster. --context/--kubeconfig win.
struct Cluster {
    std::string context;    // default: the kubeconfig's current context
    std::string kubeconfig; // default: KUBECONFIG or ~/.kube/config
};

struct Portworx {
    // The API server's service proxy to a Service (`service:NAMESPACE/NAME[:PORT]`) or a direct
    // URL (`https://host:9021`, `http://` for tests); default:
    // service:kube-system/portworx-api:9021
    px::Endpoint endpoint = px::default_endpoint();
    std::optional<SecretRef> token; // default: none (Portworx without PX-Security)
    std::string ca_file;            // default: the system trust store (direct https only)
    bool insecure = false;          // default: verify TLS; true skips verification
};

// A local command run around the snapshot; PXCLONE_* variables are set for it.
struct Hook {
    std::vector<std::string> run;                   // argv; required, non-empty
    milliseconds timeout = std::chrono::minutes(5); // default 5m
};
struct Hooks {
    std::vector<Hook> pre;  // before the snapshots, in order; a failure aborts the snapshot
    std::vector<Hook> post; // after them, always (also when the snapshot failed)
};

// source: the production data. Exactly one of pvcs or selector is given.
struct Source {
    std::string source_namespace;                // required, DNS-1123 label
    std::vector<std::string> pvcs;               // PVC names (DNS-1123 subdomains)
    std::map<std::string, std::string> selector; // PVC label selector (all must match)
    Hooks hooks;                                 // default: none
};

enum class SnapshotMethod { portworx, csi };

struct Snapshot {
    SnapshotMethod method = SnapshotMethod::portworx; // default portworx (SDK REST)
    std::string snapshot_class;                       // VolumeSnapshotClass; required for csi
    int keep = 5;                                     // default 5 snapshot sets kept (>= 1)
    milliseconds timeout = std::chrono::minutes(10);  // default 10m until every snapshot is ready
};

// staging.mask: a Job that masks the data before the application may see it.
struct Mask {
    std::string after;                      // a manifest of staging.manifests; default "" =
                                            // before any manifest, PVCs mounted
    std::string image;                      // required
    std::vector<std::string> command;       // required, non-empty
    std::map<std::string, std::string> env; // default: none
    std::vector<std::string> files;         // local files mounted read-only at /masking/<name>
    milliseconds timeout = std::chrono::minutes(15); // default 15m
};

struct Wait {
    milliseconds timeout = std::chrono::minutes(10); // default 10m for every workload to be ready
};

// A ServiceAccount, `NAMESPACE/NAME` in the profile.
struct ServiceAccountRef {
    std::string ns;
    std::string name;
};

// staging.cluster: a staging cluster of its own (another Kubernetes cluster and its Portworx),
// reached only through cloud backups (`transfer`).
struct StagingCluster {
    Cluster cluster;   // context required; kubeconfig as for `cluster`
    Portworx portworx; // that cluster's Portworx; the defaults of `portworx`
};

struct Staging {
    std::optional<StagingCluster> cluster;     // default: the source cluster
    std::string staging_namespace;             // default "<name>-stg-<run id>"
    milliseconds ttl = std::chrono::hours(24); // default 24h; `teardown --expired` after it
    std::string storage_class;                 // default: that of the source volume
    // staging.role_binding: pxclone's own ServiceAccount. deploy-staging then binds the
    // ClusterRole pxclone-<name>-staging (printed by `pxclone rbac`) to it inside each staging
    // namespace it creates, so that its staging writes need no cluster-wide grant. Default: none
    // (plain kubeconfig users need no binding).
    std::optional<ServiceAccountRef> role_binding;
    // staging.pool: namespaces an admin made in advance, labelled pxclone.io/pool=<pool>, with
    // the staging ClusterRole already bound in each. deploy-staging claims a free one instead of
    // creating a namespace (staging_namespace is then "": the claim names it); teardown empties
    // and releases it, never deletes it. Excludes role_binding, namespace and cluster. Default ""
    // (pxclone creates each staging namespace).
    std::string pool;
    // Whether pxclone's identity holds staging rights only inside the staging namespaces
    // (role_binding or pool): namespaced reads are then kept to those namespaces.
    bool scoped() const { return role_binding.has_value() || !pool.empty(); }
    std::map<std::string, std::string> volumes; // source PVC -> staging PVC; default: same name
    std::vector<std::string> manifests;         // applied in order; default: none
    std::map<std::string, std::string> images;  // container name -> image; default: none
    std::optional<Mask> mask;                   // default: no masking
    Wait wait;
};

enum class TransferMethod { cloudsnap };

// transfer: how a snapshot set reaches the staging cluster. Credentials are named, never given:
// each is a Portworx cloud credential (name or uuid) that already exists on its cluster.
struct Transfer {
    TransferMethod method = TransferMethod::cloudsnap; // default cloudsnap (Portworx cloud backups)
    std::string source_credential;                     // required: on the source cluster
    std::string staging_credential; // required: on the staging cluster (`credential: X` = both)
    milliseconds backup_timeout = std::chrono::hours(1);  // default 1h until every backup is Done
    milliseconds restore_timeout = std::chrono::hours(1); // default 1h until every restore is Done
};

struct Profile {
    int version = 1;  // required; only 1 exists
    std::string name; // required, DNS-1123 label (it becomes a label value and a name prefix)
    Cluster cluster;
    Portworx portworx;
    Source source;
    Snapshot snapshot;
    Staging staging;
    std::optional<Transfer> transfer; // default: none (staging clones in the source cluster)

    std::string file;     // the profile file as given on the command line
    std::string base_dir; // its directory, for relative paths ("." when the file has none)
};

// The staging PVC name for a source PVC: staging.volumes[pvc], else the same name.
std::string staging_pvc_name(const Profile& profile, const std::string& source_pvc);

// "portworx" / "csi".
std::string_view method_name(SnapshotMethod method);
// "cloudsnap".
std::string_view transfer_method_name(TransferMethod method);

} // namespace pxclone::profile
