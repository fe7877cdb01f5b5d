/* tarw.c - reproducible layer tars (base/tar's writer for the headers: the
 * layout of libarchive's pax_restricted one, which sbc used before) and the
 * compressing, hashing writer they go through. */
#include "image/tarw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "base/cleanup.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/subid.h"
#include "base/links.h"
#include "base/tar.h"
#include "base/mediatype.h"
#include "base/time.h"

#define ZBUF (256 * 1024)
#define GZIP_DEFAULT_LEVEL 6

/* ---- compressing, hashing writer ------------------------------------------ */

/* gzip is written as a series of independent gzip members, one per
 * SBC_ZW_GZIP_BLOCK bytes of input (like pigz --independent), compressed on
 * up to PGZ_MAX_THREADS threads and written in order.  Concatenated members
 * are one valid gzip stream (RFC 1952 2.2) for zlib's inflate in a loop, GNU
 * gzip, Go's compress/gzip (Docker, containerd, skopeo) and libarchive.  The
 * bytes depend on the input and the level only (fixed block size, no mtime,
 * no name, fixed OS byte; not on the thread count nor on how the input was
 * cut into writes): the same tree gives the same digest.
 *
 * An incompressible block (nearly uniform byte histogram, and a deflate of
 * its first PGZ_SAMPLE bytes saves under 1%) is stored (deflate stored
 * blocks): random data or already compressed files cost a memcpy and a
 * crc32 instead of a futile deflate (about 50 MB/s per thread here). */
#define PGZ_BLOCK SBC_ZW_GZIP_BLOCK
#define PGZ_OUTCAP (PGZ_BLOCK + PGZ_BLOCK / 8 + 1024)
#define PGZ_MAX_THREADS 4
#define PGZ_SAMPLE (64 * 1024)

enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct pgz_slot {
    unsigned char *in, *out;
    size_t inlen, outlen;
    int state, failed;
};

struct pgz {
    int level, nthreads, nslots;
    struct pgz_slot *slots;
    int fill;      /* slot being filled (ring order) */
    int next_job;  /* next slot a worker takes (ring order) */
    long long nmembers;
    z_stream inline_z; /* no threads: the caller compresses */
    int inline_init;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    int quit;
    pthread_t th[PGZ_MAX_THREADS];
};

struct sbc_zw {
    int fd, tee_fd, comp;
    sbc_sha256 hplain, hcomp;
    long long nplain, ncomp;
    ZSTD_CCtx *zc;
    struct pgz *pg;
    unsigned char *obuf;
    size_t olen;
};

/* 1 if the byte histogram of p is close to uniform: Renyi entropy
 * -log2(sum p_i^2) >= ~7.95 bits/byte, i.e. sum c_i^2 * 247 <= n^2; such
 * data leaves Huffman coding nothing to gain (integer math: no libm in the
 * decision, so every build decides alike). */
static int high_entropy(const unsigned char *p, size_t n)
{
    if (n < 16384)
        return 0;
    uint32_t c[4][256];
    memset(c, 0, sizeof c);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        c[0][p[i]]++;
        c[1][p[i + 1]]++;
        c[2][p[i + 2]]++;
        c[3][p[i + 3]]++;
    }
    for (; i < n; i++)
        c[0][p[i]]++;
    uint64_t s = 0;
    for (int b = 0; b < 256; b++) {
        uint64_t v = (uint64_t)c[0][b] + c[1][b] + c[2][b] + c[3][b];
        s += v * v;
    }
    return s * 247 <= (uint64_t)n * n;
}

static void put_le32(unsigned char *o, uint32_t v)
{
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
    o[2] = (unsigned char)(v >> 16);
    o[3] = (unsigned char)(v >> 24);
}

/* Deflate in[0..n) into out (cap bytes) as one finished raw stream; the
 * size is z->total_out.  0, or -1 when zlib failed or cap was too small. */
static int deflate_all(z_stream *z, const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    deflateReset(z);
    z->next_in = (unsigned char *)in;
    z->avail_in = (uInt)n;
    z->next_out = out;
    z->avail_out = (uInt)cap;
    return deflate(z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
}

/* One gzip member of in[0..n) into out (PGZ_OUTCAP bytes): header (no
 * mtime, no name, XFL 0, OS 3), raw deflate, crc32, isize.  z: a raw deflate
 * stream at the level.  0 or -1 (zlib failed). */
static int pgz_member(z_stream *z, const unsigned char *in, size_t n, unsigned char *out,
                      size_t *outlen)
{
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(out, hdr, sizeof hdr);
    size_t o = sizeof hdr;
    int stored = 0;
    if (high_entropy(in, n)) {
        size_t sn = n < PGZ_SAMPLE ? n : PGZ_SAMPLE;
        if (deflate_all(z, in, sn, out + o, PGZ_OUTCAP - o - 8) < 0)
            return -1;
        stored = z->total_out >= sn - sn / 100;
    }
    if (stored) {
        size_t left = n;
        const unsigned char *p = in;
        do {
            size_t k = left > 65535 ? 65535 : left;
            out[o] = left == k; /* BFINAL, BTYPE 00 */
            out[o + 1] = (unsigned char)k;
            out[o + 2] = (unsigned char)(k >> 8);
            out[o + 3] = (unsigned char)~k;
            out[o + 4] = (unsigned char)(~k >> 8);
            memcpy(out + o + 5, p, k);
            o += 5 + k;
            p += k;
            left -= k;
        } while (left);
    } else {
        if (deflate_all(z, in, n, out + o, PGZ_OUTCAP - o - 8) < 0)
            return -1;
        o += z->total_out;
    }
    put_le32(out + o, sbc_crc32(0, in, n));
    put_le32(out + o + 4, (uint32_t)n);
    *outlen = o + 8;
    return 0;
}

static int pgz_zinit(z_stream *z, int level)
{
    memset(z, 0, sizeof *z);
    return deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static void *pgz_worker(void *arg)
{
    struct pgz *g = arg;
    z_stream z;
    int zok = pgz_zinit(&z, g->level) == 0;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->quit && g->slots[g->next_job].state != SLOT_QUEUED)
            pthread_cond_wait(&g->cv_work, &g->mu);
        if (g->quit)
            break;
        struct pgz_slot *sl = &g->slots[g->next_job];
        g->next_job = (g->next_job + 1) % g->nslots;
        sl->state = SLOT_BUSY;
        pthread_mutex_unlock(&g->mu);
        sl->failed = !zok || pgz_member(&z, sl->in, sl->inlen, sl->out, &sl->outlen) < 0;
        pthread_mutex_lock(&g->mu);
        sl->state = SLOT_DONE;
        pthread_cond_broadcast(&g->cv_done);
    }
    pthread_mutex_unlock(&g->mu);
    if (zok)
        deflateEnd(&z);
    return NULL;
}

static int pgz_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < n)
        n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > PGZ_MAX_THREADS ? PGZ_MAX_THREADS : (int)n;
}

static struct pgz *pgz_new(int level)
{
    struct pgz *g = sbc_xcalloc(1, sizeof *g);
    g->level = level;
    g->nslots = 1; /* grows when the threads start (a second block) */
    g->slots = sbc_xcalloc(PGZ_MAX_THREADS + 2, sizeof *g->slots);
    g->slots[0].in = sbc_xmalloc(PGZ_BLOCK);
    return g;
}

/* Start the workers (at the first full block).  On failure: none, the
 * caller compresses inline. */
static void pgz_start(struct pgz *g)
{
    int n = pgz_cpus();
    if (n < 2)
        return;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv_work, NULL);
    pthread_cond_init(&g->cv_done, NULL);
    g->nslots = n + 2;
    for (int i = 1; i < g->nslots; i++)
        g->slots[i].in = sbc_xmalloc(PGZ_BLOCK);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 256 * 1024);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&g->th[i], &at, pgz_worker, g) != 0)
            break;
        g->nthreads++;
    }
    pthread_attr_destroy(&at);
    if (!g->nthreads) {
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv_work);
        pthread_cond_destroy(&g->cv_done);
        g->nslots = 1;
    }
}

static void pgz_free(struct pgz *g)
{
    if (!g)
        return;
    if (g->nthreads) {
        pthread_mutex_lock(&g->mu);
        g->quit = 1;
        pthread_cond_broadcast(&g->cv_work);
        pthread_mutex_unlock(&g->mu);
        for (int i = 0; i < g->nthreads; i++)
            pthread_join(g->th[i], NULL);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv_work);
        pthread_cond_destroy(&g->cv_done);
    }
    if (g->inline_init)
        deflateEnd(&g->inline_z);
    for (int i = 0; i < PGZ_MAX_THREADS + 2; i++) {
        free(g->slots[i].in);
        free(g->slots[i].out);
    }
    free(g->slots);
    free(g);
}

/* Compressed (stored) bytes out: hashed, counted, written. */
static int emit(sbc_zw *z, const void *p, size_t n, sbc_err *e)
{
    if (!n)
        return 0;
    sbc_sha256_update(&z->hcomp, p, n);
    z->ncomp += (long long)n;
    if (z->fd >= 0 && sbc_write_full(z->fd, p, n) < 0)
        return sbc_err_sys(e, "write");
    return 0;
}

static int zw_tee(sbc_zw *z, const void *p, size_t n, sbc_err *e)
{
    if (n && z->tee_fd >= 0 && sbc_write_full(z->tee_fd, p, n) < 0)
        return sbc_err_sys(e, "write");
    return 0;
}

/* Wait for slot i's member and write it. */
static int pgz_collect(sbc_zw *z, int i, sbc_err *e)
{
    struct pgz *g = z->pg;
    struct pgz_slot *sl = &g->slots[i];
    pthread_mutex_lock(&g->mu);
    while (sl->state != SLOT_DONE)
        pthread_cond_wait(&g->cv_done, &g->mu);
    pthread_mutex_unlock(&g->mu);
    if (sl->failed)
        return sbc_err_set(e, 0, "gzip: compression failed");
    sl->state = SLOT_FREE;
    sl->inlen = 0;
    return emit(z, sl->out, sl->outlen, e);
}

/* The slot being filled is complete (a full block, or the last one): hash
 * and tee its plain bytes, compress it (on a worker, or here). */
static int pgz_submit(sbc_zw *z, sbc_err *e)
{
    struct pgz *g = z->pg;
    struct pgz_slot *sl = &g->slots[g->fill];
    sbc_sha256_update(&z->hplain, sl->in, sl->inlen);
    if (zw_tee(z, sl->in, sl->inlen, e) < 0)
        return -1;
    g->nmembers++;
    if (!sl->out)
        sl->out = sbc_xmalloc(PGZ_OUTCAP);
    if (!g->nthreads) {
        if (!g->inline_init) {
            if (pgz_zinit(&g->inline_z, g->level) < 0)
                return sbc_err_set(e, 0, "gzip: cannot initialize the compressor");
            g->inline_init = 1;
        }
        if (pgz_member(&g->inline_z, sl->in, sl->inlen, sl->out, &sl->outlen) < 0)
            return sbc_err_set(e, 0, "gzip: compression failed");
        sl->inlen = 0;
        return emit(z, sl->out, sl->outlen, e);
    }
    pthread_mutex_lock(&g->mu);
    sl->state = SLOT_QUEUED;
    pthread_cond_signal(&g->cv_work);
    pthread_mutex_unlock(&g->mu);
    g->fill = (g->fill + 1) % g->nslots;
    if (g->slots[g->fill].state != SLOT_FREE)
        return pgz_collect(z, g->fill, e);
    return 0;
}

static int pgz_write(sbc_zw *z, const unsigned char *p, size_t n, sbc_err *e)
{
    struct pgz *g = z->pg;
    while (n) {
        struct pgz_slot *sl = &g->slots[g->fill];
        size_t k = PGZ_BLOCK - sl->inlen;
        if (k > n)
            k = n;
        memcpy(sl->in + sl->inlen, p, k);
        sl->inlen += k;
        p += k;
        n -= k;
        if (sl->inlen == PGZ_BLOCK) {
            if (g->nmembers == 0)
                pgz_start(g); /* more than one block: worth threads */
            if (pgz_submit(z, e) < 0)
                return -1;
        }
    }
    return 0;
}

static int pgz_finish(sbc_zw *z, sbc_err *e)
{
    struct pgz *g = z->pg;
    if ((g->slots[g->fill].inlen || !g->nmembers) && pgz_submit(z, e) < 0)
        return -1;
    /* the rest in ring order: the oldest follows the slot to fill */
    for (int i = 1; i <= g->nslots && g->nthreads; i++) {
        int k = (g->fill + i) % g->nslots;
        if (g->slots[k].state != SLOT_FREE && pgz_collect(z, k, e) < 0)
            return -1;
    }
    return 0;
}

sbc_zw *sbc_zw_new(int fd, int compression, int level, int tee_fd)
{
    sbc_zw *z = sbc_xcalloc(1, sizeof *z);
    z->fd = fd;
    z->tee_fd = tee_fd;
    z->comp = compression;
    sbc_sha256_init(&z->hplain);
    sbc_sha256_init(&z->hcomp);
    if (compression == SBC_COMP_GZIP) {
        z->pg = pgz_new(level > 0 ? level : GZIP_DEFAULT_LEVEL);
    } else {
        z->obuf = sbc_xmalloc(ZBUF);
        if (compression == SBC_COMP_ZSTD) {
            z->zc = ZSTD_createCCtx();
            if (!z->zc)
                abort();
            ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, level > 0 ? level : 3);
            ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1);
        }
    }
    return z;
}

/* Uncompressed: buffered (tee and output in ZBUF pieces, not libarchive's
 * 10 KiB ones). */
static int flush_plain(sbc_zw *z, sbc_err *e)
{
    int rc = zw_tee(z, z->obuf, z->olen, e) < 0 ? -1 : emit(z, z->obuf, z->olen, e);
    z->olen = 0;
    return rc;
}

static int zstd_feed(sbc_zw *z, const void *p, size_t n, int finish, sbc_err *e)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {z->obuf, ZBUF, z->olen};
        size_t r = ZSTD_compressStream2(z->zc, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(r))
            return sbc_err_set(e, 0, "zstd: %s", ZSTD_getErrorName(r));
        z->olen = out.pos;
        if (z->olen == ZBUF || (finish && r == 0)) {
            int rc = emit(z, z->obuf, z->olen, e);
            z->olen = 0;
            if (rc < 0)
                return -1;
        }
        if (finish ? r == 0 : in.pos == in.size)
            break;
    }
    return 0;
}

int sbc_zw_write(sbc_zw *z, const void *p, size_t n, sbc_err *e)
{
    if (!n)
        return 0;
    z->nplain += (long long)n;
    if (z->comp == SBC_COMP_GZIP)
        return pgz_write(z, p, n, e);
    if (z->comp == SBC_COMP_ZSTD) {
        sbc_sha256_update(&z->hplain, p, n);
        if (zw_tee(z, p, n, e) < 0)
            return -1;
        return zstd_feed(z, p, n, 0, e);
    }
    const unsigned char *q = p;
    while (n) {
        size_t k = ZBUF - z->olen;
        if (k > n)
            k = n;
        memcpy(z->obuf + z->olen, q, k);
        z->olen += k;
        q += k;
        n -= k;
        if (z->olen == ZBUF && flush_plain(z, e) < 0)
            return -1;
    }
    return 0;
}

int sbc_zw_finish(sbc_zw *z, sbc_layer_info *out, sbc_err *e)
{
    int rc = z->comp == SBC_COMP_GZIP   ? pgz_finish(z, e)
           : z->comp == SBC_COMP_ZSTD ? zstd_feed(z, "", 0, 1, e)
                                      : flush_plain(z, e);
    if (rc < 0)
        return -1;
    if (out) {
        memset(out, 0, sizeof *out);
        sbc_sha256_final(&z->hcomp, out->digest);
        sbc_sha256_final(z->comp == SBC_COMP_NONE ? &z->hcomp : &z->hplain, out->diff_id);
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
    pgz_free(z->pg);
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
    return compression == SBC_COMP_GZIP ? SBC_MT_OCI_LAYER_GZIP
         : compression == SBC_COMP_ZSTD ? SBC_MT_OCI_LAYER_ZSTD
         : SBC_MT_OCI_LAYER;
}

/* ---- tar of a directory ----------------------------------------------------- */

struct tw {
    sbc_tar_writer *a;
    sbc_tar_entry en; /* the entry being written (its xattrs ours) */
    char *link;       /* en's link target */
    sbc_zw *z;
    const sbc_tarw_opts *o;
    sbc_err *e;
    sbc_links links; /* files with more than one link: their first path */
    char path[PATH_MAX];
    char *buf;
    int owner_dfd;          /* the entry being written: dir fd and name, */
    const char *owner_name; /* for recorded_owner (-1: none) */
    const char *top_as;     /* sbc_tarw_entry: the first entry's name in the tar */
};

static int tw_write(void *cd, const void *p, size_t n, sbc_err *e)
{
    struct tw *t = cd;
    return sbc_zw_write(t->z, p, n, e);
}

static int tw_header(struct tw *t)
{
    return sbc_tar_write_header(t->a, &t->en, t->e);
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

/* Descending: libarchive's entries listed their xattrs last added first,
 * and tars written before must keep their digests. */
static int cmpstr_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

static void xattrs_clear(struct tw *t)
{
    for (size_t i = 0; i < t->en.nxattrs; i++) {
        free(t->en.xattrs[i].name);
        free(t->en.xattrs[i].value);
    }
    free(t->en.xattrs);
    t->en.xattrs = NULL;
    t->en.nxattrs = 0;
}

/* An entry that a running container removed or replaced (by another type)
 * between the directory's read and our look at it: left out, as if read a
 * moment later (GNU tar's "file removed before we read it"). */
static int vanished(void)
{
    return errno == ENOENT || errno == ENOTDIR || errno == ELOOP;
}

/* Add fd's xattrs (sorted, descending) to the entry; *opaque set for an
 * opaque dir. */
static int add_xattrs(struct tw *t, int fd, const char *lpath, int *opaque)
{
    char list[16384];
    ssize_t n = fd >= 0 ? flistxattr(fd, list, sizeof list) : llistxattr(lpath, list, sizeof list);
    if (n < 0) {
        /* (ENOENT: a running container replaced it since it was read:
         * written as it was, without xattrs) */
        if (errno == EOPNOTSUPP || errno == EPERM || (fd < 0 && vanished()))
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
    if (nk)
        qsort(keys, (size_t)nk, sizeof *keys, cmpstr_desc);
    static char val[65536];
    t->en.xattrs = sbc_xcalloc((size_t)nk + 1, sizeof *t->en.xattrs);
    for (int i = 0; i < nk; i++) {
        ssize_t vl = fd >= 0 ? fgetxattr(fd, keys[i], val, sizeof val)
                             : lgetxattr(lpath, keys[i], val, sizeof val);
        if (vl < 0) {
            if (errno == ENODATA || (fd < 0 && vanished()))
                continue;
            return tw_sys(t, "get xattr of");
        }
        sbc_tar_xattr *x = &t->en.xattrs[t->en.nxattrs++];
        x->name = sbc_xstrdup(keys[i]);
        x->value = sbc_xmalloc(vl ? (size_t)vl : 1);
        memcpy(x->value, val, (size_t)vl);
        x->len = (size_t)vl;
    }
    return 0;
}

/* Rootless: a file the user holds for an image owner it could not give
 * (pull records it in user.sbc.owner, "uid:gid" as the image has it). */
static int recorded_owner(int dfd, const char *name, uint32_t *u, uint32_t *g)
{
    char p[64 + NAME_MAX], v[32];
    snprintf(p, sizeof p, "/proc/self/fd/%d/%s", dfd, name);
    ssize_t n = lgetxattr(p, "user.sbc.owner", v, sizeof v - 1);
    if (n <= 0)
        return 0;
    v[n] = 0;
    unsigned a, b;
    if (sscanf(v, "%u:%u", &a, &b) != 2)
        return 0;
    *u = a, *g = b;
    return 1;
}

static void set_common(struct tw *t, const struct stat *st, const char *name)
{
    xattrs_clear(t);
    free(t->link);
    t->link = NULL;
    memset(&t->en, 0, sizeof t->en);
    t->en.path = (char *)name;
    t->en.type = SBC_TAR_REG;
    uint32_t u = st->st_uid, g = st->st_gid;
    if (t->owner_dfd >= 0 && t->o->shift_size && u == t->o->shift_uid && g == t->o->shift_gid &&
        recorded_owner(t->owner_dfd, t->owner_name, &u, &g))
        goto set;
    if (u - t->o->shift_uid < t->o->shift_size) /* (unsigned: below the range wraps high) */
        u -= t->o->shift_uid;
    else if (u - t->o->sub_uid < t->o->sub_size)
        u = u - t->o->sub_uid + 1;
    if (g - t->o->shift_gid < t->o->shift_size)
        g -= t->o->shift_gid;
    else if (g - t->o->sub_gid < t->o->sub_size)
        g = g - t->o->sub_gid + 1;
set:
    t->en.uid = u;
    t->en.gid = g;
    t->en.mode = st->st_mode & 07777;
    long long m = st->st_mtim.tv_sec;
    if (t->o->mtime >= 0 && m > t->o->mtime)
        m = t->o->mtime;
    t->en.mtime = m;
}

/* An empty regular file entry (whiteouts). */
static int write_marker(struct tw *t, const char *name, const struct stat *st)
{
    set_common(t, st, name);
    t->en.mode = st->st_mode & 0777;
    return tw_header(t);
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
        if (n == 0) { /* shrank since its header (a running container): zeros, as GNU tar */
            n = (ssize_t)want;
            memset(t->buf, 0, want);
        }
        if (sbc_tar_write_data(t->a, t->buf, (size_t)n, t->e) < 0)
            return -1;
        left -= n;
    }
    return 0;
}

static int tw_dir(struct tw *t, int dfd, size_t plen, int depth);


static int tw_entry(struct tw *t, int dfd, const char *name, size_t plen, int depth)
{
    const char *tn = t->top_as ? t->top_as : name;
    t->top_as = NULL;
    size_t nl = strlen(tn);
    if (plen + nl + 3 > sizeof t->path) {
        errno = ENAMETOOLONG;
        return tw_sys(t, "path below");
    }
    memcpy(t->path + plen, tn, nl + 1);
    size_t np = plen + nl;
    for (const char *const *x = t->o->exclude; x && *x; x++)
        if (!strcmp(*x, t->path))
            return 0;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return vanished() ? 0 : tw_sys(t, "stat");
    t->owner_dfd = dfd;
    t->owner_name = name;
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
            return vanished() ? 0 : tw_sys(t, "open");
        t->path[np] = '/';
        t->path[np + 1] = 0;
        set_common(t, &st, t->path);
        t->en.type = SBC_TAR_DIR;
        int opaque = 0, rc = add_xattrs(t, fd, NULL, t->o->plain ? NULL : &opaque);
        if (rc == 0)
            rc = tw_header(t);
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
    int fd = -1; /* a regular file is opened first: it may be gone by now */
    if (S_ISREG(st.st_mode) && (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
        return vanished() || errno == ENXIO ? 0 : tw_sys(t, "open");
    /* (a running container may have made it a fifo meanwhile: not waited on) */
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
        return close(fd), 0;
    set_common(t, &st, t->path);
    if (st.st_nlink > 1) {
        const char *first = sbc_links_find(&t->links, st.st_dev, st.st_ino);
        if (first) {
            t->en.type = SBC_TAR_HARDLINK;
            t->en.linkpath = (char *)first;
            if (fd >= 0)
                close(fd);
            return tw_header(t);
        }
        sbc_links_add(&t->links, st.st_dev, st.st_ino, t->path);
    }
    if (S_ISREG(st.st_mode)) {
        t->en.size = st.st_size;
        int rc = add_xattrs(t, fd, NULL, NULL);
        if (rc == 0)
            rc = tw_header(t);
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
            return vanished() || errno == EINVAL ? 0 : tw_sys(t, "readlink");
        target[n] = 0;
        t->en.type = SBC_TAR_SYMLINK;
        t->en.linkpath = t->link = sbc_xstrdup(target);
        t->en.mode = 0777;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        t->en.type = S_ISCHR(st.st_mode) ? SBC_TAR_CHR : SBC_TAR_BLK;
        t->en.devmajor = major(st.st_rdev);
        t->en.devminor = minor(st.st_rdev);
    } else if (S_ISFIFO(st.st_mode)) {
        t->en.type = SBC_TAR_FIFO;
    } else {
        return 0;
    }
    if (add_xattrs(t, -1, lpath, NULL) < 0)
        return -1;
    return tw_header(t);
}

static int tw_dir(struct tw *t, int dfd, size_t plen, int depth)
{
    if (depth > 1000)
        return sbc_err_set(t->e, 0, "%s: too deep", t->path);
    char **names = NULL;
    size_t n = 0;
    if (sbc_dir_names(dfd, &names, &n) < 0)
        return tw_sys(t, "readdir");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = tw_entry(t, dfd, names[i], plen, depth);
    sbc_names_free(names, n);
    t->path[plen] = 0;
    return rc;
}

void sbc_tarw_opts_init(sbc_tarw_opts *o)
{
    memset(o, 0, sizeof *o);
    o->compression = SBC_COMP_GZIP;
    o->mtime = sbc_source_date_epoch(); /* -1 when unset */
    o->tee_fd = -1;
}

/* (the cleanup of sbc_tarw_dir's writer) */
static void tw_release(struct tw *t)
{
    sbc_tar_writer_free(t->a);
    xattrs_clear(t);
    free(t->link);
    sbc_links_free(&t->links);
    free(t->buf);
    sbc_zw_free(t->z);
}

/* The whole tar of dfd through t's writer, finished into out. */
static int tw_run(struct tw *t, int dfd, sbc_layer_info *out)
{
    t->a = sbc_tar_writer_new(tw_write, t, 0);
    t->owner_dfd = -1;
    if (t->o->with_root) {
        struct stat st;
        if (fstat(dfd, &st) < 0)
            return tw_sys(t, "stat");
        set_common(t, &st, "./");
        t->en.type = SBC_TAR_DIR;
        if (add_xattrs(t, dfd, NULL, NULL) < 0 || tw_header(t) < 0)
            return -1;
    }
    if ((t->top_as ? tw_entry(t, dfd, t->o->top_name, 0, 0) : tw_dir(t, dfd, 0, 0)) < 0)
        return -1;
    if (sbc_tar_writer_close(t->a, t->e) < 0)
        return -1;
    return sbc_zw_finish(t->z, out, t->e);
}

/* Rootless with subordinate ids: the tree is read as root of the user's
 * namespace (files of the container's other users may be closed to the
 * user itself), where owners already are the container's view: identity
 * for 0 (so recorded owners still apply), nothing to shift.  The layer
 * info comes back through shared memory. */
struct tarw_call {
    const char *dir;
    int out_fd;
    sbc_tarw_opts o;
    sbc_layer_info *out;
};

static int tarw_in_ns(void *arg, sbc_err *e)
{
    struct tarw_call *c = arg;
    return sbc_tarw_dir(c->dir, c->out_fd, &c->o, c->out, e);
}

static int tarw_mapped(const char *dir, int out_fd, const sbc_tarw_opts *o, sbc_layer_info *out, sbc_err *e)
{
    struct tarw_call c = {.dir = dir, .out_fd = out_fd, .o = *o};
    c.o.shift_uid = c.o.shift_gid = 0;
    c.o.shift_size = 1;
    c.o.sub_size = 0;
    if (out) {
        c.out = mmap(NULL, sizeof *out, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (c.out == MAP_FAILED)
            return sbc_err_sys(e, "mmap");
    }
    int rc = sbc_userns_mapped(tarw_in_ns, &c, e);
    if (out) {
        if (rc == 0)
            *out = *c.out;
        munmap(c.out, sizeof *out);
    }
    return rc;
}

int sbc_tarw_dir(const char *dir, int out_fd, const sbc_tarw_opts *o, sbc_layer_info *out,
                 sbc_err *e)
{
    sbc_tarw_opts def;
    if (!o) {
        sbc_tarw_opts_init(&def);
        o = &def;
    }
    uint32_t su, sg, sn;
    if (geteuid() != 0 && sbc_userns_subranges(&su, &sg, &sn))
        return tarw_mapped(dir, out_fd, o, out, e);
    sbc_cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sbc_err_sys(e, "open %s", dir);
    __attribute__((cleanup(tw_release))) struct tw t;
    memset(&t, 0, sizeof t);
    t.o = o;
    t.e = e;
    t.z = sbc_zw_new(out_fd, o->compression, o->level, o->tee_fd);
    t.buf = sbc_xmalloc(ZBUF);
    if (tw_run(&t, dfd, out) < 0) {
        if (e->msg[0] && !strstr(e->msg, dir))
            sbc_err_wrap(e, "tar %s", dir);
        return -1;
    }
    return 0;
}

int sbc_tarw_entry(int dfd, const char *name, const char *as, int out_fd, const sbc_tarw_opts *o,
                   sbc_err *e)
{
    sbc_tarw_opts oo = *o;
    oo.top_name = name;
    oo.with_root = 0;
    __attribute__((cleanup(tw_release))) struct tw t;
    memset(&t, 0, sizeof t);
    t.o = &oo;
    t.e = e;
    t.top_as = as;
    t.z = sbc_zw_new(out_fd, oo.compression, oo.level, oo.tee_fd);
    t.buf = sbc_xmalloc(ZBUF);
    return tw_run(&t, dfd, NULL);
}
