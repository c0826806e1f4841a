# The workshop's environment, sourced in every terminal: where its data and kubeconfigs
# live, the ports of its two servers (and of its port-forward), and Canopy's commands (and
# kubectl plugins) on PATH.
CANOPY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"
export CANOPY_ROOT
export EXERCISE_DIR="$CANOPY_ROOT/examples/dynamic-providers"
export WORKSHOP_DIR="${WORKSHOP_DIR:-$CANOPY_ROOT/.workshop}"
export KUBECONFIGS_DIR="$WORKSHOP_DIR/kubeconfigs"
export KCP_PORT="${KCP_PORT:-6443}"
export PROVIDER_PORT="${PROVIDER_PORT:-6444}"
# The local end of the workshop's `kubectl port-forward svc/kcp-rw`.
export PG_PORT="${PG_PORT:-5432}"
export PATH="$CANOPY_ROOT/bin:$PATH"
mkdir -p "$KUBECONFIGS_DIR"
