// The decorators every transport gets, composed in one place.
#pragma once

#include "pxclone/http/logging.hpp"
#include "pxclone/http/retry.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"

#include <memory>

namespace pxclone::http {

struct StackOptions {
    RetryPolicy retry;
    std::shared_ptr<util::Clock> clock;     // nullptr: the system clock
    std::shared_ptr<util::Sleeper> sleeper; // nullptr: really sleep
    int verbosity = 0;                      // -v count; 0 adds no logging decorator
    std::shared_ptr<LogSink> log;           // required when verbosity > 0
    std::shared_ptr<RunRecord> record;      // nullptr: no --record
    util::Deadline deadline;                // --timeout: retries never wait past it
};

// base → Retrying → Recording → Logging (outermost). Retries sit inside the record and the log
// so one logical request is one line and one record carrying its retry count.
std::shared_ptr<Transport> decorate(std::shared_ptr<Transport> base, const StackOptions& options);

} // namespace pxclone::http
