/* tarw.c - reproducible layer tars (libarchive's pax_restricted writer for
 * the headers) and the compressing, hashing writer they go through. */
#include "tarw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <bearssl_hash.h>
#include <zlib.h>
#include <zstd.h>

#include "digest.h"
#include "io.h"

#define ZBUF (256 * 1024)
#define GZIP_DEFAULT_LEVEL 6

/* ---- compressing, hashing writer ------------------------------------------ */

struct sbc_zw {
    int fd, tee_fd, comp;
    br_sha256_context hplain, hcomp;
    long long nplain, ncomp;
    z_stream z;
    int z_init;
    ZSTD_CCtx *zc;
    unsigned char *obuf;
    size_t olen;
};

static void hexdigest(br_sha256_context *h, char out[72])
{
    unsigned char d[32];
    br_sha256_out(h, d);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = "0123456789abcdef"[d[i] >> 4];
        out[8 + 2 * i] = "0123456789abcdef"[d[i] & 15];
    }
    out[71] = 0;
}

sbc_zw *sbc_zw_new(int fd, int compression, int level, int tee_fd)
{
    sbc_zw *z = sbc_xcalloc(1, sizeof *z);
    z->fd = fd;
    z->tee_fd = tee_fd;
    z->comp = compression;
    br_sha256_init(&z->hplain);
    br_sha256_init(&z->hcomp);
    z->obuf = sbc_xmalloc(ZBUF);
    if (compression == SBC_COMP_GZIP) {
        /* windowBits 31: gzip wrapper, mtime 0, no name: reproducible */
        if (deflateInit2(&z->z, level > 0 ? level : GZIP_DEFAULT_LEVEL, Z_DEFLATED, 31, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        z->z_init = 1;
    } else if (compression == SBC_COMP_ZSTD) {
        z->zc = ZSTD_createCCtx();
        if (!z->zc)
            abort();
        ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, level > 0 ? level : 3);
        ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1);
    }
    return z;
}

static int out_bytes(sbc_zw *z, const void *p, size_t n, sbc_err *e)
{
    if (!n)
        return 0;
    br_sha256_update(&z->hcomp, p, n);
    z->ncomp += (long long)n;
    if (z->fd >= 0 && sbc_write_full(z->fd, p, n) < 0)
        return sbc_err_sys(e, "write");
    return 0;
}

static int flush_obuf(sbc_zw *z, sbc_err *e)
{
    int rc = out_bytes(z, z->obuf, z->olen, e);
    z->olen = 0;
    return rc;
}

static int zw_feed(sbc_zw *z, const void *p, size_t n, int finish, sbc_err *e)
{
    if (z->comp == SBC_COMP_GZIP) {
        z->z.next_in = (unsigned char *)p;
        z->z.avail_in = (uInt)n;
        for (;;) {
            z->z.next_out = z->obuf + z->olen;
            z->z.avail_out = (uInt)(ZBUF - z->olen);
            int r = deflate(&z->z, finish ? Z_FINISH : Z_NO_FLUSH);
            if (r == Z_STREAM_ERROR)
                return sbc_err_set(e, 0, "gzip: compression failed");
            z->olen = ZBUF - z->z.avail_out;
            if (z->olen == ZBUF && flush_obuf(z, e) < 0)
                return -1;
            if (finish ? r == Z_STREAM_END : (z->z.avail_in == 0 && z->z.avail_out != 0))
                break;
        }
    } else if (z->comp == SBC_COMP_ZSTD) {
        ZSTD_inBuffer in = {p, n, 0};
        for (;;) {
            ZSTD_outBuffer out = {z->obuf, ZBUF, z->olen};
            size_t r = ZSTD_compressStream2(z->zc, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(r))
                return sbc_err_set(e, 0, "zstd: %s", ZSTD_getErrorName(r));
            z->olen = out.pos;
            if (z->olen == ZBUF && flush_obuf(z, e) < 0)
                return -1;
            if (finish ? r == 0 : in.pos == in.size)
                break;
        }
    } else {
        return out_bytes(z, p, n, e);
    }
    if (finish)
        return flush_obuf(z, e);
    return 0;
}

int sbc_zw_write(sbc_zw *z, const void *p, size_t n, sbc_err *e)
{
    if (!n)
        return 0;
    if (z->comp != SBC_COMP_NONE)
        br_sha256_update(&z->hplain, p, n);
    z->nplain += (long long)n;
    if (z->tee_fd >= 0 && sbc_write_full(z->tee_fd, p, n) < 0)
        return sbc_err_sys(e, "write");
    return zw_feed(z, p, n, 0, e);
}

int sbc_zw_finish(sbc_zw *z, sbc_layer_info *out, sbc_err *e)
{
    if (z->comp != SBC_COMP_NONE && zw_feed(z, "", 0, 1, e) < 0)
        return -1;
    if (out) {
        memset(out, 0, sizeof *out);
        hexdigest(&z->hcomp, out->digest);
        hexdigest(z->comp == SBC_COMP_NONE ? &z->hcomp : &z->hplain, out->diff_id);
        out->size = z->ncomp;
        out->diff_size = z->nplain;
        out->compression = z->comp;
    }
    return 0;
}

void sbc_zw_free(sbc_zw *z)
{
    if (!z)
        return;
    if (z->z_init)
        deflateEnd(&z->z);
    if (z->zc)
        ZSTD_freeCCtx(z->zc);
    free(z->obuf);
    free(z);
}

int sbc_comp_parse(const char *s, int *level)
{
    *level = 0;
    const char *c = strchr(s, ':');
    size_t n = c ? (size_t)(c - s) : strlen(s);
    if (c) {
        char *end;
        long l = strtol(c + 1, &end, 10);
        if (*end || l < 1 || l > 22)
            return -1;
        *level = (int)l;
    }
    if (n == 4 && !strncmp(s, "gzip", 4))
        return *level > 9 ? -1 : SBC_COMP_GZIP;
    if (n == 4 && !strncmp(s, "zstd", 4))
        return SBC_COMP_ZSTD;
    if ((n == 4 && !strncmp(s, "none", 4)) || (n == 12 && !strncmp(s, "uncompressed", 12)))
        return SBC_COMP_NONE;
    return -1;
}

const char *sbc_comp_media_type(int compression)
{
    return compression == SBC_COMP_GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
         : compression == SBC_COMP_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
         : "application/vnd.oci.image.layer.v1.tar";
}

/* ---- tar of a directory ----------------------------------------------------- */

struct hl {
    dev_t dev;
    ino_t ino;
    char *path;
};

struct tw {
    struct archive *a;
    struct archive_entry *en;
    sbc_zw *z;
    const sbc_tarw_opts *o;
    sbc_err *e;
    int failed;       /* e holds the reason (from the write callback) */
    struct hl *h;
    size_t nh, caph;
    char path[PATH_MAX];
    char *buf;
};

static la_ssize_t tw_write(struct archive *a, void *cd, const void *p, size_t n)
{
    struct tw *t = cd;
    if (sbc_zw_write(t->z, p, n, t->e) < 0) {
        t->failed = 1;
        archive_set_error(a, EIO, "write failed");
        return -1;
    }
    return (la_ssize_t)n;
}

static int tw_err(struct tw *t, const char *what)
{
    if (t->failed)
        return -1;
    return sbc_err_set(t->e, 0, "%s %s: %s", what, t->path[0] ? t->path : ".",
                       archive_error_string(t->a) ? archive_error_string(t->a) : "error");
}

static int tw_sys(struct tw *t, const char *what)
{
    return sbc_err_sys(t->e, "%s %s", what, t->path[0] ? t->path : ".");
}

static int xattr_skip(const char *k)
{
    return !strncmp(k, "trusted.overlay.", 16) || !strncmp(k, "user.overlay.", 13) ||
           !strcmp(k, "security.selinux") || !strncmp(k, "system.", 7);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add fd's xattrs (sorted) to the entry; *opaque set for an opaque dir. */
static int add_xattrs(struct tw *t, int fd, const char *lpath, int *opaque)
{
    char list[16384];
    ssize_t n = fd >= 0 ? flistxattr(fd, list, sizeof list) : llistxattr(lpath, list, sizeof list);
    if (n < 0) {
        if (errno == EOPNOTSUPP || errno == EPERM)
            return 0;
        return tw_sys(t, "list xattrs of");
    }
    char *keys[256];
    int nk = 0;
    for (char *k = list; k < list + n && nk < 256; k += strlen(k) + 1) {
        if (opaque && (!strcmp(k, "trusted.overlay.opaque") || !strcmp(k, "user.overlay.opaque"))) {
            char v[4];
            ssize_t vl = fd >= 0 ? fgetxattr(fd, k, v, sizeof v) : lgetxattr(lpath, k, v, sizeof v);
            if (vl == 1 && v[0] == 'y')
                *opaque = 1;
        }
        if (!xattr_skip(k))
            keys[nk++] = k;
    }
    qsort(keys, (size_t)nk, sizeof *keys, cmpstr);
    static char val[65536];
    for (int i = 0; i < nk; i++) {
        ssize_t vl = fd >= 0 ? fgetxattr(fd, keys[i], val, sizeof val)
                             : lgetxattr(lpath, keys[i], val, sizeof val);
        if (vl < 0) {
            if (errno == ENODATA)
                continue;
            return tw_sys(t, "get xattr of");
        }
        archive_entry_xattr_add_entry(t->en, keys[i], val, (size_t)vl);
    }
    return 0;
}

static void set_common(struct tw *t, const struct stat *st, const char *name)
{
    archive_entry_clear(t->en);
    archive_entry_set_pathname(t->en, name);
    archive_entry_set_uid(t->en, st->st_uid);
    archive_entry_set_gid(t->en, st->st_gid);
    archive_entry_set_perm(t->en, st->st_mode & 07777);
    long long m = st->st_mtim.tv_sec;
    if (t->o->mtime >= 0 && m > t->o->mtime)
        m = t->o->mtime;
    archive_entry_set_mtime(t->en, (time_t)m, 0);
}

/* An empty regular file entry (whiteouts). */
static int write_marker(struct tw *t, const char *name, const struct stat *st)
{
    set_common(t, st, name);
    archive_entry_set_filetype(t->en, AE_IFREG);
    archive_entry_set_perm(t->en, st->st_mode & 0777);
    archive_entry_set_size(t->en, 0);
    if (archive_write_header(t->a, t->en) != ARCHIVE_OK)
        return tw_err(t, "write");
    return 0;
}

static int write_data_fd(struct tw *t, int fd, long long size)
{
    long long left = size;
    while (left > 0) {
        size_t want = left > ZBUF ? ZBUF : (size_t)left;
        ssize_t n = read(fd, t->buf, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return tw_sys(t, "read");
        }
        if (n == 0)
            return sbc_err_set(t->e, 0, "read %s: file shrank while being archived", t->path);
        if (archive_write_data(t->a, t->buf, (size_t)n) != n)
            return tw_err(t, "write");
        left -= n;
    }
    return 0;
}

static int tw_dir(struct tw *t, int dfd, size_t plen, int depth);

static int tw_entry(struct tw *t, int dfd, const char *name, size_t plen, int depth)
{
    size_t nl = strlen(name);
    if (plen + nl + 3 > sizeof t->path) {
        errno = ENAMETOOLONG;
        return tw_sys(t, "path below");
    }
    memcpy(t->path + plen, name, nl + 1);
    size_t np = plen + nl;
    for (const char *const *x = t->o->exclude; x && *x; x++)
        if (!strcmp(*x, t->path))
            return 0;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return tw_sys(t, "stat");
    if (S_ISSOCK(st.st_mode))
        return 0;
    if (!t->o->plain && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        /* overlay whiteout -> ".wh.NAME" */
        char wh[PATH_MAX];
        snprintf(wh, sizeof wh, "%.*s.wh.%s", (int)plen, t->path, name);
        return write_marker(t, wh, &st);
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return tw_sys(t, "open");
        t->path[np] = '/';
        t->path[np + 1] = 0;
        set_common(t, &st, t->path);
        archive_entry_set_filetype(t->en, AE_IFDIR);
        int opaque = 0, rc = add_xattrs(t, fd, NULL, t->o->plain ? NULL : &opaque);
        if (rc == 0 && archive_write_header(t->a, t->en) != ARCHIVE_OK)
            rc = tw_err(t, "write");
        if (rc == 0 && opaque) {
            char wh[PATH_MAX + 16];
            snprintf(wh, sizeof wh, "%s.wh..wh..opq", t->path);
            rc = write_marker(t, wh, &st);
        }
        if (rc == 0)
            rc = tw_dir(t, fd, np + 1, depth + 1);
        close(fd);
        return rc;
    }
    set_common(t, &st, t->path);
    if (st.st_nlink > 1) {
        for (size_t i = 0; i < t->nh; i++)
            if (t->h[i].ino == st.st_ino && t->h[i].dev == st.st_dev) {
                archive_entry_set_filetype(t->en, AE_IFREG);
                archive_entry_set_hardlink(t->en, t->h[i].path);
                archive_entry_set_size(t->en, 0);
                if (archive_write_header(t->a, t->en) != ARCHIVE_OK)
                    return tw_err(t, "write");
                return 0;
            }
        if (t->nh == t->caph) {
            t->caph = t->caph ? 2 * t->caph : 64;
            t->h = sbc_xrealloc(t->h, t->caph * sizeof *t->h);
        }
        t->h[t->nh].dev = st.st_dev;
        t->h[t->nh].ino = st.st_ino;
        t->h[t->nh].path = sbc_xstrdup(t->path);
        t->nh++;
    }
    if (S_ISREG(st.st_mode)) {
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return tw_sys(t, "open");
        archive_entry_set_filetype(t->en, AE_IFREG);
        archive_entry_set_size(t->en, st.st_size);
        int rc = add_xattrs(t, fd, NULL, NULL);
        if (rc == 0 && archive_write_header(t->a, t->en) != ARCHIVE_OK)
            rc = tw_err(t, "write");
        if (rc == 0)
            rc = write_data_fd(t, fd, st.st_size);
        close(fd);
        return rc;
    }
    /* symlink, device, fifo: xattrs through /proc/self/fd/DIR/NAME */
    char lpath[64 + NAME_MAX];
    snprintf(lpath, sizeof lpath, "/proc/self/fd/%d/%s", dfd, name);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
        if (n < 0)
            return tw_sys(t, "readlink");
        target[n] = 0;
        archive_entry_set_filetype(t->en, AE_IFLNK);
        archive_entry_set_symlink(t->en, target);
        archive_entry_set_perm(t->en, 0777);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        archive_entry_set_filetype(t->en, S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
        archive_entry_set_rdevmajor(t->en, major(st.st_rdev));
        archive_entry_set_rdevminor(t->en, minor(st.st_rdev));
    } else if (S_ISFIFO(st.st_mode)) {
        archive_entry_set_filetype(t->en, AE_IFIFO);
    } else {
        return 0;
    }
    if (add_xattrs(t, -1, lpath, NULL) < 0)
        return -1;
    if (archive_write_header(t->a, t->en) != ARCHIVE_OK)
        return tw_err(t, "write");
    return 0;
}

static int tw_dir(struct tw *t, int dfd, size_t plen, int depth)
{
    if (depth > 1000)
        return sbc_err_set(t->e, 0, "%s: too deep", t->path);
    int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return tw_sys(t, "dup");
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return tw_sys(t, "opendir");
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            names = sbc_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = sbc_xstrdup(de->d_name);
    }
    int rc = errno ? tw_sys(t, "readdir") : 0;
    closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = tw_entry(t, dfd, names[i], plen, depth);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    t->path[plen] = 0;
    return rc;
}

void sbc_tarw_opts_init(sbc_tarw_opts *o)
{
    memset(o, 0, sizeof *o);
    o->compression = SBC_COMP_GZIP;
    o->mtime = -1;
    o->tee_fd = -1;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v >= 0)
            o->mtime = v;
    }
}

int sbc_tarw_dir(const char *dir, int out_fd, const sbc_tarw_opts *o, sbc_layer_info *out,
                 sbc_err *e)
{
    sbc_tarw_opts def;
    if (!o) {
        sbc_tarw_opts_init(&def);
        o = &def;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sbc_err_sys(e, "open %s", dir);
    struct tw t;
    memset(&t, 0, sizeof t);
    t.o = o;
    t.e = e;
    t.z = sbc_zw_new(out_fd, o->compression, o->level, o->tee_fd);
    t.buf = sbc_xmalloc(ZBUF);
    t.en = archive_entry_new();
    t.a = archive_write_new();
    int rc = -1;
    if (!t.a || !t.en) {
        sbc_err_set(e, 0, "libarchive: out of memory");
        goto out;
    }
    archive_write_set_format_pax_restricted(t.a);
    archive_write_set_format_option(t.a, "pax", "xattrheader", "SCHILY");
    archive_write_set_bytes_per_block(t.a, 10240);
    archive_write_set_bytes_in_last_block(t.a, 1);
    if (archive_write_open(t.a, &t, NULL, tw_write, NULL) != ARCHIVE_OK) {
        tw_err(&t, "tar");
        goto out;
    }
    if (o->with_root) {
        struct stat st;
        if (fstat(dfd, &st) < 0) {
            tw_sys(&t, "stat");
            goto out;
        }
        set_common(&t, &st, "./");
        archive_entry_set_filetype(t.en, AE_IFDIR);
        if (add_xattrs(&t, dfd, NULL, NULL) < 0)
            goto out;
        if (archive_write_header(t.a, t.en) != ARCHIVE_OK) {
            tw_err(&t, "write");
            goto out;
        }
    }
    if (tw_dir(&t, dfd, 0, 0) < 0)
        goto out;
    if (archive_write_close(t.a) != ARCHIVE_OK) {
        tw_err(&t, "tar");
        goto out;
    }
    if (sbc_zw_finish(t.z, out, e) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0 && e->msg[0] && !strstr(e->msg, dir))
        sbc_err_wrap(e, "tar %s", dir);
    if (t.a)
        archive_write_free(t.a);
    if (t.en)
        archive_entry_free(t.en);
    for (size_t i = 0; i < t.nh; i++)
        free(t.h[i].path);
    free(t.h);
    free(t.buf);
    sbc_zw_free(t.z);
    close(dfd);
    return rc;
}
