// `pxclone rbac`'s objects: the ServiceAccount, then each Role or ClusterRole followed by its
// binding, as a YAML stream whose comments say why each rule is there, or as a JSON v1 List.
#pragma once

#include "pxclone/plan/rbac.hpp"

#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::output {

// The Kubernetes objects, in the order `kubectl apply` needs them. Pure.
std::vector<nlohmann::ordered_json> rbac_objects(const plan::RbacPolicy& policy);

// `---`-separated documents, each led by `#` lines (the role's comments, then one line per rule:
// its verbs, resource and the commands' reasons).
void print_rbac_yaml(const plan::RbacPolicy& policy, std::ostream& out);

// {"apiVersion": "v1", "kind": "List", "items": [...]}: what `kubectl apply -f` takes as JSON.
void print_rbac_json(const plan::RbacPolicy& policy, std::ostream& out);

// A profile with staging.cluster (plan_rbac_per_cluster's policies): each cluster's documents
// after a header naming the cluster and its context, each object labelled pxclone.io/cluster.
void print_rbac_yaml(const std::vector<plan::RbacPolicy>& policies, std::ostream& out);

// {"clusters": [{"cluster": "source", "context": "...", "list": List}, ...]}: one v1 List per
// cluster, to be split (`jq '.clusters[] | select(.cluster == "staging") | .list'`) and applied to
// that cluster.
void print_rbac_json(const std::vector<plan::RbacPolicy>& policies, std::ostream& out);

} // namespace pxclone::output
