/* Loading jobs: the example file, defaults, the bare-name shorthand, every
 * scalar spelling the loader accepts. */
#include "job_test_util.h"

#include "engine/alloc.h"

#include <math.h>

static void test_example_file(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    if (ct_job_load(ct_test_source_path("jobs/fashion_mlp.yaml"), NULL, 0, &job, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_string_equal(job->name, "fashion_mlp");
    assert_int_equal(job->seed, 1);
    assert_string_equal(job->data->path, "data/fashion-mnist.h5");
    assert_int_equal(job->model->family, CTRAIN__FAMILY__CLASSIFIER);
    assert_int_equal(job->model->loss, CTRAIN__LOSS__CROSS_ENTROPY);
    assert_int_equal(job->model->n_networks, 1);
    const Ctrain__Network *net = job->model->networks[0];
    assert_int_equal(net->n_layers, 9);
    static const int types[] = {CTRAIN__LAYER__TYPE_LINEAR,       CTRAIN__LAYER__TYPE_BATCH_NORM1D,
                                CTRAIN__LAYER__TYPE_RELU,         CTRAIN__LAYER__TYPE_DROPOUT,
                                CTRAIN__LAYER__TYPE_LINEAR,       CTRAIN__LAYER__TYPE_BATCH_NORM1D,
                                CTRAIN__LAYER__TYPE_RELU,         CTRAIN__LAYER__TYPE_DROPOUT,
                                CTRAIN__LAYER__TYPE_LINEAR};
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(net->layers[i]->type_case, types[i]);
        assert_null(net->layers[i]->name);
    }
    assert_int_equal(net->layers[0]->linear->in_features, 784);
    assert_int_equal(net->layers[0]->linear->out_features, 512);
    assert_int_equal(net->layers[4]->linear->out_features, 256);
    assert_int_equal(net->layers[8]->linear->out_features, 10);
    assert_true(net->layers[8]->linear->bias);
    assert_true(net->layers[3]->dropout->p == 0.2f);
    assert_non_null(job->data->augment);
    assert_true(job->data->augment->horizontal_flip->p == 0.5f);
    assert_null(job->data->augment->random_crop);
    assert_int_equal(job->optimizer->type, CTRAIN__OPTIMIZER_TYPE__ADAM);
    assert_true(job->optimizer->lr == 0.002f);
    assert_int_equal(job->optimizer->lr_schedule, CTRAIN__LR_SCHEDULE__COSINE);
    assert_int_equal(job->train->epochs, 30);
    assert_int_equal(job->train->batch_size, 256);
    assert_true(job->train->drop_last);
    assert_true(job->checkpoint->every_epoch);
    ct_job_free(job);
}

static void test_defaults(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("data: {path: d.h5}\n"
                               "model:\n"
                               "  networks:\n"
                               "    - layers:\n"
                               "        - linear: {out_features: 3}\n");
    assert_string_equal(job->name, "job");
    assert_int_equal(job->seed, 1);
    assert_string_equal(job->data->train_split, "train");
    assert_string_equal(job->data->test_split, "test");
    assert_string_equal(job->data->input, "images");
    assert_string_equal(job->data->target, "labels");
    assert_int_equal(job->model->family, CTRAIN__FAMILY__CLASSIFIER);
    assert_string_equal(job->model->networks[0]->name, "net");
    const Ctrain__Linear *lin = job->model->networks[0]->layers[0]->linear;
    assert_int_equal(lin->in_features, 0);
    assert_true(lin->bias);
    assert_int_equal(job->optimizer->type, CTRAIN__OPTIMIZER_TYPE__SGD);
    assert_true(job->optimizer->lr == 0.01f);
    assert_true(job->optimizer->momentum == 0.0f);
    assert_true(job->optimizer->beta1 == 0.9f);
    assert_true(job->optimizer->beta2 == 0.999f);
    assert_true(job->optimizer->eps == 1e-8f);
    assert_int_equal(job->train->epochs, 1);
    assert_int_equal(job->train->batch_size, 64);
    assert_int_equal(job->train->eval_batch_size, 1000);
    assert_int_equal(job->train->max_steps, 0);
    assert_true(job->train->bucket_mb == 4.0f);
    assert_int_equal(job->checkpoint->every_steps, 0);
    assert_true(job->checkpoint->every_epoch);
    assert_int_equal(job->checkpoint->keep, 3);
    assert_string_equal(job->output->runs_dir, "runs");
    assert_int_equal(job->output->progress, CTRAIN__PROGRESS__AUTO);
    /* Resolved: the defaults are explicit, so they are packed too. */
    assert_true(job->has_seed && job->train->has_epochs && job->optimizer->has_lr && lin->has_bias);
    ct_job_free(job);
}

static void test_null_sections_are_defaults(void **state)
{
    (void)state;
    ct_job *job = ct_test_load(CT_TEST_MINIMAL "train:\ncheckpoint: ~\noptimizer: null\n");
    assert_int_equal(job->train->epochs, 1);
    assert_int_equal(job->checkpoint->keep, 3);
    ct_job_free(job);
}

static void test_activation_shorthand(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("data: {path: d.h5}\n"
                               "model:\n"
                               "  networks:\n"
                               "    - layers:\n"
                               "        - relu\n"
                               "        - Tanh\n"
                               "        - relu: {}\n"
                               "        - sigmoid:\n"
                               "        - {name: act, softmax: {}}\n"
                               "        - leaky_relu: {negative_slope: 0.2}\n"
                               "        - leaky_relu: {}\n");
    const Ctrain__Network *net = job->model->networks[0];
    assert_int_equal(net->n_layers, 7);
    assert_int_equal(net->layers[0]->type_case, CTRAIN__LAYER__TYPE_RELU);
    assert_non_null(net->layers[0]->relu);
    assert_int_equal(net->layers[1]->type_case, CTRAIN__LAYER__TYPE_TANH);
    assert_int_equal(net->layers[2]->type_case, CTRAIN__LAYER__TYPE_RELU);
    assert_int_equal(net->layers[3]->type_case, CTRAIN__LAYER__TYPE_SIGMOID);
    assert_int_equal(net->layers[4]->type_case, CTRAIN__LAYER__TYPE_SOFTMAX);
    assert_string_equal(net->layers[4]->name, "act");
    assert_true(net->layers[5]->leaky_relu->negative_slope == 0.2f);
    assert_true(net->layers[6]->leaky_relu->negative_slope == 0.01f);
    ct_job_free(job);

    job = ct_test_load("data: {path: d.h5}\nmodel: {networks: [{layers: [relu, {linear: {out_features: 2}}]}]}\n");
    assert_int_equal(job->model->networks[0]->layers[0]->type_case, CTRAIN__LAYER__TYPE_RELU);
    assert_int_equal(job->model->networks[0]->layers[1]->linear->out_features, 2);
    ct_job_free(job);
}

static void test_scalar_spellings(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("data: {path: d.h5}\n"
                               "name: \"two words: quoted\"\n"
                               "seed: 0x10\n"
                               "optimizer: {type: ADAM, lr: 1e-3, beta1: .5, nesterov: yes, weight_decay: 0}\n"
                               "train: {epochs: +3, batch_size: 0o17, max_steps: 9223372036854775807}\n"
                               "checkpoint: {every_epoch: Off, every_steps: 18446744073709551615}\n"
                               "model: {loss: Mse, networks: [{name: 123, layers: [relu]}]}\n"
                               "output: {progress: lines, runs_dir: 'r d'}\n");
    assert_string_equal(job->name, "two words: quoted");
    assert_int_equal(job->seed, 16);
    assert_int_equal(job->optimizer->type, CTRAIN__OPTIMIZER_TYPE__ADAM);
    assert_true(job->optimizer->lr == 1e-3f);
    assert_true(job->optimizer->beta1 == 0.5f);
    assert_true(job->optimizer->nesterov);
    assert_int_equal(job->train->epochs, 3);
    assert_int_equal(job->train->batch_size, 15);
    assert_true(job->train->max_steps == INT64_MAX);
    assert_false(job->checkpoint->every_epoch);
    assert_true(job->checkpoint->every_steps == UINT64_MAX);
    assert_int_equal(job->model->loss, CTRAIN__LOSS__MSE);
    assert_string_equal(job->model->networks[0]->name, "123");
    assert_int_equal(job->output->progress, CTRAIN__PROGRESS__LINES);
    assert_string_equal(job->output->runs_dir, "r d");
    ct_job_free(job);
}

static void test_anchors_and_aliases(void **state)
{
    (void)state;
    ct_job *job = ct_test_load("data: {path: d.h5}\n"
                               "model:\n"
                               "  networks:\n"
                               "    - layers:\n"
                               "        - &hidden {linear: {out_features: 32}}\n"
                               "        - relu\n"
                               "        - *hidden\n");
    assert_int_equal(job->model->networks[0]->layers[2]->linear->out_features, 32);
    ct_job_free(job);
}

static void test_load_text_origin(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    const char *text = "train: {epochs: 0}\n";
    assert_int_equal(ct_job_load_text(text, strlen(text), "run/ckpt.h5:/job", &job, &err), CT_ERR);
    assert_has(err.msg, "run/ckpt.h5:/job");
    /* Not NUL-terminated: only len bytes are read. */
    const char buf[] = "data: {path: d.h5}\nmodel: {networks: [{layers: [relu]}]}\nXXXX garbage";
    assert_int_equal(ct_job_load_text(buf, strlen(buf) - strlen("XXXX garbage"), NULL, &job, &err), CT_OK);
    ct_job_free(job);
    ct_job_free(NULL);
}

/* A network's optimizer section overrides the job's field by field; a
 * network without one stays without (it uses the job's as it is, --set
 * included), also after the resolved job is emitted and read back. */
static void test_network_optimizer(void **state)
{
    (void)state;
    const char *yaml = "data: {path: d.h5}\n"
                       "model:\n"
                       "  family: autoencoder\n"
                       "  loss: mse\n"
                       "  autoencoder: {latent_size: 2}\n"
                       "  networks:\n"
                       "    - name: encoder\n"
                       "      layers: [relu]\n"
                       "      optimizer: {lr: 0.5, clip_grad_norm: 1}\n"
                       "    - name: decoder\n"
                       "      layers: [relu]\n"
                       "optimizer: {type: rmsprop, alpha: 0.9, lr: 0.01}\n";
    const char *sets[] = {"optimizer.lr=0.02"};
    const char *msg = NULL;
    ct_job *job = ct_test_load_set(yaml, sets, 1, &msg);
    if (!job)
        fail_msg("%s", msg);
    const Ctrain__Optimizer *g = job->model->networks[0]->optimizer;
    assert_non_null(g);
    assert_int_equal(g->type, CTRAIN__OPTIMIZER_TYPE__RMSPROP);
    assert_true(g->alpha == 0.9f && g->lr == 0.5f && g->clip_grad_norm == 1.0f);
    assert_true(g->eps == 1e-8f && g->momentum == 0.0f); /* defaults where neither says */
    assert_null(job->model->networks[1]->optimizer);
    assert_true(job->optimizer->lr == 0.02f);
    char *text = ct_job_to_yaml(job);
    ct_job *again = NULL;
    ct_error err;
    if (ct_job_load_text(text, strlen(text), "again", &again, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_null(again->model->networks[1]->optimizer);
    assert_true(again->model->networks[0]->optimizer->lr == 0.5f);
    assert_int_equal(again->model->networks[0]->optimizer->type, CTRAIN__OPTIMIZER_TYPE__RMSPROP);
    ct_job_free(again);
    ct_free(text);
    ct_job_free(job);
    /* Its ranges are checked where it was written. */
    msg = ct_test_load_fail("data: {path: d.h5}\n"
                            "model:\n"
                            "  networks:\n"
                            "    - layers: [relu]\n"
                            "      optimizer: {clip_grad_norm: -1}\n");
    assert_has(msg, "t.yaml:5:");
    assert_has(msg, "model.networks[0].optimizer.clip_grad_norm: expected a number >= 0, found -1");
    msg = ct_test_load_fail("data: {path: d.h5}\nmodel:\n  networks:\n    - layers: [relu]\n"
                            "optimizer: {type: rmsprop, alpha: 1.5}\n");
    assert_has(msg, "optimizer.alpha: expected a number >= 0 and <= 1, found 1.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_null_sections_are_defaults),
        cmocka_unit_test(test_activation_shorthand),
        cmocka_unit_test(test_scalar_spellings),
        cmocka_unit_test(test_anchors_and_aliases),
        cmocka_unit_test(test_load_text_origin),
        cmocka_unit_test(test_network_optimizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
