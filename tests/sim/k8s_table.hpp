// Server-side printing: the `Table` (meta.k8s.io/v1) kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns a v1.26 server prints.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "k8s_resources.hpp"

namespace pxsim {

// True when the Accept header asks for a Table.
bool wants_table(const std::string& accept);

// A Table of `objects`; `include_object` is the request's includeObject ("Metadata" by default,
// "Object" or "None"); `list_metadata` becomes the Table's metadata.
nlohmann::json to_table(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                        const std::string& include_object, const nlohmann::json& list_metadata,
                        std::chrono::system_clock::time_point now);

// kubectl's HumanDuration: "2s", "5m57s", "3h", "2d5h".
std::string human_duration(std::chrono::seconds duration);

} // namespace pxsim
