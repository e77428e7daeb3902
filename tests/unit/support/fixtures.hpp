// Fixture builders shared by the command and discovery tests (in the spirit of velero's
// pkg/builder): the objects of profile `orders` (source prod/data, staging namespace stg) as the
// API server and the Portworx SDK gateway return them. Each builds one object; tests change what
// they are about on the result.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace pxclone::test {

// A 404 Status body of the API server.
extern const char* const k_not_found;

// A list reply of the API server with `items`.
nlohmann::json list_of(nlohmann::json items = nlohmann::json::array());

// The labels pxclone puts on an object of profile orders: managed-by, profile, `run`, `role`
// ("staging", "snapshot", "baseline") and pxclone.io/snapshot-set `set`.
nlohmann::json pxclone_labels(const std::string& run, const std::string& role,
                              const std::string& set);

// The labels of run 41's baseline of staging PVC data (role baseline, no set), and of set `set`'s
// snapshot of prod/data taken at `created_at` (role snapshot, by run `set`).
nlohmann::json baseline_labels();
nlohmann::json set_snapshot_labels(const std::string& set, const std::string& created_at);

// The source PVC prod/data, Bound to pv-data (storage class px), and that PV: a Portworx CSI
// volume vol-0.
nlohmann::json source_pvc();
nlohmann::json source_pv();

// Run 41's staging PVC stg/data (uid u-1, of set `set`, from prod/data) bound to pv-data, and
// that PV: the Portworx clone clone-1, claimed by the PVC.
nlohmann::json staging_pvc(const std::string& set = "41");
nlohmann::json staging_pv();

// A Deployment stg/app (2 replicas) mounting PVC data.
nlohmann::json deployment_mounting_data();

// A Portworx volume as inspect and inspectwithfilters list it (1 GiB, `state`), a snapshot or
// clone of `parent` when one is given; and the inspectwithfilters reply of `volumes`.
nlohmann::json px_volume(const std::string& id, nlohmann::json labels,
                         const std::string& parent = {},
                         const std::string& state = "VOLUME_STATE_DETACHED");
nlohmann::json px_volumes(nlohmann::json volumes = nlohmann::json::array());

// A backup of set `set` of profile orders as enumerate lists it: id `id`, made from snapshot
// `snapshot` of `source` ("prod/data"), status `state` ("Done", "Active", ...), with the lineage
// metadata the source side gives it (set-size 2, size 1 GiB unless `size` is "").
nlohmann::json cloud_backup(const std::string& id, const std::string& set,
                            const std::string& source, const std::string& snapshot,
                            const std::string& state, const std::string& size = "1073741824");

// The status reply of the restore into `volume`: one entry keyed by a task id that appears
// nowhere else (as the real server answers), optype RestoreOp, status `state`, `info` if any.
nlohmann::json cloud_restore_status(const std::string& volume, const std::string& state,
                                    nlohmann::json info = nullptr);

// The uuid of the credential s3-orders on the source cluster; the backup
// above of set `set`'s snapshot `snapshot` of prod/data, in `state`.
inline const std::string k_backup_credential = "d2634535-ce39-4905-ae19-6c32421898bf";
nlohmann::json cloud_backup(const std::string& id, const std::string& set,
                            const std::string& snapshot, const std::string& state = "Done");
// GET /v1/credentials and its inspect: one credential, s3-orders, k_backup_credential.
nlohmann::json credential_list();
nlohmann::json credential_inspect();

} // namespace pxclone::test
