"""The web page's third-party files, fetched from npm into static/vendor as vendor.json lists them.

This is the one way to put them in place: the build hook in setup.py runs it when a wheel, an sdist
or an editable install is built, and scripts/vendor_web.sh runs it by hand. It writes VERSIONS.json
beside the files (each package's version, licence, npm integrity and files), so an installed kronika
records what it carries. Standard library only: setup.py loads it before kronika's dependencies
are installed.

    python src/kronika/web/vendor.py          # fetch when something is missing or out of date
    python src/kronika/web/vendor.py --check  # list what is missing; change nothing
    python src/kronika/web/vendor.py --force  # fetch again
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
SPEC = HERE / "vendor.json"
DEST = HERE / "static" / "vendor"
MANIFEST = "VERSIONS.json"
_SPEC_KEYS = ("name", "version", "license", "files", "license_files")


class VendorError(Exception):
    """The files cannot be put in place; the message says why and what to do.

    Not a KronikaError: this module runs at build time, when kronika cannot be imported yet.
    """


def load_spec(spec: Path = SPEC) -> list[dict]:
    """The packages vendor.json lists, each with exactly the keys in _SPEC_KEYS.

    >>> [p["name"] for p in load_spec()][:1]
    ['leaflet']
    """
    try:
        packages = json.loads(spec.read_text(encoding="utf-8"))["packages"]
    except (OSError, ValueError, KeyError) as exc:
        raise VendorError(f"{spec}: cannot read its package list ({exc}); restore it from git") from exc
    for package in packages:
        if sorted(package) != sorted(_SPEC_KEYS):
            raise VendorError(f"{spec}: {package.get('name', package)} must have the keys {', '.join(_SPEC_KEYS)}")
        for target in [*package["files"].values(), *package["license_files"].values()]:
            if PurePosixPath(target).is_absolute() or ".." in PurePosixPath(target).parts:
                raise VendorError(f"{spec}: {package['name']}: {target!r} must be a path inside the vendor folder")
    return packages


def problems(dest: Path = DEST, spec: Path = SPEC) -> list[str]:
    """What is missing or out of date in `dest` compared with `spec`, one line each; [] when complete."""
    try:
        carried = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))["packages"]
    except (OSError, ValueError, KeyError):
        return [f"{dest / MANIFEST} is missing or unreadable"]
    wanted = {p["name"]: p for p in load_spec(spec)}
    found = {p.get("name"): p for p in carried}
    lines = [f"{name} is not wanted any more" for name in found.keys() - wanted.keys()]
    for name, package in wanted.items():
        have = found.get(name)
        if have is None:
            lines.append(f"{name} {package['version']} is missing")
        elif any(have.get(key) != package[key] for key in _SPEC_KEYS):
            lines.append(f"{name} {have.get('version')} differs from vendor.json ({package['version']})")
        else:
            lines += [f"{dest / path} is missing" for path in have.get("carried", []) if not (dest / path).is_file()]
    return lines


def ensure(dest: Path = DEST, spec: Path = SPEC, force: bool = False) -> bool:
    """Fetch the packages into `dest` unless it is already complete; True when it fetched.

    Raises VendorError naming the fix when npm is needed but missing or fails.
    """
    missing = problems(dest, spec)
    if not missing and not force:
        return False
    packages = load_spec(spec)
    names = ", ".join(f"{p['name']} {p['version']}" for p in packages)
    npm = shutil.which("npm")
    if npm is None:
        why = missing[0] if missing else "a fresh copy was asked for"
        raise VendorError(f"the web page's files ({names}) are not in place ({why}) and npm, which fetches "
                          "them, is not installed: install npm (Debian/Ubuntu: apt-get install npm), or install "
                          "kronika from a wheel or sdist, which carry them")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".vendor-", dir=dest.parent))
    staging = work / dest.name  # made with the usual permissions, not mkdtemp's private ones
    try:
        staging.mkdir()
        with tempfile.TemporaryDirectory() as tmp:
            packed = _npm_pack(npm, packages, Path(tmp))
            carried = [_unpack(p, Path(tmp) / packed[p["name"]]["filename"], staging) for p in packages]
        manifest = {"about": "what kronika's web page carries; written by kronika/web/vendor.py from vendor.json",
                    "packages": [{**p, "integrity": packed[p["name"]]["integrity"], "carried": files}
                                 for p, files in zip(packages, carried)]}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace(dest, staging)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"kronika: vendored {names} into {dest}", file=sys.stderr)
    return True


def _npm_pack(npm: str, packages: list[dict], into: Path) -> dict[str, dict]:
    """Download each package's tarball with `npm pack` (which checks the registry's integrity)."""
    wanted = [f"{p['name']}@{p['version']}" for p in packages]
    try:
        done = subprocess.run([npm, "pack", "--json", "--loglevel=error", *wanted], cwd=into,
                              capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VendorError(f"npm pack {' '.join(wanted)} did not finish ({exc}); check npm and the network") from exc
    if done.returncode != 0:
        tail = " ".join(done.stderr.split())[-400:]
        raise VendorError(f"npm pack {' '.join(wanted)} failed: {tail}; check the network and the names and "
                          "versions in vendor.json")
    return {item["name"]: item for item in json.loads(done.stdout)}


def _unpack(package: dict, tarball: Path, staging: Path) -> list[str]:
    """Copy the files `package` takes from its tarball into `staging`; return their paths there."""
    label = f"{package['name']} {package['version']}"
    with tarfile.open(tarball, "r:gz") as tar:
        # npm tarballs hold one top folder (usually package/); paths in vendor.json are inside it
        members = {PurePosixPath(*PurePosixPath(m.name).parts[1:]).as_posix(): m
                   for m in tar.getmembers() if m.isfile()}
        meta = members.get("package.json")
        declared = json.load(tar.extractfile(meta)).get("license") if meta else None
        if declared != package["license"]:
            raise VendorError(f"{label} declares the licence {declared!r}, vendor.json says {package['license']!r}: "
                              "check the licence and correct vendor.json")
        carried = []
        for source, target in {**package["files"], **package["license_files"]}.items():
            if source.endswith("/"):
                taken = {target + name[len(source):]: m for name, m in members.items()
                         if name.startswith(source) and ".." not in PurePosixPath(name).parts}
            else:
                taken = {target: members[source]} if source in members else {}
            if not taken:
                raise VendorError(f"{label} has no {source}; correct its files in vendor.json")
            for path, member in sorted(taken.items()):
                out = staging / path
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
                carried.append(path)
    return carried


def _replace(dest: Path, staging: Path) -> None:
    """Put `staging` where `dest` is, so that `dest` is never left half written."""
    old = staging.with_name(staging.name + "-old")  # beside staging, inside the work folder
    if dest.exists():
        dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Put the web page's third-party files (vendor.json) in place.")
    parser.add_argument("--check", action="store_true", help="list what is missing or out of date; change nothing")
    parser.add_argument("--force", action="store_true", help="fetch again even when everything is in place")
    args = parser.parse_args(argv)
    try:
        if args.check:
            lines = problems()
            for line in lines:
                print(f"kronika: {line}", file=sys.stderr)
            return 1 if lines else 0
        if not ensure(force=args.force):
            print(f"kronika: the web page's files in {DEST} are up to date", file=sys.stderr)
    except VendorError as exc:
        print(f"kronika: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
