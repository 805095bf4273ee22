/* ct_job_to_yaml: readable YAML with every field that reads back to the
 * same job (compared as packed protobuf bytes). */
#include "job_test_util.h"

#include <stdlib.h>

#include "engine/alloc.h"

/* emit -> load_text must give the same packed bytes, and emitting that
 * again the same text. */
static void assert_round_trip(const ct_job *job)
{
    char *yaml = ct_job_to_yaml(job);
    ct_job *again = ct_test_load(yaml);
    size_t n1, n2;
    uint8_t *b1 = ct_test_pack(&job->base, &n1), *b2 = ct_test_pack(&again->base, &n2);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0)
        fail_msg("round trip changed the job; YAML:\n%s", yaml);
    char *yaml2 = ct_job_to_yaml(again);
    assert_string_equal(yaml, yaml2);
    free(b1);
    free(b2);
    ct_free(yaml);
    ct_free(yaml2);
    ct_job_free(again);
}

static void test_example_round_trip(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    if (ct_job_load(ct_test_source_path("jobs/fashion_mlp.yaml"), NULL, 0, &job, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_round_trip(job);
    ct_job_free(job);
}

static void test_layout(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("name: fashion_mlp\n"
                               "data: {path: data/fashion-mnist.h5}\n"
                               "model:\n"
                               "  networks:\n"
                               "    - layers:\n"
                               "        - linear: {in_features: 784, out_features: 256}\n"
                               "        - relu\n"
                               "        - {name: act, tanh: {}}\n"
                               "optimizer: {lr: 0.05, momentum: 0.9}\n");
    char *yaml = ct_job_to_yaml(job);
    const char *want = "name: fashion_mlp\n"
                       "seed: 1\n"
                       "data:\n"
                       "  path: data/fashion-mnist.h5\n"
                       "  train_split: train\n"
                       "  test_split: test\n"
                       "  input: images\n"
                       "  target: labels\n"
                       "  lengths: \"\"\n"
                       "model:\n"
                       "  family: classifier\n"
                       "  loss: cross_entropy\n"
                       "  networks:\n"
                       "    - name: net\n"
                       "      layers:\n"
                       "        - linear:\n"
                       "            in_features: 784\n"
                       "            out_features: 256\n"
                       "            bias: true\n"
                       "            last_dim: false\n"
                       "        - relu\n"
                       "        - name: act\n"
                       "          tanh: {}\n"
                       "optimizer:\n"
                       "  type: sgd\n"
                       "  lr: 0.05\n"
                       "  momentum: 0.9\n"
                       "  dampening: 0\n"
                       "  nesterov: false\n"
                       "  weight_decay: 0\n"
                       "  beta1: 0.9\n"
                       "  beta2: 0.999\n"
                       "  eps: 1e-08\n"
                       "  lr_schedule: constant\n"
                       "  lr_min: 0\n"
                       "  lr_step_epochs: 0\n"
                       "  lr_gamma: 0.1\n"
                       "  alpha: 0.99\n"
                       "  centered: false\n"
                       "  clip_grad_norm: 0\n"
                       "  clip_grad_value: 0\n"
                       "train:\n"
                       "  epochs: 1\n"
                       "  batch_size: 64\n"
                       "  eval_batch_size: 1000\n"
                       "  max_steps: 0\n"
                       "  log_every_steps: 0\n"
                       "  bucket_mb: 4\n"
                       "  drop_last: false\n"
                       "  steps_per_epoch: 0\n"
                       "  collective_timeout_s: 600\n"
                       "checkpoint:\n"
                       "  every_steps: 0\n"
                       "  every_epoch: true\n"
                       "  keep: 3\n"
                       "output:\n"
                       "  runs_dir: runs\n"
                       "  progress: auto\n"
                       "  tensorboard: true\n";
    assert_string_equal(yaml, want);
    ct_free(yaml);
    assert_round_trip(job);
    ct_job_free(job);
}

static void test_awkward_values_round_trip(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("name: \"quote \\\" back\\\\slash: colon # hash\\ttab\\nnewline\"\n"
                               "seed: 18446744073709551615\n"
                               "data: {path: 'null', train_split: '123', test_split: '', input: '-x', target: 'é ü'}\n"
                               "model:\n"
                               "  loss: bce_with_logits\n"
                               "  networks:\n"
                               "    - name: 'true'\n"
                               "      layers:\n"
                               "        - leaky_relu: {negative_slope: 0.1}\n"
                               "        - {name: ' lead', softmax: {}}\n"
                               "optimizer: {type: adam, lr: 3.0000001e-4, eps: 1.17549435e-38, beta2: 0.99999994}\n"
                               "train: {bucket_mb: 16777217, batch_size: 1, max_steps: 9223372036854775807}\n"
                               "output: {progress: none, runs_dir: ./runs/}\n");
    assert_round_trip(job);
    char *yaml = ct_job_to_yaml(job);
    assert_has(yaml, "  path: \"null\"\n");
    assert_has(yaml, "  train_split: \"123\"\n");
    assert_has(yaml, "  test_split: \"\"\n");
    assert_has(yaml, "\\ttab\\nnewline\"\n");
    ct_free(yaml);
    ct_job_free(job);
}

static void test_every_float_round_trips(void **state)
{
    (void)state;
    /* Floats that need all 9 digits; the emitter must not lose a bit. */
    static const float values[] = {0.1f, 1.0f / 3.0f, 16777216.0f, 3.4028235e38f, 1.4e-45f, 1e-8f, 0.999f, 2.5e-7f};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        ct_job *job = ct_test_load(CT_TEST_MINIMAL);
        job->optimizer->lr = values[i];
        job->optimizer->momentum = values[i];
        char *yaml = ct_job_to_yaml(job);
        ct_job *again = ct_test_load(yaml);
        assert_memory_equal(&again->optimizer->lr, &values[i], sizeof(float));
        ct_free(yaml);
        ct_job_free(again);
        ct_job_free(job);
    }
}

static void test_unresolved_job(void **state)
{
    (void)state;
    /* A job built in code (nothing set, no sub-messages) prints its
     * defaults; ct_job_to_yaml does not need a resolved job. */
    Ctrain__Job bare = CTRAIN__JOB__INIT;
    char *yaml = ct_job_to_yaml(&bare);
    assert_has(yaml, "name: job\nseed: 1\ndata:\n  train_split: train\n");
    assert_has(yaml, "model:\n  family: classifier\n  loss: cross_entropy\n  networks: []\n");
    assert_has(yaml, "train:\n  epochs: 1\n");
    ct_free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_round_trip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_awkward_values_round_trip),
        cmocka_unit_test(test_every_float_round_trips),
        cmocka_unit_test(test_unresolved_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
