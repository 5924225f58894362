/*
 * archive.h: backup archives. archive.c is the only file that calls libarchive.
 *
 * Writing: members are streamed into `<final>.tmp-XXXXXX` (mode 0600), each with its size and
 * SHA-256 recorded; arc_finish() flushes, fsyncs, renames to the final name and fsyncs the
 * directory, so a killed process never leaves a file under the final name.
 *
 * Reading: only tar (optionally zstd- or gzip-compressed) is accepted, and every entry passes our
 * checks before libarchive's secure extraction writes it: no absolute paths or "..", no links
 * that leave the tree, no hard links, devices, FIFOs or sockets, names of sane length without
 * control characters, and limits on entry count, total size and compression ratio.
 */
#ifndef DROVER_ARCHIVE_H
#define DROVER_ARCHIVE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <drover/status.h>

#define ARC_SHA256_HEX 65

#define ARC_FILE    1
#define ARC_DIR     2
#define ARC_SYMLINK 3

struct arc_member {
	char name[PATH_MAX];
	int type; /* ARC_* */
	uint64_t size;
	char sha256[ARC_SHA256_HEX]; /* of the content; "" for directories and symlinks */
	/* arc_extract only: the first and the last bytes of a file's content */
	unsigned char head[16];
	char tail[64];
	size_t tail_len;
};

/* Progress: bytes of member content written or read so far. */
typedef void (*arc_progress_fn)(void *arg, uint64_t done);

struct arc_writer;

/* format: "zst" (level 1-19, threads 0 = one per core) or "gz" (level 1-9). */
int arc_create(const char *final_path, const char *format, int level, int threads,
               struct arc_writer **out, struct drover_error *err);
void arc_set_progress(struct arc_writer *w, arc_progress_fn fn, void *arg);
/* Add one member from a file on disk (regular file, directory or symlink, not followed). */
int arc_add_path(struct arc_writer *w, const char *member, const char *path,
                 struct drover_error *err);
/* Add a directory tree under `member`, skipping the relative paths in `exclude` (and what is
 * below them). */
int arc_add_tree(struct arc_writer *w, const char *member, const char *dir,
                 const char *const *exclude, size_t n_exclude, struct drover_error *err);
/* Add a member from memory. */
int arc_add_buffer(struct arc_writer *w, const char *member, const void *data, size_t len,
                   struct drover_error *err);
/* The members written so far, checksums complete (borrowed until arc_finish/arc_abort). */
const struct arc_member *arc_members(struct arc_writer *w, size_t *n);
/* Close, fsync, rename into place; *size and sha256 of the whole archive file. Frees w. */
int arc_finish(struct arc_writer *w, uint64_t *size, char sha256[ARC_SHA256_HEX],
               struct drover_error *err);
/* Remove the temporary file; frees w. */
void arc_abort(struct arc_writer *w);

struct arc_limits {
	uint64_t max_entries;
	uint64_t max_bytes; /* total uncompressed */
	uint64_t max_ratio; /* uncompressed / compressed */
	uint32_t max_name;  /* bytes in one path */
};
extern const struct arc_limits arc_default_limits;

/* Called for each entry extracted, with its checksum. */
typedef int (*arc_entry_fn)(void *arg, const struct arc_member *m);

/* Keep one member's content in memory while extracting (the manifest): up to cap bytes. */
struct arc_capture {
	const char *name;
	char *buf; /* malloc'd by arc_extract, NUL-terminated; the caller frees it */
	size_t len;
	size_t cap;
	int found;
	/* Out: the SHA-256 of the whole archive file, hashed as it was read. */
	char file_sha256[ARC_SHA256_HEX];
};

/*
 * Extract the archive at `path` into `staging` (an existing, empty directory). Each entry is
 * checked, then written with libarchive's secure flags; cb sees each one with its SHA-256.
 * staging NULL: read and check everything, write nothing (backup verify). On any
 * refusal the error names the entry and the rule it broke; what was written stays inside staging
 * (the caller removes it).
 */
int arc_extract(const char *path, const char *staging, const struct arc_limits *lim,
                arc_entry_fn cb, void *arg, arc_progress_fn progress, void *parg,
                struct arc_capture *capture, struct drover_error *err);

/* SHA-256 of a file, as hex. */
int arc_sha256_file(const char *path, char out[ARC_SHA256_HEX], uint64_t *size,
                    struct drover_error *err);

#endif
