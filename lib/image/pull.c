#include "image/pull.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/io.h"
#include "base/mediatype.h"
#include "base/json.h"
#include "base/time.h"
#include "image/layer.h"
#include "registry/ref.h"
#include "registry/registry.h"

#define CONFIG_MAX (8u << 20)
#define MAX_LAYERS 500

struct layer_job {
    /* in */
    const char *digest;   /* blob digest from the manifest */
    const char *diff_id;  /* from the config */
    const char *media_type;
    long long size;       /* from the manifest */
    /* progress (done is guarded by the pull's mutex) */
    long long done;
    long long diff_size;  /* uncompressed tar bytes, once unpacked */
    sbc_pull_state state;
    int claimed;
    sbc_err err;
};

struct pull_ctx {
    sbc_store *s;
    sbc_registry *g;
    struct layer_job *jobs;
    int njobs;
    int next;
    int failed;
    sbc_pull_progress_fn *progress;
    void *progress_arg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running;
};

/* Tell the caller where layer j is (p->mu held: one report at a time). */
static void report(struct pull_ctx *p, const struct layer_job *j)
{
    if (!p->progress)
        return;
    sbc_pull_event ev = {(int)(j - p->jobs), p->njobs, j->digest, j->state, j->done, j->size};
    p->progress(p->progress_arg, &ev);
}

/* The reader fed to sbc_layer_unpack: first the bytes of a partial download
 * kept from an earlier pull, then the network, each network chunk also
 * appended to the partial file so an interrupted pull can resume. */
struct blob_reader {
    int partfd;
    long long replay_left;
    sbc_blob *blob;
    struct pull_ctx *p;
    struct layer_job *j;
    /* The network side runs in its own thread (TLS, the partial file) and
     * hands the bytes over a pipe, so download and unpack use two cores,
     * as curl | gzip -dc | tar -x does. */
    int pipefd[2];
    pthread_t producer;
    int started;
    int prod_rc;
    sbc_err prod_err;
    /* The partial file is written around the page cache (O_DIRECT, whole
     * aligned MiBs from abuf; the unaligned head and the tail through
     * partfd): copying 50 MB into the page cache took ~100 ms of CPU from
     * the threads that inflate and extract on a two-core machine, ~120 ms
     * of a Debian pull.  dirfd is -1 where the file system cannot (tmpfs). */
    int dirfd;
    long long off;       /* the partial file's size, abuf not counted */
    unsigned char *abuf; /* PART_CHUNK bytes, PART_ALIGN-aligned */
    size_t alen;
    /* the blob's digest, of the replayed bytes (here) then of the network's
     * (in the producer, started after the replay) */
    sbc_sha256 h;
};

#define PART_ALIGN 4096
#define PART_CHUNK (1 << 20)

/* Append n bytes to the partial file; -1 with errno. */
static int part_write(struct blob_reader *r, const unsigned char *p, size_t n)
{
    if (r->dirfd < 0 || !r->abuf) {
        r->off += (long long)n;
        return sbc_write_full(r->partfd, p, n);
    }
    while (n) {
        size_t k;
        if (r->alen == 0 && r->off % PART_ALIGN) { /* (a resumed download's head) */
            k = PART_ALIGN - (size_t)(r->off % PART_ALIGN);
            k = k < n ? k : n;
            if (sbc_write_full(r->partfd, p, k) < 0)
                return -1;
            r->off += (long long)k;
        } else {
            k = PART_CHUNK - r->alen < n ? PART_CHUNK - r->alen : n;
            memcpy(r->abuf + r->alen, p, k);
            r->alen += k;
            if (r->alen == PART_CHUNK) {
                ssize_t w = pwrite(r->dirfd, r->abuf, PART_CHUNK, r->off);
                if (w != PART_CHUNK) { /* short or refused: the page cache from here on */
                    close(r->dirfd);
                    r->dirfd = -1;
                    if (w > 0 && ftruncate(r->partfd, r->off) < 0)
                        return -1;
                    if (sbc_write_full(r->partfd, r->abuf, PART_CHUNK) < 0)
                        return -1;
                }
                r->off += PART_CHUNK;
                r->alen = 0;
            }
        }
        p += k;
        n -= k;
    }
    return 0;
}

/* What abuf holds, through the page cache (the file stays a prefix of the
 * blob for a later resume). */
static int part_flush(struct blob_reader *r)
{
    int rc = r->alen ? sbc_write_full(r->partfd, r->abuf, r->alen) : 0;
    r->off += (long long)r->alen;
    r->alen = 0;
    return rc;
}

static void *producer_main(void *arg)
{
    struct blob_reader *r = arg;
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGPIPE); /* a consumer that gave up gives EPIPE, not a signal */
    pthread_sigmask(SIG_BLOCK, &ss, NULL);
    char *buf = sbc_xmalloc(128 << 10);
    ssize_t got;
    r->prod_rc = 0;
    while ((got = sbc_blob_read(r->blob, buf, 128 << 10, &r->prod_err)) > 0) {
        sbc_sha256_update(&r->h, buf, (size_t)got);
        if (part_write(r, (unsigned char *)buf, (size_t)got) < 0) {
            sbc_err_sys(&r->prod_err, "partial download");
            r->prod_rc = -1;
            break;
        }
        if (sbc_write_full(r->pipefd[1], buf, (size_t)got) < 0) {
            if (errno != EPIPE)
                sbc_err_sys(&r->prod_err, "pipe");
            r->prod_rc = -1;
            break;
        }
    }
    if (got < 0)
        r->prod_rc = -1;
    if (part_flush(r) < 0 && r->prod_rc == 0) {
        sbc_err_sys(&r->prod_err, "partial download");
        r->prod_rc = -1;
    }
    free(buf);
    close(r->pipefd[1]);
    r->pipefd[1] = -1;
    return NULL;
}

static ssize_t blob_read_cb(void *ctx, void *buf, size_t n, sbc_err *e)
{
    struct blob_reader *r = ctx;
    ssize_t got;
    if (r->replay_left > 0) {
        if ((long long)n > r->replay_left)
            n = (size_t)r->replay_left;
        got = read(r->partfd, buf, n);
        if (got < 0)
            return sbc_err_sys(e, "partial download"), -1;
        if (got == 0) {
            r->replay_left = 0;
            return sbc_err_set(e, 0, "partial download shrank"), -1;
        }
        sbc_sha256_update(&r->h, buf, (size_t)got);
        r->replay_left -= got;
    } else {
        if (!r->started) {
            if (pipe2(r->pipefd, O_CLOEXEC) < 0)
                return sbc_err_sys(e, "pipe"), -1;
            fcntl(r->pipefd[1], F_SETPIPE_SZ, 1 << 20);
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setstacksize(&at, 256 << 10);
            int rc = pthread_create(&r->producer, &at, producer_main, r);
            pthread_attr_destroy(&at);
            if (rc) {
                errno = rc;
                close(r->pipefd[0]);
                close(r->pipefd[1]);
                r->pipefd[0] = r->pipefd[1] = -1;
                return sbc_err_sys(e, "thread"), -1;
            }
            r->started = 1;
        }
        do
            got = read(r->pipefd[0], buf, n);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return sbc_err_sys(e, "pipe"), -1;
        if (got == 0) {
            pthread_join(r->producer, NULL);
            r->started = 0;
            if (r->prod_rc < 0) {
                *e = r->prod_err;
                return -1;
            }
            return 0;
        }
    }
    pthread_mutex_lock(&r->p->mu);
    r->j->done += got;
    report(r->p, r->j);
    pthread_mutex_unlock(&r->p->mu);
    if (r->j->size > 0 && r->j->done > r->j->size)
        return sbc_err_set(e, 0, "blob larger than the manifest says (%lld bytes)", r->j->size), -1;
    return got;
}

/* Stop the network thread (after an unpack error, it may be blocked on the pipe). */
static void blob_reader_stop(struct blob_reader *r)
{
    if (r->pipefd[0] >= 0)
        close(r->pipefd[0]); /* the producer's next write fails with EPIPE */
    r->pipefd[0] = -1;
    if (r->started)
        pthread_join(r->producer, NULL);
    r->started = 0;
}

/* Download and unpack one layer into layers/<diffhex>. */
static int fetch_layer(struct pull_ctx *p, struct layer_job *j, sbc_err *e)
{
    sbc_store *s = p->s;
    const char *dhex = sbc_digest_hex(j->diff_id), *bhex = sbc_digest_hex(j->digest);
    int lockfd = sbc_store_lock_layer(s, dhex, e);
    if (lockfd < 0)
        return -1;
    int rc = -1, partfd = -1;
    sbc_blob *blob = NULL;
    char tmprel[128], partrel[128], finalrel[128];
    snprintf(tmprel, sizeof tmprel, "tmp/layer-%.64s", dhex);
    snprintf(partrel, sizeof partrel, "tmp/blob-%.64s.part", bhex);
    snprintf(finalrel, sizeof finalrel, "layers/%.64s", dhex);
    if (sbc_store_has_layer(s, j->diff_id)) { /* another pull made it meanwhile */
        j->state = SBC_PULL_EXISTS;
        rc = 0;
        goto out;
    }
    /* Anything at tmprel is stale: we hold the layer's lock. */
    if (sbc_rm_rf(s->fd, tmprel, e) < 0 || mkdirat(s->fd, tmprel, 0755) < 0) {
        if (!e->msg[0])
            sbc_err_sys(e, "%s", tmprel);
        goto out;
    }
    partfd = openat(s->fd, partrel, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (partfd < 0) {
        sbc_err_sys(e, "%s", partrel);
        goto out;
    }
    struct stat st;
    if (fstat(partfd, &st) < 0) {
        sbc_err_sys(e, "%s", partrel);
        goto out;
    }
    long long have = st.st_size;
    if (j->size > 0 && have >= j->size)
        have = 0; /* complete but unverified or bigger: start over */
    long long total = -1;
    blob = sbc_registry_blob_open(p->g, j->digest, have, &total, e);
    if (!blob)
        goto out;
    if (sbc_blob_offset(blob) != have)
        have = 0; /* the server sent it all again */
    if (have == 0 && ftruncate(partfd, 0) < 0) {
        sbc_err_sys(e, "%s", partrel);
        goto out;
    }
    if (have)
        SBC_DEBUG("%s: resuming at byte %lld", j->digest, have);
    if (lseek(partfd, 0, SEEK_SET) < 0) {
        sbc_err_sys(e, "%s", partrel);
        goto out;
    }
    pthread_mutex_lock(&p->mu);
    j->state = SBC_PULL_DOWNLOADING;
    j->done = 0;
    report(p, j);
    pthread_mutex_unlock(&p->mu);
    struct blob_reader r;
    memset(&r, 0, sizeof r);
    r.partfd = partfd;
    r.replay_left = r.off = have;
    r.blob = blob;
    r.p = p;
    r.j = j;
    r.pipefd[0] = r.pipefd[1] = -1;
    r.dirfd = openat(s->fd, partrel, O_WRONLY | O_DIRECT | O_CLOEXEC);
    sbc_sha256_init(&r.h);
    if (r.dirfd >= 0) { /* (page-aligned, and faulted in by the kernel at once) */
        r.abuf = mmap(NULL, PART_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (r.abuf == MAP_FAILED)
            r.abuf = NULL;
    }
    char *dest = sbc_store_path(s, tmprel);
    sbc_layer_info info;
    rc = sbc_layer_unpack(blob_read_cb, &r, dest, SBC_LAYER_CALLER_HASHES, &info, e);
    if (rc == 0) /* (the producer is joined: the stream ended) */
        sbc_sha256_final(&r.h, info.digest);
    blob_reader_stop(&r);
    if (r.dirfd >= 0)
        close(r.dirfd);
    if (r.abuf)
        munmap(r.abuf, PART_CHUNK);
    free(dest);
    if (rc < 0)
        goto out;
    rc = -1;
    if (strcmp(info.digest, j->digest)) {
        sbc_err_set(e, 0, "digest mismatch (got %s)", info.digest);
        ftruncate(partfd, 0); /* the bytes are bad: do not resume from them */
        goto out;
    }
    if (strcmp(info.diff_id, j->diff_id)) {
        sbc_err_set(e, 0, "uncompressed digest %s does not match the config's diff_id %s",
                    info.diff_id, j->diff_id);
        ftruncate(partfd, 0);
        goto out;
    }
    j->diff_size = info.diff_size;
    if (renameat(s->fd, tmprel, s->fd, finalrel) < 0) {
        sbc_err_sys(e, "%s", finalrel);
        goto out;
    }
    /* Keep the verified compressed blob: save and push hand out the exact
     * original layer (same digest), as `docker save` of a pulled image does. */
    char blobrel[128];
    snprintf(blobrel, sizeof blobrel, "blobs/sha256/%.64s", bhex);
    if (renameat(s->fd, partrel, s->fd, blobrel) < 0)
        unlinkat(s->fd, partrel, 0);
    j->state = SBC_PULL_COMPLETE;
    rc = 0;
out:
    if (rc < 0) {
        sbc_err ign = {0};
        sbc_rm_rf(s->fd, tmprel, &ign);
    }
    if (blob)
        sbc_blob_close(blob);
    if (partfd >= 0)
        close(partfd);
    close(lockfd);
    return rc;
}

static void *worker(void *arg)
{
    struct pull_ctx *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int i = -1;
        while (p->next < p->njobs && !p->failed) {
            if (!p->jobs[p->next].claimed) {
                i = p->next++;
                p->jobs[i].claimed = 1;
                break;
            }
            p->next++;
        }
        pthread_mutex_unlock(&p->mu);
        if (i < 0)
            break;
        struct layer_job *j = &p->jobs[i];
        int rc = fetch_layer(p, j, &j->err);
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            j->state = SBC_PULL_FAILED;
            sbc_err_wrap(&j->err, "layer %s", j->digest);
            p->failed = 1;
        }
        report(p, j);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->running--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int layer_media_ok(const char *mt)
{
    static const char *const ok[] = {
        SBC_MT_OCI_LAYER,
        SBC_MT_OCI_LAYER_GZIP,
        SBC_MT_OCI_LAYER_ZSTD,
        SBC_MT_DOCKER_LAYER_GZIP,
        SBC_MT_DOCKER_LAYER,
        SBC_MT_DOCKER_LAYER_ZSTD,
        NULL,
    };
    if (!mt)
        return 1; /* no media type: detect from the bytes */
    for (int i = 0; ok[i]; i++)
        if (!strcmp(mt, ok[i]))
            return 1;
    return 0;
}

/* The image config cdig: from the store, else downloaded (small, verified);
 * malloc'd, its length in *len. */
static char *config_get(sbc_store *s, sbc_registry *g, const char *cdig, size_t *len, sbc_err *e)
{
    char *cfg = sbc_store_blob_get(s, cdig, len, NULL);
    if (cfg)
        return cfg;
    long long total = -1;
    sbc_blob *b = sbc_registry_blob_open(g, cdig, 0, &total, e);
    if (!b)
        return NULL;
    sbc_buf cb = {0};
    char chunk[16384];
    ssize_t r;
    while ((r = sbc_blob_read(b, chunk, sizeof chunk, e)) > 0) {
        if (cb.len + (size_t)r > CONFIG_MAX) {
            r = sbc_err_set(e, 0, "config %s: too large", cdig);
            break;
        }
        sbc_buf_add(&cb, chunk, (size_t)r);
    }
    sbc_blob_close(b);
    if (r < 0) {
        sbc_buf_free(&cb);
        return NULL;
    }
    if (!cb.data)
        sbc_buf_add(&cb, "", 0);
    char got[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest(cb.data, cb.len, got);
    if (strcmp(got, cdig)) {
        sbc_err_set(e, 0, "config %s: digest mismatch (got %s)", cdig, got);
        sbc_buf_free(&cb);
        return NULL;
    }
    *len = cb.len;
    return cb.data;
}

/* The job table: a layer of the manifest (mdig) with its diff_id from the
 * config (cdig) each, checked; those in the store already are done.  The
 * caller hears of every layer once. */
static int jobs_plan(struct pull_ctx *p, const cJSON *layers, const cJSON *diffs, const char *mdig,
                     const char *cdig, sbc_err *e)
{
    int n = cJSON_GetArraySize(layers);
    p->jobs = sbc_xcalloc((size_t)n + 1, sizeof *p->jobs);
    p->njobs = n;
    for (int i = 0; i < n; i++) {
        cJSON *l = cJSON_GetArrayItem(layers, i), *d = cJSON_GetArrayItem(diffs, i);
        struct layer_job *j = &p->jobs[i];
        j->digest = sbc_json_str(l, "digest");
        j->media_type = sbc_json_str(l, "mediaType");
        j->size = sbc_json_int(l, "size", -1);
        j->diff_id = cJSON_IsString(d) ? d->valuestring : NULL;
        if (!j->digest || !sbc_digest_valid(j->digest))
            return sbc_err_set(e, 0, "manifest %s: layer %d: invalid digest", mdig, i);
        if (!j->diff_id || !sbc_digest_valid(j->diff_id))
            return sbc_err_set(e, 0, "config %s: diff_id %d invalid", cdig, i);
        if (!layer_media_ok(j->media_type))
            return sbc_err_set(e, 0, "layer %s: unsupported media type %s", j->digest, j->media_type);
        if (sbc_store_has_layer(p->s, j->diff_id)) {
            j->state = SBC_PULL_EXISTS;
            j->claimed = 1;
        }
    }
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < n; i++)
        report(p, &p->jobs[i]);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Fetch the layers, nthreads (1..16) at once; returns when all are done
 * or one failed. */
static void jobs_run(struct pull_ctx *p, int nthreads)
{
    if (nthreads > p->njobs)
        nthreads = p->njobs;
    pthread_t th[16];
    if (nthreads > 16)
        nthreads = 16;
    int started = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, 1 << 20); /* tar reader + inflate + TLS buffers */
        pthread_mutex_lock(&p->mu);
        p->running++;
        pthread_mutex_unlock(&p->mu);
        if (pthread_create(&th[i], &at, worker, p) != 0) {
            pthread_mutex_lock(&p->mu);
            p->running--;
            pthread_mutex_unlock(&p->mu);
            pthread_attr_destroy(&at);
            break;
        }
        pthread_attr_destroy(&at);
        started++;
    }
    if (started == 0 && nthreads > 0)
        worker(p), p->running = 0;
    pthread_mutex_lock(&p->mu);
    while (p->running > 0)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
}

/* The image record (store.h) of a pulled image, without its RepoDigests. */
static cJSON *record_of(const struct pull_ctx *p, const sbc_manifest_result *m, const char *cdig,
                        const cJSON *cfg)
{
    long long total = 0;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "Id", cdig);
    cJSON_AddStringToObject(rec, "Manifest", m->digest);
    cJSON_AddStringToObject(rec, "ManifestMediaType", m->media_type);
    cJSON *rl = cJSON_AddArrayToObject(rec, "Layers");
    for (int i = 0; i < p->njobs; i++) {
        const struct layer_job *j = &p->jobs[i];
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "DiffID", j->diff_id);
        cJSON_AddStringToObject(l, "Digest", j->digest);
        cJSON_AddNumberToObject(l, "Size", (double)j->size);
        if (j->diff_size > 0)
            cJSON_AddNumberToObject(l, "DiffSize", (double)j->diff_size);
        sbc_json_add_str(l, "MediaType", j->media_type);
        cJSON_AddItemToArray(rl, l);
        if (j->size > 0)
            total += j->size;
    }
    cJSON_AddNumberToObject(rec, "Size", (double)total);
    sbc_json_add_str(rec, "Created", sbc_json_str(cfg, "created"));
    char now[SBC_TIME_MAX];
    cJSON_AddStringToObject(rec, "Pulled", sbc_time_now(now, 0));
    if (m->platform[0])
        cJSON_AddStringToObject(rec, "Platform", m->platform);
    return rec;
}

int sbc_pull(sbc_store *s, const char *refstr, const sbc_pull_opts *o, char **full_ref,
             char *id_out, sbc_err *e)
{
    sbc_ref ref;
    if (sbc_ref_parse(refstr, &ref, e) < 0)
        return -1;
    char *full = sbc_ref_string(&ref);
    int rc = -1;
    sbc_registry *g = NULL;
    sbc_manifest_result m;
    memset(&m, 0, sizeof m);
    cJSON *man = NULL, *cfg = NULL, *rec = NULL;
    char *cfgbuf = NULL;
    struct pull_ctx p;
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.s = s;
    if (o) {
        p.progress = o->progress;
        p.progress_arg = o->progress_arg;
    }

    g = p.g = sbc_registry_open(&ref, "pull", e);
    if (!g)
        goto out;
    if (sbc_registry_get_manifest(g, ref.digest ? ref.digest : ref.tag, o ? o->platform : NULL,
                                  &m, e) < 0)
        goto out;
    man = sbc_json_parse(m.body.data, m.body.len, "manifest", e);
    if (!man)
        goto out;
    cJSON *cdesc = sbc_json_obj(man, "config");
    const char *cdig = sbc_json_str(cdesc, "digest");
    if (!cdig || !sbc_digest_valid(cdig)) {
        sbc_err_set(e, 0, "manifest %s: missing or invalid config digest", m.digest);
        goto out;
    }
    cJSON *layers = sbc_json_arr(man, "layers");
    int n = cJSON_GetArraySize(layers);
    if (!layers || n > MAX_LAYERS) {
        sbc_err_set(e, 0, "manifest %s: %s", m.digest, layers ? "too many layers" : "no layers");
        goto out;
    }
    size_t clen = 0;
    cfgbuf = config_get(s, g, cdig, &clen, e);
    if (!cfgbuf)
        goto out;
    cfg = sbc_json_parse(cfgbuf, clen, "image config", e);
    if (!cfg)
        goto out;
    cJSON *diffs = sbc_json_arr(sbc_json_obj(cfg, "rootfs"), "diff_ids");
    if (cJSON_GetArraySize(diffs) != n) {
        sbc_err_set(e, 0, "config %s: %d diff_ids for %d layers", cdig,
                    cJSON_GetArraySize(diffs), n);
        goto out;
    }
    if (jobs_plan(&p, layers, diffs, m.digest, cdig, e) < 0)
        goto out;
    jobs_run(&p, o && o->jobs > 0 ? o->jobs : 3);
    for (int i = 0; i < n; i++)
        if (p.jobs[i].state == SBC_PULL_FAILED) {
            *e = p.jobs[i].err;
            goto out;
        }
    /* Everything is there: the record, then the tag (each temp + fsync +
     * rename).  Layer files are not fsynced one by one (as containerd and
     * podman do not): a killed pull leaves at most an unreferenced tmp/ dir,
     * which the next pull removes; only a power cut could leave a layer
     * short, and then `sbc-rmi` + pull repairs it. */
    if (sbc_store_blob_put(s, cdig, cfgbuf, clen, e) < 0 ||
        sbc_store_blob_put(s, m.digest, m.body.data, m.body.len, e) < 0)
        goto out;
    rec = record_of(&p, &m, cdig, cfg);
    char *repo = sbc_ref_repo(&ref);
    char *rd = sbc_xasprintf("%s@%s", repo, m.repo_digest);
    if (sbc_store_lock(s, e) < 0) {
        free(repo);
        free(rd);
        goto out;
    }
    /* (keeps the repo digests of an earlier record of the same image) */
    rc = sbc_store_image_put(s, cdig, rec, rd, e);
    if (rc == 0 && ref.tag) {
        char *tagged = sbc_xasprintf("%s:%s", repo, ref.tag);
        rc = sbc_store_tag_set(s, tagged, cdig, e);
        free(tagged);
    }
    if (rc == 0 && ref.digest)
        rc = sbc_store_tag_set(s, rd, cdig, e);
    sbc_store_unlock(s);
    free(repo);
    free(rd);
    if (rc < 0)
        goto out;
    if (id_out)
        snprintf(id_out, SBC_DIGEST_SIZE, "%s", cdig);
    if (full_ref) {
        *full_ref = full;
        full = NULL;
    }
    rc = 0;
out:
    if (rc < 0 && e->msg[0] && !strstr(e->msg, full ? full : "\1"))
        sbc_err_wrap(e, "%s", full ? full : refstr);
    cJSON_Delete(rec);
    cJSON_Delete(cfg);
    cJSON_Delete(man);
    free(cfgbuf);
    free(p.jobs);
    sbc_manifest_result_free(&m);
    if (g)
        sbc_registry_close(g);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    free(full);
    sbc_ref_free(&ref);
    return rc;
}
