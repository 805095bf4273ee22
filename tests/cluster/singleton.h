/* cmocka group set-up and tear-down for tests of cluster/ that need MPI:
 * one process, an MPI singleton, in ct_test_world. */
#ifndef CT_TESTS_CLUSTER_SINGLETON_H
#define CT_TESTS_CLUSTER_SINGLETON_H

#include "comm/world.h"

extern ct_world ct_test_world;

int ct_test_start_mpi(void **state);
int ct_test_stop_mpi(void **state);

#endif
