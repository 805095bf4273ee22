/* The image, normalisation, dropout and sequence layers in jobs: every key
 * with its PyTorch name and default, the losses bce and nll, and the ranges
 * that job_check.c adds to the types (each error names the file, line,
 * column and field path). */
#include "job_test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/alloc.h"

#define DATA "data: {path: d.h5}\n"

static void test_every_layer_loads(void **state)
{
    (void)state;
    ct_job *job = ct_test_load(DATA "model:\n"
                                    "  loss: nll\n"
                                    "  networks:\n"
                                    "    - layers:\n"
                                    "        - conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n"
                                    "        - batch_norm2d: {}\n"
                                    "        - elu: {}\n"
                                    "        - max_pool2d: {kernel_size: 2}\n"
                                    "        - conv_transpose2d: {out_channels: 4, kernel_size: 3, stride: 2,\n"
                                    "                             padding: 1, output_padding: 1, bias: false}\n"
                                    "        - avg_pool2d: {kernel_size: 3, stride: 2, padding: 1}\n"
                                    "        - upsample: {scale_factor: 2}\n"
                                    "        - flatten\n"
                                    "        - dropout: {p: 0.25}\n"
                                    "        - unflatten: {unflattened_size: [4, -1]}\n"
                                    "        - reshape: {shape: [-1]}\n"
                                    "        - batch_norm1d: {num_features: 64, eps: 0.001, momentum: 0.3}\n"
                                    "        - elu: {alpha: 0.5}\n"
                                    "        - linear: {out_features: 10}\n"
                                    "        - log_softmax\n");
    assert_int_equal(job->model->loss, CTRAIN__LOSS__NLL);
    Ctrain__Layer **l = job->model->networks[0]->layers;
    assert_int_equal(job->model->networks[0]->n_layers, 15);
    const Ctrain__Conv2d *conv = l[0]->conv2d;
    assert_int_equal(l[0]->type_case, CTRAIN__LAYER__TYPE_CONV2D);
    assert_int_equal(conv->in_channels, 0); /* inferred */
    assert_int_equal(conv->out_channels, 8);
    assert_int_equal(conv->kernel_size, 3);
    assert_int_equal(conv->stride, 1);
    assert_int_equal(conv->padding, 1);
    assert_true(conv->bias);
    assert_int_equal(l[1]->batch_norm2d->num_features, 0);
    assert_true(l[1]->batch_norm2d->eps == 1e-5f);
    assert_true(l[1]->batch_norm2d->momentum == 0.1f);
    assert_int_equal(l[2]->type_case, CTRAIN__LAYER__TYPE_ELU);
    assert_true(l[2]->elu->alpha == 1.0f);
    assert_int_equal(l[3]->max_pool2d->kernel_size, 2);
    assert_int_equal(l[3]->max_pool2d->stride, 0); /* kernel_size */
    assert_int_equal(l[3]->max_pool2d->padding, 0);
    const Ctrain__ConvTranspose2d *convt = l[4]->conv_transpose2d;
    assert_int_equal(convt->out_channels, 4);
    assert_int_equal(convt->stride, 2);
    assert_int_equal(convt->output_padding, 1);
    assert_false(convt->bias);
    assert_int_equal(l[5]->avg_pool2d->stride, 2);
    assert_int_equal(l[5]->avg_pool2d->padding, 1);
    assert_int_equal(l[6]->upsample->scale_factor, 2);
    assert_int_equal(l[7]->type_case, CTRAIN__LAYER__TYPE_FLATTEN);
    assert_true(l[8]->dropout->p == 0.25f);
    assert_int_equal(l[9]->unflatten->n_unflattened_size, 2);
    assert_int_equal(l[9]->unflatten->unflattened_size[1], -1);
    assert_int_equal(l[10]->reshape->n_shape, 1);
    assert_int_equal(l[11]->batch_norm1d->num_features, 64);
    assert_true(l[11]->batch_norm1d->momentum == 0.3f);
    assert_true(l[12]->elu->alpha == 0.5f);
    assert_int_equal(l[14]->type_case, CTRAIN__LAYER__TYPE_LOG_SOFTMAX);
    ct_job_free(job);

    job = ct_test_load(DATA "model: {loss: bce, networks: [{layers: [dropout: {}, sigmoid]}]}\n");
    assert_int_equal(job->model->loss, CTRAIN__LOSS__BCE);
    assert_true(job->model->networks[0]->layers[0]->dropout->p == 0.5f);
    ct_job_free(job);
}

static void test_example_cnn_file(void **state)
{
    (void)state;
    ct_job *job = NULL;
    ct_error err = {{0}};
    if (ct_job_load(ct_test_source_path("jobs/fashion_cnn.yaml"), NULL, 0, &job, &err) != CT_OK)
        fail_msg("%s", err.msg);
    const Ctrain__Network *net = job->model->networks[0];
    assert_int_equal(net->n_layers, 14);
    assert_int_equal(net->layers[0]->type_case, CTRAIN__LAYER__TYPE_CONV2D);
    assert_int_equal(net->layers[4]->conv2d->out_channels, 64);
    assert_int_equal(net->layers[5]->batch_norm2d->num_features, 64);
    assert_int_equal(net->layers[7]->max_pool2d->kernel_size, 2);
    assert_true(net->layers[9]->dropout->p == 0.25f);
    assert_int_equal(net->layers[10]->linear->in_features, 3136);
    ct_job_free(job);
}

/* The message for one layer written as `- <layer>` in a one-layer network. */
static const char *layer_fail(const char *layer)
{
    static char yaml[512];
    snprintf(yaml, sizeof yaml, DATA "model:\n  networks:\n    - layers:\n        - %s\n", layer);
    return ct_test_load_fail(yaml);
}

static void test_layer_ranges(void **state)
{
    (void)state;
    assert_string_equal(layer_fail("conv2d: {out_channels: 8}"),
                        "t.yaml:5:19: model.networks[0].layers[0].conv2d.kernel_size: expected an integer >= 1 and "
                        "<= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("conv2d: {out_channels: 8, kernel_size: 3, stride: 0}"),
                        "t.yaml:5:61: model.networks[0].layers[0].conv2d.stride: expected an integer >= 1 and "
                        "<= 2147483647, found 0");
    assert_string_equal(layer_fail("conv2d: {kernel_size: 3}"),
                        "t.yaml:5:19: model.networks[0].layers[0].conv2d.out_channels: expected an integer >= 1 and "
                        "<= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("conv2d: {out_channels: 8, kernel_size: 3000000000}"),
                        "t.yaml:5:50: model.networks[0].layers[0].conv2d.kernel_size: expected an integer >= 1 and "
                        "<= 2147483647, found 3000000000");
    assert_string_equal(layer_fail("conv_transpose2d: {out_channels: 1, kernel_size: 3, stride: 2, output_padding: 2}"),
                        "t.yaml:5:90: model.networks[0].layers[0].conv_transpose2d.output_padding: expected an "
                        "integer smaller than stride (2), found 2");
    assert_string_equal(layer_fail("conv_transpose2d: {out_channels: 1, kernel_size: 3, output_padding: 1}"),
                        "t.yaml:5:79: model.networks[0].layers[0].conv_transpose2d.output_padding: expected an "
                        "integer smaller than stride (1), found 1");
    assert_string_equal(layer_fail("max_pool2d: {kernel_size: 2, padding: 2}"),
                        "t.yaml:5:49: model.networks[0].layers[0].max_pool2d.padding: expected at most half of "
                        "kernel_size (1), found 2");
    assert_string_equal(layer_fail("avg_pool2d: {stride: 2}"),
                        "t.yaml:5:23: model.networks[0].layers[0].avg_pool2d.kernel_size: expected an integer >= 1 "
                        "and <= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("upsample: {}"),
                        "t.yaml:5:21: model.networks[0].layers[0].upsample.scale_factor: expected an integer >= 1 "
                        "and <= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("dropout: {p: 1}"),
                        "t.yaml:5:24: model.networks[0].layers[0].dropout.p: expected a number >= 0 and < 1, "
                        "found 1");
    assert_string_equal(layer_fail("dropout: {p: -0.5}"),
                        "t.yaml:5:24: model.networks[0].layers[0].dropout.p: expected a number >= 0 and < 1, "
                        "found -0.5");
    assert_string_equal(layer_fail("batch_norm2d: {eps: 0}"),
                        "t.yaml:5:31: model.networks[0].layers[0].batch_norm2d.eps: expected a number > 0, found 0");
    assert_string_equal(layer_fail("batch_norm1d: {momentum: 1.5}"),
                        "t.yaml:5:36: model.networks[0].layers[0].batch_norm1d.momentum: expected a number >= 0 and "
                        "<= 1, found 1.5");
    assert_string_equal(layer_fail("elu: {alpha: .nan}"),
                        "t.yaml:5:24: model.networks[0].layers[0].elu.alpha: expected a finite number, found nan");
    assert_string_equal(layer_fail("reshape: {shape: []}"),
                        "t.yaml:5:28: model.networks[0].layers[0].reshape.shape: expected a list of 1 to 4 "
                        "dimensions, found 0");
    assert_string_equal(layer_fail("reshape: {shape: [1, 2, 3, 4, 5]}"),
                        "t.yaml:5:28: model.networks[0].layers[0].reshape.shape: expected a list of 1 to 4 "
                        "dimensions, found 5");
    assert_string_equal(layer_fail("unflatten: {unflattened_size: [-1, 4, -1]}"),
                        "t.yaml:5:41: model.networks[0].layers[0].unflatten.unflattened_size: expected dimensions "
                        ">= 1 (and at most one -1), found -1 at index 2");
    assert_string_equal(layer_fail("unflatten: {unflattened_size: [0, 4]}"),
                        "t.yaml:5:41: model.networks[0].layers[0].unflatten.unflattened_size: expected dimensions "
                        ">= 1 (and at most one -1), found 0 at index 0");
}

#define LM_JOB                                                                                    \
    DATA "model:\n"                                                                              \
         "  networks:\n"                                                                         \
         "    - layers:\n"                                                                       \
         "        - embedding: {num_embeddings: 96, embedding_dim: 32}\n"                        \
         "        - lstm: {hidden_size: 64, num_layers: 2, dropout: 0.25, bias: false}\n"         \
         "        - gru: {input_size: 64, hidden_size: 16}\n"                                    \
         "        - rnn: {hidden_size: 8, nonlinearity: relu, output: last}\n"                   \
         "        - linear: {out_features: 96, last_dim: true}\n"

static void test_sequence_layers_load(void **state)
{
    (void)state;
    ct_job *job = ct_test_load(LM_JOB);
    Ctrain__Layer **l = job->model->networks[0]->layers;
    assert_int_equal(job->model->networks[0]->n_layers, 5);
    assert_int_equal(l[0]->type_case, CTRAIN__LAYER__TYPE_EMBEDDING);
    assert_int_equal(l[0]->embedding->num_embeddings, 96);
    assert_int_equal(l[0]->embedding->embedding_dim, 32);
    const Ctrain__Recurrent *lstm = l[1]->lstm, *gru = l[2]->gru;
    assert_int_equal(l[1]->type_case, CTRAIN__LAYER__TYPE_LSTM);
    assert_int_equal(lstm->input_size, 0); /* inferred */
    assert_int_equal(lstm->hidden_size, 64);
    assert_int_equal(lstm->num_layers, 2);
    assert_false(lstm->bias);
    assert_true(lstm->dropout == 0.25f);
    assert_int_equal(lstm->output, CTRAIN__RECURRENT_OUTPUT__SEQUENCE);
    assert_int_equal(l[2]->type_case, CTRAIN__LAYER__TYPE_GRU);
    assert_int_equal(gru->input_size, 64);
    assert_int_equal(gru->num_layers, 1);
    assert_true(gru->bias);
    assert_true(gru->dropout == 0.0f);
    const Ctrain__Rnn *rnn = l[3]->rnn;
    assert_int_equal(rnn->nonlinearity, CTRAIN__NONLINEARITY__RELU);
    assert_int_equal(rnn->output, CTRAIN__RECURRENT_OUTPUT__LAST);
    assert_true(l[4]->linear->last_dim);
    assert_true(l[4]->linear->bias);
    ct_job_free(job);
    job = ct_test_load(DATA "model: {networks: [{layers: [rnn: {hidden_size: 4}, linear: {out_features: 2}]}]}\n");
    rnn = job->model->networks[0]->layers[0]->rnn;
    assert_int_equal(rnn->nonlinearity, CTRAIN__NONLINEARITY__TANH);
    assert_int_equal(rnn->output, CTRAIN__RECURRENT_OUTPUT__SEQUENCE);
    assert_false(job->model->networks[0]->layers[1]->linear->last_dim);
    ct_job_free(job);
}

/* `ctrain job check` prints the resolved job (ct_job_to_yaml): every field
 * of the new layers, defaults included, reading back to the same job. */
static void test_sequence_layers_print(void **state)
{
    (void)state;
    ct_job *job = ct_test_load(LM_JOB);
    char *yaml = ct_job_to_yaml(job);
    assert_has(yaml, "        - embedding:\n"
                     "            num_embeddings: 96\n"
                     "            embedding_dim: 32\n"
                     "        - lstm:\n"
                     "            input_size: 0\n"
                     "            hidden_size: 64\n"
                     "            num_layers: 2\n"
                     "            bias: false\n"
                     "            dropout: 0.25\n"
                     "            output: sequence\n"
                     "        - gru:\n"
                     "            input_size: 64\n"
                     "            hidden_size: 16\n"
                     "            num_layers: 1\n"
                     "            bias: true\n"
                     "            dropout: 0\n"
                     "            output: sequence\n"
                     "        - rnn:\n"
                     "            input_size: 0\n"
                     "            hidden_size: 8\n"
                     "            num_layers: 1\n"
                     "            bias: true\n"
                     "            nonlinearity: relu\n"
                     "            dropout: 0\n"
                     "            output: last\n"
                     "        - linear:\n"
                     "            in_features: 0\n"
                     "            out_features: 96\n"
                     "            bias: true\n"
                     "            last_dim: true\n");
    ct_job *again = ct_test_load(yaml);
    size_t n1, n2;
    uint8_t *b1 = ct_test_pack(&job->base, &n1), *b2 = ct_test_pack(&again->base, &n2);
    assert_true(n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    ct_free(yaml);
    ct_job_free(again);
    ct_job_free(job);
}

static void test_sequence_layer_ranges(void **state)
{
    (void)state;
    assert_string_equal(layer_fail("embedding: {embedding_dim: 8}"),
                        "t.yaml:5:22: model.networks[0].layers[0].embedding.num_embeddings: expected an integer >= 1 "
                        "and <= 16777216 (ids are float32, exact up to 2^24), found 0 (the default)");
    assert_string_equal(layer_fail("embedding: {num_embeddings: 16777217, embedding_dim: 8}"),
                        "t.yaml:5:39: model.networks[0].layers[0].embedding.num_embeddings: expected an integer >= 1 "
                        "and <= 16777216 (ids are float32, exact up to 2^24), found 16777217");
    assert_string_equal(layer_fail("embedding: {num_embeddings: 10}"),
                        "t.yaml:5:22: model.networks[0].layers[0].embedding.embedding_dim: expected an integer >= 1 "
                        "and <= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("lstm: {num_layers: 2}"),
                        "t.yaml:5:17: model.networks[0].layers[0].lstm.hidden_size: expected an integer >= 1 and "
                        "<= 2147483647, found 0 (the default)");
    assert_string_equal(layer_fail("gru: {hidden_size: 4, num_layers: 0}"),
                        "t.yaml:5:45: model.networks[0].layers[0].gru.num_layers: expected an integer >= 1 and "
                        "<= 2147483647, found 0");
    assert_string_equal(layer_fail("rnn: {hidden_size: 4, input_size: 2147483648}"),
                        "t.yaml:5:45: model.networks[0].layers[0].rnn.input_size: expected an integer >= 0 and "
                        "<= 2147483647, found 2147483648");
    assert_string_equal(layer_fail("lstm: {hidden_size: 4, num_layers: 2, dropout: 1}"),
                        "t.yaml:5:58: model.networks[0].layers[0].lstm.dropout: expected a number >= 0 and < 1, "
                        "found 1");
    assert_string_equal(layer_fail("gru: {hidden_size: 4, dropout: 0.5}"),
                        "t.yaml:5:42: model.networks[0].layers[0].gru.dropout: expected 0 with num_layers 1 (dropout "
                        "applies between stacked layers), found 0.5");
    assert_has(layer_fail("rnn: {hidden_size: 4, nonlinearity: sigmoid}"), "rnn.nonlinearity");
    assert_has(layer_fail("lstm: {hidden_size: 4, output: final}"), "lstm.output");
    assert_has(layer_fail("lstm: {hidden_size: 4, nonlinearity: relu}"), "unknown key 'nonlinearity' in");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_layer_loads),
        cmocka_unit_test(test_example_cnn_file),
        cmocka_unit_test(test_layer_ranges),
        cmocka_unit_test(test_sequence_layers_load),
        cmocka_unit_test(test_sequence_layers_print),
        cmocka_unit_test(test_sequence_layer_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
