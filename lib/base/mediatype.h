/* mediatype.h - the media types of OCI and Docker images: the vocabulary
 * the registry client (Accept headers, manifest negotiation) and the image
 * code (manifests and archives it writes, layers it reads) share. */
#ifndef SBC_MEDIATYPE_H
#define SBC_MEDIATYPE_H

/* manifests and indexes */
#define SBC_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define SBC_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SBC_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SBC_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SBC_MT_DOCKER_SCHEMA1_PREFIX "application/vnd.docker.distribution.manifest.v1+"

/* configs */
#define SBC_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

/* layers */
#define SBC_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define SBC_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define SBC_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define SBC_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define SBC_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SBC_MT_DOCKER_LAYER_ZSTD "application/vnd.docker.image.rootfs.diff.tar.zstd"

#endif
