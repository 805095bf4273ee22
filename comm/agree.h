/* Collective agreement on errors (DESIGN.md, "Errors are collective"): every
 * rank calls ct_agree at the same point with its own status; if any rank
 * failed, all of them return CT_ERR with the message of the lowest failing
 * rank, prefixed "rank R: " unless every rank failed. So no rank
 * is ever left waiting in a collective the others skipped. */
#ifndef CT_COMM_AGREE_H
#define CT_COMM_AGREE_H

#include "comm/world.h"

/* local_status: CT_OK or CT_ERR (then err holds this rank's message). */
int ct_agree(const ct_world *world, int local_status, ct_error *err);

/* The same for a status only `root` has (it read or wrote a file the others
 * did not): every rank returns root's status and, on error, root's message
 * as it is, with no rank prefix. The others' status arguments are ignored.
 * Collective. */
int ct_agree_root(const ct_world *world, int root_status, int root, ct_error *err);

#endif
