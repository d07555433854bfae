#!/usr/bin/env bash
# Checks that every relative link in the Markdown files of the repository
# resolves: the file exists and, for a link with #anchor, the target file has
# a heading that GitHub would turn into that anchor. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, subprocess, sys
files = subprocess.run(["git", "ls-files", "*.md"], capture_output=True, text=True, check=True).stdout.split()
files += [f for f in subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "*.md"], capture_output=True, text=True, check=True).stdout.split()]
def anchors(path):
    out = set()
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for m in re.finditer(r"^#{1,6}\s+(.*)$", text, flags=re.M):
        h = m.group(1).strip().lower()
        h = re.sub(r"[^\w\- ]", "", h)
        out.add(h.replace(" ", "-"))
    return out
bad = 0
for f in sorted(set(files)):
    text = open(f, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        link = m.group(1)
        if re.match(r"^[a-z]+:", link):
            continue
        path, _, frag = link.partition("#")
        target = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(target):
            print(f"{f}: broken link {link}: {target} does not exist"); bad += 1; continue
        if frag and target.endswith(".md") and frag not in anchors(target):
            print(f"{f}: broken link {link}: no heading #{frag} in {target}"); bad += 1
if bad:
    sys.exit(1)
print(f"{len(set(files))} Markdown files, every relative link resolves")
PY
