#!/usr/bin/env bash
# Checks of the Dagger module (ci/) and of the pipeline image's content, all
# without a container engine (none runs here):
#   - tsc type-checks the module against the @dagger.io/dagger package;
#   - ci/tests: what the Dagger runtime registers (the SDK's introspector), the
#     calls docs/dagger.md shows checked against it and the engine's schema,
#     cross-checks with the DAG, and the image-content test (the image's file set
#     rebuilt in a temp folder, its entrypoint run for --help and a full day of data).
# Needs what scripts/setup.sh prepares (node_modules, .tools/bin/ferretdb-embedded
# unless TEST_MONGODB_URI names a MongoDB). Called by scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# scripts/test.sh has already type-checked every workspace, ci/ included.
if [[ "${TEST_SKIP_TYPECHECK:-}" != "1" ]]; then
  echo "== Dagger module (ci/): type-check" >&2
  npx tsc -p ci/tsconfig.json
fi

echo "== Dagger module (ci/) and image content (vitest)" >&2
(cd ci && npx vitest run)
