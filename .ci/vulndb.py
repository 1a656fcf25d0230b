#!/usr/bin/env python3
"""Build an offline Go vulnerability database for govulncheck -db file://…

These machines reach the Go module proxy but not vuln.go.dev, so .ci/run
downloads the golang.org/x/vulndb module (its data/osv holds every report
as OSV JSON) and lays it out as the v1 database that govulncheck reads:
index/db.json, index/modules.json, index/vulns.json and ID/<id>.json.

usage: vulndb.py MODULE_DIR OUT_DIR MODIFIED(RFC 3339)
"""
import json
import os
import sys


def main(src, out, modified):
    osv_dir = os.path.join(src, "data", "osv")
    os.makedirs(os.path.join(out, "index"), exist_ok=True)
    os.makedirs(os.path.join(out, "ID"), exist_ok=True)
    modules, vulns = {}, []
    for name in sorted(os.listdir(osv_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(osv_dir, name), encoding="utf-8") as f:
            entry = json.load(f)
        if entry.get("modified", "").startswith("0001-"):
            entry["modified"] = modified  # the repo leaves it to its generator
        with open(os.path.join(out, "ID", name), "w", encoding="utf-8") as f:
            json.dump(entry, f)
        vulns.append({"id": entry["id"], "modified": entry["modified"], "aliases": entry.get("aliases", [])})
        for aff in entry.get("affected", []):
            path = aff["package"]["name"]
            fixed = ""
            for rng in aff.get("ranges", []):
                for ev in rng.get("events", []):
                    fixed = ev.get("fixed", fixed)
            mod = modules.setdefault(path, {"path": path, "vulns": []})
            v = {"id": entry["id"], "modified": entry["modified"]}
            if fixed:
                v["fixed"] = fixed
            mod["vulns"].append(v)
    with open(os.path.join(out, "index", "db.json"), "w") as f:
        json.dump({"modified": modified}, f)
    with open(os.path.join(out, "index", "modules.json"), "w") as f:
        json.dump(list(modules.values()), f)
    with open(os.path.join(out, "index", "vulns.json"), "w") as f:
        json.dump(vulns, f)
    print(f"vulndb: {len(vulns)} reports, {len(modules)} modules")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
