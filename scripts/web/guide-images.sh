#!/usr/bin/env bash
# Copies the screenshots the browser tests took (WebJourneyTests, BrowserAccessibilityTests) into
# docs/images/portail/, under the names the guides use. Run after the test command.
set -euo pipefail
cd "$(dirname "$0")/../.."
from=.build/test-artifacts/web
to=docs/images/portail
mkdir -p "$to"
copy() { [ -f "$from/$1" ] || { echo "missing: $from/$1 (run the test command first)" >&2; exit 1; }; cp "$from/$1" "$to/$2"; }
copy journey/operateur-09-tableau-de-bord-fin.png operateur-tableau-de-bord.png
copy journey/operateur-02-declaration.png operateur-declaration.png
copy journey/operateur-03-declaration-soumise.png operateur-demande.png
copy journey/operateur-05-integration.png operateur-integration.png
copy journey/operateur-06-drimbox-integree.png operateur-drimbox.png
copy journey/operateur-08-reintegration-refusee.png operateur-reintegration-refusee.png
copy journey/instructeur-01-file-instruction.png ans-file.png
copy journey/instructeur-02-declaration-a-instruire.png ans-demande.png
copy journey/instructeur-03-drimbox-exclusion.png ans-exclusion.png
copy journey/instructeur-05-drimbox-historique.png ans-drimbox-historique.png
ls -la "$to"
