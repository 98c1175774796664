#!/usr/bin/env bash
# The code checks CI runs before building (`make check`): every C++ file git
# tracks is clang-formatted (.clang-format), and no source of src/, fuzz/ or
# bench/ has a file over 600 lines or a function over 80 (scripts/check-sizes.py).
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
unformatted=()
while IFS= read -r file; do
  if ! clang-format --dry-run -Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done < <(git ls-files '*.cc' '*.h')
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "check-code: not clang-formatted (run \`make format\`):"
  printf '  %s\n' "${unformatted[@]}"
  status=1
fi
python3 scripts/check-sizes.py src fuzz bench || status=1
exit $status
