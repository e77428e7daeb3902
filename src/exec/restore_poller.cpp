#include "pxclone/exec/restore_poller.hpp"

#include "pxclone/util/poll.hpp"

#include <algorithm>
#include <utility>

namespace pxclone::exec {

namespace {
// The longest single pause of the round's sender: how late it notices a cancellation.
constexpr std::chrono::milliseconds k_pause_slice{1000};
} // namespace

RestorePoller::RestorePoller(Fetch fetch, const util::Clock& clock, util::Sleeper& sleeper,
                             std::function<bool()> cancelled)
    : m_fetch(std::move(fetch)), m_clock(clock), m_sleeper(sleeper),
      m_cancelled(std::move(cancelled)) {}

RestorePoller::Member RestorePoller::join() {
    const std::lock_guard lock(m_mutex);
    if (m_members++ == 0) {
        m_first = m_clock.now();
        m_next = m_first;
    }
    return Member(*this);
}

RestorePoller::Look RestorePoller::Member::look(const std::string& volume_id) {
    return m_poller->look(volume_id);
}

void RestorePoller::Member::leave() {
    if (m_poller != nullptr) {
        m_poller->leave();
        m_poller = nullptr;
    }
}

void RestorePoller::leave() {
    const std::lock_guard lock(m_mutex);
    --m_members;
    m_changed.notify_all(); // a round may have waited for this member only
}

RestorePoller::Look RestorePoller::look(const std::string& volume_id) {
    std::unique_lock lock(m_mutex);
    m_asking.push_back(volume_id);
    m_changed.notify_all();
    while (true) {
        if (const auto it = m_answers.find(volume_id); it != m_answers.end()) {
            auto answer = std::move(it->second);
            m_answers.erase(it);
            lock.unlock();
            if (answer.error) {
                std::rethrow_exception(answer.error);
            }
            return {std::move(answer.status), answer.next};
        }
        if (m_leading) {
            m_changed.wait(lock);
        } else {
            lead(lock);
        }
    }
}

void RestorePoller::lead(std::unique_lock<std::mutex>& lock) {
    m_leading = true;
    try {
        // Neither the pause nor the request holds the lock: members keep asking meanwhile.
        for (auto now = m_clock.now(); now < m_next && !(m_cancelled && m_cancelled());
             now = m_clock.now()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_next - now);
            lock.unlock();
            m_sleeper.sleep(std::min(left, k_pause_slice));
            lock.lock();
        }
        m_changed.wait(lock, [this] { return m_asking.size() >= m_members; });
        const auto asked = std::exchange(m_asking, {});
        lock.unlock();
        std::map<std::string, px::CloudBackupStatus> statuses;
        std::exception_ptr error;
        try {
            statuses = m_fetch(asked);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        const auto now = m_clock.now();
        m_next = now + util::next_poll_pause(
                           std::chrono::duration_cast<std::chrono::milliseconds>(now - m_first));
        for (const auto& id : asked) {
            Answer answer{.status = std::nullopt, .error = error, .next = m_next};
            if (const auto it = statuses.find(id); it != statuses.end()) {
                answer.status = std::move(it->second);
            }
            m_answers.insert_or_assign(id, std::move(answer));
        }
    } catch (...) {
        if (!lock.owns_lock()) {
            lock.lock();
        }
        m_leading = false;
        m_changed.notify_all();
        throw;
    }
    m_leading = false;
    m_changed.notify_all();
}

} // namespace pxclone::exec
