/* --set PATH=VALUE overrides: paths with indices, values converted like the
 * file's, oneof members replaced, and the errors. */
#include "job_test_util.h"

#define JOB                                                                                        \
    "data: {path: d.h5}\n"                                                                         \
    "model:\n"                                                                                     \
    "  networks:\n"                                                                                \
    "    - layers:\n"                                                                              \
    "        - linear: {in_features: 784, out_features: 256}\n"                                    \
    "        - relu\n"                                                                             \
    "        - linear: {out_features: 10}\n"                                                       \
    "train: {epochs: 15, batch_size: 128}\n"

static ct_job *set_ok(const char *const *sets, size_t n)
{
    const char *msg;
    ct_job *job = ct_test_load_set(JOB, sets, n, &msg);
    if (!job)
        fail_msg("%s", msg);
    return job;
}

static const char *set_fail(const char *assignment)
{
    const char *msg;
    const char *sets[] = {assignment};
    assert_null(ct_test_load_set(JOB, sets, 1, &msg));
    return msg;
}

static void test_scalars(void **state)
{
    (void)state;
    const char *sets[] = {"train.epochs=3",
                          "optimizer.type=Adam",
                          "optimizer.lr=0.1",
                          "model.networks.0.layers.2.linear.out_features=64",
                          "data.path=\"other file.h5\"",
                          "checkpoint.keep=5",
                          "train.epochs=4",
                          "name=  spaced  "};
    ct_job *job = set_ok(sets, sizeof sets / sizeof *sets);
    assert_int_equal(job->train->epochs, 4); /* applied in order */
    assert_int_equal(job->train->batch_size, 128);
    assert_int_equal(job->optimizer->type, CTRAIN__OPTIMIZER_TYPE__ADAM);
    assert_true(job->optimizer->lr == 0.1f);
    assert_int_equal(job->model->networks[0]->layers[2]->linear->out_features, 64);
    assert_int_equal(job->model->networks[0]->layers[0]->linear->in_features, 784);
    assert_string_equal(job->data->path, "other file.h5");
    assert_int_equal(job->checkpoint->keep, 5);
    assert_string_equal(job->name, "spaced");
    ct_job_free(job);
}

static void test_replace_layer(void **state)
{
    (void)state;
    const char *sets[] = {"model.networks.0.layers.1=tanh", "model.networks.0.layers.0.relu=",
                          "model.networks.0.layers.2.leaky_relu.negative_slope=0.2"};
    ct_job *job = set_ok(sets, 3);
    Ctrain__Layer **layers = job->model->networks[0]->layers;
    assert_int_equal(layers[1]->type_case, CTRAIN__LAYER__TYPE_TANH);
    assert_int_equal(layers[0]->type_case, CTRAIN__LAYER__TYPE_RELU);
    assert_int_equal(layers[2]->type_case, CTRAIN__LAYER__TYPE_LEAKY_RELU);
    assert_true(layers[2]->leaky_relu->negative_slope == 0.2f);
    ct_job_free(job);

    const char *sets2[] = {"model.networks.0.layers.1.linear.out_features=32",
                           "model.networks.0.layers.2={name: out, linear: {out_features: 5, bias: false}}"};
    job = set_ok(sets2, 2);
    layers = job->model->networks[0]->layers;
    assert_int_equal(layers[1]->type_case, CTRAIN__LAYER__TYPE_LINEAR);
    assert_int_equal(layers[1]->linear->out_features, 32);
    assert_string_equal(layers[2]->name, "out");
    assert_false(layers[2]->linear->bias);
    ct_job_free(job);
}

static void test_whole_messages_and_lists(void **state)
{
    (void)state;
    const char *sets[] = {"optimizer={type: adam, lr: 0.001}", "model.networks.0.layers=[relu, {linear: {out_features: 2}}]"};
    ct_job *job = set_ok(sets, 2);
    assert_int_equal(job->optimizer->type, CTRAIN__OPTIMIZER_TYPE__ADAM);
    assert_true(job->optimizer->lr == 0.001f);
    assert_int_equal(job->model->networks[0]->n_layers, 2);
    assert_int_equal(job->model->networks[0]->layers[1]->linear->out_features, 2);
    ct_job_free(job);
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(set_fail("train.epochz=3"),
                        "--set train.epochz=3: unknown field 'epochz' in train; did you mean 'epochs'?");
    assert_string_equal(set_fail("trian.epochs=3"),
                        "--set trian.epochs=3: unknown field 'trian' at the top level; did you mean 'train'?");
    assert_string_equal(set_fail("optimizer.learning_rate=3"),
                        "--set optimizer.learning_rate=3: unknown field 'learning_rate' in optimizer; valid fields: "
                        "type, lr, momentum, dampening, nesterov, weight_decay, beta1, beta2, eps, lr_schedule, lr_min, lr_step_epochs, lr_gamma, alpha, centered, clip_grad_norm, clip_grad_value");
    assert_string_equal(set_fail("train.epochs=ten"),
                        "--set train.epochs=ten: train.epochs: expected an unsigned integer, found 'ten'");
    assert_string_equal(set_fail("train.epochs=-2"),
                        "--set train.epochs=-2: train.epochs: expected an unsigned integer from 0 to 4294967295, "
                        "found '-2'");
    assert_string_equal(set_fail("train.epochs="),
                        "--set train.epochs=: train.epochs: expected an unsigned integer, found an empty value");
    assert_string_equal(set_fail("optimizer.type=adamw"),
                        "--set optimizer.type=adamw: optimizer.type: expected one of sgd, adam, rmsprop, found 'adamw'; did "
                        "you mean 'adam'?");
    assert_string_equal(set_fail("model.networks.1.name=x"),
                        "--set model.networks.1.name=x: model.networks has 1 item: index 1 is out of range (only "
                        "existing items can be set)");
    assert_string_equal(set_fail("model.networks.0.layers.3=relu"),
                        "--set model.networks.0.layers.3=relu: model.networks[0].layers has 3 items: index 3 is out "
                        "of range (only existing items can be set)");
    assert_string_equal(set_fail("model.networks.first.name=x"),
                        "--set model.networks.first.name=x: model.networks is a list: expected an index (0 to 0) "
                        "after it, found 'first'");
    assert_string_equal(set_fail("train.epochs.max=1"),
                        "--set train.epochs.max=1: train.epochs is an unsigned integer: it has no field 'max'");
    assert_string_equal(set_fail("train.epochs"), "--set train.epochs: expected PATH=VALUE, e.g. train.epochs=3");
    assert_string_equal(set_fail("=3"), "--set =3: expected PATH=VALUE, e.g. train.epochs=3");
    assert_string_equal(set_fail("train..epochs=3"), "--set train..epochs=3: empty field name in the path");
    assert_has(set_fail("name=[unclosed"), "--set name=[unclosed: invalid YAML value: ");
    assert_string_equal(set_fail("model.networks.0.layers.1=rleu"),
                        "--set model.networks.0.layers.1=rleu: model.networks[0].layers[1]: expected a mapping "
                        "(Layer) or one of relu, sigmoid, tanh, softmax, flatten, log_softmax, found 'rleu'; did "
                        "you mean 'relu'?");
    assert_string_equal(set_fail("train={epochs: 1, epochs: 2}"),
                        "--set train={epochs: 1, epochs: 2}: train.epochs: duplicate key 'epochs'");
}

static void test_checks_after_overrides(void **state)
{
    (void)state;
    assert_string_equal(set_fail("train.batch_size=-5"),
                        "--set train.batch_size=-5: train.batch_size: expected an integer >= 1, found -5");
    assert_string_equal(set_fail("model.networks.0.layers.2.linear.out_features=0"),
                        "--set model.networks.0.layers.2.linear.out_features=0: "
                        "model.networks[0].layers[2].linear.out_features: expected an integer >= 1, found 0");
    assert_string_equal(set_fail("model.networks.0.layers=[]"),
                        "--set model.networks.0.layers=[]: model.networks[0].layers: expected at least one layer, "
                        "found none");
    /* The file's own error comes first, with its position. */
    const char *msg;
    const char *sets[] = {"train.epochs=3"};
    assert_null(ct_test_load_set("data: {path: d.h5}\ntrain: {epochs: x}\n", sets, 1, &msg));
    assert_has(msg, ":2:17: train.epochs: expected an unsigned integer, found 'x'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_replace_layer),
        cmocka_unit_test(test_whole_messages_and_lists),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_checks_after_overrides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
