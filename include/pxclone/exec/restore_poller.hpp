// One look per round at every cloud restore a command waits on. The restores of a staging run
// wait on the fan-out pool's threads, one per volume (exec/cloud_restore.hpp); they share one
// status request per round (px::CloudBackupClient::restore_statuses) instead of one per volume.
//
// A volume joins when its clone step starts and leaves when it no longer waits. A round is sent
// once every volume that has joined asks for it (the others are between two looks, or still
// starting their restore), and its reply answers them all. Rounds are paced from the first
// (util::next_poll_pause of the time since it): one of the asking threads pauses until the round
// is due, in slices of at most a second so that a cancellation cuts the pause short, and sends
// it; the others wait for its reply. When the last volume has left, the next one to join starts
// a new schedule (its first look at once).
#pragma once

#include "pxclone/px/cloud_backup_types.hpp"
#include "pxclone/util/clock.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pxclone::exec {

class RestorePoller {
public:
    using time_point = std::chrono::system_clock::time_point;
    // The statuses of the restores into these volumes, in one request; a volume without one is
    // absent.
    using Fetch = std::function<std::map<std::string, px::CloudBackupStatus>(
        const std::vector<std::string>& volume_ids)>;

    // `clock` and `sleeper` outlive the poller; `cancelled` may be empty.
    RestorePoller(Fetch fetch, const util::Clock& clock, util::Sleeper& sleeper,
                  std::function<bool()> cancelled);

    // One round's answer for one volume.
    struct Look {
        std::optional<px::CloudBackupStatus> status; // nullopt: no restore record (yet)
        time_point next;                             // when the next round is due
    };

    // A volume's place in the rounds, from join() until leave() or its destruction.
    class Member {
    public:
        Member(const Member&) = delete;
        Member& operator=(const Member&) = delete;
        ~Member() { leave(); }

        // The status of the restore into `volume_id` as the next round sees it (a round that
        // starts after this call). Throws what that round's request threw.
        Look look(const std::string& volume_id);
        // No more looks: the rounds stop waiting for this volume. Idempotent.
        void leave();

    private:
        friend class RestorePoller;
        explicit Member(RestorePoller& poller) : m_poller(&poller) {}
        RestorePoller* m_poller; // null once left
    };

    Member join();

private:
    struct Answer {
        std::optional<px::CloudBackupStatus> status;
        std::exception_ptr error;
        time_point next;
    };

    Look look(const std::string& volume_id);
    void leave();
    // Pauses until the round is due, waits until every member asks, sends it and answers the
    // members that asked. `lock` holds m_mutex on entry and on return.
    void lead(std::unique_lock<std::mutex>& lock);

    Fetch m_fetch;
    const util::Clock& m_clock;
    util::Sleeper& m_sleeper;
    std::function<bool()> m_cancelled;

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_members = 0;
    std::vector<std::string> m_asking; // the volumes the next round answers
    std::map<std::string, Answer> m_answers;
    bool m_leading = false; // a member is pausing for or sending the next round
    time_point m_first;     // the schedule's start
    time_point m_next;      // when the next round is due
};

} // namespace pxclone::exec
