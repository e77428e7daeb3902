// A test driver for the staging side of a transfer (exec/cloud_restore.hpp), until a command
// runs it: against one Portworx gateway (pxsim B in tests/e2e/transfer-restore.sh), it resolves
// the staging credential, finds a snapshot set by its backups' metadata and restores every volume
// as run RUN's staging volume would be made (plan::portworx_staging_volume, the fan-out pool),
// printing "SOURCE VOLUME-ID" per volume in set order. Errors as pxclone prints them, with its
// exit codes.
//
//   pxclone_transfer_restore URL TOKEN CREDENTIAL PROFILE SET RUN RESTORE-TIMEOUT-MS
#include "pxclone/error.hpp"
#include "pxclone/exec/cloud_restore.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/http/curl_transport.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace pxclone;

int main(int argc, char** argv) {
    if (argc != 8) {
        std::cerr << "usage: " << argv[0]
                  << " URL TOKEN CREDENTIAL PROFILE SET RUN RESTORE-TIMEOUT-MS\n";
        return 2;
    }
    const std::string url = argv[1];
    const std::string profile_name = argv[4];
    const std::string set_id = argv[5];
    const std::string run = argv[6];
    try {
        http::CurlTransport transport{http::CurlOptions{}};
        const px::Client portworx(transport, url, argv[2], url);
        const k8s::Client kube(transport, url); // never asked: only the clone step runs
        const px::CloudBackupClient backups(portworx, "staging cluster");
        const auto credential = backups.resolve_credential(argv[3]).id;
        const auto set = exec::find_backup_set(backups, credential, profile_name, set_id);

        util::SystemClock clock;
        util::ThreadSleeper sleeper;
        exec::StagingContext context{.clock = &clock, .sleeper = &sleeper};
        const auto runner = exec::make_cloud_restore_runner(
            exec::make_staging_runner(kube, &portworx, context), portworx, context,
            {.credential_id = credential,
             .restore_timeout = std::chrono::milliseconds(std::atoll(argv[7]))});

        profile::Profile profile;
        profile.name = profile_name;
        profile.source.source_namespace = set.source_namespace;
        const auto described = exec::describe_backup_set(profile, set);
        std::vector<plan::StagingVolume> volumes;
        for (std::size_t i = 0; i < described.volumes.size(); ++i) {
            const auto& source = described.volumes[i];
            const plan::Lineage lineage{.profile = profile_name,
                                        .run = run,
                                        .role = plan::Role::staging,
                                        .snapshot_set = set.id,
                                        .source = set.snapshots[i].source,
                                        .created_at = "2026-12-07T12:00:00Z"};
            plan::StagingVolume volume;
            volume.source_pvc = source.source_pvc;
            volume.source = set.snapshots[i].source;
            volume.staging_pvc = source.source_pvc;
            volume.snapshot_id = source.snapshot_id;
            volumes.push_back(
                plan::portworx_staging_volume(profile, lineage, "stg-" + run, volume, source));
        }
        util::WorkerPool pool(volumes.size() + 1);
        std::vector<std::future<std::string>> work;
        for (const auto& volume : volumes) {
            work.push_back(pool.submit([&runner, &volume] { return runner->clone(volume); }));
        }
        const auto ids = util::get_all(work);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            std::cout << volumes[i].source << ' ' << ids[i] << '\n';
        }
        return 0;
    } catch (const Error& e) {
        std::cerr << "pxclone: error: " << e.what() << '\n';
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << "pxclone: error: " << e.what() << '\n';
        return 1;
    }
}
