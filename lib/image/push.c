/* push.c - sbc_push (see push.h). */
#include "image/push.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/digest.h"
#include "registry/http.h"
#include "image/imgbuild.h"
#include "base/io.h"
#include "base/json.h"
#include "registry/ref.h"
#include "registry/registry.h"

#define MONO_MAX (32LL << 20)
#define CHUNK_DEF (16LL << 20)

struct pjob {
    char digest[SBC_DIGEST_SIZE];
    long long size;
    long long done;
    sbc_push_state state;
    char from[256];
};

struct pusher {
    sbc_store *s;
    sbc_registry *g;
    sbc_http *h;
    const sbc_push_opts *o;
    sbc_ref ref;
    char *repo;      /* "host/path" */
    struct pjob *jobs;
    int njobs;
};

/* Tell the caller where blob j is. */
static void report(struct pusher *p, const struct pjob *j)
{
    if (!p->o->progress)
        return;
    sbc_push_event ev = {p->repo, (int)(j - p->jobs), p->njobs, j->digest, j->state,
                         j->done, j->size, j->from};
    p->o->progress(p->o->progress_arg, &ev);
}

static void drain(sbc_http *h)
{
    sbc_buf b = {0};
    sbc_err ign = {0};
    if (sbc_http_read_all(h, &b, 1 << 20, &ign) < 0)
        sbc_http_disconnect(h);
    sbc_buf_free(&b);
}

/* Location of an upload session, resolved against the registry base. */
static char *location(struct pusher *p, const char *what, sbc_err *e)
{
    const char *loc = sbc_http_header(p->h, "Location");
    if (!loc || !*loc) {
        sbc_err_set(e, 0, "%s: the registry sent no upload Location", what);
        return NULL;
    }
    if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
        return sbc_xstrdup(loc);
    return sbc_url_resolve(sbc_registry_base(p->g), loc);
}

/* Another repository of the same registry that has the blob, from the
 * RepoDigests of the store's image records; "" if none. */
static void mount_source(struct pusher *p, const char *digest, char *out, size_t n)
{
    out[0] = 0;
    char **ids;
    size_t nids;
    sbc_err ign = {0};
    if (sbc_store_image_ids(p->s, &ids, &nids, &ign) < 0)
        return;
    size_t dl = strlen(p->ref.domain);
    for (size_t i = 0; !out[0] && i < nids; i++) {
        cJSON *rec = sbc_store_record(p->s, ids[i], NULL), *x;
        int has = !strcmp(sbc_json_str(rec, "Id") ? sbc_json_str(rec, "Id") : "", digest);
        cJSON_ArrayForEach(x, sbc_json_arr(rec, "Layers"))
            if (!strcmp(sbc_json_str(x, "Digest") ? sbc_json_str(x, "Digest") : "", digest))
                has = 1;
        if (has)
            cJSON_ArrayForEach(x, sbc_json_arr(rec, "RepoDigests")) {
                const char *rd = cJSON_IsString(x) ? x->valuestring : "";
                const char *at = strchr(rd, '@');
                if (!at || strncmp(rd, p->ref.domain, dl) || rd[dl] != '/')
                    continue;
                size_t pl = (size_t)(at - rd) - dl - 1;
                if (pl == strlen(p->ref.path) && !strncmp(rd + dl + 1, p->ref.path, pl))
                    continue; /* that is where we push */
                snprintf(out, n, "%.*s", (int)pl, rd + dl + 1);
                break;
            }
        cJSON_Delete(rec);
    }
    sbc_names_free(ids, nids);
}

static int push_blob(struct pusher *p, struct pjob *j, sbc_err *e)
{
    char path[512], what[400];
    snprintf(what, sizeof what, "%s@%s", p->repo, j->digest);
    snprintf(path, sizeof path, "/v2/%s/blobs/%s", p->ref.path, j->digest);
    int st = sbc_registry_request(p->g, p->h, "HEAD", path, NULL, NULL, 0, e);
    if (st < 0)
        return -1;
    drain(p->h);
    /* a registry whose storage redirects (a CDN) answers HEAD with the
     * redirect: the blob is there all the same */
    if (st == 200 || st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
        j->state = SBC_PUSH_EXISTS;
        report(p, j);
        return 0;
    }
    char *loc = NULL;
    mount_source(p, j->digest, j->from, sizeof j->from);
    if (j->from[0]) {
        char *scope = sbc_xasprintf("repository:%s:pull", j->from);
        sbc_registry_set_extra_scope(p->g, scope);
        free(scope);
        char *from = sbc_url_escape(j->from);
        snprintf(path, sizeof path, "/v2/%s/blobs/uploads/?mount=%s&from=%s", p->ref.path,
                 j->digest, from);
        free(from);
        st = sbc_registry_request(p->g, p->h, "POST", path, NULL, NULL, 0, e);
        sbc_registry_set_extra_scope(p->g, NULL);
        if (st == 201) {
            drain(p->h);
            j->state = SBC_PUSH_MOUNTED;
            report(p, j);
            return 0;
        }
        if (st < 0) { /* e.g. no pull right on the source: a plain upload */
            SBC_DEBUG("push: mount from %s failed: %s", j->from, e->msg);
            sbc_err_clear(e);
        }
        j->from[0] = 0;
    } else {
        st = -2;
    }
    if (st != 202) {
        if (st >= 0)
            drain(p->h);
        snprintf(path, sizeof path, "/v2/%s/blobs/uploads/", p->ref.path);
        st = sbc_registry_request(p->g, p->h, "POST", path, NULL, NULL, 0, e);
        if (st < 0)
            return -1;
        if (st != 202)
            return sbc_registry_fail(p->h, what, e);
    }
    loc = location(p, what, e);
    drain(p->h);
    if (!loc)
        return -1;
    /* the bytes, mapped */
    char rel[128];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", sbc_digest_hex(j->digest));
    int fd = openat(p->s->fd, rel, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        free(loc);
        if (fd >= 0)
            close(fd);
        return sbc_err_sys(e, "%s/%s", p->s->root, rel);
    }
    j->size = sb.st_size;
    void *map = NULL;
    if (sb.st_size > 0) {
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            close(fd);
            free(loc);
            return sbc_err_sys(e, "mmap %s", rel);
        }
    }
    close(fd);
    int rc = -1;
    j->state = SBC_PUSH_PUSHING;
    report(p, j);
    long long chunk = p->o->chunk_size > 0 ? p->o->chunk_size : CHUNK_DEF;
    int chunked = p->o->force_chunked || (p->o->chunk_size > 0 ? sb.st_size > chunk : sb.st_size > MONO_MAX);
    static const char *const octet[] = {"Content-Type: application/octet-stream", NULL};
    if (chunked) {
        long long off = 0;
        while (off < sb.st_size) {
            long long n = sb.st_size - off < chunk ? sb.st_size - off : chunk;
            char range[96];
            snprintf(range, sizeof range, "Content-Range: %lld-%lld", off, off + n - 1);
            const char *hd[] = {octet[0], range, NULL};
            st = sbc_registry_request(p->g, p->h, "PATCH", loc, hd, (char *)map + off, (size_t)n, e);
            if (st < 0)
                goto out;
            if (st != 202) {
                sbc_registry_fail(p->h, what, e);
                goto out;
            }
            char *nl = location(p, what, e);
            drain(p->h);
            if (!nl)
                goto out;
            free(loc);
            loc = nl;
            off += n;
            j->done = off;
            report(p, j);
        }
    }
    char *url = sbc_xasprintf("%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', j->digest);
    st = sbc_registry_request(p->g, p->h, "PUT", url, octet, chunked ? "" : (map ? map : ""),
                              chunked ? 0 : (size_t)sb.st_size, e);
    free(url);
    if (st < 0)
        goto out;
    if (st != 201 && st != 204) {
        sbc_registry_fail(p->h, what, e);
        goto out;
    }
    drain(p->h);
    j->done = sb.st_size;
    j->state = SBC_PUSH_PUSHED;
    report(p, j);
    rc = 0;
out:
    if (map)
        munmap(map, (size_t)sb.st_size);
    free(loc);
    return rc;
}

int sbc_push(sbc_store *s, const char *name, const char *dest, const sbc_push_opts *o,
             sbc_push_result *res, sbc_err *e)
{
    sbc_push_opts def = {0};
    if (!o)
        o = &def;
    struct pusher p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.o = o;
    sbc_image img;
    if (sbc_image_lookup(s, name, &img, e) < 0)
        return -1;
    int rc = -1;
    char *mb = NULL, *full = NULL;
    sbc_newlayer *ls = NULL;
    int nl = 0;
    const char *target = dest ? dest : img.ref;
    if (!target) {
        sbc_err_set(e, 0, "%s: an image ID needs a destination reference", name);
        goto out;
    }
    if (sbc_ref_parse(target, &p.ref, e) < 0)
        goto out;
    if (!p.ref.tag && !p.ref.digest) {
        sbc_err_set(e, 0, "%s: no tag", target);
        goto out;
    }
    full = sbc_ref_string(&p.ref);
    p.repo = sbc_ref_repo(&p.ref);
    const char *mdig = sbc_json_str(img.record, "Manifest");
    const char *mtype = sbc_json_str(img.record, "ManifestMediaType");
    size_t mlen = 0;
    mb = mdig ? sbc_store_blob_get(s, mdig, &mlen, e) : NULL;
    if (!mb) {
        if (!mdig)
            sbc_err_set(e, 0, "image %.19s: no manifest recorded", img.id);
        goto out;
    }
    if (sbc_build_layers_of(&img, &ls, &nl, e) < 0)
        goto out;
    p.jobs = sbc_xcalloc((size_t)nl + 2, sizeof *p.jobs);
    for (int i = 0; i < nl; i++) {
        snprintf(p.jobs[i].digest, sizeof p.jobs[i].digest, "%s", ls[i].digest);
        p.jobs[i].size = ls[i].size;
    }
    snprintf(p.jobs[nl].digest, sizeof p.jobs[nl].digest, "%s", img.id);
    p.njobs = nl + 1;
    p.g = sbc_registry_open(&p.ref, "pull,push", e);
    if (!p.g)
        goto out;
    p.h = sbc_http_new();
    for (int i = 0; i < p.njobs; i++)
        report(&p, &p.jobs[i]);
    for (int i = 0; i < p.njobs; i++) {
        if (push_blob(&p, &p.jobs[i], e) < 0) {
            p.jobs[i].state = SBC_PUSH_FAILED;
            report(&p, &p.jobs[i]);
            if (!strstr(e->msg, p.jobs[i].digest) && !strstr(e->msg, p.repo))
                sbc_err_wrap(e, "%s: blob %s", p.repo, p.jobs[i].digest);
            goto out;
        }
    }
    /* the manifest, last */
    char path[512], hdr[200];
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", p.ref.path, p.ref.tag ? p.ref.tag : mdig);
    snprintf(hdr, sizeof hdr, "Content-Type: %s", mtype ? mtype : SBC_MT_OCI_MANIFEST);
    const char *hd[] = {hdr, NULL};
    int st = sbc_registry_request(p.g, p.h, "PUT", path, hd, mb, mlen, e);
    if (st < 0)
        goto out;
    if (st != 201 && st != 200 && st != 202) {
        sbc_registry_fail(p.h, full, e);
        goto out;
    }
    const char *dg = sbc_http_header(p.h, "Docker-Content-Digest");
    if (dg && sbc_digest_valid(dg) && strcmp(dg, mdig)) {
        drain(p.h);
        sbc_err_set(e, 0, "%s: the registry says the manifest is %s, not %s", full, dg, mdig);
        goto out;
    }
    drain(p.h);
    /* remember where the blobs are now (for later mounts; the push is done
     * whether or not this works) */
    char *rd = sbc_xasprintf("%s@%s", p.repo, mdig);
    if (sbc_store_lock(s, e) == 0) {
        cJSON *rec = sbc_store_record(s, img.id, NULL);
        if (rec) /* (not if an sbc-rmi removed the image meanwhile) */
            sbc_store_image_put(s, img.id, rec, rd, e);
        cJSON_Delete(rec);
        sbc_store_unlock(s);
    }
    sbc_err_clear(e);
    free(rd);
    if (res) {
        res->ref = full;
        full = NULL;
        snprintf(res->tag, sizeof res->tag, "%s", p.ref.tag ? p.ref.tag : "");
        snprintf(res->digest, sizeof res->digest, "%s", mdig);
        res->size = mlen;
    }
    rc = 0;
out:
    if (p.h)
        sbc_http_free(p.h);
    if (p.g)
        sbc_registry_close(p.g);
    free(p.jobs);
    free(p.repo);
    sbc_ref_free(&p.ref);
    free(ls);
    free(mb);
    free(full);
    sbc_image_free(&img);
    return rc;
}
