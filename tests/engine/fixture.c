#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

hid_t ct_test_open_fixture(const char *name)
{
    const char *dir = getenv("CT_SOURCE_DIR");
    char path[4096];
    if (dir && dir[0])
        snprintf(path, sizeof path, "%s/tests/fixtures/%s.h5", dir, name);
    else
        snprintf(path, sizeof path, "%s/%s.h5", CT_FIXTURE_DIR, name);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        print_error("cannot open %s (regenerate it with /usr/bin/python3 tests/fixtures/make_%s.py)\n", path, name);
        fail();
    }
    return f;
}
