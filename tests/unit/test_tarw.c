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

#include "lib/digest.h"
#include "lib/io.h"
#include "lib/layer.h"
#include "lib/tarw.h"
#include "unit.h"

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
