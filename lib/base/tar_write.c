/* tar_write.c - the tar writer (tar.h): ustar headers, a pax 'x' header
 * first when a value does not fit.  The layout choices are those of
 * libarchive's pax_restricted writer, which sbc used before, so the same
 * tree still gives the same layer digest:
 *  - the 'x' records in this order: hdrcharset (non-UTF-8 names only),
 *    path, linkpath, gid, uid, SCHILY.devmajor, SCHILY.devminor, mtime,
 *    SCHILY.xattr.NAME (name %-encoded), size;
 *  - a path goes to a record when it is not ASCII or cannot be split into
 *    ustar's prefix (155) and name (100) at a '/'; the header then holds a
 *    shortened name (leading dirs and the start of the file name kept);
 *  - a link name longer than 100 is "././@LongHardLink" / "././@LongSymLink";
 *  - uid/gid >= 2^18, devices' major/minor >= 2^18, sizes >= 2^33 get a
 *    record; mtime gets one when outside [0, 2^31-1) or with nanoseconds,
 *    but only when a record is written anyway, or the mtime is outside;
 *  - the 'x' header is named DIR/PaxHeader/NAME, with the entry's
 *    permissions less set-ID and sticky bits, ids clipped to 2^18-1, the
 *    mtime clipped to [0, 2^31-1], no link, no owner names;
 *  - numbers are octal, zero-padded, growing into the terminator bytes when
 *    they need to, then base-256.
 */
#include "base/tar.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"

#define BLK 512
#define RECORD 10240
#define NAME_BUF 256

struct sbc_tar_writer {
    sbc_tar_write_fn fn;
    void *ctx;
    unsigned flags;
    long long left; /* data bytes the current entry still expects */
    size_t pad;     /* then its padding */
    long long total;
    size_t blen;
    unsigned char buf[RECORD];
};

sbc_tar_writer *sbc_tar_writer_new(sbc_tar_write_fn fn, void *ctx, unsigned flags)
{
    sbc_tar_writer *w = sbc_xcalloc(1, sizeof *w);
    w->fn = fn;
    w->ctx = ctx;
    w->flags = flags;
    return w;
}

void sbc_tar_writer_free(sbc_tar_writer *w)
{
    free(w);
}

static int flush(sbc_tar_writer *w, sbc_err *e)
{
    if (!w->blen)
        return 0;
    size_t n = w->blen;
    w->blen = 0;
    return w->fn(w->ctx, w->buf, n, e);
}

/* Bytes out, through the record buffer (large ones straight on). */
static int out(sbc_tar_writer *w, const void *p, size_t n, sbc_err *e)
{
    w->total += (long long)n;
    if (w->blen + n > sizeof w->buf) {
        if (flush(w, e) < 0)
            return -1;
        if (n >= sizeof w->buf)
            return w->fn(w->ctx, p, n, e);
    }
    memcpy(w->buf + w->blen, p, n);
    w->blen += n;
    return 0;
}

static int zeros(sbc_tar_writer *w, unsigned long long n, sbc_err *e)
{
    static const unsigned char z[BLK];
    while (n) {
        size_t k = n > sizeof z ? sizeof z : (size_t)n;
        if (out(w, z, k, e) < 0)
            return -1;
        n -= k;
    }
    return 0;
}

/* The rest of the current entry: what its data lacks (zeros), padding. */
static int finish_entry(sbc_tar_writer *w, sbc_err *e)
{
    unsigned long long n = (unsigned long long)w->left + w->pad;
    w->left = 0;
    w->pad = 0;
    return zeros(w, n, e);
}

/* ---- numbers ---- */

/* v in s octal digits at p: 0, or -1 when it does not fit. */
static int put_octal(unsigned long long v, unsigned char *p, int s)
{
    for (int i = s - 1; i >= 0; i--, v >>= 3)
        p[i] = (unsigned char)('0' + (v & 7));
    return v ? -1 : 0;
}

/* v in a field of s digits (plus terminators up to max bytes): octal in
 * s, s+1 .. max digits, the first that holds it; else base-256 in max. */
static void put_number(long long v, unsigned char *p, int s, int max)
{
    if (v >= 0)
        for (; s <= max; s++)
            if (put_octal((unsigned long long)v, p, s) == 0)
                return;
    unsigned long long u = (unsigned long long)v;
    for (int i = max - 1; i >= 0; i--, u >>= 8) /* (two's complement: sign-filled) */
        p[i] = (unsigned char)(v < 0 && i < max - 8 ? 0xff : u & 0xff);
    p[0] |= 0x80;
}

/* ---- names ---- */

static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 128)
            return 0;
    return 1;
}

static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || (n == 1 && *p < 0xc2) || (n == 3 && *p > 0xf4))
            return 0;
        unsigned cp = n ? *p & (0x3f >> n) : *p;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* A name for the ustar header of src[0..len) (plus "/INSERT" before the
 * file name): the leading directories that fit the prefix field, then the
 * directories after them, the insert and the start of the file name in at
 * most 99 bytes; a trailing '/' (or "/.") kept as '/'. */
static void fit_name(char *dest, const char *src, size_t len, const char *insert)
{
    size_t ins = insert ? strlen(insert) + 2 : 0;
    if (len < 100 && !insert) {
        memcpy(dest, src, len);
        dest[len] = 0;
        return;
    }
    size_t fend = len, room = 98;
    int slash = 0;
    for (;;) {
        if (fend > 0 && src[fend - 1] == '/')
            fend--, slash = 1;
        else if (fend > 1 && src[fend - 1] == '.' && src[fend - 2] == '/')
            fend -= 2, slash = 1;
        else
            break;
    }
    room -= (size_t)slash + ins;
    size_t fname = fend ? fend - 1 : 0;
    while (fname > 0 && src[fname] != '/')
        fname--;
    if (src[fname] == '/' && fname + 1 < fend)
        fname++;
    if (fend > fname + room)
        fend = fname + room;
    room -= fend - fname;
    size_t pend = fname < 154 ? fname : 154;
    while (pend > 0 && src[pend] != '/')
        pend--;
    if (pend < fname && src[pend] == '/')
        pend++;
    size_t send = pend + room < fname ? pend + room : fname;
    while (send > pend && src[send] != '/')
        send--;
    if (send < fname && src[send] == '/')
        send++;
    char *o = dest;
    memcpy(o, src, send), o += send; /* prefix and suffix dirs: contiguous */
    if (insert) {
        memcpy(o, insert, ins - 2), o += ins - 2;
        *o++ = '/';
    }
    memcpy(o, src + fname, fend - fname), o += fend - fname;
    if (slash)
        *o++ = '/';
    *o = 0;
}

/* The 'x' header's name for an entry named src. */
static void pax_name(char *dest, const char *src)
{
    size_t p = strlen(src);
    if (!p) {
        strcpy(dest, "PaxHeader/blank");
        return;
    }
    for (;;) {
        if (p > 0 && src[p - 1] == '/')
            p--;
        else if (p > 1 && src[p - 1] == '.' && src[p - 2] == '/')
            p--;
        else
            break;
    }
    if (p == 0)
        strcpy(dest, "/PaxHeader/rootdir");
    else if (p == 1 && src[0] == '.')
        strcpy(dest, "PaxHeader/currentdir");
    else
        fit_name(dest, src, p, "PaxHeader");
}

/* Where a name longer than 100 splits into prefix and name: the first '/'
 * leaving at most 100 bytes after it (not the first byte, not the last),
 * with at most 155 before it; NULL when there is none. */
static const char *split_at(const char *name, size_t len)
{
    const char *p = strchr(name + len - 101, '/');
    if (p == name)
        p = strchr(p + 1, '/');
    if (!p || !p[1] || p - name > 155)
        return NULL;
    return p;
}

/* ---- headers ---- */

struct hdr {
    const char *name, *link;
    int type;
    unsigned mode;
    long long uid, gid, size, mtime;
    unsigned devmajor, devminor;
};

static int ustar(unsigned char h[BLK], const struct hdr *d, sbc_err *e)
{
    static const char numeric[] = "000000 \0" "000000 \0" "000000 \0" "00000000000 " "00000000000 " "        ";
    memset(h, 0, BLK);
    memcpy(h + 100, numeric, sizeof numeric - 1);
    memcpy(h + 257, "ustar\0" "00", 8);
    memcpy(h + 329, "000000 \0" "000000 \0", 16);
    size_t nl = strlen(d->name);
    if (nl <= 100) {
        memcpy(h, d->name, nl);
    } else {
        const char *p = split_at(d->name, nl);
        if (!p)
            return sbc_err_set(e, 0, "tar: name too long: %s", d->name);
        memcpy(h + 345, d->name, (size_t)(p - d->name));
        memcpy(h, p + 1, nl - (size_t)(p + 1 - d->name));
    }
    if (d->link)
        memcpy(h + 157, d->link, strlen(d->link)); /* (<= 100: the caller's) */
    put_number(d->mode & 07777, h + 100, 6, 8);
    put_number(d->uid, h + 108, 6, 8);
    put_number(d->gid, h + 116, 6, 8);
    put_number(d->size, h + 124, 11, 12);
    put_number(d->mtime, h + 136, 11, 11);
    if (d->type == SBC_TAR_CHR || d->type == SBC_TAR_BLK) {
        put_number(d->devmajor, h + 329, 6, 8);
        put_number(d->devminor, h + 337, 6, 8);
    }
    h[156] = (unsigned char)d->type;
    unsigned sum = 0;
    for (int i = 0; i < BLK; i++)
        sum += h[i];
    h[154] = 0;
    put_octal(sum, h + 148, 6);
    return 0;
}

/* ---- pax records ---- */

/* "LEN KEY=VALUE\n", LEN counting itself. */
static void pax_add(sbc_buf *b, const char *key, const void *val, size_t vn)
{
    size_t len = strlen(key) + vn + 3, digits = 0, ten = 1;
    for (size_t i = len; i; i /= 10)
        digits++, ten *= 10;
    if (len + digits >= ten)
        digits++;
    sbc_buf_printf(b, "%zu %s=", len + digits, key);
    sbc_buf_add(b, val, vn);
    sbc_buf_add(b, "\n", 1);
}

static void pax_int(sbc_buf *b, const char *key, long long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", v);
    pax_add(b, key, t, (size_t)n);
}

/* An xattr name with the bytes outside '!'..'~', '%' and '=' as %XX. */
static char *xattr_key(const char *name)
{
    sbc_buf k = {0};
    sbc_buf_adds(&k, "SCHILY.xattr.");
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if (*s < 33 || *s > 126 || *s == '%' || *s == '=')
            sbc_buf_printf(&k, "%%%02X", *s);
        else
            sbc_buf_add(&k, s, 1);
    }
    return k.data;
}

/* The 'x' records of en into b; d gets the ustar header's values (names
 * in nbuf, lbuf). */
static void pax_records(const sbc_tar_entry *en, sbc_buf *b, struct hdr *d, char *nbuf)
{
    int hard = en->type == SBC_TAR_HARDLINK, link = hard || en->type == SBC_TAR_SYMLINK;
    const char *path = en->path, *lp = link && en->linkpath ? en->linkpath : NULL;
    size_t pl = strlen(path), ll = lp ? strlen(lp) : 0;
    int need = 0;
    d->name = path;
    d->link = lp;
    if (!utf8_ok(path) || (lp && !utf8_ok(lp)))
        pax_add(b, "hdrcharset", "BINARY", 6);
    if (!ascii(path) || (pl > 100 && !split_at(path, pl))) {
        pax_add(b, "path", path, pl);
        fit_name(nbuf, path, pl, NULL);
        d->name = nbuf;
        need = 1;
    }
    if (lp && (ll > 100 || !ascii(lp))) {
        pax_add(b, "linkpath", lp, ll);
        if (ll > 100)
            d->link = hard ? "././@LongHardLink" : "././@LongSymLink";
        need = 1;
    }
    if (d->size >= 1LL << 33)
        need = 1;
    if (d->gid >= 1 << 18) /* (libarchive compared (unsigned) ids: the same below 2^32) */
        pax_int(b, "gid", d->gid), need = 1;
    if (d->uid >= 1 << 18)
        pax_int(b, "uid", d->uid), need = 1;
    if (en->type == SBC_TAR_CHR || en->type == SBC_TAR_BLK) {
        if (en->devmajor >= 1u << 18)
            pax_int(b, "SCHILY.devmajor", en->devmajor), need = 1;
        if (en->devminor >= 1u << 18)
            pax_int(b, "SCHILY.devminor", en->devminor), need = 1;
    }
    int odd_time = en->mtime < 0 || en->mtime >= 0x7fffffff;
    if (!(need || odd_time || en->nxattrs))
        return;
    if (odd_time || en->mtime_nsec) {
        char t[48];
        int n = snprintf(t, sizeof t, "%lld", en->mtime);
        if (en->mtime_nsec > 0 && en->mtime_nsec < 1000000000) {
            n += snprintf(t + n, sizeof t - (size_t)n, ".%09ld", en->mtime_nsec);
            while (t[n - 1] == '0')
                t[--n] = 0;
        }
        pax_add(b, "mtime", t, (size_t)n);
    }
    for (size_t i = 0; i < en->nxattrs; i++) {
        char *k = xattr_key(en->xattrs[i].name);
        pax_add(b, k, en->xattrs[i].value, en->xattrs[i].len);
        free(k);
    }
    if (d->size >= 1LL << 33)
        pax_int(b, "size", d->size);
}

/* The 'x' header and its records (b) for an entry whose header is d. */
static int write_pax(sbc_tar_writer *w, const sbc_buf *b, const struct hdr *d, sbc_err *e)
{
    char name[NAME_BUF];
    pax_name(name, d->name);
    struct hdr x = {
        .name = name,
        .type = 'x',
        .mode = d->mode & 0777,
        .uid = d->uid >= 1 << 18 ? (1 << 18) - 1 : d->uid,
        .gid = d->gid >= 1 << 18 ? (1 << 18) - 1 : d->gid,
        .size = (long long)b->len,
        .mtime = d->mtime < 0 ? 0 : d->mtime > 0x7fffffff ? 0x7fffffff : d->mtime,
    };
    unsigned char h[BLK];
    if (ustar(h, &x, e) < 0 || out(w, h, BLK, e) < 0 || out(w, b->data, b->len, e) < 0)
        return -1;
    return zeros(w, -b->len & (BLK - 1), e);
}

int sbc_tar_write_header(sbc_tar_writer *w, const sbc_tar_entry *en, sbc_err *e)
{
    if (finish_entry(w, e) < 0)
        return -1;
    if (en->size < 0 || en->uid < 0 || en->gid < 0)
        return sbc_err_set(e, 0, "tar: %s: negative size or owner", en->path);
    struct hdr d = {
        .type = en->type,
        .mode = en->mode & 07777,
        .uid = en->uid,
        .gid = en->gid,
        .size = en->type == SBC_TAR_REG ? en->size : 0,
        .mtime = en->mtime,
        .devmajor = en->devmajor,
        .devminor = en->devminor,
    };
    char nbuf[NAME_BUF];
    sbc_cleanup_buf sbc_buf b = {0};
    pax_records(en, &b, &d, nbuf);
    unsigned char h[BLK];
    if (ustar(h, &d, e) < 0)
        return -1;
    if (b.len && write_pax(w, &b, &d, e) < 0)
        return -1;
    if (out(w, h, BLK, e) < 0)
        return -1;
    w->left = d.size;
    w->pad = (size_t)(-d.size & (BLK - 1));
    return 0;
}

int sbc_tar_write_data(sbc_tar_writer *w, const void *p, size_t n, sbc_err *e)
{
    if ((unsigned long long)n > (unsigned long long)w->left)
        return sbc_err_set(e, 0, "tar: more data than the entry's size");
    w->left -= (long long)n;
    return out(w, p, n, e);
}

int sbc_tar_writer_close(sbc_tar_writer *w, sbc_err *e)
{
    if (finish_entry(w, e) < 0 || zeros(w, 2 * BLK, e) < 0)
        return -1;
    if ((w->flags & SBC_TAR_PAD_BLOCK) && zeros(w, (unsigned long long)((RECORD - w->total % RECORD) % RECORD), e) < 0)
        return -1;
    return flush(w, e);
}
