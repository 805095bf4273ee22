/* model.family picks a trainer, and a value without one is an error that
 * names it, never a silent classifier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/families/families.h"

static ct_job *load(const char *yaml)
{
    ct_job *job = NULL;
    ct_error err;
    if (ct_job_load_text(yaml, strlen(yaml), "t.yaml", &job, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return job;
}

static void test_known_families(void **state)
{
    (void)state;
    ct_job *job = load("data: {path: d.h5}\nmodel: {networks: [{layers: [relu]}]}\n");
    const ct_family *f = NULL;
    ct_error err;
    assert_int_equal(ct_family_for(job, &f, &err), CT_OK);
    assert_ptr_equal(f, &ct_classifier_family);
    job->model->family = CTRAIN__FAMILY__AUTOENCODER;
    assert_int_equal(ct_family_for(job, &f, &err), CT_OK);
    assert_ptr_equal(f, &ct_autoencoder_family);
    job->model->family = CTRAIN__FAMILY__DQN;
    assert_int_equal(ct_family_for(job, &f, &err), CT_OK);
    assert_ptr_equal(f, &ct_dqn_family);
    job->model->family = CTRAIN__FAMILY__REGRESSOR;
    assert_int_equal(ct_family_for(job, &f, &err), CT_OK);
    assert_ptr_equal(f, &ct_regressor_family);
    job->model->family = CTRAIN__FAMILY__LANGUAGE_MODEL;
    assert_int_equal(ct_family_for(job, &f, &err), CT_OK);
    assert_ptr_equal(f, &ct_language_model_family);
    ct_job_free(job);
}

static void test_unknown_family(void **state)
{
    (void)state;
    ct_job *job = load("data: {path: d.h5}\nmodel: {networks: [{layers: [relu]}]}\n");
    job->model->family = (Ctrain__Family)99; /* a value from a newer schema, say */
    const ct_family *f = &ct_classifier_family;
    ct_error err;
    assert_int_equal(ct_family_for(job, &f, &err), CT_ERR);
    assert_null(f);
    assert_string_equal(err.msg, "model.family: unknown (99) has no trainer in this build of ctrain");
    ct_job_free(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_families),
        cmocka_unit_test(test_unknown_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
