#!/usr/bin/env bash
# The workshop's completion check, for Canopy: every piece of the dynamic-provider flow is
# in place and the tenant's database is ready. Fails at the first missing piece, saying
# what to do. Needs env.sh sourced (or the same variables set).
set -euo pipefail

fail() {
  echo "✗ $1" >&2
  echo "  hint: $2" >&2
  exit 1
}
ok() { echo "✓ $1"; }
# Matches are tested with `grep -x … >/dev/null`, not `grep -q`: -q stops reading at the
# first match, and under pipefail kubectl, still writing, would fail with SIGPIPE.

: "${KUBECONFIGS_DIR:?source examples/dynamic-providers/env.sh first}"

provider="$KUBECONFIGS_DIR/provider.kubeconfig"
[[ -f $provider ]] || fail "no $provider" "start the service cluster and copy its admin.kubeconfig there"
ok "provider.kubeconfig exists"
kubectl --kubeconfig "$provider" version >/dev/null 2>&1 ||
  fail "the service cluster does not answer" "is 'canopy start --plain' still running?"
ok "the service cluster answers"
kubectl --kubeconfig "$provider" api-resources --api-group=postgresql.cnpg.io -o name | grep -x 'clusters.postgresql.cnpg.io' >/dev/null ||
  fail "the service cluster does not serve postgresql.cnpg.io/v1" "start 'canopy postgres-operator' against provider.kubeconfig"
ok "the service cluster serves postgresql.cnpg.io/v1"

# Like the workshop's check script, work on a copy of the admin kubeconfig.
check="$KUBECONFIGS_DIR/internal-checkscript.kubeconfig"
cp "$KUBECONFIGS_DIR/admin.kubeconfig" "$check"
export KUBECONFIG=$check

kubectl ws use :root:providers:database >/dev/null 2>&1 ||
  fail "no workspace :root:providers:database" "kubectl ws use :root:providers && kubectl create workspace database --enter"
kubectl get apiexport postgresql.cnpg.io >/dev/null 2>&1 ||
  fail "no APIExport postgresql.cnpg.io in :root:providers:database" "kubectl apply -f \$EXERCISE_DIR/export.yaml"
ok "workspace :root:providers:database exports postgresql.cnpg.io"

kubectl ws use :root:consumers:pg >/dev/null 2>&1 ||
  fail "no workspace :root:consumers:pg" "kubectl ws use :root:consumers && kubectl create workspace pg --enter"
kubectl get apibinding postgresql.cnpg.io >/dev/null 2>&1 ||
  fail "no APIBinding postgresql.cnpg.io in :root:consumers:pg" "kubectl kcp bind apiexport root:providers:database:postgresql.cnpg.io --accept-permission-claim secrets.core,namespaces.core"
ok "workspace :root:consumers:pg binds postgresql.cnpg.io"

pgrep -f 'canopy syncagent' >/dev/null ||
  fail "no sync agent is running" "canopy syncagent --namespace default --apiexport-ref postgresql.cnpg.io --kcp-kubeconfig \$KUBECONFIGS_DIR/sync-agent.kubeconfig"
ok "the sync agent runs"

kubectl api-resources --api-group=postgresql.cnpg.io -o name | grep -x 'clusters.postgresql.cnpg.io' >/dev/null ||
  fail "the tenant does not see postgresql.cnpg.io/v1" "check the APIBinding's conditions: kubectl get apibinding postgresql.cnpg.io -o yaml"
ok "the tenant sees postgresql.cnpg.io/v1"

kubectl get cluster kcp >/dev/null 2>&1 ||
  fail "no Cluster kcp in :root:consumers:pg" "kubectl apply -f \$EXERCISE_DIR/consumer-1-cluster.yaml"
kubectl wait --for=condition=Ready=true cluster/kcp --timeout=0 >/dev/null 2>&1 ||
  fail "Cluster kcp is not Ready" "kubectl get cluster kcp -o yaml shows why; the sync agent's and operator's logs too"
ok "Cluster kcp is Ready"

kubectl get database db-one >/dev/null 2>&1 ||
  fail "no Database db-one in :root:consumers:pg" "kubectl apply -f \$EXERCISE_DIR/consumer-1-database.yaml"
[[ $(kubectl get database db-one -o jsonpath='{.status.applied}') == true ]] ||
  fail "Database db-one is not applied" "kubectl get database db-one -o yaml shows the message"
ok "Database db-one is applied"

echo "High-five! 🚀 Every piece of the dynamic-provider flow works."
