/* Every error the loader reports: each names the origin, line:column, the
 * field path, what was expected and what was found. */
#include "job_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DATA "data: {path: d.h5}\n"
#define NETS "model: {networks: [{layers: [relu]}]}\n"

static void test_missing_file(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    assert_int_equal(ct_job_load("/nonexistent/job.yaml", NULL, 0, &job, &err), CT_ERR);
    assert_null(job);
    assert_has(err.msg, "/nonexistent/job.yaml: ");
    assert_has(err.msg, "No such file or directory");
}

static void test_unreadable_file(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    assert_int_equal(ct_job_load("/tmp", NULL, 0, &job, &err), CT_ERR); /* a directory */
    assert_has(err.msg, "/tmp: ");
    assert_has(err.msg, "Is a directory");
}

static void test_error_names_the_file(void **state)
{
    (void)state;
    char *path = ct_test_temp_file(DATA NETS "train:\n  epochs: ten\n");
    ct_job *job = NULL;
    ct_error err = {{0}};
    assert_int_equal(ct_job_load(path, NULL, 0, &job, &err), CT_ERR);
    char want[256];
    snprintf(want, sizeof want, "%s:4:11: train.epochs: expected an unsigned integer, found 'ten'", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    free(path);
}

static void test_yaml_syntax(void **state)
{
    (void)state;
    const char *msg = ct_test_load_fail(DATA "train: {epochs: 3\nname: x\n");
    assert_has(msg, "t.yaml:3:5: invalid YAML: ");
    msg = ct_test_load_fail(DATA "train:\n\tepochs: 3\n");
    assert_has(msg, "t.yaml:3:1: invalid YAML: found character that cannot start any token");
    msg = ct_test_load_fail(DATA "model: *nothing\n");
    assert_has(msg, "t.yaml:2:8: invalid YAML: found undefined alias");
}

static void test_top_level(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail("- data\n- model\n"),
                        "t.yaml:1:1: expected a mapping (Job) at the top level, found a sequence");
    assert_string_equal(ct_test_load_fail("just words\n"),
                        "t.yaml:1:1: expected a mapping (Job) at the top level, found 'just words'");
    assert_string_equal(ct_test_load_fail(""), "t.yaml: expected a mapping (Job), found an empty document");
    assert_string_equal(ct_test_load_fail("# only a comment\n"),
                        "t.yaml: expected a mapping (Job), found an empty document");
    assert_string_equal(ct_test_load_fail(DATA NETS "---\nname: x\n"),
                        "t.yaml:4:1: expected a single YAML document, found a second one");
}

static void test_unknown_key(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  epochs: 2\n  bach_size: 32\n"),
                        "t.yaml:5:3: unknown key 'bach_size' in train; did you mean 'batch_size'?");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer:\n  lerning_rate: 0.1\n"),
                        "t.yaml:4:3: unknown key 'lerning_rate' in optimizer; valid keys: type, lr, momentum, "
                        "dampening, nesterov, weight_decay, beta1, beta2, eps, lr_schedule, lr_min, lr_step_epochs, lr_gamma, alpha, centered, clip_grad_norm, clip_grad_value");
    assert_string_equal(ct_test_load_fail(DATA NETS "trian: {epochs: 1}\n"),
                        "t.yaml:3:1: unknown key 'trian' at the top level; did you mean 'train'?");
    assert_string_equal(ct_test_load_fail(DATA "model: {networks: [{layers: [relu, {linear: {out_feature: 3}}]}]}\n"),
                        "t.yaml:2:46: unknown key 'out_feature' in model.networks[0].layers[1].linear; "
                        "did you mean 'out_features'?");
    assert_string_equal(ct_test_load_fail(DATA NETS "Seed: 3\n"),
                        "t.yaml:3:1: unknown key 'Seed' at the top level; did you mean 'seed'?");
    assert_has(ct_test_load_fail(DATA NETS "? [a, b]\n: 1\n"),
               "t.yaml:3:3: expected a field name as key, found a sequence");
}

static void test_wrong_type(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  epochs: ten\n"),
                        "t.yaml:4:11: train.epochs: expected an unsigned integer, found 'ten'");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {batch_size: 1.5}\n"),
                        "t.yaml:3:21: train.batch_size: expected an integer, found '1.5'");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: fast}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number, found 'fast'");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {nesterov: maybe}\n"),
                        "t.yaml:3:23: optimizer.nesterov: expected a boolean (true or false), found 'maybe'");
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  epochs:\n"),
                        "t.yaml:4:10: train.epochs: expected an unsigned integer, found an empty value");
    assert_string_equal(ct_test_load_fail(DATA NETS "name: [a, b]\n"),
                        "t.yaml:3:7: name: expected a string, found a sequence");
    assert_string_equal(ct_test_load_fail(DATA NETS "seed: \"7\"x\n"),
                        "t.yaml:3:10: invalid YAML: did not find expected key (while parsing a block mapping at "
                        "line 1, column 1)");
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {epochs: 5000000000}\n"),
                        "t.yaml:3:17: train.epochs: expected an unsigned integer from 0 to 4294967295, "
                        "found '5000000000'");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {epochs: -1}\n"),
                        "t.yaml:3:17: train.epochs: expected an unsigned integer from 0 to 4294967295, found '-1'");
    assert_string_equal(ct_test_load_fail(DATA NETS "seed: 18446744073709551616\n"),
                        "t.yaml:3:7: seed: expected an unsigned integer from 0 to 18446744073709551615, "
                        "found '18446744073709551616'");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {batch_size: -9223372036854775809}\n"),
                        "t.yaml:3:21: train.batch_size: expected an integer from -9223372036854775808 to "
                        "9223372036854775807, found '-9223372036854775809'");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: 1e39}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number within the range of a float, found '1e39'");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  epochs: 2\n  batch_size: 8\n  epochs: 3\n"),
                        "t.yaml:6:3: train.epochs: duplicate key 'epochs' (first at line 4, column 3)");
    assert_string_equal(ct_test_load_fail(DATA NETS "data: {path: e.h5}\n"),
                        "t.yaml:3:1: data: duplicate key 'data' (first at line 1, column 1)");
}

static void test_oneof_twice(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers:\n"
                                               "        - linear: {out_features: 3}\n"
                                               "          relu: {}\n"),
                        "t.yaml:6:11: model.networks[0].layers[0]: 'linear' and 'relu' are both set; a Layer "
                        "takes exactly one of linear, relu, leaky_relu, sigmoid, tanh, softmax, conv2d, "
                        "conv_transpose2d, max_pool2d, avg_pool2d, upsample, flatten, unflatten, reshape, "
                        "batch_norm1d, batch_norm2d, dropout, elu, log_softmax, embedding, rnn, lstm, gru");
}

static void test_unknown_enum(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {type: adamw}\n"),
                        "t.yaml:3:19: optimizer.type: expected one of sgd, adam, rmsprop, found 'adamw'; did you mean 'adam'?");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  loss: xent\n  networks: [{layers: [relu]}]\n"),
                        "t.yaml:3:9: model.loss: expected one of cross_entropy, mse, bce_with_logits, bce, nll, huber, l1, "
                        "found 'xent'");
}

static void test_mapping_vs_sequence(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  - epochs: 3\n"),
                        "t.yaml:4:3: train: expected a mapping (Train), found a sequence");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    layers: [relu]\n"),
                        "t.yaml:4:5: model.networks: expected a sequence (each item a mapping (Network)), "
                        "found a mapping");
    assert_string_equal(ct_test_load_fail("data: d.h5\n" NETS),
                        "t.yaml:1:7: data: expected a mapping (Data), found 'd.h5'");
    assert_string_equal(ct_test_load_fail(DATA "model: {networks: [{layers: relu}]}\n"),
                        "t.yaml:2:29: model.networks[0].layers: expected a sequence (each item a mapping (Layer) "
                        "or one of relu, sigmoid, tanh, softmax, flatten, log_softmax), found 'relu'");
}

static void test_bad_shorthand(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers:\n        - rleu\n"),
                        "t.yaml:5:11: model.networks[0].layers[0]: expected a mapping (Layer) or one of relu, "
                        "sigmoid, tanh, softmax, flatten, log_softmax, found 'rleu'; did you mean 'relu'?");
    /* leaky_relu has settings: no bare form. */
    assert_has(ct_test_load_fail(DATA "model: {networks: [{layers: [leaky_relu]}]}\n"),
               "t.yaml:2:30: model.networks[0].layers[0]: expected a mapping (Layer) or one of relu, sigmoid, "
               "tanh, softmax, flatten, log_softmax, found 'leaky_relu'");
    assert_has(ct_test_load_fail(DATA "train: fast\n" NETS), "t.yaml:2:8: train: expected a mapping (Train), found 'fast'");
}

static void test_failure_midway_frees(void **state)
{
    (void)state; /* under ASan, leaks of half-built messages show here */
    ct_test_load_fail(DATA "name: n\nmodel:\n  networks:\n    - name: a\n      layers:\n        - linear: {out_features: 3}\n"
                           "        - {linear: {out_features: 4, bias: no}, name: x}\n        - linear: {out_features: z}\n");
    ct_test_load_fail(DATA "model: {networks: [{layers: [relu]}, {name: b, layers: [relu, bogus]}]}\n");
}

/* ---- semantic checks ---- */

static void test_data_path_required(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(NETS),
                        "t.yaml: data.path: expected the path of an HDF5 dataset file, found nothing (it is required)");
    assert_string_equal(ct_test_load_fail("data:\n  input: images\n" NETS),
                        "t.yaml:2:3: data.path: expected the path of an HDF5 dataset file, found nothing (it is required)");
    assert_string_equal(ct_test_load_fail("data: {path: ''}\n" NETS),
                        "t.yaml:1:14: data.path: expected the path of an HDF5 dataset file, found an empty string");
}

static void test_train_ranges(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "train:\n  batch_size: -5\n"),
                        "t.yaml:4:15: train.batch_size: expected an integer >= 1, found -5");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {eval_batch_size: 0}\n"),
                        "t.yaml:3:26: train.eval_batch_size: expected an integer >= 1, found 0");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {epochs: 0}\n"),
                        "t.yaml:3:17: train.epochs: expected an integer >= 1, found 0");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {max_steps: -1}\n"),
                        "t.yaml:3:20: train.max_steps: expected an integer >= 0, found -1");
    assert_string_equal(ct_test_load_fail(DATA NETS "train: {bucket_mb: 0}\n"),
                        "t.yaml:3:20: train.bucket_mb: expected a number > 0, found 0");
}

static void test_optimizer_ranges(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: 0}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number > 0, found 0");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: -0.1}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number > 0, found -0.1");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: .nan}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number > 0, found nan");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {lr: .inf}\n"),
                        "t.yaml:3:17: optimizer.lr: expected a number > 0, found inf");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {momentum: -0.5}\n"),
                        "t.yaml:3:23: optimizer.momentum: expected a number >= 0, found -0.5");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {weight_decay: -1}\n"),
                        "t.yaml:3:27: optimizer.weight_decay: expected a number >= 0, found -1");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {beta1: 1}\n"),
                        "t.yaml:3:20: optimizer.beta1: expected a number >= 0 and < 1, found 1");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {beta2: -0.25}\n"),
                        "t.yaml:3:20: optimizer.beta2: expected a number >= 0 and < 1, found -0.25");
    assert_string_equal(ct_test_load_fail(DATA NETS "optimizer: {eps: 0}\n"),
                        "t.yaml:3:18: optimizer.eps: expected a number > 0, found 0");
}

static void test_model_shape(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA),
                        "t.yaml: model.networks: expected at least one network, found none");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks: []\n"),
                        "t.yaml:3:13: model.networks: expected at least one network, found none");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - name: a\n"),
                        "t.yaml:4:7: model.networks[0].layers: expected at least one layer, found none");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers: [relu]\n    - layers: [relu]\n"),
                        "t.yaml:4:5: model.networks: a classifier has exactly one network, found 2");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers:\n        - relu\n        - name: fc\n"),
                        "t.yaml:6:11: model.networks[0].layers[1]: expected a layer type (one of linear, relu, "
                        "leaky_relu, sigmoid, tanh, softmax, conv2d, conv_transpose2d, max_pool2d, avg_pool2d, "
                        "upsample, flatten, unflatten, reshape, batch_norm1d, batch_norm2d, dropout, elu, "
                        "log_softmax, embedding, rnn, lstm, gru), found none");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers:\n        - linear: {in_features: 4}\n"),
                        "t.yaml:5:19: model.networks[0].layers[0].linear.out_features: expected an integer >= 1, "
                        "found 0 (the default)");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  networks:\n    - layers:\n        - linear: {out_features: 0}\n"),
                        "t.yaml:5:34: model.networks[0].layers[0].linear.out_features: expected an integer >= 1, found 0");
    assert_string_equal(ct_test_load_fail(DATA "model: {networks: [{layers: [{name: '1', relu: {}}, relu]}]}\n"),
                        "t.yaml:2:53: model.networks[0].layers[1]: layer name '1' is already used by layer 0: "
                        "tensor names must be unique");
    assert_string_equal(ct_test_load_fail(DATA "model: {networks: [{layers: [{name: a.b, relu: {}}]}]}\n"),
                        "t.yaml:2:37: model.networks[0].layers[0].name: expected a name that is not empty and has "
                        "no '.', found 'a.b'");
}

/* A regressor: one network, a loss against float targets. */
static void test_regressor(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA "model:\n  family: regressor\n  networks: [{layers: [relu]}]\n"),
                        "t.yaml:3:3: model.loss: a regressor trains on float targets with mse, l1 or huber, found "
                        "cross_entropy (the default); class labels train a classifier (model.family: classifier)");
    assert_string_equal(ct_test_load_fail(DATA "model: {family: regressor, loss: bce, networks: [{layers: [relu]}]}\n"),
                        "t.yaml:2:34: model.loss: a regressor trains on float targets with mse, l1 or huber, "
                        "found bce");
    assert_string_equal(ct_test_load_fail(DATA "model:\n  family: regressor\n  loss: l1\n"
                                               "  networks: [{layers: [relu]}, {layers: [relu]}]\n"),
                        "t.yaml:5:13: model.networks: a regressor has exactly one network, found 2");
    static const char *const losses[] = {"mse", "l1", "huber"};
    for (size_t i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text, DATA "model: {family: regressor, loss: %s, networks: [{layers: [relu]}]}\n",
                 losses[i]);
        ct_job *job = ct_test_load(text);
        assert_int_equal(job->model->family, CTRAIN__FAMILY__REGRESSOR);
        ct_job_free(job);
    }
}

/* An autoencoder's loss is named as the job gives it. */
static void test_autoencoder_loss(void **state)
{
    (void)state;
    assert_string_equal(ct_test_load_fail(DATA "model: {family: autoencoder, loss: nll, autoencoder: {latent_size: 2}, "
                                               "networks: [{name: encoder, layers: [relu]}, "
                                               "{name: decoder, layers: [relu]}]}\n"),
                        "t.yaml:2:36: model.loss: an autoencoder trains with mse or bce_with_logits, found nll");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_error_names_the_file),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_top_level),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_oneof_twice),
        cmocka_unit_test(test_unknown_enum),
        cmocka_unit_test(test_mapping_vs_sequence),
        cmocka_unit_test(test_bad_shorthand),
        cmocka_unit_test(test_failure_midway_frees),
        cmocka_unit_test(test_data_path_required),
        cmocka_unit_test(test_train_ranges),
        cmocka_unit_test(test_optimizer_ranges),
        cmocka_unit_test(test_model_shape),
        cmocka_unit_test(test_regressor),
        cmocka_unit_test(test_autoencoder_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
