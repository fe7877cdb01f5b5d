/* Unit tests for lib/base/tar: the reader (ustar prefix, pax records, GNU
 * long names, base-256, checksums, truncation, hostile sizes) and the
 * writer (libarchive's pax_restricted bytes, pinned; round trips). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/io.h"
#include "base/tar.h"
#include "unit.h"

/* ---- helpers ---- */

struct chunks {
    const unsigned char *p;
    size_t n, off, step; /* step: bytes per chunk (0: all) */
};

static ssize_t chunk_fn(void *ctx, const void **p, sbc_err *e)
{
    struct chunks *c = ctx;
    size_t k = c->n - c->off;
    if (c->step && k > c->step)
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

/* A raw header block: name, type, size, and the rest as ustar. */
static void raw_header(unsigned char h[512], const char *name, int type, long long size, int gnu)
{
    memset(h, 0, 512);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011llo", size);
    snprintf((char *)h + 136, 12, "%011o", 1700000000);
    h[156] = (unsigned char)type;
    memcpy(h + 257, gnu ? "ustar  \0" : "ustar\0" "00", 8);
}

static void seal(unsigned char h[512])
{
    memset(h + 148, ' ', 8);
    unsigned s = 0;
    for (int i = 0; i < 512; i++)
        s += h[i];
    snprintf((char *)h + 148, 8, "%06o", s);
}

static void add_block(sbc_buf *b, const unsigned char *h)
{
    sbc_buf_add(b, h, 512);
}

/* A sealed raw header (raw_header, then seal) added to b; h keeps it. */
static void add_raw(sbc_buf *b, unsigned char h[512], const char *name, int type, long long size, int gnu)
{
    raw_header(h, name, type, size, gnu);
    seal(h);
    add_block(b, h);
}

/* body bytes padded to 512 */
static void add_body(sbc_buf *b, const void *p, size_t n)
{
    static const char z[512];
    sbc_buf_add(b, p, n);
    sbc_buf_add(b, z, (512 - n % 512) % 512);
}

static void add_end(sbc_buf *b)
{
    static const char z[1024];
    sbc_buf_add(b, z, sizeof z);
}

/* A pax record "LEN k=v\n". */
static void pax_rec(sbc_buf *b, const char *k, const char *v)
{
    size_t len = strlen(k) + strlen(v) + 3, d = 1;
    while (1) {
        char t[32];
        int n = snprintf(t, sizeof t, "%zu", len + d);
        if ((size_t)n == d)
            break;
        d = (size_t)n;
    }
    sbc_buf_printf(b, "%zu %s=%s\n", len + d, k, v);
}

static void add_pax(sbc_buf *b, int type, const sbc_buf *recs)
{
    unsigned char h[512];
    raw_header(h, "PaxHeader/x", type, (long long)recs->len, 0);
    seal(h);
    add_block(b, h);
    add_body(b, recs->data, recs->len);
}

/* Read every entry of b (in chunks of step); "path|type|size|data;" per
 * entry into out; the reader's result (0 end, -1 error) returned, its
 * message in e. */
static int read_all_entries(const sbc_buf *b, size_t step, sbc_buf *out, sbc_err *e)
{
    struct chunks c = {(const unsigned char *)b->data, b->len, 0, step};
    sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
    sbc_tar_entry *en;
    int rc;
    out->len = 0;
    sbc_buf_add(out, "", 0);
    while ((rc = sbc_tar_next(r, &en, e)) == 1) {
        sbc_buf_printf(out, "%s|%c|%lld|", en->path, en->type, en->size);
        const void *p;
        ssize_t k;
        while ((k = sbc_tar_data(r, &p, 3, e)) > 0)
            sbc_buf_add(out, p, (size_t)k);
        if (k < 0) {
            rc = -1;
            break;
        }
        sbc_buf_add(out, ";", 1);
    }
    sbc_tar_reader_free(r);
    return rc;
}

/* ---- reader ---- */

TEST(tar_read_ustar_prefix_and_old)
{
    sbc_buf b = {0}, out = {0};
    unsigned char h[512];
    raw_header(h, "file.txt", '0', 5, 0);
    memcpy(h + 345, "some/long/prefix", 16);
    seal(h);
    add_block(&b, h);
    add_body(&b, "hello", 5);
    raw_header(h, "old-v7", 0, 2, 0);
    memset(h + 257, 0, 8); /* no magic: a v7 header, '\0' is a file */
    memcpy(h + 345, "ignored", 7);
    seal(h);
    add_block(&b, h);
    add_body(&b, "v7", 2);
    raw_header(h, "olddir/", '0', 0, 0); /* a file named .../: a directory */
    seal(h);
    add_block(&b, h);
    raw_header(h, "weird", 'Z', 1, 0); /* unknown types are files (POSIX) */
    seal(h);
    add_block(&b, h);
    add_body(&b, "z", 1);
    add_end(&b);
    sbc_err e = {0};
    for (size_t step = 0; step < 12; step += 5) {
        CHECK_INT(read_all_entries(&b, step, &out, &e), 0);
        CHECK_STR(out.data, "some/long/prefix/file.txt|0|5|hello;old-v7|0|2|v7;olddir/|5|0|;weird|0|1|z;");
    }
    sbc_buf_free(&b);
    sbc_buf_free(&out);
}

TEST(tar_read_pax_path_size_xattr)
{
    sbc_buf b = {0}, recs = {0}, out = {0};
    char longp[300];
    memset(longp, 'p', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    longp[100] = '/';
    pax_rec(&recs, "path", longp);
    pax_rec(&recs, "size", "7");
    pax_rec(&recs, "uid", "5000000000");
    pax_rec(&recs, "mtime", "1700000000.123456789");
    pax_rec(&recs, "atime", "1600000000.5");
    pax_rec(&recs, "SCHILY.xattr.user.a", "va");
    pax_rec(&recs, "LIBARCHIVE.xattr.user.b%3Dc", "dmI="); /* "vb" */
    pax_rec(&recs, "comment", "ignored");
    add_pax(&b, 'x', &recs);
    unsigned char h[512];
    raw_header(h, "short", '0', 3, 0); /* the pax size wins */
    seal(h);
    add_block(&b, h);
    add_body(&b, "1234567", 7);
    add_end(&b);
    struct chunks c = {(const unsigned char *)b.data, b.len, 0, 100};
    sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
    sbc_tar_entry *en;
    sbc_err e = {0};
    CHECK_INT(sbc_tar_next(r, &en, &e), 1);
    CHECK_STR(en->path, longp);
    CHECK_INT(en->size, 7);
    CHECK_INT(en->uid, 5000000000LL);
    CHECK_INT(en->mtime, 1700000000);
    CHECK_INT(en->mtime_nsec, 123456789);
    CHECK(en->has_atime && en->atime == 1600000000 && en->atime_nsec == 500000000);
    CHECK_INT(en->nxattrs, 2);
    if (en->nxattrs == 2) {
        CHECK_STR(en->xattrs[0].name, "user.a");
        CHECK(en->xattrs[0].len == 2 && !memcmp(en->xattrs[0].value, "va", 2));
        CHECK_STR(en->xattrs[1].name, "user.b=c");
        CHECK(en->xattrs[1].len == 2 && !memcmp(en->xattrs[1].value, "vb", 2));
    }
    char data[16];
    CHECK_INT(sbc_tar_read(r, data, sizeof data, &e), 7);
    CHECK_INT(sbc_tar_next(r, &en, &e), 0);
    sbc_tar_reader_free(r);
    /* a global header is read and ignored */
    b.len = 0;
    recs.len = 0;
    pax_rec(&recs, "path", "global-name");
    add_pax(&b, 'g', &recs);
    add_raw(&b, h, "mine", '0', 0, 0);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    CHECK_STR(out.data, "mine|0|0|;");
    sbc_buf_free(&b);
    sbc_buf_free(&recs);
    sbc_buf_free(&out);
}

TEST(tar_read_gnu_long_names_base256)
{
    sbc_buf b = {0};
    char name[700], link[400];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    memset(link, 'l', sizeof link - 1);
    link[sizeof link - 1] = 0;
    unsigned char h[512];
    raw_header(h, "././@LongLink", 'L', (long long)sizeof name, 1); /* with its NUL */
    seal(h);
    add_block(&b, h);
    add_body(&b, name, sizeof name);
    add_raw(&b, h, "././@LongLink", 'K', (long long)strlen(link), 1);
    add_body(&b, link, strlen(link));
    raw_header(h, "truncated-name", '2', 0, 1);
    /* base-256: uid 2^40, mtime -2 (two's complement, 12 bytes) */
    memset(h + 108, 0, 8);
    h[108] = 0x80;
    h[110] = 1; /* 2^40 in 7 bytes after the marker */
    memset(h + 136, 0xff, 12);
    h[147] = 0xfe;
    snprintf((char *)h + 345, 12, "%011o", 1600000000); /* GNU atime */
    seal(h);
    add_block(&b, h);
    add_end(&b);
    struct chunks c = {(const unsigned char *)b.data, b.len, 0, 7};
    sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
    sbc_tar_entry *en;
    sbc_err e = {0};
    CHECK_INT(sbc_tar_next(r, &en, &e), 1);
    CHECK_STR(en->path, name);
    CHECK_STR(en->linkpath, link);
    CHECK_INT(en->type, SBC_TAR_SYMLINK);
    CHECK_INT(en->uid, 1LL << 40);
    CHECK_INT(en->mtime, -2);
    CHECK(en->has_atime && en->atime == 1600000000);
    CHECK_INT(sbc_tar_next(r, &en, &e), 0);
    sbc_tar_reader_free(r);
    sbc_buf_free(&b);
}

/* A hardlink's size: a body only in pax archives (libarchive's rule); old
 * and GNU tars put sizes on bodiless hardlinks. */
TEST(tar_read_hardlink_size)
{
    sbc_buf b = {0}, out = {0}, recs = {0};
    unsigned char h[512];
    sbc_err e = {0};
    raw_header(h, "h", '1', 5, 1);
    memcpy(h + 157, "t", 1);
    seal(h);
    add_block(&b, h);
    add_raw(&b, h, "next", '0', 1, 1);
    add_body(&b, "n", 1);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    CHECK_STR(out.data, "h|1|0|;next|0|1|n;");
    b.len = 0;
    pax_rec(&recs, "linkpath", "t");
    add_pax(&b, 'x', &recs);
    add_raw(&b, h, "h", '1', 5, 0);
    add_body(&b, "hbody", 5);
    add_raw(&b, h, "next", '0', 1, 0);
    add_body(&b, "n", 1);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    CHECK_STR(out.data, "h|1|5|hbody;next|0|1|n;");
    /* a hardlink to nothing is a regular file (libarchive) */
    b.len = 0;
    add_raw(&b, h, "e", '1', 0, 0);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    CHECK_STR(out.data, "e|0|0|;");
    sbc_buf_free(&b);
    sbc_buf_free(&out);
    sbc_buf_free(&recs);
}

TEST(tar_read_checksums)
{
    sbc_buf b = {0}, out = {0};
    unsigned char h[512];
    raw_header(h, "caf\xc3\xa9", '0', 0, 0);
    /* the signed sum (old BSD/Solaris tars) is accepted too */
    memset(h + 148, ' ', 8);
    int s = 0;
    for (int i = 0; i < 512; i++)
        s += (signed char)h[i];
    snprintf((char *)h + 148, 8, "%06o", s);
    add_block(&b, h);
    add_end(&b);
    sbc_err e = {0};
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    CHECK_STR(out.data, "caf\xc3\xa9|0|0|;");
    b.data[148 + 5] ^= 1; /* a wrong checksum */
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "checksum") != NULL);
    b.len = 0;
    raw_header(h, "x", '0', 0, 0);
    seal(h);
    h[150] = 'x'; /* not an octal digit */
    add_block(&b, h);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "checksum") != NULL);
    sbc_buf_free(&b);
    sbc_buf_free(&out);
}

TEST(tar_read_ends_and_truncation)
{
    sbc_buf b = {0}, out = {0};
    unsigned char h[512];
    add_raw(&b, h, "f", '0', 600, 0);
    char data[600];
    memset(data, 'd', sizeof data);
    add_body(&b, data, sizeof data);
    size_t whole = b.len;
    sbc_err e = {0};
    /* the end of the stream at a block boundary, one zero block: the end */
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    add_body(&b, "", 0);
    sbc_buf_add(&b, (char[512]){0}, 512);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    /* nothing after the first zero block is read */
    sbc_buf_add(&b, "garbage", 7);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    /* cut in the header, in the data, in the padding */
    size_t cuts[] = {300, 512 + 100, whole - 10};
    for (int i = 0; i < 3; i++) {
        sbc_buf c = {0};
        sbc_buf_add(&c, b.data, cuts[i]);
        sbc_err_clear(&e);
        CHECK_INT(read_all_entries(&c, 0, &out, &e), -1);
        CHECK(strstr(e.msg, "truncated tar archive") != NULL);
        sbc_buf_free(&c);
    }
    /* an extension header and then the end */
    b.len = 0;
    sbc_buf recs = {0};
    pax_rec(&recs, "path", "x");
    add_pax(&b, 'x', &recs);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "truncated") != NULL);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "damaged") != NULL);
    /* an empty stream is an empty archive */
    b.len = 0;
    CHECK_INT(read_all_entries(&b, 0, &out, &e), 0);
    sbc_buf_free(&b);
    sbc_buf_free(&recs);
    sbc_buf_free(&out);
}

TEST(tar_read_hostile)
{
    sbc_buf b = {0}, recs = {0}, out = {0};
    unsigned char h[512];
    sbc_err e = {0};
    /* a pax header over the bound, a long name over its bound */
    add_raw(&b, h, "PaxHeader/x", 'x', SBC_TAR_PAX_MAX + 1, 0);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "extension header") != NULL);
    b.len = 0;
    add_raw(&b, h, "././@LongLink", 'L', SBC_TAR_NAME_MAX + 1, 1);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "extension header") != NULL);
    /* a record longer than the header, a record without '=', a length 0 */
    static const char *bad[] = {"99 path=x\n", "9 pathx\n\n", "0 a=b\n", "12 path=x\n", "6 =ab\n", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b.len = 0;
        recs.len = 0;
        sbc_buf_adds(&recs, bad[i]);
        add_pax(&b, 'x', &recs);
        add_raw(&b, h, "f", '0', 0, 0);
        add_end(&b);
        sbc_err_clear(&e);
        CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
        CHECK(strstr(e.msg, "malformed pax") != NULL);
    }
    /* a NUL in a pax path; a negative size; a pax size overflowing */
    b.len = 0;
    recs.len = 0;
    sbc_buf_add(&recs, "12 path=a\0b\n", 12);
    add_pax(&b, 'x', &recs);
    add_raw(&b, h, "f", '0', 0, 0);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "NUL") != NULL);
    b.len = 0;
    raw_header(h, "neg", '0', 0, 0);
    memset(h + 124, 0xff, 12); /* base-256 -1 */
    seal(h);
    add_block(&b, h);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "size") != NULL);
    b.len = 0;
    recs.len = 0;
    pax_rec(&recs, "size", "99999999999999999999999");
    add_pax(&b, 'x', &recs);
    add_raw(&b, h, "f", '0', 0, 0);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "size") != NULL);
    /* the largest size: its skip (size + padding) must not overflow */
    b.len = 0;
    raw_header(h, "huge", '0', 0, 1);
    memset(h + 124, 0, 12);
    h[124] = 0x80;
    memset(h + 128, 0xff, 8);
    h[128] = 0x7f;
    h[135] = 0xfe; /* 2^63 - 2 */
    seal(h);
    add_block(&b, h);
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 4096, &out, &e), -1);
    CHECK(strstr(e.msg, "truncated") != NULL);
    {
        struct chunks c = {(const unsigned char *)b.data, b.len, 0, 0};
        sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
        sbc_tar_entry *en;
        CHECK_INT(sbc_tar_next(r, &en, &e), 1);
        CHECK_INT(en->size, INT64_MAX - 1);
        CHECK_INT(sbc_tar_next(r, &en, &e), -1); /* skipping it */
        CHECK(strstr(e.msg, "truncated") != NULL);
        sbc_tar_reader_free(r);
    }
    /* GNU sparse files and multi-volume parts are refused */
    const int refused[] = {'S', 'M'};
    for (int i = 0; i < 2; i++) {
        b.len = 0;
        add_raw(&b, h, "sp", refused[i], 0, 1);
        add_end(&b);
        CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
        CHECK(strstr(e.msg, "not supported") != NULL);
    }
    /* more than 32 extension headers before an entry */
    b.len = 0;
    for (int i = 0; i < 40; i++) {
        add_raw(&b, h, "././@LongLink", 'L', 2, 1);
        add_body(&b, "n", 2);
    }
    add_end(&b);
    CHECK_INT(read_all_entries(&b, 0, &out, &e), -1);
    CHECK(strstr(e.msg, "too many") != NULL);
    sbc_buf_free(&b);
    sbc_buf_free(&recs);
    sbc_buf_free(&out);
}

/* ---- writer ---- */

#define PINNED_RAW "sha256:92ea284d6c206b205ed1ee518dc3fe4af8b2612af9ba84c4a9dfd53deddcd907"
#define PINNED_PADDED "sha256:6c6bc3c3fa5f3f364b59b20b4d431347d167d614037060b3dd887979f9ae0ce0"

/* The entries of the pinned tar: every case the pax_restricted layout
 * decides something for. */
static void write_pinned(sbc_buf *b, unsigned flags)
{
    static char longp[400], longl[200], big[1000], longd[130];
    memset(longp, 'a', sizeof longp - 1);
    for (int i = 50; i < 390; i += 50)
        longp[i] = '/';
    memset(longl, 'l', sizeof longl - 1);
    memset(big, 'B', sizeof big);
    memset(longd, 'D', 120);
    longd[120] = '/'; /* a directory's long name: its '/' kept */
    sbc_tar_xattr xs[] = {{"user.z", "1", 1}, {"user.a=b%c d", "v\0w", 3}};
    sbc_tar_entry ens[] = {
        {.path = "dir/", .type = SBC_TAR_DIR, .mode = 0755, .mtime = 1700000000},
        {.path = "dir/file", .type = SBC_TAR_REG, .mode = 04755, .uid = 1000, .gid = 1000, .size = 1000,
         .mtime = 1700000000, .xattrs = xs, .nxattrs = 2},
        {.path = longp, .type = SBC_TAR_REG, .mode = 0644, .size = 3, .mtime = 1},
        {.path = "sym", .type = SBC_TAR_SYMLINK, .linkpath = longl, .mode = 0777, .mtime = -1000},
        {.path = "hard", .type = SBC_TAR_HARDLINK, .linkpath = "dir/file", .mode = 0644, .size = 1000},
        {.path = "big-ids", .type = SBC_TAR_REG, .mode = 0600, .uid = 262144, .gid = 4294967294LL, .mtime = 0x7fffffff},
        {.path = "dev", .type = SBC_TAR_CHR, .mode = 0600, .devmajor = 300, .devminor = 300000, .mtime = 8589934592LL},
        {.path = "fifo", .type = SBC_TAR_FIFO, .mode = 0644, .mtime = 5, .mtime_nsec = 500},
        {.path = longd, .type = SBC_TAR_DIR, .mode = 0700, .mtime = 2},
        {.path = "caf\xc3\xa9", .type = SBC_TAR_REG, .mode = 0644},
    };
    sbc_err e = {0};
    sbc_tar_writer *w = sbc_tar_writer_new(buf_write, b, flags);
    for (size_t i = 0; i < sizeof ens / sizeof *ens; i++) {
        CHECK_INT(sbc_tar_write_header(w, &ens[i], &e), 0);
        if (ens[i].type == SBC_TAR_REG && ens[i].size)
            CHECK_INT(sbc_tar_write_data(w, big, (size_t)ens[i].size, &e), 0);
    }
    CHECK_INT(sbc_tar_writer_close(w, &e), 0);
    sbc_tar_writer_free(w);
}

TEST(tar_write_pinned_bytes)
{
    /* The digests are those of libarchive 3.6.2's pax_restricted writer
     * (xattrheader=SCHILY; xattrs added in reverse, as libarchive lists
     * them last-added first) for the same entries, in a C.UTF-8 locale (in
     * sbc's C locale libarchive refused "café"); bytes_in_last_block 1 for
     * the first, its default 10240-byte records for the second. */
    sbc_buf b = {0};
    char d[SBC_DIGEST_SIZE];
    write_pinned(&b, 0);
    CHECK_INT(b.len % 512, 0);
    sbc_sha256_digest(b.data, b.len, d);
    CHECK_STR(d, PINNED_RAW);
    b.len = 0;
    write_pinned(&b, SBC_TAR_PAD_BLOCK);
    CHECK_INT(b.len % 10240, 0);
    sbc_sha256_digest(b.data, b.len, d);
    CHECK_STR(d, PINNED_PADDED);
    sbc_buf_free(&b);
}

TEST(tar_write_read_round_trip)
{
    sbc_buf b = {0};
    write_pinned(&b, 0);
    struct chunks c = {(const unsigned char *)b.data, b.len, 0, 333};
    sbc_tar_reader *r = sbc_tar_reader_new(chunk_fn, &c);
    sbc_tar_entry *en;
    sbc_err e = {0};
    const char *want[] = {"dir/", "dir/file", NULL, "sym", "hard", "big-ids", "dev", "fifo", NULL, "caf\xc3\xa9"};
    int n = 0;
    while (sbc_tar_next(r, &en, &e) == 1) {
        if (n < 10 && want[n])
            CHECK_STR(en->path, want[n]);
        switch (n) {
        case 1:
            CHECK(en->mode == 04755 && en->uid == 1000 && en->size == 1000 && en->nxattrs == 2);
            if (en->nxattrs == 2) { /* SCHILY names are kept %-encoded (as libarchive reads them) */
                CHECK_STR(en->xattrs[0].name, "user.z");
                CHECK_STR(en->xattrs[1].name, "user.a%3Db%25c%20d");
                CHECK(en->xattrs[1].len == 3 && !memcmp(en->xattrs[1].value, "v\0w", 3));
            }
            break;
        case 2:
            CHECK(strlen(en->path) == 399 && en->size == 3);
            break;
        case 3:
            CHECK(en->type == SBC_TAR_SYMLINK && strlen(en->linkpath) == 199 && en->mtime == -1000);
            break;
        case 4:
            CHECK(en->type == SBC_TAR_HARDLINK && !strcmp(en->linkpath, "dir/file") && en->size == 0);
            break;
        case 5:
            CHECK(en->uid == 262144 && en->gid == 4294967294LL && en->mtime == 0x7fffffff);
            break;
        case 6:
            CHECK(en->type == SBC_TAR_CHR && en->devmajor == 300 && en->devminor == 300000);
            CHECK_INT(en->mtime, 8589934592LL);
            break;
        case 7: /* nanoseconds are written only with other records */
            CHECK(en->type == SBC_TAR_FIFO && en->mtime == 5 && en->mtime_nsec == 0);
            break;
        }
        n++;
    }
    CHECK_INT(n, 10);
    CHECK_INT(sbc_tar_offset(r) + 512, (long long)b.len); /* (the second zero block is not read) */
    sbc_tar_reader_free(r);
    /* a name that is not UTF-8: pax path with hdrcharset=BINARY */
    b.len = 0;
    sbc_tar_writer *w = sbc_tar_writer_new(buf_write, &b, 0);
    sbc_tar_entry bad = {.path = "bad\xff", .type = SBC_TAR_REG};
    CHECK_INT(sbc_tar_write_header(w, &bad, &e), 0);
    CHECK_INT(sbc_tar_writer_close(w, &e), 0);
    sbc_tar_writer_free(w);
    CHECK(memmem(b.data, b.len, "hdrcharset=BINARY\n", 18) && memmem(b.data, b.len, "path=bad\xff\n", 10));
    struct chunks c2 = {(const unsigned char *)b.data, b.len, 0, 0};
    r = sbc_tar_reader_new(chunk_fn, &c2);
    CHECK_INT(sbc_tar_next(r, &en, &e), 1);
    CHECK_STR(en->path, "bad\xff");
    sbc_tar_reader_free(r);
    /* the writer holds an entry to its size */
    b.len = 0;
    w = sbc_tar_writer_new(buf_write, &b, 0);
    sbc_tar_entry f = {.path = "f", .type = SBC_TAR_REG, .size = 2};
    CHECK_INT(sbc_tar_write_header(w, &f, &e), 0);
    CHECK_INT(sbc_tar_write_data(w, "abc", 3, &e), -1);
    sbc_tar_writer_free(w);
    sbc_buf_free(&b);
}
