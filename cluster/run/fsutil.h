/* Small file-system helpers for the run directory. (Atomic replacement of a
 * file is datasets/durable_file.h.) */
#ifndef CT_CLUSTER_FSUTIL_H
#define CT_CLUSTER_FSUTIL_H

#include "engine/error.h"

/* mkdir -p. */
int ct_mkdirs(const char *path, ct_error *err);

#endif
