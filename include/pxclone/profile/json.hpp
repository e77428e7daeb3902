// The profile as JSON, in the profile's own shape and key names, so that `validate -o yaml`
// prints something that reads back as a profile. Secrets appear as their references.
#pragma once

#include "pxclone/profile/profile.hpp"

#include <nlohmann/json.hpp>

namespace pxclone::profile {

nlohmann::ordered_json to_json(const Profile& profile);
nlohmann::ordered_json to_json(const SecretRef& secret);

} // namespace pxclone::profile
