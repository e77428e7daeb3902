#include "pxclone/util/deadline.hpp"

#include <algorithm>

namespace pxclone::util {

using std::chrono::milliseconds;

Deadline Deadline::after(const Clock& clock, milliseconds budget, std::string origin) {
    return {clock.now() + budget, std::move(origin)};
}

milliseconds Deadline::left_for(time_point now) const {
    if (!m_set) {
        return milliseconds::max();
    }
    const auto end = now < m_at ? m_at : m_at + k_deadline_grace;
    return std::max(std::chrono::ceil<milliseconds>(end - now), milliseconds(0));
}

Bound bound(milliseconds own_limit, const Deadline& deadline, Deadline::time_point now) {
    const auto own = own_limit > milliseconds(0) ? own_limit : milliseconds(0);
    if (!deadline.is_set()) {
        return {own, false};
    }
    const auto left = deadline.left_for(now);
    if (own == milliseconds(0) || left < own) {
        return {left, true};
    }
    return {own, false};
}

} // namespace pxclone::util
