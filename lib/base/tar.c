/* tar.c - the tar reader (tar.h): headers checked, then their bytes in
 * place.  Every header block is copied into the reader (it may straddle
 * two chunks); data is handed out from the chunks themselves. */
#include "base/tar.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"

#define BLK 512
#define MAX_SPECIAL 32 /* extension headers before one entry (libarchive's bound) */
#define FD_CHUNK (64 * 1024)

/* ustar offsets */
#define H_NAME 0
#define H_MODE 100
#define H_UID 108
#define H_GID 116
#define H_SIZE 124
#define H_MTIME 136
#define H_CHKSUM 148
#define H_TYPE 156
#define H_LINK 157
#define H_MAGIC 257
#define H_UNAME 265
#define H_GNAME 297
#define H_DEVMAJOR 329
#define H_DEVMINOR 337
#define H_PREFIX 345
#define H_GNU_ATIME 345

struct sbc_tar_reader {
    sbc_tar_chunk_fn fn;
    void *ctx;
    const unsigned char *cp; /* the current chunk's unread bytes */
    size_t cl;
    int eof;
    long long off;
    long long left, pad; /* the entry's data and padding still unread */
    int pax_seen;        /* an 'x' or 'g' header was seen: pax rules */
    unsigned char hdr[BLK];
    /* pending extensions of the next entry */
    char *longname, *longlink, *pax;
    size_t paxlen;
    sbc_tar_entry en;
    /* sbc_tar_reader_fd */
    int fd;
    unsigned char *fbuf;
};

sbc_tar_reader *sbc_tar_reader_new(sbc_tar_chunk_fn fn, void *ctx)
{
    sbc_tar_reader *r = sbc_xcalloc(1, sizeof *r);
    r->fn = fn;
    r->ctx = ctx;
    r->fd = -1;
    r->en.path = sbc_xstrdup("");
    return r;
}

static ssize_t fd_chunk(void *ctx, const void **p, sbc_err *e)
{
    sbc_tar_reader *r = ctx;
    for (;;) {
        ssize_t n = read(r->fd, r->fbuf, FD_CHUNK);
        if (n >= 0) {
            *p = r->fbuf;
            return n;
        }
        if (errno != EINTR)
            return sbc_err_sys(e, "read");
    }
}

sbc_tar_reader *sbc_tar_reader_fd(int fd)
{
    sbc_tar_reader *r = sbc_tar_reader_new(fd_chunk, NULL);
    r->ctx = r;
    r->fd = fd;
    r->fbuf = sbc_xmalloc(FD_CHUNK);
    return r;
}

static void entry_reset(sbc_tar_entry *en)
{
    free(en->path);
    free(en->linkpath);
    free(en->uname);
    free(en->gname);
    for (size_t i = 0; i < en->nxattrs; i++) {
        free(en->xattrs[i].name);
        free(en->xattrs[i].value);
    }
    free(en->xattrs);
    memset(en, 0, sizeof *en);
}

static void pending_reset(sbc_tar_reader *r)
{
    free(r->longname);
    free(r->longlink);
    free(r->pax);
    r->longname = r->longlink = r->pax = NULL;
    r->paxlen = 0;
}

void sbc_tar_reader_free(sbc_tar_reader *r)
{
    if (!r)
        return;
    entry_reset(&r->en);
    pending_reset(r);
    free(r->fbuf);
    free(r);
}

long long sbc_tar_offset(const sbc_tar_reader *r)
{
    return r->off;
}

static int truncated(sbc_err *e)
{
    return sbc_err_set(e, 0, "truncated tar archive");
}

/* The current chunk has bytes: 1; the stream ended: 0; -1 (e filled by fn). */
static int fill(sbc_tar_reader *r, sbc_err *e)
{
    while (r->cl == 0 && !r->eof) {
        const void *p = NULL;
        ssize_t n = r->fn(r->ctx, &p, e);
        if (n < 0)
            return -1;
        if (n == 0)
            r->eof = 1;
        r->cp = p;
        r->cl = (size_t)n;
    }
    return r->cl > 0;
}

/* n bytes into dst (NULL: dropped): 0; 1 when the stream ended before the
 * first byte; -1 (truncated, or the source failed). */
static int take(sbc_tar_reader *r, void *dst, unsigned long long n, sbc_err *e)
{
    unsigned long long got = 0;
    while (got < n) {
        int f = fill(r, e);
        if (f < 0)
            return -1;
        if (f == 0)
            return got == 0 ? 1 : truncated(e);
        size_t k = r->cl;
        if (k > n - got)
            k = (size_t)(n - got);
        if (dst)
            memcpy((char *)dst + got, r->cp, k);
        r->cp += k;
        r->cl -= k;
        r->off += (long long)k;
        got += k;
    }
    return 0;
}

/* ---- numbers ---- */

/* A base-256 field (GNU): big-endian two's complement, the top bit the
 * marker; saturated at the int64 bounds. */
static long long num256(const unsigned char *p, size_t n)
{
    int neg = (p[0] & 0x40) != 0;
    unsigned char c = neg ? (unsigned char)(p[0] | 0x80) : (unsigned char)(p[0] & 0x7f);
    unsigned char sign = neg ? 0xff : 0;
    while (n > 8) { /* the bytes above 64 bits must be the sign */
        if (c != sign)
            return neg ? INT64_MIN : INT64_MAX;
        c = *++p;
        n--;
    }
    if ((c ^ sign) & 0x80)
        return neg ? INT64_MIN : INT64_MAX;
    uint64_t v = neg ? UINT64_MAX : 0;
    for (;;) {
        v = (v << 8) | c;
        if (--n == 0)
            break;
        c = *++p;
    }
    return (long long)v;
}

/* Digits in base (8 or 10) after blanks, an optional '-', up to the first
 * non-digit; saturated at the int64 bounds. */
static long long num_base(const char *p, size_t n, int base)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    int neg = n && *p == '-';
    if (neg)
        p++, n--;
    unsigned long long v = 0, lim = neg ? (unsigned long long)INT64_MAX + 1 : INT64_MAX;
    for (; n && *p >= '0' && *p < '0' + base; p++, n--) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / (unsigned)base)
            return neg ? INT64_MIN : INT64_MAX;
        v = v * (unsigned)base + d;
    }
    if (neg)
        return v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
    return (long long)v;
}

static long long hnum(const unsigned char *h, size_t off, size_t n)
{
    if (h[off] & 0x80)
        return num256(h + off, n);
    return num_base((const char *)h + off, n, 8);
}

/* The checksum field holds an octal number that is the sum of the block
 * with the field as blanks, of unsigned bytes (POSIX) or signed ones (old
 * BSD, Solaris, HP-UX tars). */
static int checksum_ok(const unsigned char *h)
{
    for (int i = 0; i < 8; i++) {
        unsigned char c = h[H_CHKSUM + i];
        if (c != ' ' && c != 0 && (c < '0' || c > '7'))
            return 0;
    }
    long long want = num_base((const char *)h + H_CHKSUM, 8, 8);
    long us = 8 * ' ', ss = 8 * ' ';
    for (int i = 0; i < BLK; i++) {
        if (i >= H_CHKSUM && i < H_CHKSUM + 8)
            continue;
        us += h[i];
        ss += (signed char)h[i];
    }
    return want == us || want == ss;
}

static int is_zero(const unsigned char *h)
{
    for (int i = 0; i < BLK; i++)
        if (h[i])
            return 0;
    return 1;
}

/* A NUL-bounded header field as a new string. */
static char *field(const unsigned char *h, size_t off, size_t n)
{
    const unsigned char *z = memchr(h + off, 0, n);
    size_t l = z ? (size_t)(z - (h + off)) : n;
    char *s = sbc_xmalloc(l + 1);
    memcpy(s, h + off, l);
    s[l] = 0;
    return s;
}

/* ---- extension headers ---- */

/* The body of an extension header (at most max bytes) into *out,
 * NUL-terminated; its padding dropped. */
static int read_body(sbc_tar_reader *r, size_t max, char **out, size_t *len, sbc_err *e)
{
    long long n = hnum(r->hdr, H_SIZE, 12);
    if (n < 0 || (unsigned long long)n > max)
        return sbc_err_set(e, 0, "tar extension header of %lld bytes (at most %zu)", n, max);
    char *b = sbc_xmalloc((size_t)n + 1);
    int rc = take(r, b, (unsigned long long)n, e);
    if (rc == 0)
        rc = take(r, NULL, (unsigned long long)(-n & (BLK - 1)), e);
    if (rc != 0) {
        free(b);
        return rc > 0 ? truncated(e) : -1;
    }
    b[n] = 0;
    *out = b;
    *len = (size_t)n;
    return 0;
}

/* A GNU long name: the body up to its NUL padding; a NUL inside is refused. */
static int long_name(sbc_tar_reader *r, char **dst, sbc_err *e)
{
    char *b;
    size_t n;
    if (read_body(r, SBC_TAR_NAME_MAX, &b, &n, e) < 0)
        return -1;
    size_t l = strlen(b);
    for (size_t i = l; i < n; i++)
        if (b[i]) {
            free(b);
            return sbc_err_set(e, 0, "tar long name holds a NUL");
        }
    free(*dst);
    *dst = b;
    return 0;
}

/* ---- pax records ---- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 (padding optional, as libarchive reads it) into out (n * 3 / 4 + 3
 * bytes); the length, or -1 for a stray character. */
static long b64dec(const char *s, size_t n, unsigned char *out)
{
    unsigned acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %XX decoded in place (LIBARCHIVE.xattr names). */
static void url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        int h, l;
        if (*s == '%' && (h = hexval((unsigned char)s[1])) >= 0 && (l = hexval((unsigned char)s[2])) >= 0) {
            *o++ = (char)(h << 4 | l);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

static void add_xattr(sbc_tar_entry *en, char *name, void *val, size_t len)
{
    en->xattrs = sbc_xrealloc(en->xattrs, (en->nxattrs + 1) * sizeof *en->xattrs);
    en->xattrs[en->nxattrs++] = (sbc_tar_xattr){name, val, len};
}

/* "SEC[.FRAC]" of pax times; the fraction as nanoseconds. */
static void pax_time(const char *v, size_t n, long long *sec, long *nsec)
{
    *sec = num_base(v, n, 10);
    *nsec = 0;
    const char *d = memchr(v, '.', n);
    if (!d)
        return;
    long scale = 100000000;
    for (d++; d < v + n && *d >= '0' && *d <= '9' && scale; d++, scale /= 10)
        *nsec += (*d - '0') * scale;
}

static char *dup_name(const char *v, size_t n, sbc_err *e)
{
    if (memchr(v, 0, n)) {
        sbc_err_set(e, 0, "tar name holds a NUL");
        return NULL;
    }
    char *s = sbc_xmalloc(n + 1);
    memcpy(s, v, n);
    s[n] = 0;
    return s;
}

static int set_name(char **dst, const char *v, size_t n, sbc_err *e)
{
    if (n == 0)
        return 0; /* empty: the header's stays (libarchive) */
    char *s = dup_name(v, n, e);
    if (!s)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

static int pax_xattr(sbc_tar_entry *en, const char *k, const char *v, size_t n, sbc_err *e)
{
    if (!strncmp(k, "SCHILY.xattr.", 13) && k[13]) {
        void *val = sbc_xmalloc(n ? n : 1);
        memcpy(val, v, n);
        add_xattr(en, sbc_xstrdup(k + 13), val, n);
    } else if (!strncmp(k, "LIBARCHIVE.xattr.", 17) && k[17]) {
        unsigned char *val = sbc_xmalloc(n * 3 / 4 + 3);
        long l = b64dec(v, n, val);
        if (l < 0) {
            free(val);
            return sbc_err_set(e, 0, "tar: bad base64 in %s", k);
        }
        char *name = sbc_xstrdup(k + 17);
        url_decode(name);
        add_xattr(en, name, val, (size_t)l);
    }
    return 0;
}

/* One record key=value (v: n bytes, NUL after them) applied to en; *size
 * gets a "size" record. */
static int pax_record(sbc_tar_reader *r, const char *k, const char *v, size_t n, long long *size, sbc_err *e)
{
    sbc_tar_entry *en = &r->en;
    if (!strcmp(k, "path"))
        return set_name(&en->path, v, n, e);
    if (!strcmp(k, "linkpath"))
        return set_name(&en->linkpath, v, n, e);
    if (!strcmp(k, "uname") || !strcmp(k, "gname"))
        return set_name(k[0] == 'u' ? &en->uname : &en->gname, v, n, e);
    if (!strcmp(k, "size")) {
        *size = num_base(v, n, 10);
        if (*size < 0 || *size == INT64_MAX)
            return sbc_err_set(e, 0, "tar: bad pax size \"%.40s\"", v);
        return 0;
    }
    if (!strcmp(k, "uid") || !strcmp(k, "gid")) {
        *(k[0] == 'u' ? &en->uid : &en->gid) = num_base(v, n, 10);
    } else if (!strcmp(k, "mtime")) {
        pax_time(v, n, &en->mtime, &en->mtime_nsec);
    } else if (!strcmp(k, "atime")) {
        pax_time(v, n, &en->atime, &en->atime_nsec);
        en->has_atime = 1;
    } else if (!strcmp(k, "SCHILY.devmajor") || !strcmp(k, "SCHILY.devminor")) {
        *(k[12] == 'a' ? &en->devmajor : &en->devminor) = (unsigned)num_base(v, n, 10);
    } else if (!strncmp(k, "GNU.sparse.", 11)) {
        return sbc_err_set(e, 0, "tar: GNU sparse files are not supported");
    } else {
        return pax_xattr(en, k, v, n, e);
    }
    return 0;
}

/* The pending 'x' records ("LEN KEY=VALUE\n" each) onto the entry; *size
 * gets a "size" record (-1: none).  Malformed records are an error. */
static int pax_apply(sbc_tar_reader *r, long long *size, sbc_err *e)
{
    char *p = r->pax, *end = r->pax + r->paxlen;
    *size = -1;
    while (p < end) {
        size_t len = 0;
        char *q = p;
        while (q < end && *q >= '0' && *q <= '9' && len <= SBC_TAR_PAX_MAX)
            len = len * 10 + (size_t)(*q++ - '0');
        if (q == p || q >= end || *q != ' ' || len > (size_t)(end - p) || len < 5 || p[len - 1] != '\n')
            return sbc_err_set(e, 0, "tar: malformed pax record at byte %zu", (size_t)(p - r->pax));
        char *k = q + 1, *eq = k < p + len - 1 ? memchr(k, '=', (size_t)(p + len - 1 - k)) : NULL;
        if (!eq || eq == k || memchr(k, 0, (size_t)(eq - k)))
            return sbc_err_set(e, 0, "tar: malformed pax record at byte %zu", (size_t)(p - r->pax));
        *eq = 0;
        p[len - 1] = 0;
        if (pax_record(r, k, eq + 1, (size_t)(p + len - 1 - (eq + 1)), size, e) < 0)
            return -1;
        p += len;
    }
    return 0;
}

/* ---- the entry header ---- */

/* The type and data length of the header's type flag. */
static int entry_type(sbc_tar_reader *r, int gnu_or_old, sbc_err *e)
{
    sbc_tar_entry *en = &r->en;
    int t = r->hdr[H_TYPE];
    switch (t) {
    case '1':
        /* only pax archives give hardlinks a body (libarchive's rule for
         * old and GNU tars; plain ustar ones are judged alike here) */
        if (gnu_or_old || !r->pax_seen)
            r->left = 0;
        en->type = SBC_TAR_HARDLINK;
        return 0;
    case '2': case '3': case '4': case '5': case '6':
        en->type = t;
        r->left = 0;
        return 0;
    case 'D': /* GNU dumpdir: a directory with a listing as its body */
        en->type = SBC_TAR_DIR;
        return 0;
    case 'S':
        return sbc_err_set(e, 0, "tar: GNU sparse files are not supported");
    case 'M':
        return sbc_err_set(e, 0, "tar: multi-volume archives are not supported");
    default: /* '0', NUL, '7', 'N' and unknown types: POSIX says regular */
        en->type = SBC_TAR_REG;
        return 0;
    }
}

/* The entry of the header block in r->hdr, with the pending extensions. */
static int parse_entry(sbc_tar_reader *r, sbc_err *e)
{
    const unsigned char *h = r->hdr;
    sbc_tar_entry *en = &r->en;
    int gnu = !memcmp(h + H_MAGIC, "ustar  \0", 8);
    int posix = !gnu && !memcmp(h + H_MAGIC, "ustar", 5);
    long long size = hnum(h, H_SIZE, 12);
    if (size < 0 || size == INT64_MAX)
        return sbc_err_set(e, 0, "tar: bad entry size");
    r->left = size;
    free(en->path);
    en->path = field(h, H_NAME, 100);
    if (posix && h[H_PREFIX]) {
        char *pre = field(h, H_PREFIX, 155);
        size_t pl = strlen(pre);
        char *full = sbc_xasprintf("%s%s%s", pre, pre[pl - 1] == '/' ? "" : "/", en->path);
        free(pre);
        free(en->path);
        en->path = full;
    }
    en->mode = (unsigned)hnum(h, H_MODE, 8) & 07777;
    en->uid = hnum(h, H_UID, 8);
    en->gid = hnum(h, H_GID, 8);
    en->mtime = hnum(h, H_MTIME, 12);
    if (entry_type(r, !posix, e) < 0)
        return -1;
    if (h[H_LINK])
        en->linkpath = field(h, H_LINK, 100);
    if (gnu || posix) {
        if (h[H_UNAME])
            en->uname = field(h, H_UNAME, 32);
        if (h[H_GNAME])
            en->gname = field(h, H_GNAME, 32);
        if (en->type == SBC_TAR_CHR || en->type == SBC_TAR_BLK) {
            en->devmajor = (unsigned)hnum(h, H_DEVMAJOR, 8);
            en->devminor = (unsigned)hnum(h, H_DEVMINOR, 8);
        }
    }
    if (gnu && (en->atime = hnum(h, H_GNU_ATIME, 12)) > 0)
        en->has_atime = 1;
    if (r->longname) {
        free(en->path);
        en->path = r->longname;
        r->longname = NULL;
    }
    if (r->longlink) {
        free(en->linkpath);
        en->linkpath = r->longlink;
        r->longlink = NULL;
    }
    long long psize = -1;
    if (r->pax && pax_apply(r, &psize, e) < 0)
        return -1;
    if (psize >= 0)
        r->left = psize;
    if (en->type == SBC_TAR_HARDLINK && !en->linkpath)
        en->type = SBC_TAR_REG; /* a link to nothing: libarchive's regular file */
    if (en->type != SBC_TAR_HARDLINK && en->type != SBC_TAR_SYMLINK) {
        free(en->linkpath);
        en->linkpath = NULL;
    } else if (!en->linkpath) {
        en->linkpath = sbc_xstrdup("");
    }
    size_t pl = strlen(en->path);
    if (en->type == SBC_TAR_REG && pl && en->path[pl - 1] == '/') {
        en->type = SBC_TAR_DIR; /* old tars' directories */
        r->left = 0;
    }
    en->size = r->left;
    r->pad = -r->left & (BLK - 1);
    return 0;
}

/* One header block into r->hdr: 0; 1 at a clean end; -1. */
static int read_header(sbc_tar_reader *r, int depth, sbc_err *e)
{
    long long at = r->off;
    int rc = take(r, r->hdr, BLK, e);
    if (rc > 0 && depth > 0)
        return sbc_err_set(e, 0, "truncated tar archive (it ends after an extension header)");
    if (rc != 0)
        return rc;
    if (is_zero(r->hdr)) {
        if (depth > 0)
            return sbc_err_set(e, 0, "damaged tar archive: end of archive after an extension header");
        r->eof = 1; /* the end: nothing after it is read */
        r->cl = 0;
        return 1;
    }
    if (!checksum_ok(r->hdr))
        return sbc_err_set(e, 0, "damaged tar archive: bad header checksum at byte %lld", at);
    return 0;
}

int sbc_tar_next(sbc_tar_reader *r, sbc_tar_entry **en, sbc_err *e)
{
    int skipped = take(r, NULL, (unsigned long long)r->left + (unsigned long long)r->pad, e);
    if (skipped != 0)
        return skipped > 0 ? truncated(e) : -1;
    r->left = r->pad = 0;
    entry_reset(&r->en);
    pending_reset(r);
    if (r->eof && r->cl == 0)
        return 0;
    for (int depth = 0;; depth++) {
        if (depth > MAX_SPECIAL)
            return sbc_err_set(e, 0, "tar: too many extension headers");
        int rc = read_header(r, depth, e);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
        size_t n;
        char *junk = NULL;
        switch (r->hdr[H_TYPE]) {
        case 'x':
        case 'X':
            r->pax_seen = 1;
            free(r->pax);
            r->pax = NULL;
            rc = read_body(r, SBC_TAR_PAX_MAX, &r->pax, &r->paxlen, e);
            break;
        case 'g': /* global records: read and ignored (libarchive) */
            r->pax_seen = 1;
            /* fallthrough */
        case 'A': /* Solaris ACLs */
        case 'V': /* GNU volume label */
            rc = read_body(r, SBC_TAR_PAX_MAX, &junk, &n, e);
            free(junk);
            break;
        case 'L':
            rc = long_name(r, &r->longname, e);
            break;
        case 'K':
            rc = long_name(r, &r->longlink, e);
            break;
        default:
            r->en.path = NULL;
            if (parse_entry(r, e) < 0)
                return -1;
            *en = &r->en;
            return 1;
        }
        if (rc < 0)
            return -1;
    }
}

ssize_t sbc_tar_data(sbc_tar_reader *r, const void **p, size_t max, sbc_err *e)
{
    if (r->left == 0 || max == 0)
        return 0;
    int f = fill(r, e);
    if (f <= 0)
        return f < 0 ? -1 : truncated(e);
    size_t k = r->cl;
    if ((unsigned long long)k > (unsigned long long)r->left)
        k = (size_t)r->left;
    if (k > max)
        k = max;
    *p = r->cp;
    r->cp += k;
    r->cl -= k;
    r->off += (long long)k;
    r->left -= (long long)k;
    return (ssize_t)k;
}

ssize_t sbc_tar_read(sbc_tar_reader *r, void *buf, size_t n, sbc_err *e)
{
    size_t got = 0;
    while (got < n) {
        const void *p;
        ssize_t k = sbc_tar_data(r, &p, n - got, e);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        memcpy((char *)buf + got, p, (size_t)k);
        got += (size_t)k;
    }
    return (ssize_t)got;
}
