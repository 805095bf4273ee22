/* Opening the committed PyTorch fixtures (tests/fixtures/NAME.h5). */
#ifndef CT_TEST_FIXTURE_H
#define CT_TEST_FIXTURE_H

#include <hdf5.h>

/* Opens tests/fixtures/<name>.h5 (under $CT_SOURCE_DIR when set, else the
 * source tree the test was built from); fails the test, naming the script
 * that regenerates it, when it cannot. */
hid_t ct_test_open_fixture(const char *name);

#endif
