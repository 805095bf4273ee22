#include "singleton.h"

ct_world ct_test_world;

int ct_test_start_mpi(void **state)
{
    (void)state;
    ct_error err;
    return ct_world_init(&ct_test_world, NULL, NULL, &err);
}

int ct_test_stop_mpi(void **state)
{
    (void)state;
    ct_world_finalize(&ct_test_world);
    return 0;
}
