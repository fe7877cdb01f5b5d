/* imgarchive.c - save and load of Docker / OCI image archives (see
 * imgarchive.h). */
#include "image/imgarchive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "base/cleanup.h"
#include "base/digest.h"
#include "base/unz.h"
#include "image/imgbuild.h"
#include "base/io.h"
#include "base/path.h"
#include "base/tar.h"
#include "base/mediatype.h"
#include "base/json.h"
#include "registry/ref.h"
#include "registry/registry.h"

#define CHUNK (256 * 1024)
#define JSON_MAX (16u << 20)

/* ---- save --------------------------------------------------------------------- */

struct saver {
    sbc_tar_writer *a;
    sbc_store *s;
    sbc_err *e;
    char **done; /* blob names already written */
    int ndone;
    char *buf;
};

static int sv_header(struct saver *sv, const char *name, long long size, int dir)
{
    sbc_tar_entry en = {
        .path = (char *)name,
        .type = dir ? SBC_TAR_DIR : SBC_TAR_REG,
        .mode = dir ? 0755 : 0644,
        .size = dir ? 0 : size,
    };
    if (sbc_tar_write_header(sv->a, &en, sv->e) < 0)
        return sbc_err_wrap(sv->e, "write %s", name), -1;
    return 0;
}

static int sv_mem(struct saver *sv, const char *name, const void *p, size_t n)
{
    if (sv_header(sv, name, (long long)n, 0) < 0)
        return -1;
    return n ? sbc_tar_write_data(sv->a, p, n, sv->e) : 0;
}

static int sv_seen(struct saver *sv, const char *name)
{
    for (int i = 0; i < sv->ndone; i++)
        if (!strcmp(sv->done[i], name))
            return 1;
    sv->done = sbc_xrealloc(sv->done, (size_t)(sv->ndone + 1) * sizeof *sv->done);
    sv->done[sv->ndone++] = sbc_xstrdup(name);
    return 0;
}

static int sv_fd(struct saver *sv, const char *name, int fd, long long size)
{
    if (sv_header(sv, name, size, 0) < 0)
        return -1;
    long long left = size;
    while (left > 0) {
        ssize_t r = read(fd, sv->buf, left > CHUNK ? CHUNK : (size_t)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? sbc_err_sys(sv->e, "read %s", name)
                         : sbc_err_set(sv->e, 0, "read %s: file shrank", name);
        if (sbc_tar_write_data(sv->a, sv->buf, (size_t)r, sv->e) < 0)
            return -1;
        left -= r;
    }
    return 0;
}

/* An fd's bytes, through a gzip or zstd decoder (ours: ISA-L's inflate,
 * and no second copy of a gzip reader in the binary) when comp says so or,
 * with comp < 0, the first bytes do.  One reader for blobs being saved and
 * for archives being loaded. */
struct unz_src {
    int fd, eof, comp;
    sbc_unz *u;
    unsigned char *ib, *ob;
    const unsigned char *ip;
    size_t il;
    sbc_err e;
};

static void unz_src_init(struct unz_src *r, int fd, int comp)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->comp = comp;
    r->ib = sbc_xmalloc(CHUNK);
    r->ob = sbc_xmalloc(CHUNK);
}

static void unz_src_free(struct unz_src *r)
{
    sbc_unz_free(r->u);
    free(r->ib);
    free(r->ob);
}

/* The next bytes in *buf: their count, 0 at the end, -1 with r->e set
 * (what names the read in its message). */
static ssize_t unz_next(struct unz_src *r, const void **buf, const char *what)
{
    for (;;) {
        if (r->il == 0 && !r->eof) {
            ssize_t n = read(r->fd, r->ib, CHUNK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return sbc_err_sys(&r->e, "%s", what);
            r->eof = n == 0;
            r->ip = r->ib;
            r->il = (size_t)n;
            if (r->comp < 0) /* the first read: sniff */
                r->comp = sbc_comp_sniff(r->ib, r->il);
            if (r->comp != SBC_COMP_NONE && !r->u && !(r->u = sbc_unz_new(r->comp, &r->e)))
                return -1;
        }
        if (r->comp == SBC_COMP_NONE) {
            *buf = r->ip;
            size_t n = r->il;
            r->il = 0;
            return (ssize_t)n;
        }
        ssize_t n = sbc_unz_run(r->u, &r->ip, &r->il, r->eof, r->ob, CHUNK, &r->e);
        if (n < 0)
            return -1;
        if (n > 0 || (r->eof && r->il == 0)) {
            *buf = r->ob;
            return n;
        }
    }
}

/* Decompress blob fd (gzip or zstd) into out_fd (or, when out_fd < 0,
 * straight into the archive: the size is known).  Returns bytes or -1. */
static long long decompress(struct saver *sv, int in, int comp, int out_fd)
{
    struct unz_src r;
    unz_src_init(&r, in, comp);
    long long total = 0;
    const void *buf;
    ssize_t got;
    while ((got = unz_next(&r, &buf, "read blob")) > 0) {
        if (out_fd >= 0 ? sbc_write_full(out_fd, buf, (size_t)got) < 0
                        : sbc_tar_write_data(sv->a, buf, (size_t)got, sv->e) < 0) {
            if (out_fd >= 0)
                sbc_err_sys(sv->e, "write");
            break;
        }
        total += (long long)got;
    }
    if (got < 0)
        *sv->e = r.e;
    unz_src_free(&r);
    return got != 0 ? -1 : total;
}

static int blob_open(sbc_store *s, const char *digest, long long *size, sbc_err *e)
{
    char rel[128];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", sbc_digest_hex(digest));
    int fd = openat(s->fd, rel, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return sbc_err_sys(e, "%s/%s", s->root, rel);
    }
    *size = st.st_size;
    return fd;
}

/* A layer as an uncompressed tar named blobs/sha256/<diffhex>; *size gets
 * its size. */
static int save_layer_plain(struct saver *sv, const sbc_newlayer *l, long long *size)
{
    char name[128];
    snprintf(name, sizeof name, "blobs/sha256/%s", sbc_digest_hex(l->diff_id));
    long long bsize;
    int fd = blob_open(sv->s, l->digest, &bsize, sv->e);
    if (fd < 0)
        return -1;
    unsigned char magic[4] = {0};
    ssize_t m = pread(fd, magic, 4, 0);
    int comp = sbc_comp_sniff(magic, m > 0 ? (size_t)m : 0);
    int rc = -1;
    if (comp == SBC_COMP_NONE) {
        *size = bsize;
        rc = sv_seen(sv, name) ? 0 : sv_fd(sv, name, fd, bsize);
    } else if (l->diff_size >= 0) {
        *size = l->diff_size;
        if (sv_seen(sv, name)) {
            rc = 0;
        } else if (sv_header(sv, name, l->diff_size, 0) == 0) {
            long long got = decompress(sv, fd, comp, -1);
            if (got >= 0 && got != l->diff_size)
                sbc_err_set(sv->e, 0, "layer %s: %lld bytes uncompressed, the record says %lld",
                            l->diff_id, got, l->diff_size);
            else if (got >= 0)
                rc = 0;
        }
    } else if (sv_seen(sv, name)) {
        rc = 0;
        *size = -1;
    } else {
        /* size unknown: decompress into an unnamed temp file first */
        char *tmpd = sbc_store_path(sv->s, "tmp");
        int tfd = open(tmpd, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        free(tmpd);
        if (tfd < 0) {
            sbc_err_sys(sv->e, "temp file");
        } else {
            long long got = decompress(sv, fd, comp, tfd);
            if (got >= 0 && lseek(tfd, 0, SEEK_SET) == 0) {
                *size = got;
                rc = sv_fd(sv, name, tfd, got);
            }
            close(tfd);
        }
    }
    close(fd);
    if (rc < 0)
        sbc_err_wrap(sv->e, "layer %s", l->diff_id);
    return rc;
}

static int save_blob_raw(struct saver *sv, const char *digest)
{
    char name[128];
    snprintf(name, sizeof name, "blobs/sha256/%s", sbc_digest_hex(digest));
    if (sv_seen(sv, name))
        return 0;
    long long size;
    int fd = blob_open(sv->s, digest, &size, sv->e);
    if (fd < 0)
        return -1;
    int rc = sv_fd(sv, name, fd, size);
    close(fd);
    return rc;
}

struct save_ctx {
    struct saver sv;
    int fd;
};

static int sv_write_cb(void *cd, const void *p, size_t n, sbc_err *e)
{
    struct save_ctx *cx = cd;
    return sbc_write_full(cx->fd, p, n) < 0 ? sbc_err_sys(e, "write") : 0;
}

/* The names an image is saved under: "name:tag" (familiar), the full
 * reference, the repository and the tag alone; all NULL when untagged. */
struct save_names {
    char *tag, *full, *repo, *tagonly;
};

static void save_names_of(const sbc_image *img, struct save_names *nm)
{
    memset(nm, 0, sizeof *nm);
    sbc_ref rf;
    sbc_err ign = {0};
    if (!img->ref || sbc_ref_parse(img->ref, &rf, &ign) < 0)
        return;
    if (rf.tag) {
        nm->tag = sbc_ref_familiar_string(&rf);
        nm->full = sbc_ref_string(&rf);
        nm->repo = sbc_ref_familiar(&rf);
        nm->tagonly = sbc_xstrdup(rf.tag);
    }
    sbc_ref_free(&rf);
}

static void save_names_free(struct save_names *nm)
{
    free(nm->tag);
    free(nm->full);
    free(nm->repo);
    free(nm->tagonly);
}

/* What one image adds to the archive besides its blobs: its index entry
 * (mdesc), and for the Docker format its manifest.json entry (dman) and its
 * "repositories" line (repos). */
struct save_out {
    cJSON *mdesc, *dman, *repos;
};

/* Docker format: layers uncompressed (as docker save writes them), a new
 * OCI manifest for them, and the Docker manifest.json and repositories. */
static int save_image_docker(struct saver *sv, const sbc_image *img, const sbc_newlayer *ls, int nl,
                             const char *cname, size_t clen, const struct save_names *nm,
                             struct save_out *o)
{
    int r = 0;
    cJSON *m = cJSON_CreateObject(), *dl = cJSON_CreateArray();
    cJSON_AddNumberToObject(m, "schemaVersion", 2);
    cJSON_AddStringToObject(m, "mediaType", SBC_MT_OCI_MANIFEST);
    cJSON *c = cJSON_AddObjectToObject(m, "config");
    cJSON_AddStringToObject(c, "mediaType", SBC_MT_OCI_CONFIG);
    cJSON_AddStringToObject(c, "digest", img->id);
    cJSON_AddNumberToObject(c, "size", (double)clen);
    cJSON *ml = cJSON_AddArrayToObject(m, "layers");
    for (int k = 0; r == 0 && k < nl; k++) {
        long long size = -1;
        r = save_layer_plain(sv, &ls[k], &size);
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "mediaType", SBC_MT_OCI_LAYER);
        cJSON_AddStringToObject(l, "digest", ls[k].diff_id);
        cJSON_AddNumberToObject(l, "size", (double)size);
        cJSON_AddItemToArray(ml, l);
        char *ln = sbc_xasprintf("blobs/sha256/%s", sbc_digest_hex(ls[k].diff_id));
        cJSON_AddItemToArray(dl, cJSON_CreateString(ln));
        free(ln);
    }
    char *mt = cJSON_PrintUnformatted(m);
    char mdig[SBC_DIGEST_LEN + 1], mname[128];
    sbc_sha256_digest(mt, strlen(mt), mdig);
    snprintf(mname, sizeof mname, "blobs/sha256/%s", sbc_digest_hex(mdig));
    if (r == 0 && !sv_seen(sv, mname))
        r = sv_mem(sv, mname, mt, strlen(mt));
    cJSON_AddStringToObject(o->mdesc, "mediaType", SBC_MT_OCI_MANIFEST);
    cJSON_AddStringToObject(o->mdesc, "digest", mdig);
    cJSON_AddNumberToObject(o->mdesc, "size", (double)strlen(mt));
    free(mt);
    cJSON_Delete(m);
    cJSON *dm = cJSON_CreateObject();
    cJSON_AddStringToObject(dm, "Config", cname);
    cJSON *rt = cJSON_AddArrayToObject(dm, "RepoTags");
    if (nm->tag)
        cJSON_AddItemToArray(rt, cJSON_CreateString(nm->tag));
    cJSON_AddItemToObject(dm, "Layers", dl);
    cJSON_AddItemToArray(o->dman, dm);
    if (nm->tag && nl > 0) {
        cJSON *rp = sbc_json_obj(o->repos, nm->repo);
        if (!rp)
            rp = cJSON_AddObjectToObject(o->repos, nm->repo);
        cJSON_DeleteItemFromObjectCaseSensitive(rp, nm->tagonly);
        cJSON_AddStringToObject(rp, nm->tagonly, sbc_digest_hex(ls[nl - 1].diff_id));
    }
    return r;
}

/* OCI format: the manifest and the blobs exactly as pulled. */
static int save_image_oci(struct saver *sv, const sbc_image *img, const sbc_newlayer *ls, int nl,
                          struct save_out *o)
{
    int r = 0;
    const char *mdig = sbc_json_str(img->record, "Manifest");
    const char *mtype = sbc_json_str(img->record, "ManifestMediaType");
    size_t mlen = 0;
    char *mb = mdig ? sbc_store_blob_get(sv->s, mdig, &mlen, sv->e) : NULL;
    if (!mb)
        r = mdig ? -1 : sbc_err_set(sv->e, 0, "image %.19s: no manifest recorded", img->id);
    char mname[128];
    if (r == 0) {
        snprintf(mname, sizeof mname, "blobs/sha256/%s", sbc_digest_hex(mdig));
        if (!sv_seen(sv, mname))
            r = sv_mem(sv, mname, mb, mlen);
    }
    free(mb);
    for (int k = 0; r == 0 && k < nl; k++)
        r = save_blob_raw(sv, ls[k].digest);
    if (r == 0) {
        cJSON_AddStringToObject(o->mdesc, "mediaType", mtype ? mtype : SBC_MT_OCI_MANIFEST);
        cJSON_AddStringToObject(o->mdesc, "digest", mdig);
        cJSON_AddNumberToObject(o->mdesc, "size", (double)mlen);
    }
    return r;
}

/* One image: its config blob, then its manifest and layers in FORMAT, and
 * its index entry (annotated with its name when tagged) into imans. */
static int save_image(struct saver *sv, const sbc_image *img, int format, cJSON *imans,
                      cJSON *dman, cJSON *repos)
{
    sbc_newlayer *ls = NULL;
    int nl = 0;
    if (sbc_build_layers_of(img, &ls, &nl, sv->e) < 0)
        return -1;
    size_t clen;
    char *cfg = sbc_store_blob_get(sv->s, img->id, &clen, sv->e);
    char cname[128];
    snprintf(cname, sizeof cname, "blobs/sha256/%s", sbc_digest_hex(img->id));
    int r = cfg ? 0 : -1;
    if (r == 0 && !sv_seen(sv, cname))
        r = sv_mem(sv, cname, cfg, clen);
    free(cfg);
    struct save_names nm;
    save_names_of(img, &nm);
    struct save_out o = {cJSON_CreateObject(), dman, repos};
    if (r == 0)
        r = format == SBC_ARCHIVE_DOCKER ? save_image_docker(sv, img, ls, nl, cname, clen, &nm, &o)
                                         : save_image_oci(sv, img, ls, nl, &o);
    if (nm.full) {
        cJSON *ann = cJSON_AddObjectToObject(o.mdesc, "annotations");
        cJSON_AddStringToObject(ann, "io.containerd.image.name", nm.full);
        cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", nm.tagonly);
    }
    cJSON_AddItemToArray(imans, o.mdesc);
    save_names_free(&nm);
    free(ls);
    return r;
}

/* The archive's top-level files: index.json, and for Docker repositories
 * (when any image is tagged) and manifest.json. */
static int save_toplevel(struct saver *sv, int format, const cJSON *index, const cJSON *repos,
                         const cJSON *dman)
{
    char *text = cJSON_PrintUnformatted(index);
    int r = sv_mem(sv, "index.json", text, strlen(text));
    free(text);
    if (r == 0 && format == SBC_ARCHIVE_DOCKER && cJSON_GetArraySize(repos) > 0) {
        text = cJSON_PrintUnformatted(repos);
        r = sv_mem(sv, "repositories", text, strlen(text));
        free(text);
    }
    if (r == 0 && format == SBC_ARCHIVE_DOCKER) {
        text = cJSON_PrintUnformatted(dman);
        r = sv_mem(sv, "manifest.json", text, strlen(text));
        free(text);
    }
    return r;
}

int sbc_save(sbc_store *s, char *const *names, int n, int format, int out_fd, sbc_err *e)
{
    struct save_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    struct saver *sv = &ctx.sv;
    ctx.fd = out_fd;
    sv->s = s;
    sv->e = e;
    sv->buf = sbc_xmalloc(CHUNK);
    sbc_image *imgs = sbc_xcalloc((size_t)n + 1, sizeof *imgs);
    cJSON *dman = cJSON_CreateArray(), *repos = cJSON_CreateObject();
    cJSON *index = cJSON_CreateObject();
    cJSON_AddNumberToObject(index, "schemaVersion", 2);
    cJSON_AddStringToObject(index, "mediaType", SBC_MT_OCI_INDEX);
    cJSON *imans = cJSON_AddArrayToObject(index, "manifests");
    int rc = -1, nimg = 0;
    /* look everything up before writing a byte */
    for (int i = 0; i < n; i++, nimg++)
        if (sbc_image_lookup(s, names[i], &imgs[i], e) < 0)
            goto out;
    /* (tar's 10240-byte records, as libarchive wrote them) */
    sv->a = sbc_tar_writer_new(sv_write_cb, &ctx, SBC_TAR_PAD_BLOCK);
    if (sv_mem(sv, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30) < 0)
        goto out;
    for (int i = 0; i < n; i++)
        if (save_image(sv, &imgs[i], format, imans, dman, repos) < 0) {
            sbc_err_wrap(e, "%s", names[i]);
            goto out;
        }
    if (save_toplevel(sv, format, index, repos, dman) < 0)
        goto out;
    if (sbc_tar_writer_close(sv->a, e) < 0)
        goto out;
    rc = 0;
out:
    for (int i = 0; i < nimg; i++)
        sbc_image_free(&imgs[i]);
    free(imgs);
    cJSON_Delete(dman);
    cJSON_Delete(repos);
    cJSON_Delete(index);
    sbc_tar_writer_free(sv->a);
    for (int i = 0; i < sv->ndone; i++)
        free(sv->done[i]);
    free(sv->done);
    free(sv->buf);
    return rc;
}

/* ---- load ---------------------------------------------------------------------- */

struct member {
    char *name;
    int kind;        /* 0 json in memory, 1 layer candidate, 2 symlink */
    char *data;      /* kind 0 */
    size_t len;
    char *target;    /* kind 2: normalized */
    sbc_staged st;   /* kind 1 */
    char err[300];   /* kind 1 that failed */
    int used;
};

struct loader {
    sbc_store *s;
    sbc_err *e;
    struct member *m;
    int n;
};

/* A member name normalised (sbc_path_norm: "./a//b/../c" -> "a/c"); -1 when
 * it climbs out, is too long or names the archive's root. */
static int norm_name(const char *in, char *out, size_t n)
{
    return sbc_path_norm(in, out, n) < 0 || !*out ? -1 : 0;
}

static struct member *find_member(struct loader *L, const char *name)
{
    char cur[1024];
    if (norm_name(name, cur, sizeof cur) < 0)
        return NULL;
    for (int hops = 0; hops < 8; hops++) {
        struct member *hit = NULL;
        for (int i = 0; i < L->n; i++)
            if (!strcmp(L->m[i].name, cur))
                hit = &L->m[i];
        if (!hit || hit->kind != 2)
            return hit;
        snprintf(cur, sizeof cur, "%s", hit->target);
    }
    return NULL;
}

struct ent_rd {
    sbc_tar_reader *a;
    const char *peek;
    size_t npeek, off;
};

static ssize_t ent_read(void *ctx, void *buf, size_t n, sbc_err *e)
{
    struct ent_rd *r = ctx;
    if (r->off < r->npeek) {
        size_t k = r->npeek - r->off < n ? r->npeek - r->off : n;
        memcpy(buf, r->peek + r->off, k);
        r->off += k;
        return (ssize_t)k;
    }
    ssize_t k = sbc_tar_read(r->a, buf, n, e);
    if (k < 0)
        sbc_err_wrap(e, "archive");
    return k;
}

/* The archive's bytes for the tar reader, through unz_next. */
static ssize_t arc_read(void *ctx, const void **buf, sbc_err *e)
{
    struct unz_src *r = ctx;
    ssize_t n = unz_next(r, buf, "read");
    if (n < 0)
        *e = r->e;
    return n;
}

static int read_members(struct loader *L, int fd)
{
    sbc_err *e = L->e;
    struct unz_src src;
    unz_src_init(&src, fd, -1);
    sbc_tar_reader *a = sbc_tar_reader_new(arc_read, &src);
    int rc = -1;
    for (;;) {
        sbc_tar_entry *en;
        int r = sbc_tar_next(a, &en, e);
        if (r == 0)
            break;
        if (r < 0) {
            sbc_err_wrap(e, "archive");
            goto out;
        }
        const char *raw = en->path;
        char name[1024];
        if (!raw || norm_name(raw, name, sizeof name) < 0) {
            if (raw && (!strcmp(raw, ".") || !strcmp(raw, "./")))
                continue;
            sbc_err_set(e, 0, "archive member \"%.200s\": path escapes the archive", raw ? raw : "");
            goto out;
        }
        int type = en->type;
        if (type == SBC_TAR_DIR)
            continue;
        struct member mb;
        memset(&mb, 0, sizeof mb);
        if (type == SBC_TAR_SYMLINK) {
            const char *t = en->linkpath;
            char joined[2048], tn[1024];
            const char *slash = strrchr(name, '/');
            snprintf(joined, sizeof joined, "%.*s%s%s", slash ? (int)(slash - name) : 0, name,
                     slash ? "/" : "", t ? t : "");
            if (!t || t[0] == '/' || norm_name(joined, tn, sizeof tn) < 0) {
                sbc_err_set(e, 0, "archive member %s: symlink escapes the archive", name);
                goto out;
            }
            mb.kind = 2;
            mb.target = sbc_xstrdup(tn);
        } else if (type == SBC_TAR_REG) {
            char peek[64];
            ssize_t k = sbc_tar_read(a, peek, sizeof peek, e);
            if (k < 0) {
                sbc_err_wrap(e, "archive");
                goto out;
            }
            size_t np = (size_t)k;
            size_t ws = 0;
            while (ws < np && strchr(" \t\r\n", peek[ws]))
                ws++;
            if (np == 0 || (ws < np && (peek[ws] == '{' || peek[ws] == '['))) {
                sbc_buf b = {0};
                sbc_buf_add(&b, peek, np);
                char chunk[16384];
                while ((k = sbc_tar_read(a, chunk, sizeof chunk, e)) > 0) {
                    if (b.len + (size_t)k > JSON_MAX) {
                        sbc_buf_free(&b);
                        sbc_err_set(e, 0, "archive member %s: too large", name);
                        goto out;
                    }
                    sbc_buf_add(&b, chunk, (size_t)k);
                }
                if (k < 0) {
                    sbc_buf_free(&b);
                    sbc_err_wrap(e, "archive");
                    goto out;
                }
                mb.kind = 0;
                mb.len = b.len;
                mb.data = b.data ? b.data : sbc_xstrdup("");
            } else {
                mb.kind = 1;
                struct ent_rd er = {a, peek, np, 0};
                sbc_err le = {0};
                if (sbc_build_stage_stream(ent_read, &er, L->s, SBC_COMP_NONE, &mb.st, &le) < 0) {
                    snprintf(mb.err, sizeof mb.err, "%s", le.msg);
                    sbc_build_stage_drop(L->s, &mb.st);
                    if (strncmp(le.msg, "entry ", 6) && strncmp(le.msg, "bad tar", 7) &&
                        strncmp(le.msg, "gzip", 4) && strncmp(le.msg, "zstd", 4)) {
                        *e = le; /* not the member's fault (disk full, archive broken) */
                        goto out;
                    }
                    /* (the rest is skipped by the next sbc_tar_next) */
                }
            }
        } else {
            continue;
        }
        mb.name = sbc_xstrdup(name);
        L->m = sbc_xrealloc(L->m, (size_t)(L->n + 1) * sizeof *L->m);
        L->m[L->n++] = mb;
    }
    rc = 0;
out:
    sbc_tar_reader_free(a);
    unz_src_free(&src);
    return rc;
}

static const char *blob_name_hex(const char *name)
{
    static const char dir[] = "blobs/sha256/";
    if (strncmp(name, dir, sizeof dir - 1) || strlen(name) != sizeof dir - 1 + SBC_HEX_LEN)
        return NULL;
    return name + sizeof dir - 1;
}

/* The JSON member `name`, checked against its blobs/sha256/<hex> or <hex>.json name. */
static struct member *json_member(struct loader *L, const char *name, const char *want_digest)
{
    struct member *m = name ? find_member(L, name) : NULL;
    if (!m) {
        sbc_err_set(L->e, 0, "%.200s: not in the archive", name ? name : "(none)");
        return NULL;
    }
    if (m->kind != 0) {
        sbc_err_set(L->e, 0, "%.200s: not a JSON file", name);
        return NULL;
    }
    char dg[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest(m->data, m->len, dg);
    const char *hex = blob_name_hex(m->name);
    char hx[SBC_HEX_SIZE] = "";
    size_t nl = strlen(m->name);
    if (!hex && nl == SBC_HEX_LEN + strlen(".json") && !strcmp(m->name + SBC_HEX_LEN, ".json")) {
        memcpy(hx, m->name, SBC_HEX_LEN);
        hx[SBC_HEX_LEN] = 0;
        hex = hx;
    }
    if ((hex && strcmp(hex, sbc_digest_hex(dg))) || (want_digest && strcmp(want_digest, dg))) {
        sbc_err_set(L->e, 0, "%s: digest mismatch (content is %s)", m->name, dg);
        return NULL;
    }
    return m;
}

/* Check and install the layers of one image and write it. */
static int load_image(struct loader *L, struct member *cfgm, char *const *layer_names,
                      const char *const *layer_digests, int nl, char **tags, int ntags,
                      sbc_loaded *out)
{
    sbc_err *e = L->e;
    sbc_cleanup_json cJSON *cfg = sbc_json_parse(cfgm->data, cfgm->len, "image config", e);
    if (!cfg)
        return -1;
    cJSON *diffs = sbc_json_arr(sbc_json_obj(cfg, "rootfs"), "diff_ids");
    sbc_cleanup_free sbc_newlayer *ls = sbc_xcalloc((size_t)nl + 1, sizeof *ls);
    if (cJSON_GetArraySize(diffs) != nl)
        return sbc_err_set(e, 0, "%s: %d diff_ids for %d layers", cfgm->name,
                           cJSON_GetArraySize(diffs), nl);
    for (int i = 0; i < nl; i++) {
        struct member *m = find_member(L, layer_names[i]);
        const char *want = cJSON_IsString(cJSON_GetArrayItem(diffs, i))
                               ? cJSON_GetArrayItem(diffs, i)->valuestring : "";
        if (!m)
            return sbc_err_set(e, 0, "layer %.200s: not in the archive", layer_names[i]);
        if (m->kind != 1 || !m->st.ok)
            return sbc_err_set(e, 0, "layer %s: %s", m->name, m->err[0] ? m->err : "not a layer");
        const char *hex = blob_name_hex(m->name);
        if ((hex && strcmp(hex, m->st.l.digest + SBC_DIGEST_PREFIX_LEN)) ||
            (layer_digests && layer_digests[i] && strcmp(layer_digests[i], m->st.l.digest)))
            return sbc_err_set(e, 0, "layer %s: digest mismatch (content is %s)", m->name,
                               m->st.l.digest);
        if (strcmp(want, m->st.l.diff_id))
            return sbc_err_set(e, 0, "layer %s: diff ID %s does not match the config's %.80s",
                               m->name, m->st.l.diff_id, want);
        ls[i] = m->st.l;
    }
    for (int i = 0; i < nl; i++) {
        struct member *m = find_member(L, layer_names[i]);
        if (m->st.made && sbc_build_stage_install(L->s, &m->st, e) < 0)
            return -1;
        m->used = 1;
    }
    char id[SBC_DIGEST_SIZE];
    if (sbc_build_image(L->s, cfgm->data, cfgm->len, ls, nl, (const char *const *)tags, ntags, id,
                        e) < 0)
        return -1;
    if (ntags == 0) {
        out->names = sbc_xrealloc(out->names, (size_t)(out->n + 1) * sizeof *out->names);
        out->names[out->n++] = sbc_xstrdup(id);
    }
    for (int i = 0; i < ntags; i++) {
        out->names = sbc_xrealloc(out->names, (size_t)(out->n + 1) * sizeof *out->names);
        out->names[out->n++] = sbc_xstrdup(tags[i]);
    }
    return 0;
}

static int load_docker(struct loader *L, struct member *mj, sbc_loaded *out)
{
    sbc_err *e = L->e;
    sbc_cleanup_json cJSON *man = sbc_json_parse(mj->data, mj->len, "manifest.json", e);
    if (!man)
        return -1;
    if (!cJSON_IsArray(man))
        return sbc_err_set(e, 0, "manifest.json: not a JSON array");
    cJSON *it;
    cJSON_ArrayForEach(it, man) {
        struct member *cm = json_member(L, sbc_json_str(it, "Config"), NULL);
        if (!cm) {
            sbc_err_wrap(e, "manifest.json: Config");
            return -1;
        }
        cJSON *ls = sbc_json_arr(it, "Layers"), *rt = sbc_json_arr(it, "RepoTags"), *x;
        int nl = cJSON_GetArraySize(ls), nt = 0, ok = 1;
        char **names = sbc_xcalloc((size_t)nl + 1, sizeof *names);
        char **tags = sbc_xcalloc((size_t)cJSON_GetArraySize(rt) + 1, sizeof *tags);
        int k = 0;
        cJSON_ArrayForEach(x, ls) {
            if (!cJSON_IsString(x))
                ok = 0;
            names[k++] = ok ? x->valuestring : NULL;
        }
        cJSON_ArrayForEach(x, rt) {
            char *t = cJSON_IsString(x) ? sbc_build_tagname(x->valuestring, e) : NULL;
            if (!t) {
                ok = 0;
                break;
            }
            tags[nt++] = t;
        }
        int r = ok ? load_image(L, cm, names, NULL, nl, tags, nt, out)
                   : (e->msg[0] ? -1 : sbc_err_set(e, 0, "manifest.json: bad Layers"));
        for (int i = 0; i < nt; i++)
            free(tags[i]);
        free(tags);
        free(names);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int load_oci_manifest(struct loader *L, const cJSON *desc, int depth, sbc_loaded *out)
{
    sbc_err *e = L->e;
    const char *dg = sbc_json_str(desc, "digest");
    if (!sbc_digest_valid(dg))
        return sbc_err_set(e, 0, "index.json: invalid digest");
    char name[128];
    snprintf(name, sizeof name, "blobs/sha256/%s", sbc_digest_hex(dg));
    struct member *mm = json_member(L, name, dg);
    if (!mm)
        return -1;
    sbc_cleanup_json cJSON *m = sbc_json_parse(mm->data, mm->len, "manifest", e);
    if (!m)
        return -1;
    cJSON *subs = sbc_json_arr(m, "manifests");
    if (subs) { /* an index: this host's platform */
        if (depth > 2)
            return sbc_err_set(e, 0, "%s: nested too deep", name);
        const char *host = sbc_host_platform();
        cJSON *x, *pick = NULL;
        cJSON_ArrayForEach(x, subs) {
            cJSON *p = sbc_json_obj(x, "platform");
            const char *os = sbc_json_str(p, "os"), *arch = sbc_json_str(p, "architecture");
            if (os && arch && !strncmp(host + 6, arch, strlen(arch)) && !strcmp(os, "linux")) {
                pick = x;
                break;
            }
        }
        if (!pick)
            return sbc_err_set(e, 0, "%s: no manifest for %s", name, host);
        sbc_cleanup_json cJSON *d2 = cJSON_Duplicate(pick, 1);
        cJSON *ann = sbc_json_obj(desc, "annotations");
        if (ann) {
            cJSON_DeleteItemFromObjectCaseSensitive(d2, "annotations");
            cJSON_AddItemToObject(d2, "annotations", cJSON_Duplicate(ann, 1));
        }
        return load_oci_manifest(L, d2, depth + 1, out);
    }
    const char *cdg = sbc_json_str(sbc_json_obj(m, "config"), "digest");
    if (!sbc_digest_valid(cdg))
        return sbc_err_set(e, 0, "%s: invalid config digest", name);
    char cname[128];
    snprintf(cname, sizeof cname, "blobs/sha256/%s", sbc_digest_hex(cdg));
    struct member *cm = json_member(L, cname, cdg);
    if (!cm)
        return -1;
    cJSON *ls = sbc_json_arr(m, "layers"), *x;
    int nl = cJSON_GetArraySize(ls), k = 0;
    char **names = sbc_xcalloc((size_t)nl + 1, sizeof *names);
    const char **dgs = sbc_xcalloc((size_t)nl + 1, sizeof *dgs);
    int ok = 1;
    cJSON_ArrayForEach(x, ls) {
        const char *ld = sbc_json_str(x, "digest");
        if (!sbc_digest_valid(ld)) {
            ok = 0;
            break;
        }
        names[k] = sbc_xasprintf("blobs/sha256/%s", sbc_digest_hex(ld));
        dgs[k++] = ld;
    }
    char *tag = NULL;
    cJSON *ann = sbc_json_obj(desc, "annotations");
    const char *nm = sbc_json_str(ann, "io.containerd.image.name");
    const char *rn = sbc_json_str(ann, "org.opencontainers.image.ref.name");
    sbc_err ign = {0};
    if (nm)
        tag = sbc_build_tagname(nm, &ign);
    else if (rn && (strchr(rn, '/') || strchr(rn, ':')))
        tag = sbc_build_tagname(rn, &ign);
    int rc = ok ? load_image(L, cm, names, dgs, nl, tag ? &tag : NULL, tag ? 1 : 0, out)
                : sbc_err_set(e, 0, "%s: invalid layer digest", name);
    for (int i = 0; i < k; i++)
        free(names[i]);
    free(names);
    free(dgs);
    free(tag);
    return rc;
}

int sbc_load(sbc_store *s, int in_fd, sbc_loaded *out, sbc_err *e)
{
    memset(out, 0, sizeof *out);
    struct loader L = {s, e, NULL, 0};
    int rc = read_members(&L, in_fd);
    if (rc == 0) {
        rc = -1;
        struct member *mj = find_member(&L, "manifest.json"), *ij = find_member(&L, "index.json");
        if (mj && mj->kind == 0) {
            rc = load_docker(&L, mj, out);
        } else if (ij && ij->kind == 0) {
            cJSON *idx = sbc_json_parse(ij->data, ij->len, "index.json", e);
            cJSON *d;
            rc = idx ? 0 : -1;
            cJSON_ArrayForEach(d, sbc_json_arr(idx, "manifests"))
                if (rc == 0)
                    rc = load_oci_manifest(&L, d, 0, out);
            if (rc == 0 && out->n == 0)
                rc = sbc_err_set(e, 0, "index.json: no images");
            cJSON_Delete(idx);
        } else {
            sbc_err_set(e, 0, "not an image archive: no manifest.json or index.json");
        }
    }
    for (int i = 0; i < L.n; i++) {
        struct member *m = &L.m[i];
        if (m->kind == 1)
            sbc_build_stage_drop(s, &m->st);
        free(m->name);
        free(m->data);
        free(m->target);
    }
    free(L.m);
    if (rc < 0)
        sbc_err_wrap(e, "load");
    return rc;
}

void sbc_loaded_free(sbc_loaded *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}
