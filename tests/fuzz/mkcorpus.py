#!/usr/bin/env python3
"""mkcorpus.py OUTDIR - write the seed corpus of every fuzz target into
OUTDIR/<target>/ (small, hand-written inputs; no third-party data).

Layouts follow the harness comments in tests/fuzz/fuzz_*.c."""
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile

OUT = sys.argv[1] if len(sys.argv) > 1 else "build/fuzz/corpus"
seeds = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, []).append(data)


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


D = "sha256:" + "a" * 64

# ---- ref ------------------------------------------------------------------
for r in ["alpine", "alpine:3.19", "user/app:1.0", "127.0.0.1:5000/busybox",
          "localhost/x@" + D, "name:tag@" + D, "index.docker.io/library/alpine",
          "docker.io/library/a/b", "[::1]:5000/a/b:c", "a.b-c.d:1/x__y--z.w:T_1.-",
          "docker.io/foo.bar/x", "UPPER/case", "a" * 300, "x:" + "t" * 128, "ghcr.io/o/r/s/t:v",
          "localhost:5000/a", "a@sha256:zz", "/a", "a/", "a//b", ":tag", "@" + D]:
    add("ref", r)

# ---- auth_challenge: byte0 even = header, odd = error body ------------------
for h in ['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
          'Basic realm="Registry"', 'Bearer realm="x\\"y",error="insufficient_scope"',
          'Bearer realm=unquoted, service=s', 'Bearer realm="unterminated', 'Bearer , Basic realm="b"',
          'Bearer realm="a" scope="b"', 'Negotiate', '  Bearer\trealm = "a" ,, ', 'VeryLongSchemeName realm=x']:
    add("auth_challenge", b"\x00" + h.encode())
for b in ['{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}',
          '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached\\nyour pull rate limit"}]}',
          '{"details":"incorrect username or password"}', '{"error":"x"}', '{"errors":[]}',
          '{"errors":[{"code":' + '"A_' * 40 + '"}]}', '[1,2]', 'not json', '{"errors":[{"code":"X","message":"x"}]}']:
    add("auth_challenge", b"\x01" + b.encode())

# ---- url: "BASE\nREF" ----------------------------------------------------------
for u in ["https://registry.example/v2/a/manifests/b\n/v2/a/blobs/x",
          "https://r.example:5000/v2/x?y=1#f\nhttps://cdn.example/blob?sig=1",
          "http://[::1]:8080/a/b\n../c", "https://h/a\n//other.host/p", "https://u:p@h:1/\nrel?q#f",
          "localhost:3128", "http://proxy.example:3128", "https://h:99999/", "https://[::1/",
          "https://h/\nhttps:/x", "aGVsbG8gd29ybGQ=", "dXNlcjpwYXNz", "a=="]:
    add("url", u)

# ---- http_response: byte0 flags + server bytes -------------------------------
R = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /v2/other\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 302 Found\r\nLocation: https://cdn.example/blob\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntruncated",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"https://a/t\"\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}\n",
    b"HTTP/1.1 999 Bad\r\n\r\n", b"HTTP/2 200\r\n\r\n", b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
]
for i, r in enumerate(R):
    for f in (0, 2, 4 | 16, 8 | 2, 12, 1, 32):
        add("http_response", bytes([f]) + r)

# ---- manifest: flags, selector, parts --------------------------------------------
cfg = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["' + D.encode() + b'"]}}'
man = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
       '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},'
       '"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":32}]}'
       % (sha(cfg), len(cfg), D)).encode()
dman = man.replace(b"application/vnd.oci.image.manifest.v1+json", b"application/vnd.docker.distribution.manifest.v2+json")


def index(mt, entries):
    ms = ",".join('{"mediaType":"%s","digest":"@@D@@","size":%d,"platform":{"architecture":"%s","os":"%s"%s}%s}'
                  % (e[0], e[1], e[2], e[3], (',"variant":"%s"' % e[4]) if e[4] else "", e[5]) for e in entries)
    return ('{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' % (mt, ms)).encode()


OCI_IDX = "application/vnd.oci.image.index.v1+json"
OCI_MAN = "application/vnd.oci.image.manifest.v1+json"
att = ',"annotations":{"vnd.docker.reference.type":"attestation-manifest"}'
idx1 = index(OCI_IDX, [(OCI_MAN, len(man), "amd64", "linux", "", ""),
                       (OCI_MAN, len(man), "arm64", "linux", "v8", ""),
                       (OCI_MAN, len(man), "unknown", "unknown", "", att)])
idx2 = index("application/vnd.docker.distribution.manifest.list.v2+json",
             [(OCI_MAN, len(man), "arm", "linux", "v6", ""), (OCI_MAN, len(man), "arm", "linux", "v7", "")])
S = b"\n@@@@\n"
for sel in (1, 2, 4, 3, 0x11):
    add("manifest", bytes([0, sel]) + idx1 + S + man)
add("manifest", bytes([2, 4]) + idx2 + S + man)
add("manifest", bytes([4, 1]) + man)
add("manifest", bytes([6, 1]) + dman)
add("manifest", bytes([8 | 32, 1]) + man)
add("manifest", bytes([0, 1]) + idx1 + S + idx1)          # nested index
add("manifest", bytes([0, 6]) + idx1 + S + man)           # no match
add("manifest", bytes([12, 1]) + b'{"schemaVersion":1,"name":"x"}')
add("manifest", bytes([0, 1]) + idx1.replace(b'"size":%d' % len(man), b'"size":1', 1) + S + man)
tok401 = (b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="https://fuzz.test/token",'
          b'service="fuzz.test",scope="repository:lib/img:pull"\r\nContent-Length: 0\r\n\r\n')
tok = b'HTTP/1.1 200 OK\r\nContent-Length: @@CL@@\r\n\r\n{"token":"t0k","expires_in":300}'
mresp = (b"HTTP/1.1 200 OK\r\nContent-Type: " + OCI_MAN.encode() +
         b"\r\nDocker-Content-Digest: @@D@@\r\nContent-Length: @@CL@@\r\n\r\n")
add("manifest", bytes([1, 1]) + tok401 + S + tok + S + mresp + man)
add("manifest", bytes([1 | 64, 1]) + b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="r"\r\nContent-Length: 0\r\n\r\n' + S + mresp + man)
add("manifest", bytes([1, 1]) + b'HTTP/1.1 404 Not Found\r\nContent-Length: 77\r\n\r\n{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":1}]}')
add("manifest", bytes([1, 1]) + b'HTTP/1.1 429 Too Many\r\nContent-Length: 0\r\n\r\n')
add("manifest", bytes([1, 1]) + b'HTTP/1.1 307 Moved\r\nLocation: /v2/lib/img/manifests/other\r\nContent-Length: 0\r\n\r\n' + S + mresp + man)
blob = b"\n####\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
blob206 = b"\n####\nHTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-104/105\r\nContent-Length: 5\r\n\r\nhello"
add("manifest", bytes([4 | 128, 1]) + man + blob)
add("manifest", bytes([4 | 128, 0x11]) + man + blob206)
add("manifest", bytes([4 | 128, 0x21]) + man + b"\n####\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")

# ---- json: image configs and OCI configs --------------------------------------------
add("json", cfg)
add("json", b'{"created":"2024-01-02T03:04:05.123456789Z","architecture":"amd64","os":"linux",'
            b'"config":{"Env":["PATH=/usr/bin","A=b"],"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],'
            b'"WorkingDir":"/w","User":"nobody:nogroup","StopSignal":"SIGQUIT","Labels":{"a":"b"}},'
            b'"rootfs":{"type":"layers","diff_ids":["' + D.encode() + b'"]}}')
add("json", b'{"created":"1969-12-31T23:59:59+01:00","config":{"Entrypoint":[1,null,{}],"Cmd":"x","Env":[1,"=",""],"StopSignal":"99"}}')
add("json", b'{"created":"9999-99-99T99:99:99-99:99","config":{"StopSignal":"SIGRTMIN+3","WorkingDir":"","User":""}}')
add("json", b'{"ociVersion":"1.0.2","process":{"args":["sh"],"env":["A=b"],"cwd":"/","user":{"uid":1e300,"gid":-5},'
            b'"capabilities":{"bounding":["CAP_CHOWN","CAP_BOGUS",7]}},"root":{"path":"/r","readonly":true,'
            b'"sbc.overlay":{"lower":["/a",2],"upper":"/u","work":"/w"}},"hostname":"h",'
            b'"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","ro","bind","size=1"]},{"type":"bind"}],'
            b'"linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"network","path":"/x"}],'
            b'"maskedPaths":["/proc/kcore"],"cgroupsPath":"///sbc/x","resources":{"memory":{"limit":-1},"pids":{"limit":-9},"cpu":{"quota":-1,"period":1e40}}}}')
add("json", b'[]')
add("json", b'{"a":' * 50 + b'1' + b'}' * 50)

# ---- user: USER\nPASSWD\n%%\nGROUP -------------------------------------------------------
pw = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbad line\napp:x:1000:1000::/home/app:/bin/sh\n"
gr = "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nwheel:x:10:app,other\nshort:x\n"
for u in ["root", "0", "nobody:nogroup", "app", "1000:10", "app:wheel", "missing", "5:missing", "5:77", "0:" + "g" * 200, ""]:
    add("user", u + "\n" + pw + "\n%%\n" + gr)

# ---- layer: flags, selector, structured text or raw tar ---------------------------
L = [
    "d etc\nf etc/passwd\troot:x:0:0\nl etc/link\tpasswd\nh etc/hard\tetc/passwd\nx etc/attr\tuser.k=v\nm bin/su\t4755\no home\t1000:1000\np fifo\n",
    "l esc\t../sentinel\nf esc/pwned\tx\n",
    "l esc\t../../sentinel\nf esc/pwned\tx\n",
    "l abs\t/tmp/sbcfuzz-canary\nf abs/canary\tpwned\nf abs/new\tx\n",
    "h hl\t/tmp/sbcfuzz-canary/canary\nh hl2\t../sentinel/x\n",
    "f ../sentinel/x\tx\nf /../../sentinel/y\ty\nf ./a/../../b\tz\n",
    "d a\nl a/b\t.\nf a/b/b/b/c\tx\nl loop\tloop\nf loop/x\ty\n",
    "f a\tfile\nd a\nf a/b\tx\nl a\t/\nf a/etc/shadow\tx\n",
    "f .wh..wh..opq\t\nd d\nf d/.wh..wh..opq\t\nf d/.wh.x\t\nf .wh.\t\nf .wh...\t\n",
    "c dev/null\t1,3\nb dev/sda\t8,0\nc wh\t0,0\np f\n",
    "x f\ttrusted.overlay.opaque=y\nx g\tsecurity.capability=\\x01\nx h\ttrusted.overlay.redirect=/etc\nx i\tuser.a=b\n",
    "d a\nf a/x\t1\n---\nf a/.wh.x\t\nf .wh.a\t\nd a\nf a/y\t2\n---\nd a\nf a/.wh..wh..opq\t\nh l\ta/y\n",
    "f " + "x/" * 200 + "f\tdeep\n",
    "f " + "n" * 300 + "\tlong\n",
    "h a\ta\nh b\tc\nh .\tx\nd .\nf .\tx\n",
    "l s\t/etc\nh t\ts\nf s/passwd\tx\n",
]
for t in L:
    for f in (0, 2 | 128, 16 | 4, 32 | 8 | 128):
        add("layer", bytes([f, 3]) + t.encode())
    add("layer", bytes([16 | 64, 200]) + t.encode())     # truncated gzip
    add("layer", bytes([64, 100]) + t.encode())          # truncated tar


def tarbytes(fn, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        fn(t)
    return b.getvalue()


def entries(t):
    def ti(name, typ=tarfile.REGTYPE, data=b"", link="", mode=0o644):
        i = tarfile.TarInfo(name)
        i.type, i.linkname, i.mode, i.size, i.mtime = typ, link, mode, len(data), 1000000000
        t.addfile(i, io.BytesIO(data) if data else None)
    ti("d", tarfile.DIRTYPE, mode=0o755)
    ti("d/f", data=b"hello")
    ti("d/s", tarfile.SYMTYPE, link="../../sentinel")
    ti("d/h", tarfile.LNKTYPE, link="d/f")
    ti("d/.wh.gone")
    ti("g" * 100 + "/" + "h" * 90, data=b"long")


for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT):
    raw = tarbytes(entries, fmt)
    add("layer", bytes([1, 3]) + raw)
    add("layer", bytes([1, 4]) + gzip.compress(raw, mtime=0))
    add("layer", bytes([1 | 64, 128]) + raw)
raw = tarbytes(entries)
add("layer", bytes([1, 4]) + gzip.compress(raw, mtime=0) + gzip.compress(b"second member", mtime=0))
add("layer", bytes([1, 4]) + raw + b"trailing garbage after the end of the archive")
add("layer", bytes([1, 4]) + b"")
try:
    z = subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
    add("layer", bytes([1, 4]) + z)
    add("layer", bytes([1 | 64, 100]) + z)
except (OSError, subprocess.CalledProcessError):
    pass

# ---- tar: byte 0 the reader's chunk sizes, then a tar stream -----------------------
def tar_entries(t):
    def ti(name, typ=tarfile.REGTYPE, data=b"", link="", mode=0o644, pax=None, uid=0, mtime=1000000000):
        i = tarfile.TarInfo(name)
        i.type, i.linkname, i.mode, i.size, i.mtime, i.uid = typ, link, mode, len(data), mtime, uid
        if pax:
            i.pax_headers = pax
        t.addfile(i, io.BytesIO(data) if data else None)
    ti("d/", tarfile.DIRTYPE, mode=0o755)
    ti("d/f", data=b"hello" * 200)
    ti("d/s", tarfile.SYMTYPE, link="t" * 150)
    ti("d/h", tarfile.LNKTYPE, link="d/f")
    ti("c", tarfile.CHRTYPE)
    ti("p" * 120 + "/" + "q" * 90, data=b"long", uid=3000000)
    ti("x", data=b"x", pax={"SCHILY.xattr.user.k": "v", "LIBARCHIVE.xattr.user.b": "dmI=", "mtime": "-5.25"})
    ti("fifo", tarfile.FIFOTYPE, mtime=-1)


for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT):
    try:
        raw = tarbytes(tar_entries, fmt)
    except ValueError:
        continue
    for sel in (0x00, 0x5f, 0xf3):
        add("tar", bytes([sel]) + raw)
    add("tar", bytes([0x21]) + raw[:len(raw) // 2])
add("tar", bytes([0x11]) + tarbytes(entries, tarfile.PAX_FORMAT))
add("tar", bytes([0x11]) + b"")

# ---- seccomp: Docker-format and OCI linux.seccomp profiles ---------------------
add("seccomp", '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"archMap":[{"architecture":"SCMP_ARCH_X86_64",'
    '"subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":null}],'
    '"syscalls":[{"names":["read","write","exit_group","no_such_call"],"action":"SCMP_ACT_ALLOW"},'
    '{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}},'
    '{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":38,"op":"SCMP_CMP_LT"}]},'
    '{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}],'
    '"excludes":{"caps":["CAP_SYS_ADMIN"],"arches":["s390","s390x"]}},'
    '{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38,"excludes":{"caps":["CAP_SYS_ADMIN"]}},'
    '{"names":["arch_prctl"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64","x32"]}},'
    '{"names":["reboot"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_BOOT"]}}]}')
add("seccomp", '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],'
    '"flags":["SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_LOG"],'
    '"syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":77},'
    '{"names":["umask"],"action":"SCMP_ACT_TRACE","errnoRet":65535,"args":[{"index":0,"value":7,"op":"SCMP_CMP_EQ"},'
    '{"index":0,"value":18,"valueTwo":18,"op":"SCMP_CMP_MASKED_EQ"}]},'
    '{"name":"uname","action":"SCMP_ACT_KILL_PROCESS","args":[{"index":5,"value":0,"op":"SCMP_CMP_NE"}]},'
    '{"names":["getpid"],"action":"SCMP_ACT_LOG"},{"names":["kill"],"action":"SCMP_ACT_TRAP"},'
    '{"names":["tkill"],"action":"SCMP_ACT_KILL_THREAD"},{"names":["tgkill"],"action":"SCMP_ACT_KILL"}]}')
add("seccomp", '{"defaultAction":"SCMP_ACT_NOTIFY"}')
add("seccomp", '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO",'
    '"args":[{"index":9,"value":1e300,"op":"SCMP_CMP_GE"}]}]}')
add("seccomp", '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[' + ','.join(
    '{"names":["n%d"],"action":"SCMP_ACT_ALLOW","args":[{"index":%d,"value":%d,"op":"SCMP_CMP_GT"}]}' % (i, i % 6, i)
    for i in range(40)) + ']}')

# ---- unz: byte 0 gzip (even) / zstd (odd), chunk sizes, the stream ------------
import struct
import zlib

def member(data, flags=0, extra=b"", name=b"", comment=b"", level=6):
    h = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\x03")
    if flags & 4:
        h += struct.pack("<H", len(extra)) + extra
    if flags & 8:
        h += name + b"\0"
    if flags & 16:
        h += comment + b"\0"
    if flags & 2:
        h += struct.pack("<H", zlib.crc32(bytes(h)) & 0xffff)
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return bytes(h) + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xffffffff)

text = b"layer data, a little repetitive, layer data " * 40
for ich, och in ((0, 0), (6, 3), (255, 255)):
    add("unz", bytes([0, ich, och]) + member(text))
    add("unz", bytes([0, ich, och]) + member(text, 2 | 4 | 8 | 16, b"ab\0\1", b"layer.tar", b"c") + member(b"", level=1))
    add("unz", bytes([0, ich, och]) + member(bytes(range(256)) * 8, level=0))
add("unz", bytes([0, 1, 1]) + member(text)[:-3])                 # truncated
add("unz", bytes([0, 9, 9]) + member(text) + b"\x1f")           # a member begun
add("unz", bytes([0, 9, 9]) + member(text) + b"junk")            # garbage after
add("unz", bytes([0, 9, 9]) + gzip.compress(text, mtime=0))      # Python's own writer
try:
    z = subprocess.run(["zstd", "-q", "-c", "-3"], input=text, capture_output=True, check=True).stdout
    add("unz", bytes([1, 7, 5]) + z + z)
    add("unz", bytes([1, 255, 255]) + z[:-2])
except (OSError, subprocess.CalledProcessError):
    pass

# ---- gotmpl: --format templates (first byte odd: checked against titles) ----------
for t in [b"{{.ID}}\\t{{.Names}}", b"\x01table {{.ID}}\\t{{.Names}}\\t{{.State.Status}}", b"{{json .}}",
          b"{{index .Config.Labels \"k\"}} {{index .Config.Nested 1 1 0}}", b"{{index .Labels \"b\"}}",
          b"{{range .Config.Env}}[{{.}}]{{else}}none{{end}}", b"{{if .Config.Tty}}a{{else}}b{{end}}",
          b"{{range .Config.Nested}}{{range .}}{{json .}}{{end}}{{end}}", b"x {{- .ID -}} y {{/* c */}}",
          b"{{.Nope}}", b"{{if .ID}}", b"{{.ID", b"{{index .Labels \"k}}", b"{{end}}{{else}}"]:
    add("gotmpl", t)

# ---- dockerfile: a Dockerfile's text (its arguments are also expanded) ----------
for t in ["# syntax=docker/dockerfile:1\nFROM alpine:3 AS b\nRUN apk add \\\n  # c\n\n  curl\n",
          "# escape=`\nFROM w\nCOPY a c:\\\nRUN dir c:\\ `\n /s\n",
          "FROM a\nENV A=1 B=\"x y\" C=$A${B:-d}\\ e\nENV L the value\nLABEL 'k'=v\nARG X=${A:+z}\n",
          "FROM --platform=$P a\nCOPY --from=b --chown=1:2 --link [\"a\", \"b\"]\nADD x y\nVOLUME [\"/v\"]\n",
          "FROM a\nRUN --mount=type=cache,target=/c make\nCMD [\"sh\", \"-c\"]\nSHELL [\"sh\"]\n",
          "FROM a\nHEALTHCHECK --interval=5s --retries=3 CMD [\"x\"]\nHEALTHCHECK NONE\nONBUILD RUN x\n",
          "FROM a\nEXPOSE 80/tcp ${P}\nUSER ${U:-root}\nWORKDIR \"$W\"/x\nSTOPSIGNAL 9\nFOOO x\n",
          "FROM a\nRUN x \\\n",
          "FROM a\nRUN <<EOF\necho $A\nEOF\nCOPY <<-'X' <<Y /d\n\tq\n\tX\ny\nY\n"]:
    add("dockerfile", t)

# ---- ignore: .dockerignore text, then NUL and paths to match, one a line ----
for t in [b"# c\n*/temp*\n*/*/temp*\ntemp?\n", b"**/*.go\n\0main.go\na/b/c.go\na/b/c.go/x",
          b"*.md\n!README*.md\nREADME-secret.md\n\0README-secret.md\nREADME-x.md\nx.md",
          b"docs\n!docs/keep.md\n\0docs/keep.md\ndocs/a\ndocs", b"/a/../b\n./c//d/\n!  e\n",
          b"a[b-d]e\n[^x]\n\\*\n[\\]]\n", b"[a\n", b"*a*a*a*a*a*a*a*b\n\0" + b"a" * 300,
          b"a/**/b\n**\na**b\n!**/x/**\n\0a/x/y/b\nq/x/r"]:
    add("ignore", t)

for target, items in seeds.items():
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for data in items:
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
print("seeds: " + ", ".join("%s %d" % (t, len(v)) for t, v in sorted(seeds.items())))
