/* fuzz_layer.c - malicious and truncated layer blobs through
 * sbc_layer_unpack (compression sniffing, gzip/zstd, both digests,
 * base/tar's reader, the *at() extraction, whiteouts, xattrs), then
 * sbc_layer_flatten of the unpacked layers.
 *
 * Input byte 0 (flags):
 *   bit 0: raw - the rest is the blob as is (needs valid tar checksums);
 *          else structured - the rest is a text list of entries turned into
 *          a pax tar with base/tar's writer (so mutations reach the
 *          extraction logic instead of dying on a checksum):
 *            f PATH<TAB>CONTENT   regular file      d PATH           dir
 *            l PATH<TAB>TARGET    symlink           h PATH<TAB>TARGET hardlink
 *            c|b PATH<TAB>MAJ,MIN device            p PATH           fifo
 *            x PATH<TAB>KEY=VAL   file + pax xattr  m PATH<TAB>MODE  file, octal mode
 *            o PATH<TAB>UID:GID   file + owner      ---              next layer
 *   bit 1..3: SBC_LAYER_NO_DEVICES, _NO_CHOWN, _NO_XATTRS
 *   bit 4-5: compression of a structured layer: none, gzip, zstd, none
 *   bit 6: truncate the blob at byte1/256 of its length
 *   bit 7: flatten the unpacked layers into another directory
 * byte 1: read size of the blob reader (and the truncation point).
 *
 * Checked after every input, whether the unpack succeeded or not:
 *  - nothing appeared outside the layer directories: the working directory
 *    holds only l0 l1 l2 flat sentinel, sentinel stays empty, and the
 *    shared canary /tmp/sbcfuzz-canary/canary is untouched (nlink 1, same
 *    bytes);
 *  - every hardlinked file has all its links inside the working directory;
 *  - with NO_DEVICES, no device nodes other than 0/0 whiteouts;
 *  - on success: digest/size cover every byte read, diff_id is the sha256
 *    of the uncompressed tar (known for structured layers).
 * run.sh runs this target in a private mount namespace with / read-only
 * and a tmpfs on /tmp, so an escape cannot damage the host.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "fuzz_common.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/tar.h"
#include "image/layer.h"

#define MAXLAYERS 3
#define CANARY_DIR "/tmp/sbcfuzz-canary"
#define CANARY CANARY_DIR "/canary"
#define CANARY_TEXT "canary\n"

static char base[64];

/* ---- the blob reader ---------------------------------------------------- */

struct mem {
    const unsigned char *p;
    size_t n, off, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, sbc_err *e)
{
    struct mem *m = ctx;
    size_t k = m->n - m->off;
    if (k > n)
        k = n;
    if (k > m->chunk)
        k = m->chunk;
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

/* ---- structured input -> tar ------------------------------------------- */

static int w_cb(void *ctx, const void *buf, size_t n, sbc_err *e)
{
    sbc_buf *b = ctx;
    if (b->len + n > (16u << 20))
        return sbc_err_set(e, 0, "too big");
    sbc_buf_add(b, buf, n);
    return 0;
}

static void add_entry(sbc_tar_writer *w, char type, const char *path, const char *arg)
{
    sbc_tar_entry en = {.path = (char *)path, .type = SBC_TAR_REG, .mode = 0644, .mtime = 1000000000};
    sbc_tar_xattr x;
    char key[256];
    const char *content = "";
    switch (type) {
    case 'd':
        en.type = SBC_TAR_DIR;
        en.mode = 0755;
        break;
    case 'l':
        en.type = SBC_TAR_SYMLINK;
        en.mode = 0777;
        en.linkpath = (char *)arg;
        break;
    case 'h':
        en.type = SBC_TAR_HARDLINK;
        en.linkpath = (char *)arg;
        break;
    case 'c':
    case 'b':
        sscanf(arg, "%u,%u", &en.devmajor, &en.devminor);
        en.type = type == 'c' ? SBC_TAR_CHR : SBC_TAR_BLK;
        en.mode = 0600;
        break;
    case 'p':
        en.type = SBC_TAR_FIFO;
        break;
    case 'x': {
        const char *eq = strchr(arg, '=');
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        const char *val = eq ? eq + 1 : "";
        x = (sbc_tar_xattr){key, (void *)val, strlen(val)};
        en.xattrs = &x;
        en.nxattrs = 1;
        break;
    }
    case 'm':
        en.mode = (unsigned)strtoul(arg, NULL, 8) & 07777;
        break;
    case 'o':
        sscanf(arg, "%lld:%lld", &en.uid, &en.gid);
        break;
    default: /* 'f' and anything else: a regular file */
        content = arg;
        break;
    }
    size_t cl = strlen(content);
    en.size = (long long)cl;
    sbc_err e = {0};
    if (sbc_tar_write_header(w, &en, &e) == 0 && cl)
        sbc_tar_write_data(w, content, cl, &e);
}

/* plain gzip-compressed (one member, as a gzip filter writes it) or zstd */
static void compress_into(int comp, const sbc_buf *plain, sbc_buf *blob)
{
    if (comp == 2) {
        size_t cap = ZSTD_compressBound(plain->len);
        char *o = sbc_xmalloc(cap);
        size_t n = ZSTD_compress(o, cap, plain->data, plain->len, 3);
        if (!ZSTD_isError(n))
            sbc_buf_add(blob, o, n);
        free(o);
        return;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    size_t cap = deflateBound(&z, plain->len) + 32;
    unsigned char *o = sbc_xmalloc(cap);
    z.next_in = (unsigned char *)plain->data;
    z.avail_in = (uInt)plain->len;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) == Z_STREAM_END)
        sbc_buf_add(blob, o, z.total_out);
    deflateEnd(&z);
    free(o);
}

/* Build one layer from text lines [p, p+n).  plain gets the uncompressed
 * tar, blob the (maybe compressed) one. */
static void build_layer(const char *p, size_t n, int comp, sbc_buf *blob, sbc_buf *plain)
{
    char *txt = sbc_xmalloc(n + 1);
    memcpy(txt, p, n);
    txt[n] = 0;
    sbc_tar_writer *w = sbc_tar_writer_new(w_cb, plain, 0);
    for (char *l = txt, *next; l && *l; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        if (strlen(l) < 3 || l[1] != ' ')
            continue;
        char *tab = strchr(l + 2, '\t');
        if (tab)
            *tab++ = 0;
        add_entry(w, l[0], l + 2, tab ? tab : "");
    }
    sbc_err e = {0};
    sbc_tar_writer_close(w, &e);
    sbc_tar_writer_free(w);
    if (!plain->data)
        sbc_buf_add(plain, "", 0);
    if (comp == 1 || comp == 2)
        compress_into(comp, plain, blob);
    else
        sbc_buf_add(blob, plain->data, plain->len);
    if (!blob->data)
        sbc_buf_add(blob, "", 0);
    free(txt);
}

/* ---- the checks ---------------------------------------------------------- */

struct ino {
    dev_t dev;
    ino_t ino;
    nlink_t nlink;
    unsigned seen;
};
static struct ino *inos;
static size_t ninos, capinos;

static void note_inode(const struct stat *st)
{
    for (size_t i = 0; i < ninos; i++)
        if (inos[i].dev == st->st_dev && inos[i].ino == st->st_ino) {
            inos[i].seen++;
            return;
        }
    if (ninos == capinos) {
        capinos = capinos ? capinos * 2 : 64;
        inos = sbc_xrealloc(inos, capinos * sizeof *inos);
    }
    inos[ninos++] = (struct ino){st->st_dev, st->st_ino, st->st_nlink, 1};
}

static void walk(int dfd, const char *rel, unsigned flags, int depth)
{
    FUZZ_ASSERT(depth < 4096, "tree deeper than 4096 at %s", rel); /* sanity only */
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_ASSERT(fd >= 0, "reopen %s: %s", rel, strerror(errno));
    DIR *d = fdopendir(fd);
    FUZZ_ASSERT(d, "fdopendir %s", rel);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        FUZZ_ASSERT(fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0, "stat %s/%s",
                    rel, de->d_name);
        if (S_ISREG(st.st_mode) && st.st_nlink > 1)
            note_inode(&st);
        if (flags & SBC_LAYER_NO_DEVICES) {
            FUZZ_ASSERT(!S_ISBLK(st.st_mode), "block device %s/%s with NO_DEVICES", rel, de->d_name);
            FUZZ_ASSERT(!S_ISCHR(st.st_mode) || st.st_rdev == makedev(0, 0),
                        "char device %u,%u %s/%s with NO_DEVICES", major(st.st_rdev),
                        minor(st.st_rdev), rel, de->d_name);
        }
        if (S_ISDIR(st.st_mode)) {
            int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            FUZZ_ASSERT(cfd >= 0, "open dir %s/%s: %s", rel, de->d_name, strerror(errno));
            char *r2 = sbc_xasprintf("%s/%s", rel, de->d_name);
            walk(cfd, r2, flags, depth + 1);
            free(r2);
            close(cfd);
        }
    }
    closedir(d);
}

static void check_containment(unsigned flags)
{
    /* the working directory holds exactly our directories */
    DIR *d = opendir(base);
    FUZZ_ASSERT(d, "opendir %s", base);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        FUZZ_ASSERT(!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "l0") || !strcmp(n, "l1") ||
                        !strcmp(n, "l2") || !strcmp(n, "flat") || !strcmp(n, "sentinel"),
                    "\"%s\" appeared next to the layer directories", n);
    }
    closedir(d);
    char *sp = sbc_xasprintf("%s/sentinel", base);
    d = opendir(sp);
    FUZZ_ASSERT(d, "sentinel directory gone");
    while ((de = readdir(d)))
        FUZZ_ASSERT(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."),
                    "\"%s\" written into the sentinel directory outside the layer", de->d_name);
    closedir(d);
    free(sp);
    struct stat st;
    FUZZ_ASSERT(lstat(CANARY, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
                    st.st_size == (off_t)strlen(CANARY_TEXT) && (st.st_mode & 07777) == 0644 &&
                    st.st_uid == 0,
                "canary " CANARY " changed (nlink %lu size %lld mode %o)",
                (unsigned long)st.st_nlink, (long long)st.st_size, st.st_mode);
    char buf[64] = "";
    int fd = open(CANARY, O_RDONLY | O_NOFOLLOW);
    FUZZ_ASSERT(fd >= 0 && read(fd, buf, sizeof buf - 1) == (ssize_t)strlen(CANARY_TEXT) &&
                    !strcmp(buf, CANARY_TEXT),
                "canary content changed");
    close(fd);
    d = opendir(CANARY_DIR);
    while ((de = readdir(d)))
        FUZZ_ASSERT(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                        !strcmp(de->d_name, "canary"),
                    "\"%s\" written into " CANARY_DIR, de->d_name);
    closedir(d);
    /* hardlinks: all links of every multiply-linked file are ours */
    ninos = 0;
    int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    walk(bfd, base, flags, 0);
    close(bfd);
    for (size_t i = 0; i < ninos; i++)
        FUZZ_ASSERT(inos[i].seen == inos[i].nlink,
                    "a file with %lu links has only %u inside the layer: linked to something outside",
                    (unsigned long)inos[i].nlink, inos[i].seen);
}

/* ---- setup / reset --------------------------------------------------------- */

static void reset_dirs(void)
{
    static const char *const sub[] = {"l0", "l1", "l2", "flat", "sentinel"};
    sbc_err e = {0};
    int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_ASSERT(bfd >= 0, "open %s", base);
    /* anything unexpected is removed too (after it was reported) */
    DIR *d = fdopendir(dup(bfd));
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            sbc_rm_rf(bfd, de->d_name, &e);
    closedir(d);
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        FUZZ_ASSERT(mkdirat(bfd, sub[i], 0755) == 0, "mkdir %s/%s: %s", base, sub[i],
                    strerror(errno));
    close(bfd);
}

static void cleanup(void)
{
    sbc_err e = {0};
    if (base[0])
        sbc_rm_rf(AT_FDCWD, base, &e);
}

static void setup(void)
{
    if (base[0])
        return;
    snprintf(base, sizeof base, "/tmp/sbcfuzz-layer.%d", (int)getpid());
    sbc_err e = {0};
    sbc_rm_rf(AT_FDCWD, base, &e);
    FUZZ_ASSERT(mkdir(base, 0755) == 0, "mkdir %s: %s", base, strerror(errno));
    mkdir(CANARY_DIR, 0755);
    int fd = open(CANARY, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        write(fd, CANARY_TEXT, strlen(CANARY_TEXT));
        close(fd);
    }
    umask(022);
    atexit(cleanup);
}

/* ---- the target ------------------------------------------------------------- */

static void one_layer(const unsigned char *blob, size_t n, const sbc_buf *plain, unsigned flags,
                      unsigned sel, const char *dest, int *ok)
{
    struct mem m = {blob, n, 0, 0};
    static const size_t chunks[] = {1, 3, 512, 4096, 65536, 1 << 20, 7, 100000};
    m.chunk = chunks[sel & 7];
    if (flags & 64) /* truncated download */
        m.n = n * (size_t)(sel >> 0 & 0xff) / 256;
    unsigned lflags = (flags >> 1) & 7;
    sbc_layer_info info;
    memset(&info, 0xAA, sizeof info);
    sbc_err e = {0};
    int rc = sbc_layer_unpack(mem_read, &m, dest, lflags, &info, &e);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "unpack %s: rc %d %s\n", dest, rc, e.msg);
    *ok = rc == 0;
    if (rc < 0) {
        FUZZ_ASSERT(e.msg[0], "unpack failed without a message");
        return;
    }
    FUZZ_ASSERT(m.off == m.n, "success but only %zu of %zu bytes read", m.off, m.n);
    char dg[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest(blob, m.n, dg);
    FUZZ_ASSERT(!strcmp(dg, info.digest), "digest %s, bytes are %s", info.digest, dg);
    FUZZ_ASSERT(info.size == (long long)m.n, "size %lld, read %zu", info.size, m.n);
    FUZZ_ASSERT(info.compression >= SBC_COMP_NONE && info.compression <= SBC_COMP_ZSTD,
                "compression %d", info.compression);
    FUZZ_ASSERT(sbc_digest_valid(info.diff_id), "diff_id \"%.72s\"", info.diff_id);
    if (info.compression == SBC_COMP_NONE)
        FUZZ_ASSERT(!strcmp(info.diff_id, info.digest), "plain tar: diff_id != digest");
    if (plain && !(flags & 64)) {
        sbc_sha256_digest(plain->data, plain->len, dg);
        FUZZ_ASSERT(!strcmp(dg, info.diff_id), "diff_id %s, uncompressed tar is %s", info.diff_id,
                    dg);
        FUZZ_ASSERT(info.diff_size == (long long)plain->len, "diff_size %lld, tar %zu",
                    info.diff_size, plain->len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1 << 20))
        return 0;
    setup();
    reset_dirs();
    unsigned flags = data[0], sel = data[1];
    data += 2, size -= 2;
    char *dirs[MAXLAYERS];
    int nl = 0, ok[MAXLAYERS] = {0};
    if (flags & 1) {
        dirs[0] = sbc_xasprintf("%s/l0", base);
        one_layer(data, size, NULL, flags, sel, dirs[0], &ok[0]);
        nl = 1;
    } else {
        const char *p = (const char *)data, *end = p + size;
        while (nl < MAXLAYERS && p <= end) {
            const char *sep = nl + 1 < MAXLAYERS ? memmem(p, (size_t)(end - p), "\n---\n", 5) : NULL;
            size_t l = sep ? (size_t)(sep - p) : (size_t)(end - p);
            sbc_buf blob = {0}, plain = {0};
            build_layer(p, l, (flags >> 4) & 3, &blob, &plain);
            dirs[nl] = sbc_xasprintf("%s/l%d", base, nl);
            one_layer((const unsigned char *)blob.data, blob.len, &plain, flags, sel, dirs[nl],
                      &ok[nl]);
            sbc_buf_free(&blob);
            sbc_buf_free(&plain);
            nl++;
            if (!sep)
                break;
            p = sep + 5;
        }
    }
    check_containment((flags >> 1) & 7);
    if (flags & 128) {
        const char *good[MAXLAYERS];
        int ng = 0;
        for (int i = 0; i < nl; i++)
            if (ok[i])
                good[ng++] = dirs[i];
        if (ng) {
            char *flat = sbc_xasprintf("%s/flat", base);
            sbc_err e = {0};
            int rc = sbc_layer_flatten(good, ng, flat, &e);
            if (getenv("FUZZ_VERBOSE"))
                fprintf(stderr, "flatten: rc %d %s\n", rc, e.msg);
            if (rc < 0)
                FUZZ_ASSERT(e.msg[0], "flatten failed without a message");
            free(flat);
            check_containment(0);
        }
    }
    for (int i = 0; i < nl; i++)
        free(dirs[i]);
    return 0;
}
