/* Unit tests for lib/tarw: reproducible layer tars, whiteout conversion,
 * round trip through sbc_layer_unpack.  Run as root (mknod, trusted.*). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/io.h"
#include "image/layer.h"
#include "image/tarw.h"
#include "unit.h"

#include <zlib.h>

static void put(const char *dir, const char *name, const char *data)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        sbc_write_full(fd, data, strlen(data));
        close(fd);
    }
}

static void file_digest(const char *path, char out[72])
{
    size_t n = 0;
    sbc_err e = {0};
    char *b = sbc_read_file(AT_FDCWD, path, 64u << 20, &n, &e);
    sbc_sha256_digest(b ? b : "", b ? n : 0, out);
    free(b);
}

static void mktree(const char *d)
{
    char p[4096];
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/dir", d), mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/opq", d), mkdir(p, 0755);
    setxattr(p, "trusted.overlay.opaque", "y", 1, 0);
    put(d, "b", "bee\n");
    put(d, "a", "ay\n");
    put(d, "dir/z", "zed\n");
    put(d, "opq/new", "new\n");
    snprintf(p, sizeof p, "%s/gone", d), mknod(p, S_IFCHR | 0, makedev(0, 0));
    char q[4096];
    snprintf(p, sizeof p, "%s/a", d), snprintf(q, sizeof q, "%s/dir/hl", d), link(p, q);
    snprintf(p, sizeof p, "%s/lnk", d), symlink("a", p);
    setxattr(q, "user.k", "v", 1, 0);
}

TEST(tarw_reproducible_and_roundtrip)
{
    char src[4096], t1[4096], t2[4096], dst[4096];
    const char *tmp = unit_tmpdir();
    snprintf(src, sizeof src, "%s/tw-src", tmp);
    snprintf(t1, sizeof t1, "%s/tw-1.tar.gz", tmp);
    snprintf(t2, sizeof t2, "%s/tw-2.tar.zst", tmp);
    snprintf(dst, sizeof dst, "%s/tw-dst", tmp);
    mktree(src);
    sbc_err e = {0};
    sbc_layer_info i1, i2, i3;
    for (int round = 0; round < 2; round++) {
        int fd = open(round ? t2 : t1, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        sbc_tarw_opts o;
        sbc_tarw_opts_init(&o);
        o.compression = round ? SBC_COMP_ZSTD : SBC_COMP_GZIP;
        CHECK(sbc_tarw_dir(src, fd, &o, round ? &i2 : &i1, &e) == 0);
        close(fd);
    }
    char d[72];
    file_digest(t1, d);
    CHECK_STR(i1.digest, d);
    file_digest(t2, d);
    CHECK_STR(i2.digest, d);
    CHECK_STR(i1.diff_id, i2.diff_id); /* same tar, two compressions */
    CHECK_INT(i1.compression, SBC_COMP_GZIP);
    /* same tree again: same bytes */
    int fd = open(t1, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(sbc_layer_tar_dir(src, fd, SBC_COMP_GZIP, &i3, &e) == 0);
    close(fd);
    CHECK_STR(i3.digest, i1.digest);
    /* unpack: the whiteout and the opaque dir come back */
    mkdir(dst, 0755);
    fd = open(t1, O_RDONLY);
    sbc_layer_info u;
    CHECK(sbc_layer_unpack_fd(fd, dst, 0, &u, &e) == 0);
    close(fd);
    CHECK_STR(u.digest, i1.digest);
    CHECK_STR(u.diff_id, i1.diff_id);
    char p[4096], v[8];
    struct stat st, st2;
    snprintf(p, sizeof p, "%s/gone", dst);
    CHECK(lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    snprintf(p, sizeof p, "%s/opq", dst);
    CHECK(getxattr(p, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
    snprintf(p, sizeof p, "%s/a", dst);
    CHECK(stat(p, &st) == 0);
    snprintf(p, sizeof p, "%s/dir/hl", dst);
    CHECK(stat(p, &st2) == 0 && st.st_ino == st2.st_ino);
    CHECK(getxattr(p, "user.k", v, sizeof v) == 1);
    /* plain mode: no whiteout conversion, the device is kept as a device */
    sbc_tarw_opts o;
    sbc_tarw_opts_init(&o);
    o.plain = 1;
    o.compression = SBC_COMP_NONE;
    snprintf(p, sizeof p, "%s/tw-plain.tar", tmp);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(sbc_tarw_dir(src, fd, &o, &i3, &e) == 0);
    close(fd);
    CHECK_STR(i3.digest, i3.diff_id);
    size_t n = 0;
    char *b = sbc_read_file(AT_FDCWD, p, 1 << 20, &n, &e);
    CHECK(b && !memmem(b, n, ".wh.", 4));
    free(b);
    CHECK(sbc_tarw_dir("/nonexistent-dir", 1, NULL, NULL, &e) < 0);
}

TEST(tarw_comp_parse)
{
    int l;
    CHECK_INT(sbc_comp_parse("gzip", &l), SBC_COMP_GZIP);
    CHECK_INT(sbc_comp_parse("zstd:19", &l), SBC_COMP_ZSTD);
    CHECK_INT(l, 19);
    CHECK_INT(sbc_comp_parse("none", &l), SBC_COMP_NONE);
    CHECK_INT(sbc_comp_parse("gzip:12", &l), -1);
    CHECK_INT(sbc_comp_parse("lz4", &l), -1);
}

/* Test data: blocks alternate compressible text and pseudo-random bytes
 * (xorshift: incompressible), with a text run inside a random block. */
static unsigned char *mkdata(size_t n)
{
    unsigned char *b = sbc_xmalloc(n ? n : 1);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        size_t blk = i / SBC_ZW_GZIP_BLOCK;
        if (blk % 2 == 0 || (i % SBC_ZW_GZIP_BLOCK) < 4096) {
            b[i] = "the quick brown fox jumps over the lazy dog\n"[(i * 7 + i / 45) % 44];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = (unsigned char)(x >> 29);
        }
    }
    return b;
}

/* Compress d[0..n) writing pieces of `step` bytes; the blob in *blob. */
static int zw_run(const unsigned char *d, size_t n, size_t step, int level, unsigned char **blob,
                  size_t *bloblen, sbc_layer_info *li)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/zw.gz", unit_tmpdir());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    sbc_err e = {0};
    sbc_zw *z = sbc_zw_new(fd, SBC_COMP_GZIP, level, -1);
    int rc = 0;
    for (size_t o = 0; o < n && rc == 0; o += step)
        rc = sbc_zw_write(z, d + o, n - o < step ? n - o : step, &e);
    if (rc == 0)
        rc = sbc_zw_finish(z, li, &e);
    sbc_zw_free(z);
    close(fd);
    *blob = (unsigned char *)sbc_read_file(AT_FDCWD, path, 256u << 20, bloblen, &e);
    return rc == 0 && *blob ? 0 : -1;
}

/* Inflate every member of a gzip stream (as a reader must); -1 if corrupt. */
/* Decode concatenated gzip members with zlib, independently of sbc's own
 * reader (ISA-L): the header (sbc writes no optional fields, FLG 0), a raw
 * deflate stream, and the trailer checked here with zlib's crc32.  Bytes
 * out, or -1. */
static long long inflate_members(const unsigned char *b, size_t n, unsigned char *out, size_t cap,
                                 int *members)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return -1;
    *members = 0;
    size_t pos = 0, o = 0;
    long long rc = 0;
    while (pos < n) {
        if (n - pos < 18 || b[pos] != 0x1f || b[pos + 1] != 0x8b || b[pos + 2] != 8 || b[pos + 3] != 0) {
            rc = -1;
            break;
        }
        inflateReset(&z);
        z.next_in = (unsigned char *)b + pos + 10;
        z.avail_in = (uInt)(n - pos - 10);
        z.next_out = out + o;
        z.avail_out = (uInt)(cap - o);
        if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.avail_in < 8) {
            rc = -1;
            break;
        }
        size_t len = cap - o - z.avail_out;
        const unsigned char *t = z.next_in;
        uint32_t crc = (uint32_t)crc32(0, out + o, (uInt)len);
        uint32_t want = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
        uint32_t isize = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
        if (crc != want || isize != (uint32_t)len) {
            rc = -1;
            break;
        }
        o += len;
        pos = (size_t)(t + 8 - b);
        (*members)++;
    }
    if (rc == 0)
        rc = (long long)o;
    inflateEnd(&z);
    return rc;
}

TEST(zw_gzip_parallel_members)
{
    const size_t B = SBC_ZW_GZIP_BLOCK;
    const size_t sizes[] = {0, 1, B - 1, B, B + 1, 2 * B, 7 * B + 12345};
    size_t max = 7 * B + 12345;
    unsigned char *d = mkdata(max), *out = sbc_xmalloc(max + 1);
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        unsigned char *b1 = NULL, *b2 = NULL;
        size_t l1 = 0, l2 = 0;
        sbc_layer_info i1, i2;
        CHECK(zw_run(d, n, n ? n : 1, 1, &b1, &l1, &i1) == 0);
        /* other write sizes (libarchive's 10 KiB; odd): the same bytes */
        CHECK(zw_run(d, n, si % 2 ? 10240 : 7777, 1, &b2, &l2, &i2) == 0);
        CHECK_STR(i1.digest, i2.digest);
        CHECK(l1 == l2 && b1 && b2 && !memcmp(b1, b2, l1));
        CHECK_INT(i1.size, (long long)l1);
        CHECK_INT(i1.diff_size, (long long)n);
        char d1[72], d2[72];
        sbc_sha256_digest(b1 ? b1 : (unsigned char *)"", l1, d1);
        CHECK_STR(i1.digest, d1);
        sbc_sha256_digest(d, n, d2);
        CHECK_STR(i1.diff_id, d2);
        /* one member per started block (one for empty input); each a
         * complete gzip member: header without mtime/name, OS 3 */
        int members = 0;
        long long got = inflate_members(b1, l1, out, max + 1, &members);
        CHECK_INT(got, (long long)n);
        CHECK(got == (long long)n && !memcmp(out, d, n));
        CHECK_INT(members, n ? (int)((n + B - 1) / B) : 1);
        CHECK(l1 >= 18 && b1[0] == 0x1f && b1[1] == 0x8b && b1[3] == 0 && !memcmp(b1 + 4, "\0\0\0\0", 4) &&
              b1[9] == 3);
        free(b1);
        free(b2);
    }
    /* compression happens (text blocks), random blocks are stored (about
     * their own size), and levels differ but both read back */
    unsigned char *b = NULL;
    size_t l = 0;
    sbc_layer_info li;
    CHECK(zw_run(d, 4 * B, 65536, 1, &b, &l, &li) == 0);
    CHECK(l < 2 * B + B / 8); /* 2 text blocks ~nothing, 2 random ~B each */
    CHECK(l > 2 * B - 8192);
    free(b);
    CHECK(zw_run(d, 4 * B, 65536, 9, &b, &l, &li) == 0);
    int m = 0;
    CHECK_INT(inflate_members(b, l, out, max + 1, &m), (long long)(4 * B));
    CHECK(!memcmp(out, d, 4 * B));
    free(b);
    free(d);
    free(out);
}

TEST(zw_gzip_tree_reproducible)
{
    /* a tree with a file over several blocks: same tree twice, same digest;
     * the blob inflates to the tar (diff ID) */
    char src[4096], p[4096];
    snprintf(src, sizeof src, "%s/zw-tree", unit_tmpdir());
    mkdir(src, 0755);
    size_t n = 3 * SBC_ZW_GZIP_BLOCK + 999;
    unsigned char *d = mkdata(n);
    snprintf(p, sizeof p, "%s/big", src);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(sbc_write_full(fd, d, n) == 0);
    close(fd);
    put(src, "small", "small\n");
    free(d);
    sbc_layer_info li[2];
    sbc_err e = {0};
    char blob[2][4096];
    for (int r = 0; r < 2; r++) {
        snprintf(blob[r], sizeof blob[r], "%s/zw-tree-%d.tar.gz", unit_tmpdir(), r);
        fd = open(blob[r], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        sbc_tarw_opts o;
        sbc_tarw_opts_init(&o);
        o.level = 1;
        CHECK(sbc_tarw_dir(src, fd, &o, &li[r], &e) == 0);
        close(fd);
    }
    CHECK_STR(li[0].digest, li[1].digest);
    CHECK_STR(li[0].diff_id, li[1].diff_id);
    size_t bl = 0;
    unsigned char *b = (unsigned char *)sbc_read_file(AT_FDCWD, blob[0], 64u << 20, &bl, &e);
    CHECK(b != NULL);
    size_t cap = (size_t)li[0].diff_size + 1;
    unsigned char *out = sbc_xmalloc(cap);
    int m = 0;
    long long got = b ? inflate_members(b, bl, out, cap, &m) : -1;
    CHECK_INT(got, li[0].diff_size);
    char dd[72];
    sbc_sha256_digest(out, got > 0 ? (size_t)got : 0, dd);
    CHECK_STR(dd, li[0].diff_id);
    CHECK(m >= 4);
    /* and sbc's own reader takes the multi-member blob */
    char dst[4096];
    snprintf(dst, sizeof dst, "%s/zw-tree-dst", unit_tmpdir());
    mkdir(dst, 0755);
    fd = open(blob[0], O_RDONLY);
    sbc_layer_info u;
    CHECK(sbc_layer_unpack_fd(fd, dst, 0, &u, &e) == 0);
    close(fd);
    CHECK_STR(u.digest, li[0].digest);
    CHECK_STR(u.diff_id, li[0].diff_id);
    struct stat st;
    snprintf(p, sizeof p, "%s/big", dst);
    CHECK(stat(p, &st) == 0 && st.st_size == (off_t)n);
    free(b);
    free(out);
}
