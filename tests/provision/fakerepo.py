"""Build small local Debian repositories (binary and source) for the provisioning
tests, with nothing but dpkg-deb and the standard library: no network.

    make_binary_repo(dir, packages) -> "deb [trusted=yes] file:DIR ./"
    make_source_repo(dir, sources) -> "deb [trusted=yes] file:DIR ./"

A flat repository ("./") with a Packages/Sources index and a Release file that
lists their hashes; [trusted=yes] means no signature is needed.
"""
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import time


def _digests(path):
    data = open(path, "rb").read()
    return {
        "size": len(data),
        "md5": hashlib.md5(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def build_deb(workdir, name, version, files, depends=None, arch="amd64"):
    """files: {"usr/bin/x": (text_or_bytes, mode)}.  Returns the .deb path."""
    root = os.path.join(workdir, "pkg-%s-%s" % (name, version))
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "DEBIAN"))
    for rel, (content, mode) in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        with open(path, "wb") as f:
            f.write(content)
        os.chmod(path, mode)
    control = [
        "Package: %s" % name,
        "Version: %s" % version,
        "Architecture: %s" % arch,
        "Maintainer: pyconform tests <tests@localhost>",
        "Description: fake package for the pyconform provisioning tests",
    ]
    if depends:
        control.append("Depends: %s" % depends)
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write("\n".join(control) + "\n")
    deb = os.path.join(workdir, "%s_%s_%s.deb" % (name, version.replace(":", "%3a"), arch))
    subprocess.check_call(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, deb],
                          stdout=subprocess.DEVNULL)
    shutil.rmtree(root)
    return deb


def _write_release(repo, index_names):
    lines = ["Origin: pyconform-test", "Label: pyconform-test", "Suite: test", "Codename: test",
             "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime()),
             "Architectures: amd64 all", "MD5Sum:"]
    for n in index_names:
        d = _digests(os.path.join(repo, n))
        lines.append(" %s %d %s" % (d["md5"], d["size"], n))
    lines.append("SHA256:")
    for n in index_names:
        d = _digests(os.path.join(repo, n))
        lines.append(" %s %d %s" % (d["sha256"], d["size"], n))
    with open(os.path.join(repo, "Release"), "w") as f:
        f.write("\n".join(lines) + "\n")


def make_binary_repo(repo, debs):
    """debs: paths of .deb files (copied into repo).  Returns the sources line."""
    os.makedirs(repo, exist_ok=True)
    stanzas = []
    for deb in debs:
        base = os.path.basename(deb)
        target = os.path.join(repo, base)
        if os.path.abspath(deb) != os.path.abspath(target):
            shutil.copy(deb, target)
        control = subprocess.check_output(["dpkg-deb", "-f", target]).decode().rstrip("\n")
        d = _digests(target)
        stanzas.append(control + "\nFilename: ./%s\nSize: %d\nMD5sum: %s\nSHA256: %s\n"
                       % (base, d["size"], d["md5"], d["sha256"]))
    text = "\n".join(stanzas)
    with open(os.path.join(repo, "Packages"), "w") as f:
        f.write(text)
    with gzip.open(os.path.join(repo, "Packages.gz"), "wt") as f:
        f.write(text)
    _write_release(repo, ["Packages", "Packages.gz"])
    return "deb [trusted=yes] file:%s ./" % repo


def make_source_tarball(path, topdir, files):
    """A .tar.xz whose members live under topdir/.  files: {rel: (text, mode)}."""
    with tarfile.open(path, "w:xz") as tar:
        for rel, (content, mode) in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo("%s/%s" % (topdir, rel))
            info.size = len(data)
            info.mode = mode
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))


def make_source_repo(repo, sources):
    """sources: list of dicts {"package", "version", "files": [paths]} where the
    files (dsc, orig tarball, ...) are listed in the index; a file that does not
    exist in repo is listed anyway with fake hashes (it will 404, as on a mirror
    that lists a version it does not serve), given as (name, size) tuples."""
    os.makedirs(repo, exist_ok=True)
    stanzas = []
    for s in sources:
        md5, sha = [], []
        for f in s["files"]:
            if isinstance(f, tuple):  # listed, not served
                name, size = f
                md5.append(" %s %d %s" % ("0" * 32, size, name))
                sha.append(" %s %d %s" % ("0" * 64, size, name))
                continue
            base = os.path.basename(f)
            target = os.path.join(repo, base)
            if os.path.abspath(f) != os.path.abspath(target):
                shutil.copy(f, target)
            d = _digests(target)
            md5.append(" %s %d %s" % (d["md5"], d["size"], base))
            sha.append(" %s %d %s" % (d["sha256"], d["size"], base))
        stanzas.append("\n".join([
            "Package: %s" % s["package"],
            "Binary: %s" % s["package"],
            "Version: %s" % s["version"],
            "Maintainer: pyconform tests <tests@localhost>",
            "Architecture: any",
            "Format: 3.0 (quilt)",
            "Directory: .",
            "Files:",
        ] + md5 + ["Checksums-Sha256:"] + sha) + "\n")
    text = "\n".join(stanzas)
    with open(os.path.join(repo, "Sources"), "w") as f:
        f.write(text)
    with gzip.open(os.path.join(repo, "Sources.gz"), "wt") as f:
        f.write(text)
    _write_release(repo, ["Sources", "Sources.gz"])
    return "deb [trusted=yes] file:%s ./" % repo
