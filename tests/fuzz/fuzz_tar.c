/* fuzz_tar.c - hostile tar streams through base/tar's reader, and what it
 * reads back through the writer.
 *
 * Input: byte 0 gives two chunk sizes for the reader's callback (1..16 and
 * 1..16 * 37 bytes); the rest is the tar stream.
 * Checked on every input:
 *  - every entry is sane: a known type, a NUL-free path (its strlen is its
 *    length), a link target exactly for links, size >= 0, mode <= 07777,
 *    the data read is the entry's size unless the read failed;
 *  - the same stream cut into other chunks reads the same (entries, data,
 *    the end or the error's message): no state depends on the cuts;
 *  - an archive read to its end without error, written again by the writer
 *    (when its owners are not negative) and read once more, gives the same
 *    entries: path, link, type, mode, owners, mtime seconds, devices for
 *    devices, xattr values (and names where the writer's %-encoding leaves
 *    them as they are), the data of regular files.
 */
#include "fuzz_common.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/tar.h"

struct chunks {
    const uint8_t *p;
    size_t n, off, step;
};

static ssize_t chunk_fn(void *ctx, const void **p, sbc_err *e)
{
    struct chunks *c = ctx;
    size_t k = c->n - c->off;
    if (k > c->step)
        k = c->step;
    *p = c->p + c->off;
    c->off += k;
    return (ssize_t)k;
}

static int buf_write(void *ctx, const void *p, size_t n, sbc_err *e)
{
    sbc_buf_add(ctx, p, n);
    return 0;
}

/* What one read of the archive saw. */
struct seen {
    sbc_buf log;           /* a textual account of every entry and the end */
    sbc_tar_entry *ens;    /* copies (regular files: data in datas) */
    sbc_buf *datas;
    size_t n;
    int rc;                /* 0 the end, -1 an error */
    int neg_owner; /* not for the round trip */
};

static void entry_check(const sbc_tar_entry *en)
{
    FUZZ_ASSERT(en->path != NULL, "no path");
    int t = en->type;
    FUZZ_ASSERT(t == SBC_TAR_REG || t == SBC_TAR_HARDLINK || t == SBC_TAR_SYMLINK || t == SBC_TAR_CHR ||
                    t == SBC_TAR_BLK || t == SBC_TAR_DIR || t == SBC_TAR_FIFO,
                "type %d", t);
    int link = t == SBC_TAR_HARDLINK || t == SBC_TAR_SYMLINK;
    FUZZ_ASSERT(link == (en->linkpath != NULL), "link %p for type %c", (void *)en->linkpath, t);
    FUZZ_ASSERT(en->size >= 0, "size %lld", en->size);
    FUZZ_ASSERT(en->mode <= 07777, "mode %o", en->mode);
    FUZZ_ASSERT(en->mtime_nsec >= 0 && en->mtime_nsec < 1000000000, "nsec %ld", en->mtime_nsec);
    for (size_t i = 0; i < en->nxattrs; i++)
        FUZZ_ASSERT(en->xattrs[i].name && en->xattrs[i].name[0], "xattr %zu without a name", i);
}

static void copy_entry(sbc_tar_entry *d, const sbc_tar_entry *s)
{
    *d = *s;
    d->path = sbc_xstrdup(s->path);
    d->linkpath = s->linkpath ? sbc_xstrdup(s->linkpath) : NULL;
    d->uname = d->gname = NULL;
    d->xattrs = sbc_xcalloc(s->nxattrs + 1, sizeof *d->xattrs);
    for (size_t i = 0; i < s->nxattrs; i++) {
        d->xattrs[i].name = sbc_xstrdup(s->xattrs[i].name);
        d->xattrs[i].value = sbc_xmalloc(s->xattrs[i].len + 1);
        memcpy(d->xattrs[i].value, s->xattrs[i].value, s->xattrs[i].len);
        d->xattrs[i].len = s->xattrs[i].len;
    }
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->ens[i].path);
        free(s->ens[i].linkpath);
        for (size_t k = 0; k < s->ens[i].nxattrs; k++) {
            free(s->ens[i].xattrs[k].name);
            free(s->ens[i].xattrs[k].value);
        }
        free(s->ens[i].xattrs);
        sbc_buf_free(&s->datas[i]);
    }
    free(s->ens);
    free(s->datas);
    sbc_buf_free(&s->log);
}

static void read_archive(const uint8_t *p, size_t n, size_t step, struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct chunks c = {p, n, 0, step};
    sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
    sbc_tar_entry *en;
    sbc_err e = {0};
    long long last = 0;
    for (int k = 0; k < 100000; k++) {
        int rc = sbc_tar_next(r, &en, &e);
        FUZZ_ASSERT(sbc_tar_offset(r) >= last && sbc_tar_offset(r) <= (long long)n, "offset %lld", sbc_tar_offset(r));
        last = sbc_tar_offset(r);
        if (rc <= 0) {
            FUZZ_ASSERT(rc == 0 || e.msg[0], "an error without a message");
            s->rc = rc;
            sbc_buf_printf(&s->log, "end %d %s\n", rc, rc ? e.msg : "");
            break;
        }
        entry_check(en);
        s->ens = sbc_xrealloc(s->ens, (s->n + 1) * sizeof *s->ens);
        s->datas = sbc_xrealloc(s->datas, (s->n + 1) * sizeof *s->datas);
        copy_entry(&s->ens[s->n], en);
        memset(&s->datas[s->n], 0, sizeof *s->datas);
        sbc_buf_add(&s->datas[s->n], "", 0);
        /* negative owners are not written; a "//" where ustar splits a
         * long name into prefix and name comes back as "/" (libarchive's
         * reader and writer alike) */
        if (en->uid < 0 || en->gid < 0 || strstr(en->path, "//"))
            s->neg_owner = 1;
        sbc_buf_printf(&s->log, "%s|%s|%c|%o|%lld|%lld|%lld|%lld.%ld|%u,%u|%zu|", en->path,
                       en->linkpath ? en->linkpath : "-", en->type, en->mode, en->uid, en->gid, en->size,
                       en->mtime, en->mtime_nsec, en->devmajor, en->devminor, en->nxattrs);
        long long got = 0;
        const void *d;
        ssize_t k2;
        while ((k2 = sbc_tar_data(r, &d, 1000, &e)) > 0) {
            sbc_buf_add(&s->datas[s->n], d, (size_t)k2);
            got += k2;
        }
        s->n++;
        if (k2 < 0) {
            s->rc = -1;
            sbc_buf_printf(&s->log, "data error %s\n", e.msg);
            break;
        }
        FUZZ_ASSERT(got == en->size, "read %lld of %lld", got, en->size);
        char dg[SBC_DIGEST_SIZE];
        sbc_sha256_digest(s->datas[s->n - 1].data, s->datas[s->n - 1].len, dg);
        sbc_buf_printf(&s->log, "%s\n", dg);
    }
    sbc_tar_reader_free(r);
}

/* The writer leaves these xattr names as they are. */
static int plain_name(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 33 || (unsigned char)*s > 126 || *s == '%' || *s == '=')
            return 0;
    return 1;
}

static void round_trip(const struct seen *a)
{
    sbc_buf out = {0};
    sbc_err e = {0};
    sbc_tar_writer *w = sbc_tar_writer_new(buf_write, &out, 0);
    for (size_t i = 0; i < a->n; i++) {
        const sbc_tar_entry *en = &a->ens[i];
        FUZZ_ASSERT(sbc_tar_write_header(w, en, &e) == 0, "write %s: %s", en->path, e.msg);
        if (en->type == SBC_TAR_REG)
            FUZZ_ASSERT(sbc_tar_write_data(w, a->datas[i].data, a->datas[i].len, &e) == 0, "data: %s", e.msg);
    }
    FUZZ_ASSERT(sbc_tar_writer_close(w, &e) == 0, "close: %s", e.msg);
    sbc_tar_writer_free(w);
    struct seen b;
    read_archive((const uint8_t *)out.data, out.len, 4096, &b);
    FUZZ_ASSERT(b.rc == 0, "the written archive does not read: %s", b.log.data);
    FUZZ_ASSERT(b.n == a->n, "%zu entries written, %zu read", a->n, b.n);
    for (size_t i = 0; i < a->n; i++) {
        const sbc_tar_entry *x = &a->ens[i], *y = &b.ens[i];
        FUZZ_ASSERT(!strcmp(x->path, y->path), "path \"%s\" -> \"%s\"", x->path, y->path);
        FUZZ_ASSERT(x->type == y->type, "%s: type %c -> %c", x->path, x->type, y->type);
        FUZZ_ASSERT(!x->linkpath || !strcmp(x->linkpath, y->linkpath), "%s: link", x->path);
        FUZZ_ASSERT(x->mode == y->mode && x->uid == y->uid && x->gid == y->gid, "%s: mode/owner", x->path);
        FUZZ_ASSERT(x->mtime == y->mtime, "%s: mtime %lld -> %lld", x->path, x->mtime, y->mtime);
        if (x->type == SBC_TAR_CHR || x->type == SBC_TAR_BLK)
            FUZZ_ASSERT(x->devmajor == y->devmajor && x->devminor == y->devminor, "%s: device", x->path);
        if (x->type == SBC_TAR_REG)
            FUZZ_ASSERT(a->datas[i].len == b.datas[i].len && !memcmp(a->datas[i].data, b.datas[i].data, a->datas[i].len),
                        "%s: data", x->path);
        FUZZ_ASSERT(x->nxattrs == y->nxattrs, "%s: %zu xattrs -> %zu", x->path, x->nxattrs, y->nxattrs);
        for (size_t k = 0; k < x->nxattrs; k++) {
            FUZZ_ASSERT(x->xattrs[k].len == y->xattrs[k].len &&
                            !memcmp(x->xattrs[k].value, y->xattrs[k].value, x->xattrs[k].len),
                        "%s: xattr %zu value", x->path, k);
            if (plain_name(x->xattrs[k].name))
                FUZZ_ASSERT(!strcmp(x->xattrs[k].name, y->xattrs[k].name), "%s: xattr name", x->path);
        }
    }
    seen_free(&b);
    sbc_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t s1 = (data[0] & 15) + 1, s2 = ((data[0] >> 4) + 1) * 37;
    struct seen a, b;
    read_archive(data + 1, size - 1, s1, &a);
    read_archive(data + 1, size - 1, s2, &b);
    FUZZ_ASSERT(!strcmp(a.log.data, b.log.data), "chunks %zu and %zu read differently:\n%s---\n%s", s1, s2,
                a.log.data, b.log.data);
    if (a.rc == 0 && !a.neg_owner)
        round_trip(&a);
    seen_free(&a);
    seen_free(&b);
    return 0;
}
