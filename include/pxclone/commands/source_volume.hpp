// The source PVCs of a profile as snapshot and validate --online find them (read-only). What a
// staging plan needs besides them is in discover/staging_sources.hpp.
#pragma once

#include "pxclone/commands/session.hpp"
#include "pxclone/plan/source_volumes.hpp"
#include "pxclone/profile/profile.hpp"

namespace pxclone::cmd {

// The source PVCs (by name, or by selector), their PVs and the Portworx volumes behind them,
// read-only (on the session's pools) and judged by plan::resolve_source_volumes: every problem is
// in the result, none is thrown. Throws ApiError/TransportError when a read fails.
plan::SourceResolution resolve_sources(Session& session, const profile::Profile& profile);

} // namespace pxclone::cmd
