/* tree.h: a cheap fingerprint of a directory tree, to tell whether a platform changed since its
 * last scan without reading any file. */
#ifndef DROVER_TREE_H
#define DROVER_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <drover/status.h>

#define TREE_STAMP_MAX 64

/*
 * Stamp the tree at `root`: every directory and file (following symlinked directories once),
 * by relative path, type, size, mtime, ctime and inode. Any file added, removed, renamed, edited
 * or replaced changes the stamp; reading nothing but metadata keeps it fast. Independent of the
 * order readdir returns entries in. `files` gets the number of entries seen (may be NULL).
 */
int tree_stamp(const char *root, char out[TREE_STAMP_MAX], uint64_t *files,
               struct drover_error *err);

/* The same, leaving out the n paths in `skip` (relative to root, no trailing '/'): neither the
 * entry nor anything below it counts. */
int tree_stamp_skip(const char *root, const char *const *skip, size_t n, char out[TREE_STAMP_MAX],
                    uint64_t *files, struct drover_error *err);

#endif
