#!/usr/bin/env bash
# Compiles and lints the Bicep under infra/ offline. Run from the repo root:
#   bash infra/check.sh
# Fails (non-zero exit) on any Bicep error OR warning: Bicep reports type
# mismatches against the resource schemas (unknown property, wrong enum value,
# unknown API version) only as warnings, so they must fail the check too.
#
# The Bicep CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64,
# restored through infra/tools/BicepCli.csproj (CI reaches NuGet but not the
# Bicep release downloads).
set -euo pipefail

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

BICEP_VERSION="0.49.2"
PACKAGE_ID="azure.bicep.commandline.linux-x64"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
cd "${repo_root}"

nuget_root="${NUGET_PACKAGES:-${HOME}/.nuget/packages}"
bicep="${nuget_root}/${PACKAGE_ID}/${BICEP_VERSION}/tools/bicep"

if [[ ! -f "${bicep}" ]]; then
  echo "Bicep CLI ${BICEP_VERSION} not in the NuGet cache; restoring infra/tools/BicepCli.csproj"
  dotnet restore infra/tools/BicepCli.csproj --nologo --verbosity quiet
fi
if [[ ! -f "${bicep}" ]]; then
  echo "error: Bicep CLI still missing at ${bicep} after restore" >&2
  exit 1
fi
[[ -x "${bicep}" ]] || chmod +x "${bicep}"

echo "Using $("${bicep}" --version)"

# Compiled templates go to a temp dir, never into the repo.
out_dir="$(mktemp -d)"
trap 'rm -rf "${out_dir}"' EXIT

failed=0

# Runs one bicep command, shows its diagnostics, and marks the check failed on a
# non-zero exit or on any Warning/Error diagnostic.
run_bicep() {
  local label="$1"
  shift
  local log="${out_dir}/bicep.log"
  local rc=0
  "${bicep}" "$@" >"${log}" 2>&1 || rc=$?
  local problems
  problems="$(grep -cE ' : (Warning|Error) ' "${log}" || true)"
  if [[ "${rc}" -ne 0 || "${problems}" -ne 0 ]]; then
    echo "FAIL ${label} (exit ${rc}, ${problems} warning/error diagnostic(s))"
    cat "${log}"
    failed=1
  else
    echo "ok   ${label}"
    # Anything else it printed (e.g. Info diagnostics) is still worth seeing.
    if [[ -s "${log}" ]]; then cat "${log}"; fi
  fi
}

run_bicep "build infra/main.bicep" build infra/main.bicep --outdir "${out_dir}"
if [[ ! -s "${out_dir}/main.json" ]]; then
  echo "FAIL build produced no main.json"
  failed=1
fi

while IFS= read -r -d '' file; do
  run_bicep "lint ${file}" lint "${file}"
done < <(find infra -name '*.bicep' -not -path '*/obj/*' -not -path '*/bin/*' -print0 | sort -z)

# The parameters file must be valid JSON and only name parameters main.bicep declares.
if [[ -s "${out_dir}/main.json" ]] && ! command -v python3 >/dev/null 2>&1; then
  echo "skip infra/main.parameters.json check (python3 not found)"
elif [[ -s "${out_dir}/main.json" ]]; then
  if python3 - "${out_dir}/main.json" infra/main.parameters.json <<'PY'
import json, sys
template = json.load(open(sys.argv[1]))
params = json.load(open(sys.argv[2]))["parameters"]
declared = template.get("parameters", {})
unknown = sorted(set(params) - set(declared))
required = sorted(n for n, p in declared.items() if "defaultValue" not in p and n not in params)
if unknown or required:
    print("unknown parameters:", unknown, "required but unmapped:", required)
    sys.exit(1)
PY
  then
    echo "ok   infra/main.parameters.json matches main.bicep"
  else
    echo "FAIL infra/main.parameters.json does not match main.bicep"
    failed=1
  fi
fi

if [[ "${failed}" -ne 0 ]]; then
  echo "Bicep check failed." >&2
  exit 1
fi
echo "Bicep check passed: 0 errors, 0 warnings."
