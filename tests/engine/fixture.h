/* Opening and reading the committed PyTorch fixtures (tests/fixtures/NAME.h5):
 * every reader fails the test, naming what is missing, when the file does
 * not hold what it should. */
#ifndef CT_TEST_FIXTURE_H
#define CT_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "engine/net.h"

/* Opens tests/fixtures/<name>.h5 (under $CT_SOURCE_DIR when set, else the
 * source tree the test was built from); fails the test, naming the script
 * that regenerates it, when it cannot. */
hid_t ct_test_open_fixture(const char *name);

/* Whether g has a dataset or group called name. */
bool ct_test_has(hid_t g, const char *name);

/* Dimensions of dataset name in g; returns the rank (at most 8). */
int ct_test_dims(hid_t g, const char *name, hsize_t dims[8]);

/* Reads dataset name of g, which must hold exactly count elements, as type. */
void ct_test_read(hid_t g, const char *name, hid_t type, void *buf, size_t count);

/* A fresh float array (ct_free) with dataset name; *count gets its size. */
float *ct_test_read_floats(hid_t g, const char *name, size_t *count);

/* Scalar attributes of g: an integer, a number, and a string (h5py's
 * variable-length UTF-8; "" when absent). */
int64_t ct_test_attr_int(hid_t g, const char *name);
double ct_test_attr_double(hid_t g, const char *name);
void ct_test_attr_string(hid_t g, const char *name, char *buf, size_t size);

/* A parity comparison: tolerances, and the largest |got - want| / |want|
 * seen over expected values >= 1e-3. */
typedef struct ct_test_parity {
    double rtol, atol;
    double worst_rel;
} ct_test_parity;

/* Compares got[n] with dataset name of g within atol + rtol |want| per
 * element; messages name "<case_name>/<name>" and the index. */
void ct_test_compare_dataset(ct_test_parity *p, hid_t g, const char *name, const float *got, size_t n,
                             const char *case_name);

/* Loads the tensors of a built one-layer net from the datasets
 * "param.<suffix>" of g, checking each shape as load_state_dict does, and
 * that g holds no tensor the layer lacks. */
void ct_test_load_params(hid_t g, ct_net *net, const char *case_name);

/* Compares the net's gradients with "grad.<suffix>", its buffers and
 * counters (exactly) with "after.<suffix>". */
void ct_test_check_params(ct_test_parity *p, hid_t g, ct_net *net, const char *case_name);

#endif
